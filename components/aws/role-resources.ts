/** AgentRole's children, one step per function, in the order the component registers them. */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
    MANAGED_POLICY_MAX_CHARS,
    buildAgentGuardrailPolicies,
    buildAgentPermissionsBoundary,
    policySize,
} from "../../core/iam";
import { argumentError, isPlain } from "../args";
import type { AgentRoleArgs } from "./agent-role";
import type { AgentRolePlan } from "./agent-role-plan";
import { assumableRoleArns } from "./permissions";
import { denyAllPolicy, revokeSessionsPolicy } from "./session-controls";

/** What every child shares. */
export interface RoleScope {
    readonly name: string;
    readonly args: AgentRoleArgs;
    readonly plan: AgentRolePlan;
    readonly parent: pulumi.Resource;
}

/** The boundary in force: the caller's `permissionsBoundaryArn`, or a policy created here. */
export interface RoleBoundary {
    readonly arn: pulumi.Output<string>;
    readonly policy?: aws.iam.Policy;
}

/** Stand-ins for the boundary's ARN lists while its shape is built; replaced by Outputs of the real lists. */
const ASSUMABLE_MARK = "agentguard:assumable-role-arns";
const PROTECTED_MARK = "agentguard:protected-resource-arns";

/** A value with no Output or Promise anywhere in it (so what it holds is known now). */
function isPlainDeep(value: unknown): boolean {
    if (!isPlain(value)) return false;
    if (Array.isArray(value)) return value.every(isPlainDeep);
    if (value !== null && typeof value === "object") return Object.values(value).every(isPlainDeep);
    return true;
}

/**
 * Whether each ARN list of the boundary is empty, when that is known at construction (the statements'
 * effects, actions and role-assumption resources are plain; the audit trail's ARNs are counted by their
 * bounds or given as a list). The statements that depend on it exist or not: its shape.
 */
function boundaryShape(args: AgentRoleArgs): { assumes: boolean; protects: boolean } | undefined {
    const statements = (args.statements ?? []) as unknown as Record<string, unknown>[];
    if (!statements.every((st) => isPlainDeep(st.Effect) && isPlainDeep(st.Action))) return undefined;
    const assumers = statements.filter(
        (st) => assumableRoleArns([{ ...st, Resource: ROLE_ARN_PROBE }]).length > 0,
    );
    if (!assumers.every((st) => isPlainDeep(st.Resource))) return undefined;
    const trail = args.auditTrail;
    const arns: unknown = trail?.protectedResourceArns;
    const protectedCount =
        trail === undefined
            ? 0
            : (trail.protectedResourceArnBounds?.length ?? (Array.isArray(arns) ? arns.length : undefined));
    if (protectedCount === undefined) return undefined;
    return { assumes: assumableRoleArns(assumers).length > 0, protects: protectedCount > 0 };
}
const ROLE_ARN_PROBE = "arn:aws:iam::000000000000:role/probe";

/** Replaces each marked list of `document` by `lists[mark]`, leaving everything else as it is. */
function withLists(value: unknown, lists: Record<string, pulumi.Output<string[]>>): unknown {
    if (Array.isArray(value)) {
        if (value.length === 1 && typeof value[0] === "string" && value[0] in lists) return lists[value[0]];
        return value.map((v) => withLists(v, lists));
    }
    if (value !== null && typeof value === "object")
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withLists(v, lists)]));
    return value;
}

/**
 * agentguard's deny-list boundary, exempting the exact roles the statements may assume. Declared as an
 * object whose ARN lists are Outputs, so a preview knows every effect and action and only those ARNs are
 * unknown; when its shape depends on values not known yet, as one JSON document computed once they are.
 */
export function createBoundary(
    { name, args, plan, parent }: RoleScope,
    resolvedStatements: pulumi.Output<Record<string, unknown>[]>,
): RoleBoundary {
    if (args.permissionsBoundaryArn !== undefined) return { arn: pulumi.output(args.permissionsBoundaryArn) };
    const protectedArns = pulumi.output(args.auditTrail?.protectedResourceArns ?? []);
    const shape = boundaryShape(args);
    const checked = pulumi.all([resolvedStatements, protectedArns]).apply(([resolved, arns]) => {
        const assumable = assumableRoleArns(resolved);
        const boundary = buildAgentPermissionsBoundary({
            assumableRoleArns: assumable,
            protectedResourceArns: arns,
        });
        const size = policySize(boundary);
        if (size > MANAGED_POLICY_MAX_CHARS) {
            throw argumentError(
                {
                    component: plan.component,
                    argument: "statements",
                    value: size,
                    allowed: `a permissions boundary of at most ${MANAGED_POLICY_MAX_CHARS} characters`,
                },
                `${plan.component}: the permissions boundary is ${size} characters, over IAM's ${MANAGED_POLICY_MAX_CHARS}; assume fewer exact roles, or pass permissionsBoundaryArn`,
            );
        }
        if (shape && (shape.protects !== arns.length > 0 || shape.assumes !== assumable.length > 0)) {
            throw argumentError(
                {
                    component: plan.component,
                    argument: "auditTrail.protectedResourceArnBounds",
                    value: args.auditTrail?.protectedResourceArnBounds,
                    allowed: `one bound per protected ARN (${arns.length} ARNs)`,
                },
                `${plan.component}: the boundary's shape changed once its ARNs were known (${arns.length} protected ARNs, ${assumable.length} assumable roles); give one bound per protected ARN`,
            );
        }
        return { boundary, assumable, arns };
    });
    const document: pulumi.Input<string | aws.iam.PolicyDocument> = shape
        ? (withLists(
              buildAgentPermissionsBoundary({
                  assumableRoleArns: shape.assumes ? [ASSUMABLE_MARK] : [],
                  protectedResourceArns: shape.protects ? [PROTECTED_MARK] : [],
              }),
              {
                  [ASSUMABLE_MARK]: checked.apply((c) => c.assumable),
                  [PROTECTED_MARK]: checked.apply((c) => c.arns),
              },
          ) as aws.iam.PolicyDocument)
        : checked.apply((c) => JSON.stringify(c.boundary));
    const policy = new aws.iam.Policy(
        `${name}-boundary`,
        {
            description: `agentguard permissions boundary of agent ${plan.agentId}`,
            policy: document,
            tags: plan.tags,
        },
        { parent },
    );
    return { arn: policy.arn, policy };
}

export function createRole(
    { name, plan, parent }: RoleScope,
    trustPolicy: pulumi.Output<string>,
    boundaryArn: pulumi.Output<string>,
): aws.iam.Role {
    return new aws.iam.Role(
        name,
        {
            description: `Agent ${plan.agentId} (owner ${plan.owner})`,
            assumeRolePolicy: trustPolicy,
            permissionsBoundary: boundaryArn,
            maxSessionDuration: plan.maxSessionDuration,
            tags: plan.tags,
        },
        { parent },
    );
}

/** The guardrail deny policies that go with agentguard's boundary (none with the caller's own boundary). */
export function attachGuardrailPolicies(
    { name, args, plan, parent }: RoleScope,
    role: aws.iam.Role,
): aws.iam.Policy[] {
    if (args.permissionsBoundaryArn !== undefined) return [];
    return buildAgentGuardrailPolicies().map((document, i) => {
        const policyName = `${name}-guardrails-${i + 1}`;
        const policy = new aws.iam.Policy(
            policyName,
            {
                description: `agentguard guardrails of agent ${plan.agentId}`,
                policy: JSON.stringify(document),
                tags: plan.tags,
            },
            { parent },
        );
        new aws.iam.RolePolicyAttachment(policyName, { role: role.name, policyArn: policy.arn }, { parent });
        return policy;
    });
}

export interface RoleInlinePolicies {
    readonly permissionsPolicy?: aws.iam.RolePolicy;
    readonly suspensionPolicy?: aws.iam.RolePolicy;
    readonly sessionRevocationPolicy?: aws.iam.RolePolicy;
}

/** The statements' permissions, the kill switch's deny-all and the session revocation, as they apply. */
export function createInlinePolicies(
    { name, args, plan, parent }: RoleScope,
    role: aws.iam.Role,
    permissionsDocument: pulumi.Output<string>,
): RoleInlinePolicies {
    const opts = { parent, dependsOn: [role] };
    const inline = (suffix: string, policy: pulumi.Input<string>) =>
        new aws.iam.RolePolicy(`${name}-${suffix}`, { role: role.name, policy }, opts);
    return {
        ...((args.statements ?? []).length > 0 && {
            permissionsPolicy: inline("permissions", permissionsDocument),
        }),
        ...(plan.suspended && { suspensionPolicy: inline("suspended", JSON.stringify(denyAllPolicy())) }),
        ...(plan.revokeBefore !== undefined && {
            sessionRevocationPolicy: inline(
                "revoke-sessions",
                JSON.stringify(revokeSessionsPolicy(plan.revokeBefore)),
            ),
        }),
    };
}

/** With Pod Identity trust: the association of the service account with the role. */
export function associatePodIdentity(
    { name, args, plan, parent }: RoleScope,
    role: aws.iam.Role,
): aws.eks.PodIdentityAssociation | undefined {
    if (args.trust.kind !== "pod-identity") return undefined;
    return new aws.eks.PodIdentityAssociation(
        name,
        {
            clusterName: args.trust.clusterName,
            namespace: plan.serviceAccount.namespace,
            serviceAccount: plan.serviceAccount.serviceAccount,
            roleArn: role.arn,
            // The trust policy matches on these session tags.
            disableSessionTags: false,
            tags: plan.tags,
        },
        { parent, dependsOn: [role] },
    );
}
