/**
 * End to end: what a hostile program can no longer do to a check, through real processes. The program runs
 * under Node's permission model (writes only to its scratch directory, no processes, no workers), and what it
 * prints or leaves behind cannot pass for a verdict. Deadlines and stopping: deadlines.e2e.test.ts.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, describe, expect, it } from "vitest";
import { checkFixture, fixturePack, finished, runCli, startCli, waitFor } from "./helpers/run-cli";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "agentguard-confine-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const check = checkFixture;

const REFUSED = "Node's permission model refused this";

describe("least privilege for the program", () => {
    it.concurrent(
        "refuses a write outside the scratch directory (into the pack's directory): exit 2",
        async () => {
            const target = path.join(fixturePack, "poisoned-by-program.js");
            const run = await runCli(check("confined"), {
                FIXTURE_ACTION: "write",
                FIXTURE_WRITE_TARGET: target,
            });
            expect(run.code).toBe(2);
            expect(run.stderr).toContain("Access to this API has been restricted");
            expect(run.stderr).toContain(REFUSED);
            expect(run.stderr).toContain("write only under");
            expect(run.stderr).toContain("--allow-program-writes");
            expect(fs.existsSync(target)).toBe(false);
        },
    );

    it.concurrent("refuses a write into node_modules: exit 2", async () => {
        const target = path.join(__dirname, "..", "..", "node_modules", ".cache", "agentguard-poisoned.js");
        const run = await runCli(check("confined"), {
            FIXTURE_ACTION: "write",
            FIXTURE_WRITE_TARGET: target,
        });
        expect(run.code).toBe(2);
        expect(run.stderr).toContain(REFUSED);
        expect(fs.existsSync(target)).toBe(false);
    });

    it.concurrent("lets the program write in its temporary directory, the scratch directory", async () => {
        const run = await runCli(check("confined"), { FIXTURE_ACTION: "write-tmp" });
        expect(run.stderr).not.toContain(REFUSED);
        expect(run.code).toBe(0);
    });

    it.concurrent(
        "with --allow-program-writes, the write succeeds; processes stay refused",
        async () => {
            const target = path.join(tmp, "allowed.txt");
            const run = await runCli(check("confined", "--allow-program-writes"), {
                FIXTURE_ACTION: "write",
                FIXTURE_WRITE_TARGET: target,
            });
            expect(run.code).toBe(0);
            expect(fs.readFileSync(target, "utf8")).toBe("written by the program being checked");
            const spawn = await runCli(check("confined", "--allow-program-writes"), {
                FIXTURE_ACTION: "spawn",
            });
            expect(spawn.code).toBe(2);
            expect(spawn.stderr).toContain(REFUSED);
            expect(spawn.stderr).toContain("it may read and write files anywhere (--allow-program-writes)");
        },
        180000,
    );

    it.concurrent("refuses a child process: exit 2, naming the permission", async () => {
        const run = await runCli(check("confined"), { FIXTURE_ACTION: "spawn" });
        expect(run.code).toBe(2);
        expect(run.stderr).toContain(REFUSED);
        expect(run.stderr).toContain("may not start child processes");
        expect(run.stderr).toContain("confined/index.ts:");
    });

    it.concurrent(
        "refuses a worker thread started with its own execArgv (which Node would not confine)",
        async () => {
            const target = path.join(tmp, "from-cjs-worker.txt");
            const run = await runCli(check("confined"), {
                FIXTURE_ACTION: "worker",
                FIXTURE_WRITE_TARGET: target,
            });
            expect(run.code).toBe(2);
            expect(run.stderr).toContain(REFUSED);
            expect(fs.existsSync(target)).toBe(false);
        },
    );

    it.concurrent(
        "runs an ES module TypeScript program on the confined module-hooks thread, and refuses it a worker of its own",
        async () => {
            const clean = await runCli(check("confined-esm"));
            expect(clean.code).toBe(0);
            expect(JSON.parse(clean.stdout)).toMatchObject({ resources: 3, violations: [] });
            expect(clean.stderr).not.toContain("Warning");
            for (const action of ["worker", "worker-namespace"]) {
                const target = path.join(tmp, `from-esm-${action}.txt`);
                const run = await runCli(check("confined-esm"), {
                    FIXTURE_ACTION: action,
                    FIXTURE_WRITE_TARGET: target,
                });
                expect(run.code).toBe(2);
                expect(run.stderr).toContain("the program being checked may not start worker threads");
                expect(run.stderr).toContain("confined-esm/index.ts:");
                expect(run.stderr).not.toContain("incompatibility between the checker");
                expect(fs.existsSync(target)).toBe(false);
            }
            const write = await runCli(check("confined-esm"), {
                FIXTURE_ACTION: "write",
                FIXTURE_WRITE_TARGET: path.join(tmp, "from-esm.txt"),
            });
            expect(write.code).toBe(2);
            expect(write.stderr).toContain(REFUSED);
        },
        300000,
    );
});

describe("the checker's own surface", () => {
    it.concurrent("prints the program's error without its control sequences", async () => {
        const run = await runCli(check("confined"), { FIXTURE_ACTION: "throw-escapes" });
        expect(run.code).toBe(2);
        const line = run.stderr.split("\n").find((l) => l.startsWith("agentguard: error:")) ?? "";
        expect(line).toContain("no mandatory violationsOK");
        // eslint-disable-next-line no-control-regex
        expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
        expect(line).not.toContain("evil.example");
    });

    it("keeps the pack's inspector closed on SIGUSR1 (the pack's preload)", async () => {
        const preload = path.join(__dirname, "..", "..", "cli", "pack", "exit-with-parent.js");
        const pack = spawn(process.execPath, ["-r", preload, "-e", "setInterval(() => {}, 1000)"], {
            stdio: ["pipe", "ignore", "pipe"],
        });
        let stderr = "";
        pack.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
        await new Promise((r) => setTimeout(r, 1000));
        pack.kill("SIGUSR1");
        await new Promise((r) => setTimeout(r, 1500));
        expect(pack.exitCode).toBe(null);
        pack.kill("SIGKILL");
        expect(stderr).not.toContain("Debugger listening");
    });

    it("keeps its inspector closed when a program sends it SIGUSR1", async () => {
        const cli = startCli(check("hangs"));
        let stderr = "";
        cli.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
        const done = finished(cli);
        await waitFor(
            "the program to start",
            () => (/fixture program pid/.test(stderr) ? true : undefined),
            60_000,
        );
        cli.kill("SIGUSR1");
        await new Promise((r) => setTimeout(r, 1000));
        cli.kill("SIGTERM");
        const run = await done;
        expect(run.stderr).not.toContain("Debugger listening");
        expect(run.stderr).toContain("stopped by SIGTERM");
        expect(run.code).toBe(2);
    }, 120000);
});

describe("--output", () => {
    it.concurrent("removes a verdict left by an earlier run when this run fails", async () => {
        const out = path.join(tmp, "stale.json");
        fs.writeFileSync(out, '{"resources": 1, "violations": []}');
        const run = await runCli([...check("confined", "--output", out)], { FIXTURE_ACTION: "spawn" });
        expect(run.code).toBe(2);
        expect(fs.existsSync(out)).toBe(false);
    });

    it.concurrent("writes the verdict whole, leaving no temporary file beside it", async () => {
        const dir = fs.mkdtempSync(path.join(tmp, "out-"));
        const out = path.join(dir, "verdict.json");
        const run = await runCli([...check("clean", "--output", out)]);
        expect(run.code).toBe(0);
        expect(run.stdout).toBe("");
        expect(JSON.parse(fs.readFileSync(out, "utf8"))).toMatchObject({ violations: [] });
        expect(fs.readdirSync(dir)).toEqual(["verdict.json"]);
    });
});
