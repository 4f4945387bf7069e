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

function emptyRoles(): Record<ProcessRole, number> {
    return { checker: 0, program: 0, pack: 0, other: 0 };
}

export function treeTotal(sample: RoleSample): number {
    return Object.values(sample.rssKb).reduce((sum, kb) => sum + kb, 0);
}

export interface ProcessPeak {
    readonly role: ProcessRole;
    readonly pid: number;
    /** Highest VmHWM read while the process was alive. */
    readonly hwmKb: number;
    /** CPU time at the last sample before it exited. */
    readonly cpuMs: number;
}

/** RSS by role at one sampling instant, `atMs` after sampling started. */
export interface RoleSample {
    readonly atMs: number;
    readonly rssKb: Readonly<Record<ProcessRole, number>>;
}

export interface MemoryReport {
    /** Highest sum of VmRSS over the whole tree at one sampling instant. */
    readonly peakTreeRssKb: number;
    /** Which process held what at that instant. */
    readonly peakComposition: RoleSample;
    /** RSS by role over the run, one sample every `timelineStepMs` (the largest of the samples in each step). */
    readonly timeline: readonly RoleSample[];
    readonly timelineStepMs: number;
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
export interface SamplerOptions {
    readonly intervalMs?: number;
    readonly timelineStepMs?: number;
    /** Where samples come from: /proc unless told otherwise. */
    readonly readTree?: (rootPid: number) => ProcessSample[];
    readonly now?: () => number;
}

export class MemorySampler {
    private peakTreeRssKb = 0;
    private peakComposition: RoleSample = { atMs: 0, rssKb: emptyRoles() };
    private readonly timeline: RoleSample[] = [];
    private samples = 0;
    private readonly peaks = new Map<number, ProcessPeak>();
    private readonly timer: NodeJS.Timeout;
    private readonly intervalMs: number;
    private readonly timelineStepMs: number;
    private readonly readTree: (rootPid: number) => ProcessSample[];
    private readonly now: () => number;
    private readonly startedAt: number;

    constructor(
        private readonly rootPid: number,
        options: SamplerOptions = {},
    ) {
        this.intervalMs = options.intervalMs ?? 50;
        this.timelineStepMs = options.timelineStepMs ?? 500;
        this.readTree = options.readTree ?? sampleProcessTree;
        this.now = options.now ?? Date.now;
        this.startedAt = this.now();
        this.sample();
        this.timer = setInterval(() => this.sample(), this.intervalMs);
    }

    sample(): void {
        const tree = this.readTree(this.rootPid);
        if (tree.length === 0) {
            return;
        }
        this.samples++;
        let total = 0;
        const byRole = emptyRoles();
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
            byRole[role] += process.rssKb;
        }
        const sample: RoleSample = { atMs: this.now() - this.startedAt, rssKb: byRole };
        if (total > this.peakTreeRssKb) {
            this.peakTreeRssKb = total;
            this.peakComposition = sample;
        }
        this.addToTimeline(sample);
    }

    private addToTimeline(sample: RoleSample): void {
        const step = Math.floor(sample.atMs / this.timelineStepMs);
        const last = this.timeline[this.timeline.length - 1];
        if (last && Math.floor(last.atMs / this.timelineStepMs) === step) {
            if (treeTotal(sample) > treeTotal(last)) {
                this.timeline[this.timeline.length - 1] = sample;
            }
        } else {
            this.timeline.push(sample);
        }
    }

    stop(): MemoryReport {
        clearInterval(this.timer);
        const processes = [...this.peaks.values()];
        return {
            peakTreeRssKb: this.peakTreeRssKb,
            peakComposition: this.peakComposition,
            timeline: this.timeline,
            timelineStepMs: this.timelineStepMs,
            sumOfProcessPeaksKb: processes.reduce((sum, p) => sum + p.hwmKb, 0),
            processes,
            samples: this.samples,
            intervalMs: this.intervalMs,
        };
    }
}
