import type * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { RiskTier } from "../args";
import { planAgentRole, trustPolicyOutput } from "./agent-role-plan";
import { type AgentPolicyStatement, resolvedStatementsOutput } from "./permissions";
import {
    associatePodIdentity,
    attachGuardrailPolicies,
    createBoundary,
    createInlinePolicies,
    createRole,
} from "./role-resources";

export type { AgentPolicyStatement } from "./permissions";
export type { RiskTier } from "../args";

/** How pods obtain the role: IAM Roles for Service Accounts, or EKS Pod Identity. */
export type AgentRoleTrust =
    | {
          readonly kind: "irsa";
          /** ARN of the cluster's IAM OIDC provider. */
          readonly oidcProviderArn: pulumi.Input<string>;
          /** The issuer URL; must be the provider's own. @default derived from `oidcProviderArn` */
          readonly oidcProviderUrl?: pulumi.Input<string>;
      }
    | { readonly kind: "pod-identity"; readonly clusterName: pulumi.Input<string> };

/** The outputs of an AgentRuntime that identify the agent's service account. */
export interface AgentServiceAccountSource {
    readonly namespaceName: pulumi.Input<string>;
    readonly serviceAccountName: pulumi.Input<string>;
}

/** Resources of an AgentAuditTrail that agents may never touch (an AgentAuditTrail has these outputs). */
export interface ProtectedAuditResources {
    readonly protectedResourceArns: pulumi.Input<pulumi.Input<string>[]>;
    /**
     * The longest each ARN can be, known before the ARNs are (an AgentAuditTrail has it), so the boundary's
     * size is bounded at construction. @default the ARNs' lengths when they are plain strings, else the
     * size is checked once they are known
     */
    readonly protectedResourceArnBounds?: readonly number[];
}

export interface AgentRoleArgs {
    /** The agent's id: a DNS label of at most 57 characters, set as tag `agentguard.io/agent`. */
    readonly agentId: string;
    /** Owning team id, label-safe, set as `agentguard.io/owner`. */
    readonly owner: string;
    /** `agentguard.io/risk-tier`: 1 low, 2 medium, 3 high. @default 3 */
    readonly riskTier?: RiskTier;
    /** Kill switch: attach an explicit deny-all policy, effective for sessions already issued. @default false */
    readonly suspended?: boolean;
    /**
     * Deny every session whose token was issued before this ISO 8601 time (with time zone), AWS's
     * revoke-sessions pattern. At most a few minutes ahead of now. @default no revocation
     */
    readonly revokeSessionsIssuedBefore?: string;
    /**
     * The role's permissions, as IAM statements. Rejected at construction: `*` and NotAction allows, IAM
     * writes and other permissions management, credentials, role assumption of non-exact ARNs,
     * privilege-escalation actions and combinations, network and audit tampering. @default [] (no permissions)
     */
    readonly statements?: readonly AgentPolicyStatement[];
    /**
     * Use this permissions boundary instead of creating the agentguard boundary (the policy pack still
     * judges it). @default a boundary from buildAgentPermissionsBoundary, plus guardrail deny policies
     */
    readonly permissionsBoundaryArn?: pulumi.Input<string>;
    /** The AgentRuntime whose service account assumes the role. Give this or `namespace` + `serviceAccount`. */
    readonly runtime?: AgentServiceAccountSource;
    /** Namespace of the service account (with `serviceAccount`, instead of `runtime`). */
    readonly namespace?: pulumi.Input<string>;
    /** Name of the service account (with `namespace`, instead of `runtime`). */
    readonly serviceAccount?: pulumi.Input<string>;
    /** How the service account obtains the role. */
    readonly trust: AgentRoleTrust;
    /** The audit trail whose bucket, key, log group and trail the boundary denies entirely. @default none */
    readonly auditTrail?: ProtectedAuditResources;
    /** Extra tags; agentguard.io/ and aws: keys are reserved. @default {} */
    readonly tags?: Readonly<Record<string, string>>;
    /** Longest session, in seconds. @default 3600 */
    readonly maxSessionDuration?: number;
}

/**
 * The IAM role an agent's pods use: trusted by exactly one service account, permissions checked against
 * the IAM library's forbidden families, bounded by a deny-list boundary, with a kill switch and session
 * revocation.
 */
export class AgentRole extends pulumi.ComponentResource {
    public readonly role: aws.iam.Role;
    public readonly roleArn: pulumi.Output<string>;
    public readonly roleName: pulumi.Output<string>;
    /** The trust policy JSON; fails if a service account Output resolves to an invalid name. */
    public readonly trustPolicy: pulumi.Output<string>;
    /** The identity policy JSON of `statements`; fails if a resolved Output makes the grant forbidden. */
    public readonly permissionsDocument: pulumi.Output<string>;
    /** ARN of the permissions boundary in force (created or given). */
    public readonly permissionsBoundaryArn: pulumi.Output<string>;
    public readonly boundaryPolicy?: aws.iam.Policy;
    public readonly guardrailPolicies: aws.iam.Policy[];
    public readonly permissionsPolicy?: aws.iam.RolePolicy;
    public readonly suspensionPolicy?: aws.iam.RolePolicy;
    public readonly sessionRevocationPolicy?: aws.iam.RolePolicy;
    public readonly podIdentityAssociation?: aws.eks.PodIdentityAssociation;

    constructor(name: string, args: AgentRoleArgs, opts: pulumi.ComponentResourceOptions = {}) {
        // Every plain argument is checked before the component or any child exists.
        const plan = planAgentRole(name, args);
        super("agentguard:aws:AgentRole", name, {}, opts);
        const scope = { name, args, plan, parent: this };
        this.trustPolicy = trustPolicyOutput(plan.component, args.trust, plan.serviceAccount);
        const resolvedStatements = resolvedStatementsOutput(plan.component, args.statements ?? []);
        this.permissionsDocument = resolvedStatements.apply((resolved) =>
            JSON.stringify({ Version: "2012-10-17", Statement: resolved }),
        );
        const boundary = createBoundary(scope, resolvedStatements);
        this.boundaryPolicy = boundary.policy;
        this.role = createRole(scope, this.trustPolicy, boundary.arn);
        this.guardrailPolicies = attachGuardrailPolicies(scope, this.role);
        const inline = createInlinePolicies(scope, this.role, this.permissionsDocument);
        this.permissionsPolicy = inline.permissionsPolicy;
        this.suspensionPolicy = inline.suspensionPolicy;
        this.sessionRevocationPolicy = inline.sessionRevocationPolicy;
        this.podIdentityAssociation = associatePodIdentity(scope, this.role);

        this.roleArn = this.role.arn;
        this.roleName = this.role.name;
        this.permissionsBoundaryArn = boundary.arn;
        this.registerOutputs({
            role: this.role,
            roleArn: this.roleArn,
            roleName: this.roleName,
            trustPolicy: this.trustPolicy,
            permissionsDocument: this.permissionsDocument,
            permissionsBoundaryArn: this.permissionsBoundaryArn,
            boundaryPolicy: this.boundaryPolicy,
            guardrailPolicies: this.guardrailPolicies,
            permissionsPolicy: this.permissionsPolicy,
            suspensionPolicy: this.suspensionPolicy,
            sessionRevocationPolicy: this.sessionRevocationPolicy,
            podIdentityAssociation: this.podIdentityAssociation,
        });
    }
}
