import { describe, expect, it } from "vitest";
import { formatPeakTable, formatProcessTable, formatTable } from "../../bench/lib/report";
import { benchRun } from "./helpers";

const MIB = 1024;

const runs = [
    benchRun({
        pack: "agentguard",
        runtimes: 1000,
        resources: 17_003,
        wallMs: 22_570,
        analyzeStackMs: 6_310,
        packCpuMs: 13_500,
        peakTreeRssKb: 2_308 * MIB,
    }),
    benchRun({
        pack: "awsguard",
        runtimes: 1000,
        resources: 17_003,
        wallMs: 47_740,
        analyzeStackMs: 4_760,
        packCpuMs: 11_790,
        peakTreeRssKb: 2_546 * MIB,
    }),
];

describe("bench report tables", () => {
    it("prints one aligned row per run with the measured figures", () => {
        const lines = formatTable(runs).split("\n");
        expect(lines).toHaveLength(3);
        expect(lines[1]).toMatch(/^agentguard\s+1000\s+17003\s+22\.57\s/);
        expect(lines[1]).toContain(" 2308 ");
        expect(lines[2]).toMatch(/^awsguard\s+1000\s+17003\s+47\.74\s/);
        const widths = new Set(lines.map((line) => line.length));
        expect(widths.size).toBe(1);
    });

    it("says what each process held at the tree's peak, and when", () => {
        const table = formatPeakTable(runs);
        const [header, first] = table.split("\n");
        expect(header).toMatch(/peak at s\s+checker MiB at peak\s+program MiB at peak\s+pack MiB at peak$/);
        const cells = first.trim().split(/\s+/);
        expect(cells).toEqual(["agentguard", "1000", "1.50", "98", String(2_308 - 293), "195"]);
    });

    it("writes Markdown tables with labels left and numbers right", () => {
        const markdown = formatProcessTable(runs, true).split("\n");
        expect(markdown[0]).toMatch(/^\| pack \| runtimes \| checker MiB \|/);
        expect(markdown[1]).toMatch(/^\| --- \| --- \| ---: \|/);
        expect(markdown).toHaveLength(4);
    });
});
