import { mdCode, mdText as cell } from "../blast-radius/markdown-escape";
import type { ReviewResult } from "./review";

const SARIF_SCHEMA =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

function value(v: unknown): string {
    if (v === undefined) return "∅";
    const text = JSON.stringify(v);
    return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

export function formatReviewMarkdown(r: ReviewResult): string {
    const lines: string[] = [];
    const icon = r.exitCode === 0 ? "✅" : "⛔";
    lines.push(`## ${icon} agentguard review: Tier ${r.tier}`, "");
    lines.push(`**Gate:** ${cell(r.gate)}`, "");
    lines.push(`Commit under review: ${r.headSha !== undefined ? `${mdCode(r.headSha)}` : "unknown"}`, "");
    lines.push(
        `${r.counts.create} to create, ${r.counts.update} to update, ${r.counts.replace} to replace, ${r.counts.delete} to delete (${cell(r.project)}/${cell(r.stack)}).`,
        "",
    );
    if (r.gateInputs.length > 0) {
        lines.push("### Changes to the gate's own inputs (Tier 3)", "");
        for (const g of r.gateInputs)
            lines.push(`- **${cell(g.path)}** (${cell(g.kind)}, ${g.change}): ${cell(g.reasons.join("; "))}`);
        lines.push("");
    }
    if (r.reach.length > 0) {
        lines.push("### Blast radius changes", "");
        for (const a of r.reach) {
            const changes = a.changes.length > 0 ? `: ${cell(a.changes.join("; "))}` : "";
            lines.push(`- **agent ${cell(a.agent)}** (Tier ${a.tier})${changes}`);
            for (const p of a.addedPaths) lines.push(`  - **new path (Tier 3)**: ${cell(p)}`);
            for (const p of a.removedPaths) lines.push(`  - path removed: ${cell(p)}`);
        }
        lines.push("");
    }
    if (r.changes.length > 0) {
        lines.push("### Resource changes", "", "| tier | change | resource | why |", "|---|---|---|---|");
        const sorted = [...r.changes].sort((a, b) => b.tier - a.tier || a.urn.localeCompare(b.urn));
        for (const c of sorted) {
            const why = [...c.reasons, ...(c.replaceReason ? [`replaced: ${c.replaceReason}`] : [])].join(
                "; ",
            );
            lines.push(`| ${c.tier} | ${c.kind} | ${mdCode(c.type)} ${cell(c.name)} | ${cell(why)} |`);
        }
        lines.push("", "<details><summary>Changed properties</summary>", "");
        for (const c of sorted.filter((x) => x.kind === "update" || x.kind === "replace")) {
            lines.push(`- ${cell(c.name)} (${mdCode(c.type)})`);
            for (const p of c.properties.slice(0, 30))
                lines.push(`  - ${mdCode(p.path)}: ${cell(value(p.before))} → ${cell(value(p.after))}`);
            if (c.properties.length > 30) lines.push(`  - and ${c.properties.length - 30} more`);
        }
        lines.push("", "</details>");
    } else lines.push("No resource changes.");
    if (r.approvals) {
        lines.push("", "### Approvals", "", `- Counted: ${cell(r.approvals.approvers.join(", ") || "none")}`);
        for (const x of r.approvals.rejected) lines.push(`- Not counted: ${cell(x)}`);
    }
    return `${lines.join("\n")}\n`;
}

export function formatReviewJson(r: ReviewResult): string {
    return `${JSON.stringify(r, null, 2)}\n`;
}

/** One SARIF result per Tier 3 change or reach change: error when the gate fails, else note. */
export function formatReviewSarif(r: ReviewResult, toolVersion: string): string {
    const level = r.exitCode === 1 ? "error" : "note";
    const results = [
        ...r.gateInputs.map((g) => ({
            ruleId: "tier3-gate-input",
            level,
            message: { text: `${g.path} (${g.kind}) ${g.change}: ${g.reasons.join("; ")}. ${r.gate}` },
            locations: [{ physicalLocation: { artifactLocation: { uri: g.path } } }],
        })),
        ...r.reach
            .filter((a) => a.tier === 3)
            .map((a) => ({
                ruleId: "tier3-blast-radius",
                level,
                message: {
                    text: `agent ${a.agent}: ${[...a.changes, ...a.addedPaths.map((p) => `new path ${p}`)].join("; ")}. ${r.gate}`,
                },
                locations: [{ logicalLocations: [{ name: a.agent, kind: "module" }] }],
            })),
        ...r.changes
            .filter((c) => c.tier === 3)
            .map((c) => ({
                ruleId: "tier3-change",
                level,
                message: { text: `${c.kind} ${c.type} ${c.name}: ${c.reasons.join("; ")}. ${r.gate}` },
                locations: [
                    { logicalLocations: [{ fullyQualifiedName: c.urn, name: c.name, kind: "resource" }] },
                ],
            })),
    ];
    const log = {
        $schema: SARIF_SCHEMA,
        version: "2.1.0",
        runs: [
            {
                tool: {
                    driver: {
                        name: "agentguard-review",
                        version: toolVersion,
                        rules: [
                            {
                                id: "tier3-change",
                                shortDescription: {
                                    text: "A Tier 3 infrastructure change needs dual control.",
                                },
                            },
                            {
                                id: "tier3-gate-input",
                                shortDescription: {
                                    text: "A change to the gate's own inputs (policy config, tier map, offline answers, workflow, checker version) needs dual control.",
                                },
                            },
                            {
                                id: "tier3-blast-radius",
                                shortDescription: {
                                    text: "An agent's blast radius changed; this needs dual control.",
                                },
                            },
                        ],
                    },
                },
                results,
            },
        ],
    };
    return `${JSON.stringify(log, null, 2)}\n`;
}
