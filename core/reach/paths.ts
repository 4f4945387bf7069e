import type { EdgeKind } from "./actions";
import { describeAgent, describeOutcome, formatStep } from "./format";
import type { Closure, GraphNode, ReachEdge, ReachFinding, ReachGraph, ReachOutcome } from "./graph";

/** One edge of a path as plain data (JSON-safe): what it is, what grants it, where it leads. */
export interface ReachStepData {
    readonly kind: EdgeKind;
    /** The permission that creates the edge; absent on structural edges (runs-as, pulled-by). */
    readonly permission?: string;
    /** The policy and statement that grant it. */
    readonly grantedBy?: string;
    /** The node the edge leads to, as messages name it. */
    readonly target: string;
    /** False when the edge is a guess (an unknown name or ARN that may be this node). */
    readonly certain: boolean;
}

/** A node the agent reaches, with the (first, shortest) path that reaches it. */
export interface ReachPathData {
    readonly target: string;
    readonly steps: readonly ReachStepData[];
    /** Every edge is certain and the start is certainly an agent. */
    readonly certain: boolean;
    /** The path in words: `agent coder → lambda:UpdateFunctionCode on Lambda function f → runs as role r`. */
    readonly text: string;
}

/** A forbidden outcome on the closure: the path, and what it ends in. */
export interface ReachFindingPath extends ReachPathData {
    readonly outcome: { readonly kind: ReachOutcome["kind"]; readonly text: string };
}

/** One agent identity's closure as plain data, for `report` and the `review` diff. */
export interface ClosureData {
    /** The start as messages name it (`agent coder (role coder)`). */
    readonly agent: string;
    readonly urn: string;
    readonly certainty: "agent" | "possible";
    /** Every node reached, sorted by text. */
    readonly paths: readonly ReachPathData[];
    readonly findings: readonly ReachFindingPath[];
}

function stepData(edge: ReachEdge, nodeOf: (id: string) => GraphNode | undefined): ReachStepData {
    return {
        kind: edge.kind,
        ...(edge.permission !== undefined && { permission: edge.permission }),
        ...(edge.grantedBy !== undefined && { grantedBy: edge.grantedBy }),
        target: nodeOf(edge.to)?.label ?? edge.to,
        certain: edge.certain,
    };
}

function pathData(
    closure: Pick<Closure, "agent" | "start">,
    path: readonly ReachEdge[],
    nodeOf: (id: string) => GraphNode | undefined,
): ReachPathData {
    const parts = [describeAgent(closure)];
    for (const edge of path) parts.push(formatStep(edge, nodeOf(edge.to) ?? { id: edge.to, label: edge.to }));
    const last = path[path.length - 1];
    return {
        target: last !== undefined ? (nodeOf(last.to)?.label ?? last.to) : closure.start.label,
        steps: path.map((edge) => stepData(edge, nodeOf)),
        certain: closure.agent.certainty === "agent" && path.every((e) => e.certain),
        text: parts.join(" → "),
    };
}

function findingPath(finding: ReachFinding, nodeOf: (id: string) => GraphNode | undefined): ReachFindingPath {
    const path = pathData(finding, finding.path, nodeOf);
    const outcome = describeOutcome(finding);
    return {
        ...path,
        target: finding.end.label,
        certain: finding.certain,
        text: `${path.text} → ${outcome}`,
        outcome: { kind: finding.outcome.kind, text: outcome },
    };
}

const byText = (a: { text: string }, b: { text: string }) => (a.text < b.text ? -1 : a.text > b.text ? 1 : 0);

/** A closure as plain data: every path it reaches (the start itself left out) and its findings. */
export function closureData(closure: Closure, graph: Pick<ReachGraph, "node">): ClosureData {
    const nodeOf = (id: string) => graph.node(id);
    const paths = [...closure.reached.values()]
        .filter((path) => path.length > 0)
        .map((path) => pathData(closure, path, nodeOf))
        .sort(byText);
    return {
        agent: describeAgent(closure),
        urn: closure.agent.resource.urn,
        certainty: closure.agent.certainty,
        paths,
        findings: closure.findings.map((f) => findingPath(f, nodeOf)).sort(byText),
    };
}
