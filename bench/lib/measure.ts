import { spawn } from "child_process";
import * as os from "os";
import { MemorySampler, type MemoryReport } from "./memory-sampler";
import { parseCheckSummary, type CheckSummary } from "./summary";

export interface Measurement {
    /** From spawning the checker process to its exit: Node start, compiling the checker, the whole check. */
    readonly wallMs: number;
    readonly check: CheckSummary;
    readonly memory: MemoryReport;
    /** The machine's 1-minute load average before and after: how contended the run was. */
    readonly loadAverage: { readonly before: number; readonly after: number };
}

/** Runs the check driver in a fresh process and samples the memory of its whole process tree meanwhile. */
export function measureCheck(
    driver: { readonly file: string; readonly execArgv: readonly string[]; readonly cwd: string },
    programDir: string,
    packDir: string,
    sampleIntervalMs: number,
): Promise<Measurement> {
    return new Promise((resolve, reject) => {
        const loadBefore = os.loadavg()[0];
        const started = process.hrtime.bigint();
        const child = spawn(process.execPath, [...driver.execArgv, driver.file, programDir, packDir], {
            cwd: driver.cwd,
            stdio: ["ignore", "pipe", "pipe"],
        });
        const sampler = new MemorySampler(child.pid!, { intervalMs: sampleIntervalMs });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
        child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
        child.on("error", (err) => {
            sampler.stop();
            reject(new Error(`can't start the check driver: ${err.message}`));
        });
        child.on("close", (code, signal) => {
            const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
            const memory = sampler.stop();
            if (code !== 0) {
                reject(
                    new Error(
                        `the check of ${programDir} with ${packDir} failed (${signal ?? `exit ${code}`}): ` +
                            stderr.trim().slice(-2000),
                    ),
                );
                return;
            }
            try {
                const loadAverage = { before: loadBefore, after: os.loadavg()[0] };
                resolve({ wallMs, check: parseCheckSummary(stdout.trim()), memory, loadAverage });
            } catch (err) {
                reject(err instanceof Error ? err : new Error(String(err)));
            }
        });
    });
}
