import type { CheckResult, Violation } from "./types";

export interface TextOptions {
    readonly color: boolean;
}

type Paint = (code: string, text: string) => string;

function painter(color: boolean): Paint {
    return color ? (code, text) => `\u001b[${code}m${text}\u001b[0m` : (_code, text) => text;
}

const LEVEL_ORDER: Record<Violation["enforcementLevel"], number> = { mandatory: 0, advisory: 1 };

function plural(count: number, word: string): string {
    return `${count} ${word}${count === 1 ? "" : "s"}`;
}

/** Human-readable report: violations grouped by resource, then by enforcement level and policy. */
export function formatText(result: CheckResult, options: TextOptions): string {
    const paint = painter(options.color);
    const lines: string[] = [];
    const groups = new Map<string, Violation[]>();
    for (const violation of result.violations) {
        const group = groups.get(violation.urn) ?? [];
        group.push(violation);
        groups.set(violation.urn, group);
    }
    for (const [urn, violations] of groups) {
        const first = violations[0];
        const title = first.resourceType
            ? `${first.resourceType} ${paint("1", first.resourceName ?? "")}`
            : urn;
        lines.push(title, `  ${paint("2", urn)}`);
        const sorted = [...violations].sort(
            (a, b) =>
                LEVEL_ORDER[a.enforcementLevel] - LEVEL_ORDER[b.enforcementLevel] ||
                a.policy.localeCompare(b.policy),
        );
        for (const v of sorted) {
            const level =
                v.enforcementLevel === "mandatory" ? paint("31;1", "mandatory") : paint("33", "advisory ");
            const [head, ...rest] = v.message.split("\n");
            lines.push(`  ${level}  ${paint("1", v.policy)}: ${head}`);
            for (const line of rest) {
                lines.push(`             ${line}`);
            }
        }
        lines.push("");
    }
    if (result.remediations.length > 0) {
        lines.push(paint("1", "Remediations applied before analysis:"));
        for (const r of result.remediations) {
            const what = r.changedProperties.length ? ` (${r.changedProperties.join(", ")})` : "";
            lines.push(`  ${paint("36", r.policy)}: ${r.urn}${what}`);
        }
        lines.push("");
    }
    if (result.warnings.length > 0) {
        lines.push(paint("33", "Not reproduced offline:"));
        for (const w of result.warnings) {
            lines.push(`  - ${w}`);
        }
        lines.push("");
    }
    const mandatory = result.violations.filter((v) => v.enforcementLevel === "mandatory").length;
    const advisory = result.violations.length - mandatory;
    const verdict =
        mandatory > 0
            ? paint("31;1", `${plural(mandatory, "mandatory violation")}`)
            : paint("32;1", "no mandatory violations");
    lines.push(
        `${verdict}, ${plural(advisory, "advisory violation")}, ${plural(result.remediations.length, "remediation")}` +
            ` — ${plural(result.resources, "resource")} of ${result.project.name}/${result.project.stack}` +
            ` checked against ${result.policyPack.name}@${result.policyPack.version}`,
    );
    return `${lines.join("\n")}\n`;
}
