import { parseFlags, parseTimeout, RUN_SWITCH_FLAGS, RUN_VALUE_FLAGS, usageError } from "./flags";

export const BLAST_REPORT_FORMATS = ["md", "json", "html"] as const;
export const REVIEW_FORMATS = ["md", "json", "sarif"] as const;

export interface ReportArgs {
    readonly programDir: string;
    readonly stack?: string;
    /** Policy pack config JSON (as for check): its agentNamespacePatterns identify the agents. */
    readonly configFile?: string;
    readonly format: (typeof BLAST_REPORT_FORMATS)[number];
    readonly outputFile?: string;
    /** `--timeout`: the whole run's deadline. */
    readonly timeoutSeconds: number;
    readonly allowProgramWrites: boolean;
}

export interface ReviewArgs {
    readonly programDir: string;
    readonly base: string;
    readonly stack?: string;
    readonly configFile?: string;
    readonly format: (typeof REVIEW_FORMATS)[number];
    readonly outputFile?: string;
    readonly tiersFile?: string;
    readonly approvalsFile?: string;
    /** `--timeout`: the deadline of the whole review, base and head together. */
    readonly timeoutSeconds: number;
    readonly allowProgramWrites: boolean;
}

function format<T extends string>(value: string | undefined, allowed: readonly T[]): T {
    const chosen = value ?? allowed[0];
    if (!(allowed as readonly string[]).includes(chosen))
        throw usageError(`flag '--format' has invalid value '${chosen}': allowed are ${allowed.join(", ")}`);
    return chosen as T;
}

export function parseReportArgs(rest: readonly string[]): ReportArgs {
    const { values, switches, dir } = parseFlags(
        "report",
        rest,
        ["--stack", "--config", "--format", "--output", ...RUN_VALUE_FLAGS],
        RUN_SWITCH_FLAGS,
    );
    return {
        programDir: dir,
        stack: values.get("--stack"),
        configFile: values.get("--config"),
        format: format(values.get("--format"), BLAST_REPORT_FORMATS),
        outputFile: values.get("--output"),
        timeoutSeconds: parseTimeout(values.get("--timeout")),
        allowProgramWrites: switches.has("--allow-program-writes"),
    };
}

export function parseReviewArgs(rest: readonly string[]): ReviewArgs {
    const { values, switches, dir } = parseFlags(
        "review",
        rest,
        [
            "--base",
            "--stack",
            "--config",
            "--format",
            "--output",
            "--tiers",
            "--approvals",
            ...RUN_VALUE_FLAGS,
        ],
        RUN_SWITCH_FLAGS,
    );
    const base = values.get("--base");
    if (base === undefined)
        throw usageError("'review' needs --base <dir|git-ref>: the program before the change");
    return {
        programDir: dir,
        base,
        stack: values.get("--stack"),
        configFile: values.get("--config"),
        format: format(values.get("--format"), REVIEW_FORMATS),
        outputFile: values.get("--output"),
        tiersFile: values.get("--tiers"),
        approvalsFile: values.get("--approvals"),
        timeoutSeconds: parseTimeout(values.get("--timeout")),
        allowProgramWrites: switches.has("--allow-program-writes"),
    };
}

export const VERB_USAGE = `
       agentguard report <program-dir> [--stack NAME] [--config FILE] [--format md|json|html] [--output FILE]
                         [--timeout SECONDS] [--allow-program-writes]
         Each agent's blast radius as the stack declares it (docs/report.md). Exit 0, or 2 on error.

       agentguard review --base <dir|git-ref> <program-dir> [--stack NAME] [--format md|json|sarif]
                         [--config FILE] [--tiers FILE] [--approvals FILE] [--output FILE]
                         [--timeout SECONDS] [--allow-program-writes]
         Diffs base and head offline, classifies each change into Tier 1-3 and checks dual control for
         Tier 3 (docs/review.md). Exit 0 Tier 1/2 or Tier 3 with dual control, 1 Tier 3 without it, 2 error.
`;
