import { sampleProcessTree, type ProcessSample } from "./proc";

export type ProcessRole = "checker" | "program" | "pack" | "other";

/** What the checker's children are, told apart by their command lines. */
export function roleOf(sample: ProcessSample, rootPid: number): ProcessRole {
    if (sample.pid === rootPid) {
        return "checker";
    }
    if (/run-policy-pack/.test(sample.command)) {
        return "pack";
    }
    if (/[/\\]program[/\\]child\.[jt]s/.test(sample.command)) {
        return "program";
    }
    return "other";
}

export interface ProcessPeak {
    readonly role: ProcessRole;
    readonly pid: number;
    /** Highest VmHWM read while the process was alive. */
    readonly hwmKb: number;
    /** CPU time at the last sample before it exited. */
    readonly cpuMs: number;
}

export interface MemoryReport {
    /** Highest sum of VmRSS over the whole tree at one sampling instant. */
    readonly peakTreeRssKb: number;
    /** Sum of every process's own peak: an upper bound on the tree's peak, exact per process. */
    readonly sumOfProcessPeaksKb: number;
    readonly processes: readonly ProcessPeak[];
    readonly samples: number;
    readonly intervalMs: number;
}

/**
 * Samples the RSS of a process and all its descendants every `intervalMs` until stopped. The tree peak is
 * sampled (it can miss a spike shorter than the interval); each process's own peak is the kernel's exact
 * high-water mark, as last read before the process exited.
 */
export class MemorySampler {
    private peakTreeRssKb = 0;
    private samples = 0;
    private readonly peaks = new Map<number, ProcessPeak>();
    private readonly timer: NodeJS.Timeout;

    constructor(
        private readonly rootPid: number,
        private readonly intervalMs = 50,
    ) {
        this.sample();
        this.timer = setInterval(() => this.sample(), intervalMs);
    }

    sample(): void {
        const tree = sampleProcessTree(this.rootPid);
        if (tree.length === 0) {
            return;
        }
        this.samples++;
        let total = 0;
        for (const process of tree) {
            total += process.rssKb;
            const previous = this.peaks.get(process.pid);
            // An exited (zombie) process has no command line left: keep the role it was seen with.
            const role =
                previous && previous.role !== "other" ? previous.role : roleOf(process, this.rootPid);
            this.peaks.set(process.pid, {
                role,
                pid: process.pid,
                hwmKb: Math.max(previous?.hwmKb ?? 0, process.hwmKb),
                cpuMs: Math.max(previous?.cpuMs ?? 0, process.cpuMs),
            });
        }
        this.peakTreeRssKb = Math.max(this.peakTreeRssKb, total);
    }

    stop(): MemoryReport {
        clearInterval(this.timer);
        const processes = [...this.peaks.values()];
        return {
            peakTreeRssKb: this.peakTreeRssKb,
            sumOfProcessPeaksKb: processes.reduce((sum, p) => sum + p.hwmKb, 0),
            processes,
            samples: this.samples,
            intervalMs: this.intervalMs,
        };
    }
}
