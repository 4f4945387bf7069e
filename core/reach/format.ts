import { AGENT_KEY } from "../metadata-keys";
import type { GraphNode, ReachEdge, ReachFinding } from "./graph";
import { CATEGORY_LABEL, type ForbiddenGrant } from "./verdict";

/** How many forbidden grants a path's last step names before counting the rest. */
const SHOWN_GRANTS = 3;

/** `agent analyst (role agent-analyst)`: the agent id from its tag when known. */
export function describeAgent(finding: Pick<ReachFinding, "agent" | "start">): string {
    const tags = finding.agent.resource.props.tags;
    const id =
        tags !== null && typeof tags === "object" ? (tags as Record<string, unknown>)[AGENT_KEY] : undefined;
    const who = finding.agent.certainty === "agent" ? "agent" : "possible agent";
    if (finding.agent.label !== undefined) return `${who} ${finding.agent.label}`;
    return typeof id === "string" && /^[\w.-]+$/.test(id)
        ? `${who} ${id} (${finding.start.label})`
        : `${who} ${finding.start.label}`;
}

/** One step of a path as words (`lambda:UpdateFunctionCode on Lambda function f`). */
export function formatStep(edge: ReachEdge, to: GraphNode): string {
    const may = edge.certain || to.outside !== undefined ? "" : "may be ";
    switch (edge.kind) {
        case "runs-as":
            return `runs as ${to.label}`;
        case "pulled-by":
            return `pulled and run by ${to.label}`;
        case "configures":
            return `runs its scripts in ${to.label}`;
        case "route":
            // A network route from compute (an endpoint in its VPC), or a grant that opens one.
            return edge.permission === undefined
                ? `reaches ${to.label}`
                : `${edge.permission} on ${may}${to.label}`;
        case "assume":
            // A service account's pods hold the role's credentials (IRSA trust or Pod Identity).
            if (edge.permission === undefined) return `which is ${to.label} (IRSA or Pod Identity)`;
            return edge.permission === "sts:AssumeRole"
                ? `sts:AssumeRole on ${may}${to.label}`
                : `assumes ${to.label} (its trust policy admits it)`;
        default:
            // Pods created in a namespace choose their service account.
            if (edge.kind === "run-as" && to.id.startsWith("serviceaccount:")) {
                return `${edge.permission ?? edge.kind} → run as ${to.label}`;
            }
            return `${edge.permission ?? edge.kind} on ${may}${to.label}`;
    }
}

function grantText(grant: ForbiddenGrant): string {
    return `${grant.source} grants ${grant.action} (${CATEGORY_LABEL[grant.category]})`;
}

/** The outcome the path ends in, as its last step. */
export function describeOutcome(finding: ReachFinding): string {
    const outcome = finding.outcome;
    switch (outcome.kind) {
        case "privileged-principal": {
            const shown = outcome.verdict.grants.slice(0, SHOWN_GRANTS).map(grantText);
            const more = outcome.verdict.grants.length - shown.length;
            return shown.join("; ") + (more > 0 ? `; and ${more} more` : "");
        }
        case "unjudged-principal":
            return `its permissions cannot be judged: ${outcome.verdict.unknown.join("; ")}`;
        default:
            return outcome.why;
    }
}

/**
 * One line per finding: `agent analyst (role agent-analyst) → lambda:UpdateFunctionCode on Lambda function
 * report-builder → runs as role reporting → AdministratorAccess grants * (every action, IAM write included)`.
 */
export function formatReachPath(
    finding: ReachFinding,
    nodeOf: (id: string) => GraphNode | undefined,
): string {
    const parts = [describeAgent(finding)];
    for (const edge of finding.path) {
        const to = nodeOf(edge.to) ?? { id: edge.to, label: edge.to };
        parts.push(formatStep(edge, to));
    }
    parts.push(describeOutcome(finding));
    return parts.join(" → ");
}

/** A finding as plain data (JSON-safe), for reports and review diffs. */
export interface ReachFindingData {
    readonly agent: {
        readonly urn: string;
        readonly name: string;
        readonly certainty: "agent" | "possible";
        readonly reasons: readonly string[];
        readonly label: string;
    };
    readonly steps: readonly {
        readonly kind: ReachEdge["kind"];
        readonly permission?: string;
        readonly grantedBy?: string;
        readonly to: { readonly id: string; readonly label: string };
        readonly certain: boolean;
    }[];
    readonly outcome: { readonly kind: ReachFinding["outcome"]["kind"]; readonly text: string };
    readonly certain: boolean;
    /** The one-line path, as formatReachPath prints it. */
    readonly text: string;
}

export function reachFindingData(
    finding: ReachFinding,
    nodeOf: (id: string) => GraphNode | undefined,
): ReachFindingData {
    return {
        agent: {
            urn: finding.agent.resource.urn,
            name: finding.agent.resource.name,
            certainty: finding.agent.certainty,
            reasons: finding.agent.reasons,
            label: describeAgent(finding),
        },
        steps: finding.path.map((edge) => ({
            kind: edge.kind,
            ...(edge.permission !== undefined && { permission: edge.permission }),
            ...(edge.grantedBy !== undefined && { grantedBy: edge.grantedBy }),
            to: { id: edge.to, label: nodeOf(edge.to)?.label ?? edge.to },
            certain: edge.certain,
        })),
        outcome: { kind: finding.outcome.kind, text: describeOutcome(finding) },
        certain: finding.certain,
        text: formatReachPath(finding, nodeOf),
    };
}
