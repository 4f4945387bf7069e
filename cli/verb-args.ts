import { parseFlags, parseTimeout, RUN_SWITCH_FLAGS, RUN_VALUE_FLAGS, usageError } from "./flags";
import { COMMIT_SHA } from "./review/approvals";

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
    readonly offlineAnswersFile?: string;
    readonly workflowFile?: string;
    readonly packageJsonFile?: string;
    readonly lockFile?: string;
    /** The commit under review (full SHA); defaults to `git rev-parse HEAD` of the program's repository. */
    readonly headSha?: string;
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

function headSha(value: string | undefined): string | undefined {
    if (value !== undefined && !COMMIT_SHA.test(value))
        throw usageError(
            `flag '--head-sha' has invalid value '${value}': a full commit id (40 or 64 hex digits) is required`,
        );
    return value;
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
            "--offline-answers",
            "--workflow",
            "--package-json",
            "--lockfile",
            "--head-sha",
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
        offlineAnswersFile: values.get("--offline-answers"),
        workflowFile: values.get("--workflow"),
        packageJsonFile: values.get("--package-json"),
        lockFile: values.get("--lockfile"),
        headSha: headSha(values.get("--head-sha")),
        timeoutSeconds: parseTimeout(values.get("--timeout")),
        allowProgramWrites: switches.has("--allow-program-writes"),
    };
}

export const VERB_USAGE = `
       agentguard report <program-dir> [--stack NAME] [--config FILE] [--format md|json|html] [--output FILE]
                         [--timeout SECONDS] [--allow-program-writes]
         Each agent's blast radius as the stack declares it (docs/report.md). Exit 0, or 2 on error.

       agentguard review --base <dir|git-ref> <program-dir> [--stack NAME] [--format md|json|sarif]
                         [--config FILE] [--tiers FILE] [--offline-answers FILE] [--workflow FILE]
                         [--package-json FILE] [--lockfile FILE] [--approvals FILE] [--head-sha SHA]
                         [--output FILE] [--timeout SECONDS] [--allow-program-writes]
         Diffs base and head offline, classifies each change into Tier 1-3 and checks dual control for
         Tier 3 (docs/review.md). The policy config, tier map and answers are read from the base; a change
         to them, the workflow or the checker's version is Tier 3. Exit 0 Tier 1/2 or Tier 3 with dual
         control, 1 Tier 3 without it, 2 error.
`;

/** `agentguard report --help`: this verb's usage, not check's. */
export const REPORT_HELP = `Usage: agentguard report <program-dir> [--stack NAME] [--config FILE] [--format md|json|html]
                        [--output FILE] [--timeout SECONDS] [--allow-program-writes]

Each agent's blast radius as the stack declares it (docs/report.md). <program-dir> is a Pulumi project,
or the directory an enclosing project's \`main\` names. Exit 0, or 2 on error.
`;

/** `agentguard review --help`: this verb's usage, with the gate's own inputs and their defaults. */
export const REVIEW_HELP = `Usage: agentguard review --base <dir|git-ref> <program-dir> [options]

Diffs base and head offline, classifies each change into Tier 1-3 and checks dual control for Tier 3
(docs/review.md). Exit 0 Tier 1/2 or Tier 3 with dual control, 1 Tier 3 without it, 2 error.

Options:
  --base DIR|REF          the program before the change (required)
  --stack NAME            stack whose Pulumi.<NAME>.yaml config to use
  --format md|json|sarif  output format (default md)
  --output FILE           write the result to FILE instead of stdout
  --approvals FILE        review record: gh pr view --json author,reviews,commits,headRefOid
  --head-sha SHA          the commit under review (default: git rev-parse HEAD of <program-dir>)
  --timeout SECONDS       deadline of the whole review, base and head together (default 600)
  --allow-program-writes  let the programs write outside their scratch directory (docs/checker.md)
The gate's own inputs: read from the base, and any change to them is Tier 3 (paths relative to the
repository root by default):
  --config FILE           policy config (default .agentguard/policy-config.json)
  --tiers FILE            tier map (default .agentguard/tiers.json)
  --offline-answers FILE  answers for lookups (default .agentguard/offline-answers.json)
  --workflow FILE         the workflow running this gate (default .github/workflows/agentguard-review.yml)
  --package-json FILE     the checker's and the pack's version (default package.json)
  --lockfile FILE         where they are installed from (default package-lock.json)
`;
