import { spawn, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { createRequire } from "module";
import * as yaml from "js-yaml";
import { stopProcess, track } from "../child-processes";
import { CheckError, tail } from "../errors";
import { defaultPolicyPackDir, packageRoot, packageScript, profilingArgs } from "../package-root";

export interface PackManifest {
    readonly dir: string;
    readonly runtime: string;
    readonly runtimeOptions: Readonly<Record<string, unknown>>;
    /** PulumiPolicy.yaml's version, which the engine prefers over the pack's own. */
    readonly version?: string;
}

export interface RunningPack {
    readonly address: string;
    readonly manifest: PackManifest;
    /** What the pack has written to stderr so far (tail only). */
    stderr(): string;
    stop(): Promise<void>;
    /** Rejects if the pack process exits before stop() is called. */
    readonly crashed: Promise<never>;
}

const STDERR_LIMIT = 64 * 1024;

/** Reads PulumiPolicy.yaml, failing with a message that says what is missing. */
export function readPackManifest(packDir: string): PackManifest {
    const dir = path.resolve(packDir);
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
        throw new CheckError(
            "pack",
            `policy pack directory '${packDir}' does not exist or is not a directory`,
        );
    }
    const file = path.join(dir, "PulumiPolicy.yaml");
    if (!fs.existsSync(file)) {
        throw new CheckError(
            "pack",
            `'${packDir}' has no PulumiPolicy.yaml, so it is not a policy pack (expected ${file})`,
        );
    }
    let parsed: unknown;
    try {
        parsed = yaml.load(fs.readFileSync(file, "utf8"));
    } catch (err) {
        throw new CheckError("pack", `can't read ${file}: ${(err as Error).message}`);
    }
    const manifest = (typeof parsed === "object" && parsed !== null ? parsed : {}) as Record<string, unknown>;
    const runtime = manifest.runtime;
    const runtimeName =
        typeof runtime === "object" && runtime !== null ? (runtime as Record<string, unknown>).name : runtime;
    const options =
        typeof runtime === "object" && runtime !== null
            ? (runtime as Record<string, unknown>).options
            : undefined;
    if (runtimeName !== "nodejs") {
        throw new CheckError(
            "pack",
            `${file} runtime is ${JSON.stringify(runtimeName)}: only 'nodejs' policy packs can be run`,
        );
    }
    return {
        dir,
        runtime: runtimeName,
        runtimeOptions:
            typeof options === "object" && options !== null ? (options as Record<string, unknown>) : {},
        version: typeof manifest.version === "string" ? manifest.version : undefined,
    };
}

/** `@pulumi/pulumi/cmd/run-policy-pack`, from the pack's own dependencies first, as the engine runs it. */
export function resolvePolicyPackRunner(packDir: string): string {
    const target = "@pulumi/pulumi/cmd/run-policy-pack";
    try {
        return createRequire(path.join(packDir, "__agentguard_check__.js")).resolve(target);
    } catch {
        try {
            return require.resolve(target);
        } catch {
            throw new CheckError(
                "pack",
                `it looks like the policy pack's dependencies are not installed; try running npm install in ${packDir}`,
            );
        }
    }
}

/** The engine passes PulumiPolicy.yaml runtime options as `-key=value` arguments. */
export function runtimeArgs(options: Readonly<Record<string, unknown>>): string[] {
    return Object.entries(options)
        .map(([key, value]) => [key, typeof value === "string" ? value : JSON.stringify(value)] as const)
        .filter(([, value]) => value !== "" && value !== undefined)
        .map(([key, value]) => `-${key}=${value}`);
}

function realDir(dir: string): string {
    try {
        return fs.realpathSync(dir);
    } catch {
        return path.resolve(dir);
    }
}

function isOwnPack(packDir: string): boolean {
    return realDir(packDir) === realDir(defaultPolicyPackDir());
}

/**
 * Scripts preloaded into the pack process: every pack exits with the checker; agentguard's own pack, which
 * runs compiled JavaScript, is started without ts-node and refuses to load TypeScript (compiled-pack.js).
 */
export function packPreloads(packDir: string): string[] {
    const preloads = ["-r", packageScript("pack", "exit-with-parent.js")];
    if (isOwnPack(packDir)) {
        preloads.push("-r", packageScript("pack", "compiled-pack.js"));
    }
    return preloads;
}

function typeScriptSources(dir: string): string[] {
    if (!fs.existsSync(dir)) return [];
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) return entry.name === "node_modules" ? [] : typeScriptSources(full);
        return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [full] : [];
    });
}

/**
 * Why agentguard's own pack cannot be run as built, or undefined: its compiled entry (dist/policy-pack, where
 * policy-pack/package.json's "main" points) is missing, or, in a source checkout, older than a source file of
 * the pack or of the core/ it imports (the published package ships no pack sources).
 */
export function compiledPackProblem(root: string = packageRoot()): string | undefined {
    const dist = path.join(root, "dist");
    const entry = path.join(dist, "policy-pack", "index.js");
    if (!fs.existsSync(entry)) {
        return (
            `agentguard's policy pack is not built: ${entry} is missing; run \`npm run build\` in ${root} ` +
            "(the pack runs compiled JavaScript only)"
        );
    }
    for (const source of [
        ...typeScriptSources(path.join(root, "policy-pack")),
        ...typeScriptSources(path.join(root, "core")),
    ]) {
        const compiled = path.join(dist, path.relative(root, source)).replace(/\.ts$/, ".js");
        let stale: boolean;
        try {
            stale = fs.statSync(compiled).mtimeMs < fs.statSync(source).mtimeMs;
        } catch {
            stale = true;
        }
        if (stale) {
            return (
                `agentguard's compiled policy pack is older than its source ${path.relative(root, source)} ` +
                `(${path.relative(root, compiled)} is missing or older); run \`npm run build\` in ${root}`
            );
        }
    }
    return undefined;
}

/**
 * Starts the pack as the engine does (`run-policy-pack <engine> .` in the pack directory) and waits for the
 * port it prints. The process is stopped on failure and, via the process registry, when we exit.
 */
export function startPack(
    manifest: PackManifest,
    env: NodeJS.ProcessEnv,
    options: { timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<RunningPack> {
    if (isOwnPack(manifest.dir)) {
        const problem = compiledPackProblem();
        if (problem) return Promise.reject(new CheckError("pack", problem));
    }
    const runner = resolvePolicyPackRunner(manifest.dir);
    const timeoutMs = options.timeoutMs ?? 120_000;
    return new Promise<RunningPack>((resolve, reject) => {
        const child: ChildProcess = track(
            spawn(
                process.execPath,
                [
                    ...profilingArgs(),
                    ...packPreloads(manifest.dir),
                    runner,
                    "127.0.0.1:0",
                    ".",
                    ...runtimeArgs(manifest.runtimeOptions),
                ],
                // detached: its own process group, killed as a whole (child-processes.ts).
                { cwd: manifest.dir, env, stdio: ["pipe", "pipe", "pipe"], detached: true },
            ),
        );
        let stderr = "";
        let stdout = "";
        let address: string | undefined;
        let stopping = false;
        let rejectCrash: (err: Error) => void = () => undefined;
        const crashed = new Promise<never>((_, rej) => (rejectCrash = rej));
        crashed.catch(() => undefined);
        const stop = async () => {
            stopping = true;
            await stopProcess(child);
        };
        const failure = (what: string) =>
            new CheckError(
                "pack",
                `policy pack ${manifest.dir} ${what}` +
                    (tail(stderr)
                        ? `; its stderr ends with:\n${tail(stderr)}`
                        : " (it wrote nothing to stderr)"),
            );
        const timer = setTimeout(() => {
            void stop();
            reject(failure(`did not report its port within ${Math.round(timeoutMs / 1000)}s`));
        }, timeoutMs);
        const onAbort = () => {
            clearTimeout(timer);
            void stop();
            reject(new CheckError("interrupted", "starting the policy pack was interrupted"));
        };
        options.signal?.addEventListener("abort", onAbort, { once: true });
        child.stderr?.on("data", (chunk: Buffer) => {
            stderr = (stderr + chunk.toString("utf8")).slice(-STDERR_LIMIT);
        });
        child.stdout?.on("data", (chunk: Buffer) => {
            if (address !== undefined) {
                return;
            }
            stdout += chunk.toString("utf8");
            const newline = stdout.indexOf("\n");
            if (newline === -1) {
                return;
            }
            const firstLine = stdout.slice(0, newline).trim();
            clearTimeout(timer);
            options.signal?.removeEventListener("abort", onAbort);
            if (!/^\d+$/.test(firstLine)) {
                void stop();
                reject(failure(`printed '${firstLine.slice(0, 200)}' where its gRPC port was expected`));
                return;
            }
            address = `127.0.0.1:${firstLine}`;
            resolve({ address, manifest, stderr: () => stderr, stop, crashed });
        });
        child.on("error", (err) => {
            clearTimeout(timer);
            reject(new CheckError("pack", `can't start the policy pack process: ${err.message}`));
        });
        child.on("exit", (code, signal) => {
            clearTimeout(timer);
            options.signal?.removeEventListener("abort", onAbort);
            const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
            if (address === undefined) {
                // Let buffered stderr arrive before quoting it.
                setImmediate(() => reject(failure(`failed to start: it ${how}`)));
            } else if (!stopping) {
                setImmediate(() => rejectCrash(failure(`crashed: it ${how}`)));
            }
        });
    });
}
