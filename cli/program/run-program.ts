import { spawn, spawnSync, type ChildProcess } from "child_process";
import type { Readable } from "stream";
import * as path from "path";
import { track } from "../child-processes";
import { CheckError, tail } from "../errors";
import { packageScript, packageVersion, peerDependencyRange, profilingArgs } from "../package-root";
import type { ProgramProject } from "../project";
import { formatLocation } from "./error-location";
import { explainFailure, unsupportedFeature } from "./failure-hints";
import { readFrames } from "./frames";
import { OfflineMonitor, type MonitorSink } from "./monitor";
import { CHECKER_PROTOS, serveMonitor, type MonitorServer } from "./monitor-server";
import type { OfflineAnswers } from "./offline-answers";
import { confineProgram, programWritesAllowedByDefault } from "./permissions";
import type { ChildMessage, ProgramRequest, RecordedResource, UncheckedComponent } from "./protocol";

export interface ProgramRun {
    readonly resourceCount: number;
    readonly warnings: readonly string[];
    /** Multi-language components whose children were not built offline. */
    readonly unchecked: readonly UncheckedComponent[];
    /** What the program printed (when not passed through). */
    readonly output: string;
}

export interface RunProgramOptions {
    /** Receives resources in registration order while the program runs. */
    readonly onResources: (resources: readonly RecordedResource[]) => void;
    /** Receives the outputs a component registers. */
    readonly onOutputs: (urn: string, outputs: Uint8Array) => void;
    /** Pass the program's console output through to our stderr instead of capturing it. */
    readonly passThroughOutput?: boolean;
    /** The user's answers for lookups, validated. */
    readonly offlineAnswers?: OfflineAnswers;
    /** `--allow-program-writes`: no write limit for the program (default: the CLI's setting). */
    readonly allowWrites?: boolean;
    readonly signal?: AbortSignal;
}

const OUTPUT_LIMIT = 256 * 1024;

/**
 * Heap tuning for the program process, measured at 17,000 resources. The SDK allocates heavily per
 * resource and keeps every pending output until the program has declared everything:
 * - a larger young generation cuts the time spent collecting (about a third less wall time);
 * - by default V8 lets the old generation grow to about four times what was live at the last full
 *   collection, ~2 GiB of RSS for ~1 GiB live; growing by at most 80% saves ~450 MiB for ~1 s of CPU.
 */
const PROGRAM_HEAP_FLAGS = ["--max-semi-space-size=128", "--heap-growing-percent=80"];

/**
 * The flags this Node.js accepts: V8 flags come and go between versions, and Node.js refuses to start on
 * one it does not know, so they are tried (a bare start, ~50 ms) and those refused are dropped.
 */
export function acceptedNodeFlags(
    candidates: readonly string[],
    nodePath: string = process.execPath,
): string[] {
    const accepted = (flags: readonly string[]) =>
        spawnSync(nodePath, [...flags, "-e", ""], { stdio: "ignore", timeout: 10_000 }).status === 0;
    return accepted(candidates) ? [...candidates] : candidates.filter((flag) => accepted([flag]));
}

let programHeapFlags: string[] | undefined;

function heapFlagsForPrograms(): string[] {
    programHeapFlags ??= acceptedNodeFlags(PROGRAM_HEAP_FLAGS);
    return programHeapFlags;
}

/** The child entry next to this file: `.ts` from source (compiled on load), `.js` when built. */
function childEntry(): { file: string; execArgv: string[] } {
    const ext = path.extname(__filename);
    const file = path.join(__dirname, `child${ext}`);
    return { file, execArgv: ext === ".ts" ? ["-r", packageScript("register-ts.js")] : [] };
}

/** The environment the Node.js language host gives a program, plus Pulumi's config variables. */
export function programEnvironment(project: ProgramProject, base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
    return {
        ...base,
        PULUMI_CONFIG: JSON.stringify(project.config),
        PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(project.secretKeys),
        PULUMI_NODEJS_PROJECT: project.name,
        PULUMI_NODEJS_STACK: project.stack,
        PULUMI_NODEJS_ORGANIZATION: project.organization,
        PULUMI_NODEJS_DRY_RUN: "true",
        PULUMI_NODEJS_TYPESCRIPT: String(project.typescript),
        PULUMI_PROJECT: project.name,
        PULUMI_STACK: project.stack,
        PULUMI_ORGANIZATION: project.organization,
        PULUMI_DRY_RUN: "true",
    };
}

/** Hands records to the pipeline in batches, one per turn of the event loop at most. */
class BatchingSink implements MonitorSink {
    private pending: RecordedResource[] = [];
    private scheduled = false;

    constructor(private readonly options: RunProgramOptions) {}

    resource(record: RecordedResource): void {
        this.pending.push(record);
        if (!this.scheduled) {
            this.scheduled = true;
            setImmediate(() => this.flush());
        }
    }

    outputs(urn: string, outputs: Uint8Array): void {
        this.flush();
        this.options.onOutputs(urn, outputs);
    }

    flush(): void {
        this.scheduled = false;
        if (this.pending.length > 0) {
            const resources = this.pending;
            this.pending = [];
            this.options.onResources(resources);
        }
    }
}

/**
 * Runs the program in a child process against the offline monitor, which this process serves over gRPC and
 * which records every registration here; rejects with a "program" (or "checker") CheckError. The result is
 * given only once the child has exited with code 0 after saying it finished: what it writes on its channel
 * is a diagnostic, never a record.
 */
export async function runProgram(project: ProgramProject, options: RunProgramOptions): Promise<ProgramRun> {
    const sink = new BatchingSink(options);
    const monitor = new OfflineMonitor(
        CHECKER_PROTOS,
        {
            dir: project.dir,
            project: project.name,
            stack: project.stack,
            organization: project.organization,
            config: project.config,
            offlineAnswers: options.offlineAnswers,
        },
        sink,
    );
    const server = await serveMonitor(monitor);
    try {
        return await runChild(project, options, server, monitor, sink);
    } finally {
        await server.close();
    }
}

function runChild(
    project: ProgramProject,
    options: RunProgramOptions,
    server: MonitorServer,
    monitor: OfflineMonitor,
    sink: BatchingSink,
): Promise<ProgramRun> {
    const { file, execArgv } = childEntry();
    const programRequest: ProgramRequest = {
        // An ES module program is imported, which needs a file: the directory's index, in Pulumi's order.
        entry: project.esm ? project.mainFile : project.entry,
        dir: project.dir,
        typescript: project.typescript,
        esm: project.esm,
        project: project.name,
        stack: project.stack,
        organization: project.organization,
        monitor: server.address,
    };
    const request = JSON.stringify(programRequest);
    const confinement = confineProgram({
        allowWrites: options.allowWrites ?? programWritesAllowedByDefault(),
        needsModuleHooks: project.typescript && project.esm,
    });
    return new Promise<ProgramRun>((resolve, reject) => {
        let output = "";
        let settled = false;
        let done: Extract<ChildMessage, { kind: "done" }> | undefined;
        const child: ChildProcess = track(
            spawn(
                process.execPath,
                [
                    ...profilingArgs(),
                    ...heapFlagsForPrograms(),
                    ...execArgv,
                    ...confinement.execArgv,
                    file,
                    request,
                ],
                {
                    cwd: project.dir,
                    env: { ...programEnvironment(project, process.env), ...confinement.env },
                    // stdin: closes when we exit; fd 3: the child's diagnostics (see frames.ts).
                    stdio: ["pipe", "pipe", "pipe", "pipe"],
                    // Its own process group, killed as a whole (child-processes.ts).
                    detached: true,
                },
            ),
        );
        child.once("close", () => confinement.cleanup());
        child.once("error", () => confinement.cleanup());
        const collect = (chunk: Buffer) => {
            if (options.passThroughOutput) {
                process.stderr.write(chunk);
            }
            output = (output + chunk.toString("utf8")).slice(-OUTPUT_LIMIT);
        };
        child.stdout?.on("data", collect);
        child.stderr?.on("data", collect);
        const settle = (error: CheckError | undefined, run?: ProgramRun) => {
            if (settled) {
                return;
            }
            settled = true;
            options.signal?.removeEventListener("abort", onAbort);
            if (error) {
                if (child.exitCode === null && child.signalCode === null) {
                    child.kill("SIGKILL");
                }
                reject(error);
            } else if (run) {
                resolve(run);
            }
        };
        const onAbort = () => settle(new CheckError("interrupted", "the program run was interrupted"));
        options.signal?.addEventListener("abort", onAbort);
        if (options.signal?.aborted) {
            onAbort();
        }
        const printed = () =>
            output.trim() && !options.passThroughOutput ? `\nProgram output:\n${tail(output)}` : "";
        const tampered = (what: string) =>
            new CheckError(
                "program",
                `the Pulumi program in ${project.dir} interfered with the checker: ${what}; ` +
                    "the run can't be trusted, so nothing is judged",
            );
        readFrames(
            child.stdio[3] as Readable,
            (frame) => {
                if (settled) {
                    return;
                }
                const message = frame as Partial<ChildMessage> | null;
                if (message?.kind === "done" && done === undefined && Array.isArray(message.warnings)) {
                    done = message as Extract<ChildMessage, { kind: "done" }>;
                } else if (message?.kind === "done") {
                    settle(tampered("it said twice that it finished, or in a shape the checker never sends"));
                } else if (message?.kind === "failed" && typeof message.message === "string") {
                    settle(
                        programFailure(
                            project,
                            monitor,
                            options,
                            message as Extract<ChildMessage, { kind: "failed" }>,
                            `${confinement.explain(String(message.message))}${printed()}`,
                        ),
                    );
                } else {
                    settle(tampered("it wrote a message the checker does not send on the checker's channel"));
                }
            },
            (why) => settle(tampered(`it wrote ${why} on the checker's channel`)),
        );
        child.on("error", (err) =>
            settle(new CheckError("program", `can't start the program: ${err.message}`)),
        );
        // "close" comes after every pipe is drained: a final message, if any, has been read by then. What the
        // program sent the monitor before it exited is all received once the server has shut down.
        child.on("close", (code, signal) => {
            if (settled) {
                return;
            }
            void server.close().then(() => {
                sink.flush();
                const inconsistencies = monitor.inconsistencies();
                if (inconsistencies.length > 0) {
                    settle(
                        new CheckError(
                            "program",
                            `the Pulumi program in ${project.dir} made registrations the engine would refuse: ` +
                                `${inconsistencies.slice(0, 5).join("; ")}`,
                        ),
                    );
                } else if (code === 0 && signal === null && done && !monitor.stackFinished()) {
                    settle(
                        new CheckError(
                            "program",
                            `the Pulumi program in ${project.dir} exited before its stack was complete (the ` +
                                "root stack's outputs were never registered): what it had left to declare " +
                                `can't be judged${printed()}`,
                        ),
                    );
                } else if (code === 0 && signal === null && done) {
                    settle(undefined, {
                        resourceCount: monitor.resourceCount,
                        warnings: [
                            ...confinement.warnings,
                            ...monitor.warningList(),
                            ...done.warnings.map(String),
                        ],
                        unchecked: monitor.uncheckedComponents(),
                        output,
                    });
                } else {
                    settle(
                        new CheckError(
                            "program",
                            `the Pulumi program in ${project.dir} exited (${signal ?? `code ${code}`}) ` +
                                `without finishing${printed()}`,
                        ),
                    );
                }
            });
        });
    });
}

/** The error for a failure the child reported, explained with what the checker knows (unanswered lookups). */
function programFailure(
    project: ProgramProject,
    monitor: OfflineMonitor,
    options: RunProgramOptions,
    message: Extract<ChildMessage, { kind: "failed" }>,
    /** Appended to the message: why the permission model refused, and what the program printed. */
    trailer: string,
): CheckError {
    if (message.origin === "checker") {
        return checkerIncompatibility(project.dir, message.message, message.sdkVersion);
    }
    const unsupported = unsupportedFeature(message.message);
    if (unsupported !== undefined) {
        return new CheckError("checker", `the Pulumi program in ${project.dir} ${unsupported}`);
    }
    const explained = explainFailure(
        message.message,
        { dir: project.dir, stack: project.stack, answersSource: options.offlineAnswers?.source },
        monitor.unansweredLookups(),
        monitor.placeholderLookups(),
    );
    const where = message.location
        ? `\n    at ${formatLocation(parseLocation(message.location), process.cwd())}`
        : "";
    return new CheckError(
        "program",
        `the Pulumi program in ${project.dir} failed: ${explained}${where}${trailer}`,
    );
}

function parseLocation(location: string): { file: string; line: number; column?: number } {
    const match = /^(.*):(\d+)(?::(\d+))?$/.exec(location);
    if (!match) {
        return { file: location, line: 0 };
    }
    return { file: match[1], line: Number(match[2]), column: match[3] ? Number(match[3]) : undefined };
}

/** A failure of the checker's stand-in engine under the program's SDK: never blamed on the program. */
export function checkerIncompatibility(dir: string, message: string, sdkVersion?: string): CheckError {
    const sdk = `@pulumi/pulumi ${sdkVersion || "(version unknown)"}`;
    return new CheckError(
        "checker",
        `agentguard ${packageVersion()} could not run the Pulumi program in ${dir} with ${sdk}: ${message}\n` +
            `This is an incompatibility between the checker and ${sdk}, not an error in your program. ` +
            `Please report it; agentguard is tested with @pulumi/pulumi ${peerDependencyRange("@pulumi/pulumi")}.`,
    );
}
