import { identifyAgentRoles } from "../../../core/aws/agent-roles";
import { broadTrustProblems } from "../../lib/aws/trust-breadth";
import { defineStackRule, type Finding } from "../../lib/rule";

export const awsRestrictAgentRoleTrust = defineStackRule(
    {
        name: "aws-restrict-agent-role-trust",
        description:
            "An agent IAM role's trust policy may only admit an exact EKS service account, EKS Pod Identity or a specific service or IAM principal, never *, an account root or a wildcard subject.",
        enforcementLevel: "mandatory",
        severity: "high",
        remediationSteps:
            "Trust one exact subject: a StringEquals condition on `<oidc-provider>:sub` with `system:serviceaccount:<namespace>:<service-account>` (plus `:aud` = sts.amazonaws.com), or `pods.eks.amazonaws.com` with an EKS Pod Identity association. Replace `*`, account roots and StringLike wildcards with the specific role or service account that needs the role.",
    },
    (model, config): Finding[] => {
        const findings: Finding[] = [];
        for (const role of identifyAgentRoles(model, config).roles.values()) {
            if (role.certainty !== "agent") continue;
            for (const problem of broadTrustProblems(role.node.props.assumeRolePolicy)) {
                findings.push({
                    urn: role.node.urn,
                    name: role.node.name,
                    message:
                        `IAM agent role ${role.node.name} (an agent role because ${role.reasons.join("; ")}) can be ` +
                        `assumed too broadly: ${problem}. Allowed: an exact service-account subject, Pod Identity, ` +
                        `or a specific service/IAM principal.`,
                });
            }
        }
        return findings;
    },
);
