import * as path from "path";
import { CheckError } from "./errors";
import { analyzeResources } from "./pack/analyze";
import { parsePolicyConfig, readPolicyConfigFile, type PolicyPackConfigInput } from "./pack/policy-config";
import { openPackSession, type PackSession, type UserPolicyConfig } from "./pack/session";
import { readPackManifest } from "./pack/start-pack";
import { defaultPolicyPackDir } from "./package-root";
import { runProgram, type ProgramRun } from "./program/run-program";
import { makeUrn, ROOT_STACK_TYPE } from "./program/urn";
import { loadProject } from "./project";
import type { CheckResult } from "./report/types";

export interface CheckOptions {
    /** Stack whose Pulumi.<stack>.yaml config is used; default: the only stack file, if any. */
    readonly stack?: string;
    /** Policy pack directory; default: agentguard's own pack. */
    readonly policyPack?: string;
    /** Policy pack config: a JSON file path, or the config object itself. */
    readonly config?: string | PolicyPackConfigInput;
    /** Remediate/Analyze calls in flight at once. @default 48 */
    readonly concurrency?: number;
    /** Print the program's console output to stderr as it runs instead of capturing it. @default false */
    readonly passThroughProgramOutput?: boolean;
    /** How long the pack may take to report its port. @default 120000 */
    readonly packStartTimeoutMs?: number;
    readonly onProgress?: (progress: { phase: "analyze"; done: number; total: number }) => void;
    readonly signal?: AbortSignal;
}

export const DEFAULT_CONCURRENCY = 48;

function userConfigOf(config: CheckOptions["config"]): UserPolicyConfig | undefined {
    if (config === undefined) {
        return undefined;
    }
    if (typeof config === "string") {
        return { config: readPolicyConfigFile(config), source: `policy config file '${config}'` };
    }
    return { config: parsePolicyConfig(config, "policy config"), source: "policy config" };
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
    const userConfig = userConfigOf(options.config);
    const abort = linkedAbort(options.signal);

    let programMs = 0;
    let packStartMs = 0;
    const programPromise = runProgram(project, {
        passThroughOutput: options.passThroughProgramOutput,
        signal: abort.signal,
    }).then((run) => {
        programMs = Date.now() - started;
        return run;
    });
    const sessionPromise = openPackSession(manifest, project, userConfig, {
        signal: abort.signal,
        startTimeoutMs: options.packStartTimeoutMs,
    }).then((session) => {
        packStartMs = Date.now() - started;
        return session;
    });
    // Whichever half fails first is the error reported; the other half is stopped right away.
    let firstFailure: unknown;
    const onFailure = (err: unknown) => {
        firstFailure ??= err;
        abort.abort();
    };
    programPromise.catch(onFailure);
    sessionPromise.catch(onFailure);
    const [programResult, sessionResult] = await Promise.allSettled([programPromise, sessionPromise]);
    const session: PackSession | undefined =
        sessionResult.status === "fulfilled" ? sessionResult.value : undefined;
    if (firstFailure !== undefined || programResult.status === "rejected") {
        await session?.close();
        throw firstFailure;
    }
    const run: ProgramRun = programResult.value;
    // From here on, a failing program can't leave the pack running.
    try {
        const openSession = session!;
        const rootStackUrn = makeUrn(
            project.stack,
            project.name,
            "",
            ROOT_STACK_TYPE,
            `${project.name}-${project.stack}`,
        );
        const outcome = await Promise.race([
            analyzeResources(run.resources, {
                connection: openSession.connection,
                versionOverride: manifest.version,
                remediate: openSession.remediates,
                concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
                rootStackUrn,
                signal: abort.signal,
                onProgress: options.onProgress
                    ? (done, total) => options.onProgress!({ phase: "analyze", done, total })
                    : undefined,
            }),
            openSession.pack.crashed,
        ]);
        const mandatory = outcome.violations.some((v) => v.enforcementLevel === "mandatory");
        return {
            resources: run.resources.length,
            violations: outcome.violations,
            remediations: outcome.remediations,
            warnings: [...project.warnings, ...run.warnings, ...openSession.warnings],
            exitCode: mandatory ? 1 : 0,
            project: {
                name: project.name,
                stack: project.stack,
                dir: project.dir,
                mainFile: project.mainFile,
            },
            policyPack: {
                name: openSession.name,
                version: openSession.version,
                dir: path.resolve(manifest.dir),
            },
            policies: openSession.policies,
            timings: {
                programMs,
                packStartMs,
                analyzeMs: outcome.analyzeMs,
                analyzeStackMs: outcome.analyzeStackMs,
                totalMs: Date.now() - started,
            },
            programOutput: run.output,
        };
    } catch (err) {
        if (options.signal?.aborted && !(err instanceof CheckError && err.kind === "interrupted")) {
            throw new CheckError("interrupted", "the check was interrupted");
        }
        throw err;
    } finally {
        await session!.close();
    }
}
