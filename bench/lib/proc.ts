import * as fs from "fs";

/** One process as Linux reports it in /proc. */
export interface ProcessSample {
    readonly pid: number;
    readonly ppid: number;
    /** Resident set size now. */
    readonly rssKb: number;
    /** The process's own peak resident set size so far (kernel-maintained high-water mark). */
    readonly hwmKb: number;
    /** User + system CPU time consumed so far. */
    readonly cpuMs: number;
    readonly command: string;
}

/** Reads a `VmRSS:  1234 kB` style field from /proc/<pid>/status text; 0 when absent (kernel threads, zombies). */
export function statusFieldKb(status: string, field: string): number {
    const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, "m").exec(status);
    return match ? Number(match[1]) : 0;
}

/**
 * Parses /proc/<pid>/stat. The command name (field 2) may itself hold spaces and parentheses, so fields
 * are counted from the last `)`.
 */
export function parseStat(stat: string, clockTicksPerSecond: number): { ppid: number; cpuMs: number } {
    const close = stat.lastIndexOf(")");
    if (close === -1) {
        throw new Error(`unexpected /proc stat line (no ')' after the command name): ${stat.slice(0, 80)}`);
    }
    // After ")": state(3) ppid(4) ... utime(14) stime(15); index 0 here is field 3.
    const fields = stat
        .slice(close + 2)
        .trim()
        .split(/\s+/);
    const ppid = Number(fields[1]);
    const ticks = Number(fields[11]) + Number(fields[12]);
    return { ppid, cpuMs: Math.round((ticks * 1000) / clockTicksPerSecond) };
}

function readText(file: string): string | undefined {
    try {
        return fs.readFileSync(file, "utf8");
    } catch {
        // The process exited between listing and reading.
        return undefined;
    }
}

/** Linux's USER_HZ is 100 on every architecture Node supports. */
export const CLOCK_TICKS_PER_SECOND = 100;

export function sampleProcess(pid: number): ProcessSample | undefined {
    const status = readText(`/proc/${pid}/status`);
    const stat = readText(`/proc/${pid}/stat`);
    if (status === undefined || stat === undefined) {
        return undefined;
    }
    const { ppid, cpuMs } = parseStat(stat, CLOCK_TICKS_PER_SECOND);
    const command = (readText(`/proc/${pid}/cmdline`) ?? "").split("\0").join(" ").trim();
    return {
        pid,
        ppid,
        rssKb: statusFieldKb(status, "VmRSS"),
        hwmKb: statusFieldKb(status, "VmHWM"),
        cpuMs,
        command,
    };
}

/** Direct children of `pid`, from every thread's `children` file (a child belongs to the thread that forked it). */
function childrenOf(pid: number): number[] {
    const tasks = (() => {
        try {
            return fs.readdirSync(`/proc/${pid}/task`);
        } catch {
            return [];
        }
    })();
    const children: number[] = [];
    for (const tid of tasks) {
        const text = readText(`/proc/${pid}/task/${tid}/children`) ?? "";
        for (const token of text.split(/\s+/)) {
            if (token !== "") {
                children.push(Number(token));
            }
        }
    }
    return children;
}

/** `rootPid` and all its descendants alive right now. */
export function sampleProcessTree(rootPid: number): ProcessSample[] {
    const samples: ProcessSample[] = [];
    const queue = [rootPid];
    const seen = new Set<number>();
    while (queue.length > 0) {
        const pid = queue.shift()!;
        if (seen.has(pid)) {
            continue;
        }
        seen.add(pid);
        const sample = sampleProcess(pid);
        if (sample) {
            samples.push(sample);
            queue.push(...childrenOf(pid));
        }
    }
    return samples;
}

/** Whether this kernel lists children per thread (CONFIG_PROC_CHILDREN), which the tree walk needs. */
export function canWalkProcessTree(): boolean {
    return fs.existsSync(`/proc/${process.pid}/task/${process.pid}/children`);
}
