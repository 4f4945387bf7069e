import { formatReachPath, type ReachFinding } from "../../../core/reach";
import { stackReachGraph } from "../../../core/aws/reach";
import { concernCodes, OUTCOME_CODE, OUTCOME_CONCERN } from "../../../core/reach/outcomes";
import { defineStackRule, type Finding } from "../../lib/rule";

export const awsForbidAgentEscalationPaths = defineStackRule(
    {
        name: "aws-forbid-agent-escalation-paths",
        description:
            "An agent IAM role or user must not reach, through the reach graph (assuming roles, changing compute that runs as another role, pushing images that other roles run, or tampering with audit and containment), a principal granted IAM write, credentials, role assumption, privilege escalation, network or audit tampering, nor anything that cannot be judged.",
        enforcementLevel: "mandatory",
        severity: "critical",
        remediationSteps:
            "Follow the printed path and cut it at one edge: scope the agent's grant (lambda:UpdateFunctionCode, ssm:SendCommand, codebuild:StartBuild, ecr:PutImage, ...) to resources that run as roles no wider than the agent's own, narrow the role at the end of the path, or give that compute its own least-privilege role. Name resources declared in this stack so their roles can be judged.",
        codes: concernCodes("escalation"),
    },
    (model, config): Finding[] => {
        const graph = stackReachGraph(model, config);
        const findings: Finding[] = [];
        for (const closure of graph.closures()) {
            for (const finding of closure.findings) {
                if (OUTCOME_CONCERN[finding.outcome.kind] !== "escalation") continue;
                const node = finding.agent.resource;
                findings.push({
                    urn: node.urn,
                    name: node.name,
                    message: messageOf(finding, (id) => graph.node(id)),
                    code: OUTCOME_CODE[finding.outcome.kind],
                });
            }
        }
        return findings;
    },
);

function messageOf(finding: ReachFinding, nodeOf: Parameters<typeof formatReachPath>[1]): string {
    const path = formatReachPath(finding, nodeOf);
    const lead = finding.certain ? "IAM privilege escalation path" : "Possible IAM privilege escalation path";
    const why =
        finding.agent.certainty === "possible"
            ? ` (it may be an agent: ${finding.agent.reasons.join("; ")})`
            : "";
    switch (finding.outcome.kind) {
        case "privileged-principal":
            return `${lead}${why}: ${path}. The agent can act with that principal's permissions without holding them.`;
        case "tamper":
            return `${lead}${why} (audit/containment tampering): ${path}.`;
        default:
            return `${lead}${why} that cannot be judged (fail closed): ${path}.`;
    }
}
