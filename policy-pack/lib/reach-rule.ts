import type { StackValidationPolicy } from "@pulumi/policy";
import { stackReachGraph } from "../../core/aws/reach";
import { formatReachPath, type ReachFinding } from "../../core/reach";
import {
    concernCodes,
    OUTCOME_CODE,
    OUTCOME_CONCERN,
    OUTCOME_LEAD,
    type ReachConcern,
} from "../../core/reach/outcomes";
import { defineStackRule, type Finding, type RuleMeta } from "./rule";

/**
 * A rule that reports the closure findings of one concern: every reach rule reads the same graph (built once
 * per stack), so a path is judged once and reported by the rule its outcome belongs to.
 */
export function defineReachRule(
    meta: Omit<RuleMeta, "codes">,
    concern: Exclude<ReachConcern, "escalation">,
    remedy: string,
): StackValidationPolicy {
    return defineStackRule({ ...meta, codes: concernCodes(concern) }, (model, config): Finding[] => {
        const graph = stackReachGraph(model, config);
        const findings: Finding[] = [];
        for (const closure of graph.closures()) {
            for (const finding of closure.findings) {
                if (OUTCOME_CONCERN[finding.outcome.kind] !== concern) continue;
                const node = finding.agent.resource;
                findings.push({
                    urn: node.urn,
                    name: node.name,
                    message: reachMessage(finding, (id) => graph.node(id), remedy),
                    code: OUTCOME_CODE[finding.outcome.kind],
                });
            }
        }
        return findings;
    });
}

/** `<lead> (<may be an agent>): <path>. <remedy>` */
export function reachMessage(
    finding: ReachFinding,
    nodeOf: Parameters<typeof formatReachPath>[1],
    remedy: string,
): string {
    const kind = finding.outcome.kind;
    if (OUTCOME_CONCERN[kind] === "escalation")
        throw new Error(`reachMessage: ${kind} is worded by its rule`);
    const lead = OUTCOME_LEAD[kind as keyof typeof OUTCOME_LEAD];
    const possible = finding.certain
        ? lead
        : `Possible ${lead.replace(/^[A-Z][a-z]/, (m) => m.toLowerCase())}`;
    const why =
        finding.agent.certainty === "possible"
            ? ` (it may be an agent: ${finding.agent.reasons.join("; ")})`
            : "";
    return `${possible}${why}: ${formatReachPath(finding, nodeOf)}. ${remedy}`;
}
