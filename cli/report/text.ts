import type { CheckResult, Violation } from "./types";

export interface TextOptions {
    readonly color: boolean;
}

type Paint = (code: string, text: string) => string;

/* eslint-disable no-control-regex -- matching control characters is the point */
/**
 * Terminal control sequences, whole: OSC (links, titles, clipboard) and DCS/SOS/PM/APC strings up to their
 * terminator, CSI (cursor moves, erase, colours), their one-byte C1 forms, and the other two-byte escapes.
 */
const CONTROL_SEQUENCE = new RegExp(
    [
        "(?:\u001b\\]|\u009d)[^\u0007\u001b\u009c]*(?:\u0007|\u001b\\\\|\u009c)",
        "(?:\u001b[PX^_]|[\u0090\u0098\u009e\u009f])[^\u001b\u009c]*(?:\u001b\\\\|\u009c)",
        "(?:\u001b\\[|\u009b)[\u0030-\u003f]*[\u0020-\u002f]*[\u0040-\u007e]",
        "\u001b[\u0020-\u002f]*[\u0030-\u007e]",
    ].join("|"),
    "g",
);
/** C0 controls but tab and newline, DEL, C1 controls, and the bidirectional overrides that reorder text. */
const CONTROL_CHARACTER = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
/* eslint-enable no-control-regex */

/**
 * A value taken from the program (URN, name, message) made inert for a terminal: control and escape
 * sequences removed, newlines and tabs kept. Our own colouring is added after, around clean values.
 */
export function stripControls(value: string): string {
    return value.replace(CONTROL_SEQUENCE, "").replace(CONTROL_CHARACTER, "");
}

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
    const clean = stripControls;
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
            ? `${clean(first.resourceType)} ${paint("1", clean(first.resourceName ?? ""))}`
            : clean(urn);
        lines.push(title, `  ${paint("2", clean(urn))}`);
        const sorted = [...violations].sort(
            (a, b) =>
                LEVEL_ORDER[a.enforcementLevel] - LEVEL_ORDER[b.enforcementLevel] ||
                a.policy.localeCompare(b.policy),
        );
        for (const v of sorted) {
            const level =
                v.enforcementLevel === "mandatory" ? paint("31;1", "mandatory") : paint("33", "advisory ");
            const [head, ...rest] = clean(v.message).split("\n");
            lines.push(`  ${level}  ${paint("1", clean(v.policy))}: ${head}`);
            for (const line of rest) {
                lines.push(`             ${line}`);
            }
        }
        lines.push("");
    }
    if (result.remediations.length > 0) {
        lines.push(paint("1", "Remediations applied before analysis:"));
        for (const r of result.remediations) {
            const what = r.changedProperties.length ? ` (${clean(r.changedProperties.join(", "))})` : "";
            lines.push(`  ${paint("36", clean(r.policy))}: ${clean(r.urn)}${what}`);
        }
        lines.push("");
    }
    if (result.warnings.length > 0) {
        lines.push(paint("33", "Not reproduced offline:"));
        for (const w of result.warnings) {
            lines.push(`  - ${clean(w)}`);
        }
        lines.push("");
    }
    const mandatory = result.violations.filter((v) => v.enforcementLevel === "mandatory").length;
    const advisory = result.violations.length - mandatory;
    const verdict =
        mandatory > 0
            ? paint("31;1", `${plural(mandatory, "mandatory violation")}`)
            : paint("32;1", "no mandatory violations");
    const project = clean(`${result.project.name}/${result.project.stack}`);
    const pack = clean(`${result.policyPack.name}@${result.policyPack.version}`);
    lines.push(
        `${verdict}, ${plural(advisory, "advisory violation")}, ${plural(result.remediations.length, "remediation")}` +
            ` — ${plural(result.resources, "resource")} of ${project} checked against ${pack}`,
    );
    return `${lines.join("\n")}\n`;
}
