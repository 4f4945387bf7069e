/**
 * End to end: every run has a deadline, a stopped pack ends the run, and stopping a run (deadline or signal)
 * kills every process group it started. A file of its own, so that its waits run beside the other tests.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, describe, expect, it } from "vitest";
import {
    checkFixture,
    fixturePack,
    finished,
    isRunning,
    program,
    runCli,
    startCli,
    waitFor,
} from "./helpers/run-cli";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "agentguard-deadlines-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const check = checkFixture;

/** The pids of a process's children (the CLI's: the program and the pack). */
function childrenOf(pid: number): number[] {
    const children: number[] = [];
    for (const task of fs.readdirSync(`/proc/${pid}/task`)) {
        const file = `/proc/${pid}/task/${task}/children`;
        if (fs.existsSync(file))
            children.push(...fs.readFileSync(file, "utf8").split(" ").filter(Boolean).map(Number));
    }
    return children;
}

// The runs mostly wait (on a hung program, a stopped pack, a deadline): side by side, the file takes as long
// as its longest wait, not their sum.
describe.concurrent("deadlines", () => {
    it("ends a program that never finishes at --timeout: exit 2 naming it and the limit", async () => {
        const cli = startCli(check("hangs", "--timeout", "10"));
        let stderr = "";
        cli.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
        const run = await finished(cli);
        expect(run.code).toBe(2);
        expect(run.stderr).toContain(`the Pulumi program in ${program("hangs")} did not finish`);
        expect(run.stderr).toContain("within 10 s (--timeout)");
        const pid = Number(/fixture program pid (\d+)/.exec(stderr)?.[1]);
        expect(pid).toBeGreaterThan(0);
        await waitFor("the program to be stopped", () => (isRunning(pid) ? undefined : true), 10_000);
    }, 120000);

    it("ends a run whose pack is stopped (SIGSTOP): exit 2 naming the pack, the pack killed", async () => {
        const pidFile = path.join(tmp, "stopped-pack.pid");
        const run = await runCli(check("clean", "--timeout", "25"), {
            FIXTURE_PACK_STOP_ON_ANALYZE: "1",
            FIXTURE_PACK_PID_FILE: pidFile,
        });
        expect(run.code).toBe(2);
        expect(run.stderr).toContain(`the policy pack ${fixturePack} did not finish judging the stack`);
        expect(run.stderr).toContain("within 25 s (--timeout)");
        const pid = Number(fs.readFileSync(pidFile, "utf8"));
        await waitFor("the stopped pack to be killed", () => (isRunning(pid) ? undefined : true), 10_000);
    }, 120000);

    it("gives report the same deadline", async () => {
        const run = await runCli(["report", program("hangs"), "--timeout", "10"]);
        expect(run.code).toBe(2);
        expect(run.stderr).toContain(
            `the Pulumi program in ${program("hangs")} did not finish within 10 s (--timeout)`,
        );
    });

    it("gives review one deadline for base and head together", async () => {
        const run = await runCli(["review", "--base", program("clean"), program("hangs"), "--timeout", "10"]);
        expect(run.code).toBe(2);
        expect(run.stderr).toContain("the review's Pulumi programs");
        expect(run.stderr).toContain("did not finish within 10 s (--timeout)");
    }, 120000);

    it("stops report on SIGTERM and exits 2, the program killed", async () => {
        const cli = startCli(["report", program("hangs")]);
        const done = finished(cli);
        const [pid] = await waitFor("the program to start", () => {
            const children = childrenOf(cli.pid!);
            return children.length > 0 ? children : undefined;
        });
        await new Promise((r) => setTimeout(r, 1000));
        cli.kill("SIGTERM");
        const run = await done;
        expect(run.code).toBe(2);
        expect(run.stderr).toContain("stopped by SIGTERM");
        await waitFor("the program to be stopped", () => (isRunning(pid) ? undefined : true), 10_000);
    }, 120000);
});
