import type { CheckResult, Timings } from "../../cli/testing";

/** What a benchmark keeps of a check: sizes, timings and verdict counts, not the messages. */
export interface CheckSummary {
    readonly resources: number;
    readonly exitCode: 0 | 1;
    readonly timings: Timings;
    /** `<policy> (<level>)` -> how many violations. */
    readonly violations: Readonly<Record<string, number>>;
    readonly policies: number;
}

export function summarizeCheck(result: CheckResult): CheckSummary {
    const violations: Record<string, number> = {};
    for (const violation of result.violations) {
        const key = `${violation.policy} (${violation.enforcementLevel})`;
        violations[key] = (violations[key] ?? 0) + 1;
    }
    return {
        resources: result.resources,
        exitCode: result.exitCode,
        timings: result.timings,
        violations,
        policies: result.policies.length,
    };
}

function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Checks the driver's output has the shape we print, so a changed checker fails loudly, not with NaNs. */
export function parseCheckSummary(line: string): CheckSummary {
    const parsed: unknown = JSON.parse(line);
    const timings = isRecord(parsed) ? parsed.timings : undefined;
    const timingKeys: (keyof Timings)[] = [
        "programMs",
        "packStartMs",
        "analyzeMs",
        "analyzeStackMs",
        "totalMs",
    ];
    if (
        !isRecord(parsed) ||
        typeof parsed.resources !== "number" ||
        !isRecord(timings) ||
        timingKeys.some((key) => typeof timings[key] !== "number") ||
        !isRecord(parsed.violations)
    ) {
        throw new Error(`the check driver printed an unexpected summary: ${line.slice(0, 300)}`);
    }
    return parsed as unknown as CheckSummary;
}
