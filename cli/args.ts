import { parseFlags, parseTimeout, RUN_SWITCH_FLAGS, RUN_USAGE, RUN_VALUE_FLAGS, usageError } from "./flags";
import {
    parseReportArgs,
    parseReviewArgs,
    REPORT_HELP,
    REVIEW_HELP,
    VERB_USAGE,
    type ReportArgs,
    type ReviewArgs,
} from "./verb-args";

export const REPORT_FORMATS = ["text", "json", "sarif"] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface CheckArgs {
    readonly programDir: string;
    readonly stack?: string;
    readonly policyPack?: string;
    readonly configFile?: string;
    readonly offlineAnswersFile?: string;
    readonly format: ReportFormat;
    readonly outputFile?: string;
    readonly timings: boolean;
    /** `--timeout`: the whole run's deadline. */
    readonly timeoutSeconds: number;
    readonly allowProgramWrites: boolean;
}

export type ParsedArgs =
    | { readonly command: "help"; readonly usage?: string }
    | { readonly command: "version" }
    | { readonly command: "check"; readonly args: CheckArgs }
    | { readonly command: "report"; readonly args: ReportArgs }
    | { readonly command: "review"; readonly args: ReviewArgs };

export const USAGE = `Usage: agentguard check <program-dir> [options]

Runs the Pulumi program in <program-dir> offline (mocks, preview mode) and checks every resource
against a policy pack over Pulumi's analyzer protocol.

Options:
  --stack NAME         stack whose Pulumi.<NAME>.yaml config to use (default: the only stack file, if any)
  --policy-pack DIR    policy pack directory (default: agentguard's own pack)
  --config FILE        policy pack config JSON, as for \`pulumi preview --policy-pack-config\`
  --offline-answers FILE
                       answers for lookups that read cloud state (JSON or YAML: function token -> answer)
  --format FORMAT      text | json | sarif (default: text)
  --output FILE        write the report to FILE instead of stdout: written whole (temporary file, then
                       renamed) once a verdict is reached, removed when the run starts; read the file,
                       not the terminal, which the program shares
${RUN_USAGE}  --timings            print phase timings to stderr
  -h, --help           show this help
  -v, --version        print agentguard's version

Exit codes: 0 no mandatory violation, 1 mandatory violations, 2 error.
${VERB_USAGE}`;

const VALUE_FLAGS = [
    "--stack",
    "--policy-pack",
    "--config",
    "--offline-answers",
    "--format",
    "--output",
    ...RUN_VALUE_FLAGS,
] as const;

/** Parses `argv` (without node and script); throws a usage CheckError naming the bad flag or value. */
export function parseArgs(argv: readonly string[]): ParsedArgs {
    if (argv.length === 0) {
        throw usageError("missing command: expected 'check <program-dir>'");
    }
    if (argv.includes("--help") || argv.includes("-h")) {
        // A verb's help is its own usage, not check's.
        if (argv[0] === "report") return { command: "help", usage: REPORT_HELP };
        if (argv[0] === "review") return { command: "help", usage: REVIEW_HELP };
        return { command: "help" };
    }
    if (argv.includes("--version") || argv.includes("-v")) {
        return { command: "version" };
    }
    const [command, ...rest] = argv;
    if (command === "report") return { command, args: parseReportArgs(rest) };
    if (command === "review") return { command, args: parseReviewArgs(rest) };
    if (command !== "check") {
        throw usageError(`unknown command '${command}': the commands are 'check', 'report' and 'review'`);
    }
    const { values, switches, dir } = parseFlags("check", rest, VALUE_FLAGS, [
        "--timings",
        ...RUN_SWITCH_FLAGS,
    ]);
    const format = values.get("--format") ?? "text";
    if (!(REPORT_FORMATS as readonly string[]).includes(format)) {
        throw usageError(
            `flag '--format' has invalid value '${format}': allowed are ${REPORT_FORMATS.join(", ")}`,
        );
    }
    return {
        command: "check",
        args: {
            programDir: dir,
            stack: values.get("--stack"),
            policyPack: values.get("--policy-pack"),
            configFile: values.get("--config"),
            offlineAnswersFile: values.get("--offline-answers"),
            format: format as ReportFormat,
            outputFile: values.get("--output"),
            timings: switches.has("--timings"),
            timeoutSeconds: parseTimeout(values.get("--timeout")),
            allowProgramWrites: switches.has("--allow-program-writes"),
        },
    };
}
