import { spawn, type ChildProcess } from "child_process";
import * as fs from "fs";
import * as path from "path";

export const repoRoot = path.resolve(__dirname, "..", "..", "..");
export const fixtures = path.join(repoRoot, "test", "fixtures");
export const fixturePack = path.join(fixtures, "packs", "fixture-pack");
export const program = (name: string) => path.join(fixtures, "programs", name);

/** `agentguard check` of a fixture program against the fixture pack, with JSON output. */
export const checkFixture = (name: string, ...flags: string[]): string[] => [
    "check",
    program(name),
    "--policy-pack",
    fixturePack,
    "--format",
    "json",
    ...flags,
];

export interface CliRun {
    readonly code: number | null;
    readonly stdout: string;
    readonly stderr: string;
}

/** Starts `agentguard` the way a user does: the bin, from the project root. */
export function startCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
    return spawn(process.execPath, [path.join(repoRoot, "bin", "agentguard.js"), ...args], {
        cwd: repoRoot,
        env: { ...process.env, NO_COLOR: "1", ...env },
        stdio: ["ignore", "pipe", "pipe"],
    });
}

export function finished(child: ChildProcess): Promise<CliRun> {
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
}

export function runCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
    return finished(startCli(args, env));
}

/** Whether a process still runs (a zombie has ended; only its exit status is left). */
export function isRunning(pid: number): boolean {
    const stat = `/proc/${pid}/stat`;
    if (fs.existsSync("/proc")) {
        if (!fs.existsSync(stat)) {
            return false;
        }
        const state = fs.readFileSync(stat, "utf8").split(") ")[1]?.charAt(0);
        return state !== "Z" && state !== "X";
    }
    try {
        process.kill(pid, 0);
        return true;
    } catch {
        return false;
    }
}

export async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 30_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const value = probe();
        if (value !== undefined) {
            return value;
        }
        if (Date.now() > deadline) {
            throw new Error(`timed out waiting for ${what}`);
        }
        await new Promise((r) => setTimeout(r, 100));
    }
}
