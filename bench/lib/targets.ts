import { cpuMsOf, mib, type BenchRun, type PackName } from "./report";

export interface TargetVerdict {
    readonly target: string;
    readonly measured: string;
    readonly met: boolean;
}

export const TARGETS = {
    largestRuntimes: 1000,
    wallMs: 30_000,
    peakRssMib: 1024,
    perResourceRatioToPeer: 2,
    /** AnalyzeStack time per resource may grow at most this much from 100 to 1000 runtimes. */
    stackPerResourceGrowth: 1.5,
} as const;

function find(runs: readonly BenchRun[], pack: PackName, runtimes: number): BenchRun | undefined {
    return runs.find((r) => r.pack === pack && r.runtimes === runtimes);
}

/**
 * The pack process's CPU per extra resource between two sizes: its Analyze and AnalyzeStack work with the
 * fixed start-up cost (loading, compiling) cancelled out. CPU time, unlike wall time, holds up when other
 * work shares the machine and when analysis overlaps the program run.
 */
export function marginalPackCpuMsPerResource(small: BenchRun, large: BenchRun): number {
    const extraResources = large.measurement.check.resources - small.measurement.check.resources;
    if (extraResources <= 0) {
        throw new Error(`need two sizes to compare; got ${small.runtimes} and ${large.runtimes} runtimes`);
    }
    return (cpuMsOf(large, "pack") - cpuMsOf(small, "pack")) / extraResources;
}

/** Stack-level time per resource at `to` over that at `from`: about 1 when AnalyzeStack is linear. */
export function stackPerResourceGrowth(from: BenchRun, to: BenchRun): number {
    const perResource = (run: BenchRun) =>
        run.measurement.check.timings.analyzeStackMs / run.measurement.check.resources;
    return perResource(to) / Math.max(perResource(from), Number.EPSILON);
}

/** The performance targets, judged on the runs there are; a target whose runs are missing is not met. */
export function judgeTargets(runs: readonly BenchRun[]): TargetVerdict[] {
    const largest = find(runs, "agentguard", TARGETS.largestRuntimes);
    const peer = find(runs, "awsguard", TARGETS.largestRuntimes);
    const hundred = find(runs, "agentguard", 100);
    const missing = (what: string): TargetVerdict => ({ target: what, measured: "not run", met: false });
    const verdicts: TargetVerdict[] = [];
    const wallTarget = `${TARGETS.largestRuntimes} runtimes end to end < ${TARGETS.wallMs / 1000} s`;
    const rssTarget = `${TARGETS.largestRuntimes} runtimes peak RSS (process tree) < ${TARGETS.peakRssMib} MiB`;
    if (largest) {
        const wall = largest.measurement.wallMs;
        verdicts.push({
            target: wallTarget,
            measured: `${(wall / 1000).toFixed(1)} s`,
            met: wall < TARGETS.wallMs,
        });
        const rss = mib(largest.measurement.memory.peakTreeRssKb);
        verdicts.push({
            target: rssTarget,
            measured: `${rss.toFixed(0)} MiB`,
            met: rss < TARGETS.peakRssMib,
        });
    } else {
        verdicts.push(missing(wallTarget), missing(rssTarget));
    }
    const smallest = Math.min(...runs.map((r) => r.runtimes));
    const ratioTarget =
        `pack CPU per resource (marginal, ${smallest} -> ${TARGETS.largestRuntimes} runtimes) ` +
        `within ${TARGETS.perResourceRatioToPeer}x of awsguard's`;
    const ours = find(runs, "agentguard", smallest);
    const theirs = find(runs, "awsguard", smallest);
    if (largest && peer && ours && theirs && smallest < TARGETS.largestRuntimes) {
        const oursMs = marginalPackCpuMsPerResource(ours, largest);
        const theirsMs = marginalPackCpuMsPerResource(theirs, peer);
        const ratio = oursMs / theirsMs;
        verdicts.push({
            target: ratioTarget,
            measured: `${ratio.toFixed(2)}x (${oursMs.toFixed(3)} vs ${theirsMs.toFixed(3)} ms)`,
            met: ratio <= TARGETS.perResourceRatioToPeer,
        });
    } else {
        verdicts.push(missing(ratioTarget));
    }
    const growthTarget = `AnalyzeStack linear: per-resource time 100 -> 1000 runtimes grows < ${TARGETS.stackPerResourceGrowth}x`;
    if (hundred && largest) {
        const growth = stackPerResourceGrowth(hundred, largest);
        verdicts.push({
            target: growthTarget,
            measured: `${growth.toFixed(2)}x (${hundred.measurement.check.timings.analyzeStackMs} ms -> ${largest.measurement.check.timings.analyzeStackMs} ms)`,
            met: growth < TARGETS.stackPerResourceGrowth,
        });
    } else {
        verdicts.push(missing(growthTarget));
    }
    return verdicts;
}
