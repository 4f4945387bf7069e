import type { BenchRun, PackName } from "../../bench/lib/report";
import type { MemoryReport, ProcessPeak } from "../../bench/lib/memory-sampler";

export interface RunFigures {
    readonly pack: PackName;
    readonly runtimes: number;
    readonly resources: number;
    readonly wallMs: number;
    readonly analyzeStackMs: number;
    readonly packCpuMs: number;
    readonly peakTreeRssKb: number;
}

/** A bench run with the figures a test cares about; the rest are plausible fillers. */
export function benchRun(figures: RunFigures): BenchRun {
    const processes: ProcessPeak[] = [
        { role: "checker", pid: 1, hwmKb: 100_000, cpuMs: 1_000 },
        { role: "program", pid: 2, hwmKb: figures.peakTreeRssKb / 2, cpuMs: 5_000 },
        { role: "pack", pid: 3, hwmKb: 200_000, cpuMs: figures.packCpuMs },
    ];
    const memory: MemoryReport = {
        peakTreeRssKb: figures.peakTreeRssKb,
        peakComposition: {
            atMs: 1_500,
            rssKb: { checker: 100_000, program: figures.peakTreeRssKb - 300_000, pack: 200_000, other: 0 },
        },
        timeline: [],
        timelineStepMs: 500,
        sumOfProcessPeaksKb: processes.reduce((sum, p) => sum + p.hwmKb, 0),
        processes,
        samples: 10,
        intervalMs: 50,
    };
    return {
        pack: figures.pack,
        runtimes: figures.runtimes,
        measurement: {
            wallMs: figures.wallMs,
            check: {
                resources: figures.resources,
                exitCode: 1,
                timings: {
                    programMs: 1_000,
                    packStartMs: 1_000,
                    analyzeMs: 1_000,
                    analyzeStackMs: figures.analyzeStackMs,
                    totalMs: figures.wallMs,
                },
                violations: { "some-policy (mandatory)": figures.runtimes },
                policies: 13,
            },
            memory,
            loadAverage: { before: 0.5, after: 0.7 },
        },
    };
}
