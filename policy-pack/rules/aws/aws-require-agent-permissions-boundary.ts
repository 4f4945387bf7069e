import { identifyAgentRoles } from "../../../core/aws/agent-roles";
import { defineStackRule, type Finding } from "../../lib/rule";

export const awsRequireAgentPermissionsBoundary = defineStackRule(
    {
        name: "aws-require-agent-permissions-boundary",
        description:
            "An agent IAM role should carry a permissions boundary, so that no later policy attachment can widen it.",
        enforcementLevel: "advisory",
        severity: "medium",
        remediationSteps:
            "Set `permissionsBoundary` on the role to the ARN of a boundary policy that denies IAM writes, credential creation and role assumption (the AgentRole component does this).",
    },
    (model, config): Finding[] =>
        [...identifyAgentRoles(model, config).roles.values()]
            .filter((role) => role.certainty === "agent")
            .filter((role) => {
                const boundary = role.node.props.permissionsBoundary;
                return boundary === undefined || boundary === null || boundary === "";
            })
            .map((role) => ({
                urn: role.node.urn,
                name: role.node.name,
                message:
                    `IAM agent role ${role.node.name} (an agent role because ${role.reasons.join("; ")}) has no ` +
                    `permissionsBoundary; set one so that attached policies cannot grant more than the boundary allows.`,
            })),
);
