import { afterEach, describe, expect, it } from "vitest";
import { MemorySampler, roleOf, treeTotal } from "../../bench/lib/memory-sampler";
import type { ProcessSample } from "../../bench/lib/proc";
import { canWalkProcessTree } from "../../bench/lib/proc";

const ROOT = 100;

function proc(pid: number, rssKb: number, command: string, hwmKb = rssKb, cpuMs = 10): ProcessSample {
    return { pid, ppid: pid === ROOT ? 1 : ROOT, rssKb, hwmKb, cpuMs, command };
}

const checker = (rss: number, hwm = rss) => proc(ROOT, rss, "node check-driver.ts", hwm);
const program = (rss: number, hwm = rss) =>
    proc(101, rss, "node -r register-ts.js /x/cli/program/child.ts {}", hwm);
const pack = (rss: number, hwm = rss) =>
    proc(102, rss, "node /x/@pulumi/pulumi/cmd/run-policy-pack 127.0.0.1:0 .", hwm);

/** A sampler over scripted trees and a scripted clock: one tree and one time per sample. */
function scripted(trees: ProcessSample[][], times: number[], timelineStepMs = 500) {
    let call = 0;
    let clock = 0;
    const sampler = new MemorySampler(ROOT, {
        intervalMs: 3_600_000,
        timelineStepMs,
        readTree: () => trees[Math.min(call++, trees.length - 1)],
        now: () => clock,
    });
    for (let i = 1; i < trees.length; i++) {
        clock = times[i];
        sampler.sample();
    }
    return sampler.stop();
}

let stopLater: MemorySampler | undefined;
afterEach(() => {
    stopLater?.stop();
    stopLater = undefined;
});

describe("memory sampler", () => {
    it("tells the checker, program and pack apart by pid and command line", () => {
        expect(roleOf(checker(1), ROOT)).toBe("checker");
        expect(roleOf(program(1), ROOT)).toBe("program");
        expect(roleOf(pack(1), ROOT)).toBe("pack");
        expect(roleOf(proc(103, 1, "/bin/sh -c true"), ROOT)).toBe("other");
    });

    it("records what each process held at the instant the tree peaked", () => {
        const report = scripted(
            [
                [checker(100)],
                [checker(150), program(900), pack(200)],
                [checker(300), program(1_500), pack(250)],
                [checker(350), pack(1_000)],
            ],
            [0, 400, 900, 1_300],
        );
        expect(report.peakTreeRssKb).toBe(2_050);
        expect(report.peakComposition).toEqual({
            atMs: 900,
            rssKb: { checker: 300, program: 1_500, pack: 250, other: 0 },
        });
        expect(treeTotal(report.peakComposition)).toBe(report.peakTreeRssKb);
    });

    it("keeps the largest sample of each timeline step", () => {
        const report = scripted(
            [[checker(100)], [checker(300)], [checker(200)], [checker(50)], [checker(400)]],
            [0, 100, 400, 600, 1_700],
            500,
        );
        expect(report.timeline.map((s) => [s.atMs, s.rssKb.checker])).toEqual([
            [100, 300],
            [600, 50],
            [1_700, 400],
        ]);
    });

    it("keeps each process's own high-water mark and the role it was first seen with", () => {
        const zombie = { ...program(0, 0), command: "" };
        const report = scripted(
            [
                [checker(100), program(500, 800)],
                [checker(100), zombie],
            ],
            [0, 100],
        );
        const programPeak = report.processes.find((p) => p.pid === 101);
        expect(programPeak).toMatchObject({ role: "program", hwmKb: 800 });
        expect(report.sumOfProcessPeaksKb).toBe(900);
    });

    it.runIf(canWalkProcessTree())("samples this very process from /proc", () => {
        stopLater = new MemorySampler(process.pid, { intervalMs: 3_600_000 });
        const report = stopLater.stop();
        expect(report.samples).toBe(1);
        expect(report.peakComposition.rssKb.checker).toBeGreaterThan(10_000);
        expect(report.processes[0]).toMatchObject({ role: "checker", pid: process.pid });
    });
});
