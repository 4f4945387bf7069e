import { describe, expect, it } from "vitest";
import {
    judgeTargets,
    marginalPackCpuMsPerResource,
    stackPerResourceGrowth,
    TARGETS,
} from "../../bench/lib/targets";
import { benchRun, type RunFigures } from "./helpers";

const MIB = 1024;

/** A full set of runs that meets every target; tests change one figure at a time. */
function passingRuns(overrides: Partial<Record<string, Partial<RunFigures>>> = {}) {
    const base: Record<string, RunFigures> = {
        "agentguard-10": {
            pack: "agentguard",
            runtimes: 10,
            resources: 173,
            wallMs: 3_000,
            analyzeStackMs: 130,
            packCpuMs: 2_000,
            peakTreeRssKb: 500 * MIB,
        },
        "awsguard-10": {
            pack: "awsguard",
            runtimes: 10,
            resources: 173,
            wallMs: 3_000,
            analyzeStackMs: 40,
            packCpuMs: 1_800,
            peakTreeRssKb: 480 * MIB,
        },
        "agentguard-100": {
            pack: "agentguard",
            runtimes: 100,
            resources: 1_703,
            wallMs: 6_000,
            analyzeStackMs: 1_000,
            packCpuMs: 3_000,
            peakTreeRssKb: 700 * MIB,
        },
        "agentguard-1000": {
            pack: "agentguard",
            runtimes: 1000,
            resources: 17_003,
            wallMs: 25_000,
            analyzeStackMs: 9_000,
            packCpuMs: 14_000,
            peakTreeRssKb: 900 * MIB,
        },
        "awsguard-1000": {
            pack: "awsguard",
            runtimes: 1000,
            resources: 17_003,
            wallMs: 30_000,
            analyzeStackMs: 4_000,
            packCpuMs: 10_000,
            peakTreeRssKb: 900 * MIB,
        },
    };
    return Object.entries(base).map(([key, figures]) => benchRun({ ...figures, ...overrides[key] }));
}

function verdict(runs: ReturnType<typeof passingRuns>, startsWith: string) {
    const found = judgeTargets(runs).find((v) => v.target.startsWith(startsWith));
    if (!found) {
        throw new Error(`no verdict for '${startsWith}'`);
    }
    return found;
}

describe("benchmark targets", () => {
    it("meets every target when every figure is within bounds", () => {
        const verdicts = judgeTargets(passingRuns());
        expect(verdicts).toHaveLength(4);
        expect(verdicts.filter((v) => !v.met)).toEqual([]);
    });

    it("misses the time target at 30 s and the memory target at 1 GiB, not below", () => {
        const slow = passingRuns({ "agentguard-1000": { wallMs: TARGETS.wallMs } });
        expect(verdict(slow, "1000 runtimes end to end")).toMatchObject({ met: false, measured: "30.0 s" });
        const large = passingRuns({ "agentguard-1000": { peakTreeRssKb: 1024 * MIB } });
        expect(verdict(large, "1000 runtimes peak RSS")).toMatchObject({ met: false, measured: "1024 MiB" });
        const justUnder = passingRuns({ "agentguard-1000": { peakTreeRssKb: 1023 * MIB, wallMs: 29_900 } });
        expect(verdict(justUnder, "1000 runtimes peak RSS").met).toBe(true);
        expect(verdict(justUnder, "1000 runtimes end to end").met).toBe(true);
    });

    it("compares the pack's CPU per extra resource with the peer's, start-up cancelled out", () => {
        const runs = passingRuns();
        const ours = marginalPackCpuMsPerResource(runs[0], runs[3]);
        expect(ours).toBeCloseTo((14_000 - 2_000) / (17_003 - 173), 6);
        // 12,000 ms vs 8,200 ms over the same resources: 1.46x, within 2x.
        expect(verdict(runs, "pack CPU per resource").measured).toMatch(/^1\.46x/);
        const costly = passingRuns({ "agentguard-1000": { packCpuMs: 2_000 + 2.01 * 8_200 } });
        expect(verdict(costly, "pack CPU per resource").met).toBe(false);
    });

    it("refuses to compare a size with itself", () => {
        const run = passingRuns()[3];
        expect(() => marginalPackCpuMsPerResource(run, run)).toThrow(/need two sizes/);
    });

    it("calls AnalyzeStack linear only when its time per resource grows less than 1.5x", () => {
        const runs = passingRuns();
        expect(stackPerResourceGrowth(runs[2], runs[3])).toBeCloseTo(9_000 / 17_003 / (1_000 / 1_703), 6);
        expect(verdict(runs, "AnalyzeStack linear").met).toBe(true);
        const quadratic = passingRuns({ "agentguard-1000": { analyzeStackMs: 100_000 } });
        expect(verdict(quadratic, "AnalyzeStack linear")).toMatchObject({ met: false });
    });

    it("counts a target whose runs are missing as not met, and says so", () => {
        const onlySmall = passingRuns().filter((r) => r.runtimes === 10);
        const verdicts = judgeTargets(onlySmall);
        expect(verdicts).toHaveLength(4);
        for (const v of verdicts) {
            expect(v).toMatchObject({ met: false, measured: "not run" });
        }
        const withoutPeer = passingRuns().filter((r) => r.pack !== "awsguard");
        expect(verdict(withoutPeer, "pack CPU per resource").measured).toBe("not run");
    });
});
