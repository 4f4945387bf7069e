/** AgentRole's children, one step per function, in the order the component registers them. */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
    MANAGED_POLICY_MAX_CHARS,
    buildAgentGuardrailPolicies,
    buildAgentPermissionsBoundary,
    policySize,
} from "../../core/iam";
import { argumentError } from "../args";
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

/** agentguard's deny-list boundary, exempting the exact roles the statements may assume. */
export function createBoundary(
    { name, args, plan, parent }: RoleScope,
    resolvedStatements: pulumi.Output<Record<string, unknown>[]>,
): RoleBoundary {
    if (args.permissionsBoundaryArn !== undefined) return { arn: pulumi.output(args.permissionsBoundaryArn) };
    const protectedArns = pulumi.output(args.auditTrail?.protectedResourceArns ?? []);
    const document = pulumi.all([resolvedStatements, protectedArns]).apply(([resolved, arns]) => {
        const boundary = buildAgentPermissionsBoundary({
            assumableRoleArns: assumableRoleArns(resolved),
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
        return JSON.stringify(boundary);
    });
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
