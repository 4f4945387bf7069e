import * as fs from "fs";
import * as path from "path";
import { parseArgs, USAGE, type CheckArgs } from "./args";
import { checkProgram } from "./check";
import { isCheckError } from "./errors";
import { packageVersion } from "./package-root";
import { formatJson } from "./report/json";
import { formatSarif } from "./report/sarif";
import { formatText } from "./report/text";
import type { CheckResult } from "./report/types";

/** report/review import the pack's lib in this process: from source it needs its own compiler hook. */
async function loadVerbs(): Promise<typeof import("./verbs")> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a side-effect-only CommonJS hook
    if (path.extname(__filename) === ".ts") require("./register-lib.js");
    return import("./verbs");
}

export function renderReport(result: CheckResult, args: Pick<CheckArgs, "format" | "outputFile">): string {
    switch (args.format) {
        case "json":
            return formatJson(result);
        case "sarif":
            return formatSarif(result, { baseDir: process.cwd(), toolVersion: packageVersion() });
        case "text": {
            const noColor = process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== "";
            return formatText(result, {
                color: !args.outputFile && process.stdout.isTTY === true && !noColor,
            });
        }
    }
}

/** A one-line progress indicator, only where a person is watching. */
function progressReporter(): ((p: { done: number; total: number }) => void) | undefined {
    if (!process.stderr.isTTY) {
        return undefined;
    }
    let last = 0;
    return ({ done, total }) => {
        const now = Date.now();
        if (done === total) {
            process.stderr.write("\r\u001b[K");
        } else if (now - last > 100) {
            last = now;
            process.stderr.write(`\r\u001b[Kanalyzing ${done}/${total} resources`);
        }
    };
}

function exit(code: number): void {
    // Let piped output drain before exiting.
    process.stdout.write("", () => process.exit(code));
}

async function run(args: CheckArgs): Promise<number> {
    const controller = new AbortController();
    const onSignal = (signal: NodeJS.Signals) => {
        if (controller.signal.aborted) {
            process.exit(2);
        }
        process.stderr.write(`\nagentguard: ${signal} received, stopping the program and the policy pack\n`);
        controller.abort();
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
    if (process.stderr.isTTY) {
        process.stderr.write("running the program and starting the policy pack…\r");
    }
    const result = await checkProgram(args.programDir, {
        stack: args.stack,
        policyPack: args.policyPack,
        config: args.configFile,
        offlineAnswers: args.offlineAnswersFile,
        passThroughProgramOutput: true,
        onProgress: progressReporter(),
        signal: controller.signal,
    });
    const report = renderReport(result, args);
    if (args.outputFile) {
        fs.writeFileSync(args.outputFile, report);
    } else {
        process.stdout.write(report);
    }
    if (args.timings) {
        const t = result.timings;
        process.stderr.write(
            `timings: program ${t.programMs}ms, pack start ${t.packStartMs}ms, analyze ${t.analyzeMs}ms, ` +
                `analyzeStack ${t.analyzeStackMs}ms, total ${t.totalMs}ms\n`,
        );
    }
    return result.exitCode;
}

/** `agentguard` entry point: exit 0 no mandatory violation, 1 mandatory violations, 2 error. */
export async function main(argv: readonly string[]): Promise<void> {
    try {
        const parsed = parseArgs(argv);
        if (parsed.command === "help") {
            process.stdout.write(parsed.usage ?? USAGE);
            exit(0);
            return;
        }
        if (parsed.command === "version") {
            process.stdout.write(`${packageVersion()}\n`);
            exit(0);
            return;
        }
        if (parsed.command === "report") exit(await (await loadVerbs()).runReport(parsed.args));
        else if (parsed.command === "review") exit(await (await loadVerbs()).runReview(parsed.args));
        else exit(await run(parsed.args));
    } catch (err) {
        const message = isCheckError(err) ? err.message : ((err as Error).stack ?? String(err));
        process.stderr.write(`agentguard: error: ${message}\n`);
        exit(2);
    }
}
