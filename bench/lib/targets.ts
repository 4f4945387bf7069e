import { analyzeMsPerResource, mib, type BenchRun, type PackName } from "./report";

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
    const ratioTarget = `Analyze per resource within ${TARGETS.perResourceRatioToPeer}x of awsguard's`;
    if (largest && peer) {
        const ratio = analyzeMsPerResource(largest) / analyzeMsPerResource(peer);
        verdicts.push({
            target: ratioTarget,
            measured: `${ratio.toFixed(2)}x`,
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
