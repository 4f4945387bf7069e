import * as path from "path";
import { CheckError } from "./errors";
import { DEFAULT_TIMEOUT_SECONDS } from "./flags";
import {
    coverageViolation,
    OFFLINE_COVERAGE_POLICY,
    readCoverageExemptions,
    unusedCoverageExemptions,
    type CoverageExemption,
} from "./offline-coverage";
import { AnalysisPipeline } from "./pack/analyze";
import { parsePolicyConfig, readPolicyConfigFile, type PolicyPackConfigInput } from "./pack/policy-config";
import { openPackSession, type PackSession, type UserPolicyConfig } from "./pack/session";
import { readPackManifest } from "./pack/start-pack";
import { defaultPolicyPackDir } from "./package-root";
import { RESOURCE_GENERATING_INVOKES } from "./program/monitor";
import { parseOfflineAnswers, readOfflineAnswers, type OfflineAnswers } from "./program/offline-answers";
import { OFFLINE_INVOKES } from "./program/offline-invokes";
import { runProgram, type ProgramRun } from "./program/run-program";
import { rootStackUrn } from "./program/urn";
import { loadProject } from "./project";
import type { CheckResult } from "./report/types";

export interface CheckOptions {
    /** Stack whose Pulumi.<stack>.yaml config is used; default: the only stack file, if any. */
    readonly stack?: string;
    /** Policy pack directory; default: agentguard's own pack. */
    readonly policyPack?: string;
    /** Policy pack config: a JSON file path, or the config object itself. */
    readonly config?: string | PolicyPackConfigInput;
    /**
     * Answers for lookups that read cloud state: a JSON/YAML file path (`--offline-answers`), or the
     * mapping itself (function token to answer, or to a list of `{ args, answer }`).
     */
    readonly offlineAnswers?: string | Readonly<Record<string, unknown>>;
    /** Remediate/Analyze calls in flight at once. @default 16 */
    readonly concurrency?: number;
    /** Print the program's console output to stderr as it runs instead of capturing it. @default false */
    readonly passThroughProgramOutput?: boolean;
    /** How long the pack may take to report its port. @default 120000 */
    readonly packStartTimeoutMs?: number;
    readonly onProgress?: (progress: { phase: "analyze"; done: number; total: number }) => void;
    readonly signal?: AbortSignal;
    /**
     * The whole run's deadline (`--timeout`): whatever has not finished by then is stopped, and the check
     * fails with a "timeout" CheckError naming it. @default 600000
     */
    readonly timeoutMs?: number;
    /** `--allow-program-writes`: the program may write anywhere (default: only in its scratch directory). */
    readonly allowProgramWrites?: boolean;
}

export const DEFAULT_CONCURRENCY = 16;
export { DEFAULT_TIMEOUT_SECONDS };

/** The pack's config, and the checker's own `offline-coverage` entry taken out of it. */
function userConfigOf(config: CheckOptions["config"]): {
    pack?: UserPolicyConfig;
    coverageExemptions: CoverageExemption[];
} {
    if (config === undefined) {
        return { coverageExemptions: [] };
    }
    const source = typeof config === "string" ? `policy config file '${config}'` : "policy config";
    const { [OFFLINE_COVERAGE_POLICY]: coverage, ...packConfig } =
        typeof config === "string" ? readPolicyConfigFile(config) : parsePolicyConfig(config, source);
    return {
        pack: { config: packConfig, source },
        coverageExemptions: coverage ? readCoverageExemptions(coverage, source) : [],
    };
}

/** Functions the checker answers itself: a file must not replace what the program declares. */
export function reservedLookups(): Record<string, string> {
    const reserved: Record<string, string> = {};
    for (const token of Object.keys(OFFLINE_INVOKES)) {
        reserved[token] = "the checker computes it from the program's arguments, as the provider would";
    }
    for (const token of Object.keys(RESOURCE_GENERATING_INVOKES)) {
        reserved[token] = "its result is the resources a component creates, which are judged, never supplied";
    }
    return reserved;
}

function offlineAnswersOf(answers: CheckOptions["offlineAnswers"]): OfflineAnswers | undefined {
    if (answers === undefined) {
        return undefined;
    }
    return typeof answers === "string"
        ? readOfflineAnswers(answers, reservedLookups())
        : parseOfflineAnswers(answers, "offline answers", reservedLookups());
}

/** Ends the other half when one half fails, so the first error is the one reported. */
function linkedAbort(parent: AbortSignal | undefined): AbortController {
    const controller = new AbortController();
    if (parent?.aborted) {
        controller.abort();
    }
    parent?.addEventListener("abort", () => controller.abort(), { once: true });
    return controller;
}

/**
 * Runs the Pulumi program in `programDir` offline and checks it against a policy pack, exactly as the
 * CLI does. Throws a CheckError for anything that is not a verdict (bad input, program or pack failure).
 */
export async function checkProgram(programDir: string, options: CheckOptions = {}): Promise<CheckResult> {
    const started = Date.now();
    const project = loadProject(programDir, options.stack);
    const manifest = readPackManifest(options.policyPack ?? defaultPolicyPackDir());
    const { pack: userConfig, coverageExemptions } = userConfigOf(options.config);
    const offlineAnswers = offlineAnswersOf(options.offlineAnswers);
    const abort = linkedAbort(options.signal);
    const interrupted = new Promise<never>((_, reject) =>
        abort.signal.addEventListener(
            "abort",
            () => reject(new CheckError("interrupted", "the check was interrupted")),
            {
                once: true,
            },
        ),
    );
    interrupted.catch(() => undefined);
    const stackUrn = rootStackUrn(project.stack, project.name);
    const pipeline = new AnalysisPipeline();

    // Whichever part fails first is the error reported; everything else is stopped right away.
    let firstFailure: unknown;
    const onFailure = (err: unknown) => {
        firstFailure ??= err;
        abort.abort();
    };
    let programMs = 0;
    let packStartMs = 0;
    let analyzed = 0;
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_SECONDS * 1000;
    let timedOut: CheckError | undefined;
    const deadline = setTimeout(() => {
        timedOut = new CheckError(
            "timeout",
            `${unfinished(manifest.dir, project.dir, {
                programDone: programMs > 0,
                packReady: packStartMs > 0,
                analyzed,
                total: pipeline.count,
            })} within ${Math.round(timeoutMs / 1000)} s (--timeout)`,
        );
        onFailure(timedOut);
    }, timeoutMs);
    // Started in a turn of its own, so that even a synchronous throw settles through the paths below.
    const programPromise = Promise.resolve()
        .then(() =>
            runProgram(project, {
                onResources: (resources) => pipeline.add(resources),
                onOutputs: (urn, outputs) => pipeline.setOutputs(urn, outputs),
                passThroughOutput: options.passThroughProgramOutput,
                offlineAnswers,
                allowWrites: options.allowProgramWrites,
                signal: abort.signal,
            }),
        )
        .then((run) => {
            programMs = Math.max(1, Date.now() - started);
            return run;
        });
    // Resources are analyzed as they arrive once the pack is ready, while the program still runs.
    const sessionPromise = openPackSession(manifest, project, userConfig, {
        signal: abort.signal,
        startTimeoutMs: options.packStartTimeoutMs,
        // AnalyzeStack may take as long as the run; every other call has its own limit (client.ts).
        callLimits: { stackTimeoutMs: timeoutMs },
    }).then((session) => {
        packStartMs = Math.max(1, Date.now() - started);
        session.pack.crashed.catch(onFailure);
        pipeline.start({
            connection: session.connection,
            versionOverride: manifest.version,
            remediate: session.remediates,
            concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
            rootStackUrn: stackUrn,
            onProgress: (done, total) => {
                analyzed = done;
                options.onProgress?.({ phase: "analyze", done, total });
            },
        });
        return session;
    });
    programPromise.catch(onFailure);
    sessionPromise.catch(onFailure);
    const [programResult, sessionResult] = await Promise.allSettled([programPromise, sessionPromise]);
    const session: PackSession | undefined =
        sessionResult.status === "fulfilled" ? sessionResult.value : undefined;
    try {
        return await verdict();
    } catch (err) {
        // Once the deadline has passed, what did not finish is the error, not how it was stopped.
        throw timedOut !== undefined && (firstFailure === undefined || firstFailure === timedOut)
            ? timedOut
            : err;
    } finally {
        clearTimeout(deadline);
        await session?.close();
    }

    async function verdict(): Promise<CheckResult> {
        if (firstFailure !== undefined || programResult.status === "rejected" || !session) {
            pipeline.abort(new CheckError("interrupted", "the check was stopped"));
            throw firstFailure;
        }
        const run: ProgramRun = programResult.value;
        const outcome = await Promise.race([pipeline.finish(), session.pack.crashed, interrupted]);
        const violations = [
            ...run.unchecked.map((component) => coverageViolation(component, coverageExemptions)),
            ...outcome.violations,
        ];
        const mandatory = violations.some((v) => v.enforcementLevel === "mandatory");
        return {
            resources: run.resourceCount,
            violations,
            remediations: outcome.remediations,
            warnings: [
                ...project.warnings,
                ...run.warnings,
                ...unusedCoverageExemptions(coverageExemptions, run.unchecked),
                ...session.warnings,
            ],
            exitCode: mandatory ? 1 : 0,
            project: {
                name: project.name,
                stack: project.stack,
                dir: project.dir,
                mainFile: project.mainFile,
            },
            policyPack: { name: session.name, version: session.version, dir: path.resolve(manifest.dir) },
            policies: session.policies,
            timings: {
                programMs,
                packStartMs,
                analyzeMs: outcome.analyzeMs,
                analyzeStackMs: outcome.analyzeStackMs,
                totalMs: Date.now() - started,
            },
            programOutput: run.output,
        };
    }
}

/** What was still running when the deadline passed, for the timeout message. */
function unfinished(
    packDir: string,
    programDir: string,
    state: { programDone: boolean; packReady: boolean; analyzed: number; total: number },
): string {
    const program = `the Pulumi program in ${programDir} did not finish`;
    if (!state.programDone && !state.packReady) {
        return `${program}, and the policy pack ${packDir} did not start,`;
    }
    if (!state.programDone) return program;
    if (!state.packReady) return `the policy pack ${packDir} did not start`;
    return (
        `the policy pack ${packDir} did not finish judging the stack ` +
        `(${state.analyzed} of ${state.total} resources analyzed` +
        `${state.analyzed === state.total ? ", AnalyzeStack had not answered" : ""})`
    );
}
