import { parseArgs, USAGE, type CheckArgs, type ParsedArgs } from "./args";
import { checkProgram } from "./check";
import { stopAllProcesses } from "./child-processes";
import { CheckError, isCheckError } from "./errors";
import { removeStaleOutput, writeOutputFile } from "./output-file";
import { packageVersion } from "./package-root";
import { allowProgramWritesByDefault } from "./program/permissions";
import { formatJson } from "./report/json";
import { formatSarif } from "./report/sarif";
import { formatText, stripControls } from "./report/text";
import type { CheckResult } from "./report/types";

/** report and review load the reach graph and the IAM catalog: only when one of them runs. */
function loadVerbs(): Promise<typeof import("./verbs")> {
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

/** The check verb: the verdict and its report, once the program and the pack have finished. */
async function runCheck(args: CheckArgs, signal: AbortSignal): Promise<{ text: string; exitCode: number }> {
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
        signal,
        timeoutMs: args.timeoutSeconds * 1000,
        allowProgramWrites: args.allowProgramWrites,
    });
    if (args.timings) {
        const t = result.timings;
        process.stderr.write(
            `timings: program ${t.programMs}ms, pack start ${t.packStartMs}ms, analyze ${t.analyzeMs}ms, ` +
                `analyzeStack ${t.analyzeStackMs}ms, total ${t.totalMs}ms\n`,
        );
    }
    return { text: renderReport(result, args), exitCode: result.exitCode };
}

const STOP_SIGNALS: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

type RunCommand = Exclude<ParsedArgs, { command: "help" | "version" }>;

/**
 * Runs a verb that runs programs, the same way for check, report and review: SIGINT/SIGTERM/SIGHUP stop it (the
 * program's and the pack's process groups killed, temporary trees removed) and it exits 2; a second signal
 * exits at once. The report goes to stdout, or whole to `--output`, only after every child has stopped.
 */
async function runCommand(parsed: RunCommand): Promise<number> {
    const controller = new AbortController();
    let received: NodeJS.Signals | undefined;
    const onSignal = (signal: NodeJS.Signals) => {
        if (received !== undefined) {
            process.exit(2);
        }
        received = signal;
        process.stderr.write(`\nagentguard: ${signal} received, stopping the program and the policy pack\n`);
        controller.abort();
    };
    // SIGHUP too: the children lead their own process groups, so a closed terminal reaches only us.
    for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
    allowProgramWritesByDefault(parsed.args.allowProgramWrites);
    if (parsed.args.outputFile) removeStaleOutput(parsed.args.outputFile);
    try {
        const output =
            parsed.command === "check"
                ? await runCheck(parsed.args, controller.signal)
                : parsed.command === "report"
                  ? await (await loadVerbs()).runReport(parsed.args, controller.signal)
                  : await (await loadVerbs()).runReview(parsed.args, controller.signal);
        // Nothing the program started may still run, or print, when the verdict is written.
        await stopAllProcesses();
        if (received !== undefined) throw interruptedBy(received);
        if (parsed.args.outputFile) writeOutputFile(parsed.args.outputFile, output.text);
        else process.stdout.write(output.text);
        return output.exitCode;
    } catch (err) {
        await stopAllProcesses();
        throw received !== undefined && !(isCheckError(err) && err.kind === "timeout")
            ? interruptedBy(received)
            : err;
    } finally {
        for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
    }
}

function interruptedBy(signal: NodeJS.Signals): CheckError {
    return new CheckError(
        "interrupted",
        `stopped by ${signal}: the program and the policy pack were stopped, no verdict`,
    );
}

/**
 * Node.js opens its inspector (a local port that runs any code sent to it) on SIGUSR1 unless a listener is
 * installed; a program being checked may signal the checker, so the checker keeps it closed.
 */
function keepInspectorClosed(): void {
    process.on("SIGUSR1", () => undefined);
}

/** `agentguard` entry point: exit 0 no mandatory violation, 1 mandatory violations, 2 error. */
export async function main(argv: readonly string[]): Promise<void> {
    keepInspectorClosed();
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
        exit(await runCommand(parsed));
    } catch (err) {
        const message = isCheckError(err) ? err.message : ((err as Error).stack ?? String(err));
        // Messages quote the program (its errors, its output): nothing in them may drive the terminal.
        process.stderr.write(`agentguard: error: ${stripControls(message)}\n`);
        exit(2);
    }
}
