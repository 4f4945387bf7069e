import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { stopProcess, track, trackTempDir } from "../../cli/child-processes";
import { isRunning, waitFor } from "./helpers/run-cli";

/** A detached node process that starts a grandchild in its group and prints the grandchild's pid. */
function startParentOfGrandchild(ignoreTerm: boolean) {
    const script = `
        ${ignoreTerm ? 'process.on("SIGTERM", () => undefined);' : ""}
        const child = require("child_process").spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
        console.log(child.pid);
        setInterval(() => {}, 1000);
    `;
    const child = track(
        spawn(process.execPath, ["-e", script], { stdio: ["pipe", "pipe", "ignore"], detached: true }),
    );
    let out = "";
    child.stdout?.on("data", (chunk: Buffer) => (out += chunk.toString("utf8")));
    const grandchild = waitFor("the grandchild to start", () =>
        /^\d+\n/.test(out) ? Number(out) : undefined,
    );
    return { child, grandchild };
}

describe("process groups", () => {
    it("stops a child and the process it started (its group)", async () => {
        const { child, grandchild } = startParentOfGrandchild(false);
        const pid = await grandchild;
        expect(isRunning(pid)).toBe(true);
        await stopProcess(child);
        await waitFor("the grandchild to die", () => (isRunning(pid) ? undefined : true), 5000);
    });

    it("kills a child that ignores SIGTERM, and its group, after the grace period", async () => {
        const { child, grandchild } = startParentOfGrandchild(true);
        const pid = await grandchild;
        const started = Date.now();
        await stopProcess(child, 300);
        expect(child.signalCode).toBe("SIGKILL");
        expect(Date.now() - started).toBeGreaterThanOrEqual(250);
        await waitFor("the grandchild to die", () => (isRunning(pid) ? undefined : true), 5000);
    });

    it("kills a stopped (SIGSTOP) child, which cannot see SIGTERM", async () => {
        const { child, grandchild } = startParentOfGrandchild(false);
        await grandchild;
        process.kill(child.pid!, "SIGSTOP");
        await stopProcess(child, 300);
        expect(child.signalCode).toBe("SIGKILL");
    });

    it("kills what is left of a group when its leader exits on its own", async () => {
        const script = `
            const child = require("child_process").spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
            console.log(child.pid);
            setTimeout(() => process.exit(0), 200);
        `;
        const child = track(
            spawn(process.execPath, ["-e", script], { stdio: ["pipe", "pipe", "ignore"], detached: true }),
        );
        let out = "";
        child.stdout?.on("data", (chunk: Buffer) => (out += chunk.toString("utf8")));
        const pid = await waitFor("the grandchild to start", () =>
            /^\d+\n/.test(out) ? Number(out) : undefined,
        );
        await waitFor("the orphan to be killed", () => (isRunning(pid) ? undefined : true), 5000);
    });
});

describe("temporary trees", () => {
    it("removes a tracked tree on demand", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "agentguard-track-"));
        fs.writeFileSync(path.join(dir, "f"), "x");
        const remove = trackTempDir(dir);
        remove();
        expect(fs.existsSync(dir)).toBe(false);
        remove();
    });
});
