import type { Measurement } from "./measure";

export type PackName = "agentguard" | "awsguard";

export interface BenchRun {
    readonly pack: PackName;
    readonly runtimes: number;
    readonly measurement: Measurement;
}

const KIB_PER_MIB = 1024;

export function mib(kb: number): number {
    return kb / KIB_PER_MIB;
}

/** Wall time of the Analyze phase per resource (all calls, at the checker's concurrency). */
export function analyzeMsPerResource(run: BenchRun): number {
    const { timings, resources } = run.measurement.check;
    return timings.analyzeMs / resources;
}

export function cpuMsOf(run: BenchRun, role: "checker" | "program" | "pack"): number {
    return run.measurement.memory.processes
        .filter((p) => p.role === role)
        .reduce((sum, p) => sum + p.cpuMs, 0);
}

function seconds(ms: number): string {
    return (ms / 1000).toFixed(2);
}

function pad(cells: readonly string[], widths: readonly number[]): string {
    return cells.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join("  ");
}

/** Aligned plain text, or Markdown; the first two columns are labels, the rest right-aligned numbers. */
function renderTable(header: readonly string[], rows: readonly string[][], markdown: boolean): string {
    if (markdown) {
        const line = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
        const rule = header.map((_, i) => (i < 2 ? "---" : "---:"));
        return [line(header), line(rule), ...rows.map(line)].join("\n");
    }
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    return [pad(header, widths), ...rows.map((r) => pad(r, widths))].join("\n");
}

/** A plain-text table, one row per run; also valid Markdown when `markdown` is set. */
export function formatTable(runs: readonly BenchRun[], markdown = false): string {
    const header = [
        "pack",
        "runtimes",
        "resources",
        "wall s",
        "program s",
        "pack start s",
        "analyze s",
        "ms/resource",
        "stack s",
        "peak RSS MiB",
        "Σ peaks MiB",
        "pack CPU s",
        "violations",
    ];
    const rows = runs.map((run) => {
        const { check, memory, wallMs } = run.measurement;
        const violationCount = Object.values(check.violations).reduce((sum, n) => sum + n, 0);
        return [
            run.pack,
            String(run.runtimes),
            String(check.resources),
            seconds(wallMs),
            seconds(check.timings.programMs),
            seconds(check.timings.packStartMs),
            seconds(check.timings.analyzeMs),
            analyzeMsPerResource(run).toFixed(3),
            seconds(check.timings.analyzeStackMs),
            mib(memory.peakTreeRssKb).toFixed(0),
            mib(memory.sumOfProcessPeaksKb).toFixed(0),
            seconds(cpuMsOf(run, "pack")),
            String(violationCount),
        ];
    });
    return renderTable(header, rows, markdown);
}

const ROLES = ["checker", "program", "pack"] as const;

function hwmMibOf(run: BenchRun, role: (typeof ROLES)[number]): number {
    return mib(
        run.measurement.memory.processes.filter((p) => p.role === role).reduce((sum, p) => sum + p.hwmKb, 0),
    );
}

/**
 * Per process: own peak RSS (VmHWM) and CPU seconds. CPU time does not grow when other work shares the
 * machine, so it compares runs taken under different load better than wall time does.
 */
export function formatProcessTable(runs: readonly BenchRun[], markdown = false): string {
    const header = [
        "pack",
        "runtimes",
        ...ROLES.map((role) => `${role} MiB`),
        ...ROLES.map((role) => `${role} CPU s`),
        "load avg",
    ];
    const rows = runs.map((run) => [
        run.pack,
        String(run.runtimes),
        ...ROLES.map((role) => hwmMibOf(run, role).toFixed(0)),
        ...ROLES.map((role) => seconds(cpuMsOf(run, role))),
        run.measurement.loadAverage.before.toFixed(1),
    ]);
    return renderTable(header, rows, markdown);
}

/** What each process held at the instant the tree's RSS peaked, and when that was. */
export function formatPeakTable(runs: readonly BenchRun[], markdown = false): string {
    const header = ["pack", "runtimes", "peak at s", ...ROLES.map((role) => `${role} MiB at peak`)];
    const rows = runs.map((run) => {
        const { peakComposition } = run.measurement.memory;
        return [
            run.pack,
            String(run.runtimes),
            seconds(peakComposition.atMs),
            ...ROLES.map((role) => mib(peakComposition.rssKb[role]).toFixed(0)),
        ];
    });
    return renderTable(header, rows, markdown);
}
