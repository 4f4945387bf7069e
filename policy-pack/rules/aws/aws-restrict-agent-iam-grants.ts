import { identifyAgentRoles, type AgentRole } from "../../../core/aws/agent-roles";
import { auditBucketNames } from "../../../core/aws/audit-buckets";
import { RolePermissionIndex, type RolePermissions } from "../../../core/aws/role-documents";
import { identifyAgentUsers, UserPermissionIndex } from "../../../core/aws/user-documents";
import { analyzeGrants, judgeManagedPolicyArn, readableDocuments } from "../../../core/iam";
import { RUN_AS_ON_TARGET } from "../../../core/reach";
import { defineStackRule, type Finding } from "../../lib/rule";
import type { ResourceNode } from "../../../core/stack/stack-model";

/** Enough to act on; the rest is counted so that a message stays readable. */
const MAX_FINDINGS_PER_ROLE = 12;

export const awsRestrictAgentIamGrants = defineStackRule(
    {
        name: "aws-restrict-agent-iam-grants",
        description:
            "An agent IAM role or user must not be granted, through any policy or attachment, IAM permissions management, credential creation, role assumption on any role, or a privilege-escalation combination.",
        enforcementLevel: "mandatory",
        severity: "critical",
        remediationSteps:
            "Remove the listed actions from the agent role's policies (inline, managed, RolePolicy and attachments), or scope them to specific resources; never attach AdministratorAccess, IAMFullAccess or PowerUserAccess to an agent role. Do not give an agent role iam:PassRole, even on one role ARN (it is IAM write): let the platform create the compute with its role, and let the agent change only compute whose role is no wider than its own (the reach graph judges that on the target). Never grant s3:DeleteObject on the bucket a CloudTrail trail or Config delivery channel of the stack writes to (or on a bucket wildcard): it erases the audit record.",
    },
    (model, config): Finding[] => {
        const permissions = RolePermissionIndex.of(model);
        const userPermissions = UserPermissionIndex.of(model);
        const agentRoles = identifyAgentRoles(model, config, { roles: permissions, users: userPermissions });
        const findings: Finding[] = [];
        const auditBuckets = auditBucketNames(model);
        for (const role of agentRoles.roles.values()) {
            findings.push(...roleFindings(role, permissions.of(role.node), "role", auditBuckets));
        }
        // An agent's IAM user (access keys) is held to the same limits as an agent role.
        for (const user of identifyAgentUsers(model)) {
            findings.push(...roleFindings(user, userPermissions.of(user.node), "user", auditBuckets));
        }
        findings.push(...agentRoles.unresolvedBindings);
        for (const orphan of [...permissions.orphans, ...userPermissions.orphans]) {
            const { grants } = judge(orphan.permissions, auditBuckets);
            if (grants.length === 0) continue;
            findings.push(
                finding(
                    orphan.node,
                    `${orphan.node.name} grants forbidden IAM permissions to a role or user that cannot be identified (${orphan.why}), so it may be an agent identity: ${describe(grants)}`,
                ),
            );
        }
        return findings;
    },
);

function roleFindings(
    role: Pick<AgentRole, "node" | "certainty" | "reasons">,
    permissions: RolePermissions,
    kind: "role" | "user",
    auditBuckets: readonly string[],
): Finding[] {
    const { grants, unjudged } = judge(permissions, auditBuckets);
    const because = role.reasons.join("; ");
    if (role.certainty === "possible") {
        // Fail closed only when the role also holds forbidden permissions: say why it may be an agent role.
        if (grants.length === 0) return [];
        return [
            finding(
                role.node,
                `IAM ${kind} ${role.node.name} may be an agent ${kind} (${because}) and is granted forbidden permissions: ${describe(grants)}`,
            ),
        ];
    }
    const out: Finding[] = [];
    if (grants.length > 0) {
        out.push(
            finding(
                role.node,
                `IAM agent ${kind} ${role.node.name} (an agent ${kind} because ${because}) is granted forbidden permissions: ${describe(grants)}`,
            ),
        );
    }
    for (const what of unjudged) {
        out.push(
            finding(
                role.node,
                `IAM agent ${kind} ${role.node.name} (an agent ${kind} because ${because}) has permissions that cannot be checked: ${what}. Make it checkable: declare the policy in this stack with a document known at preview, pass the policy resource's output (so the dependency is recorded), or replace it with a customer-managed policy of the actions the agent needs.`,
            ),
        );
    }
    return out;
}

/** The forbidden grants and what could not be judged, over all documents of one role together. */
function judge(
    permissions: RolePermissions,
    auditBuckets: readonly string[],
): { grants: string[]; unjudged: string[] } {
    const { readable, unreadable } = readableDocuments(permissions.documents);
    const unjudged = [...permissions.unresolved, ...unreadable];
    const grants: string[] = [];
    for (const ref of permissions.managed) {
        const verdict = judgeManagedPolicyArn(ref.arn);
        if (verdict.kind === "dangerous") {
            for (const f of verdict.findings) {
                grants.push(
                    `${ref.source}: AWS managed policy ${verdict.name} allows ${f.action} (${f.category.replace(/-/g, " ")}: ${f.reason})`,
                );
            }
        } else if (verdict.kind === "unknown") {
            unjudged.push(`${ref.source} attaches AWS managed policy ${verdict.name}: ${verdict.reason}`);
        }
    }
    // Run-as grants on exact resources are judged on what those resources run as: aws-forbid-agent-escalation-paths.
    grants.push(
        ...analyzeGrants(readable, { runAsJudgedOnTargets: RUN_AS_ON_TARGET, auditBuckets }).map(
            (f) => f.message,
        ),
    );
    return { grants, unjudged };
}

function describe(grants: readonly string[]): string {
    const shown = grants.slice(0, MAX_FINDINGS_PER_ROLE);
    const more = grants.length - shown.length;
    return shown.join("; ") + (more > 0 ? `; and ${more} more` : "") + ".";
}

function finding(node: ResourceNode, message: string): Finding {
    return { urn: node.urn, name: node.name, message };
}
