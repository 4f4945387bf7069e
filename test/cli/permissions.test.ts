import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { confineProgram, permissionSupport } from "../../cli/program/permissions";

describe("the program's permissions", () => {
    it("finds this Node.js's permission model by trying (Node.js 20: --experimental-permission)", () => {
        const { flag } = permissionSupport();
        expect(["--permission", "--experimental-permission"]).toContain(flag);
        if (process.versions.node.startsWith("20.")) expect(flag).toBe("--experimental-permission");
    });

    it("has none on a binary that does not start", () => {
        expect(permissionSupport("/nonexistent/node")).toEqual({ flag: undefined, extra: [] });
    });

    it("by default allows reads everywhere and writes only in a fresh scratch directory, nothing else", () => {
        const confinement = confineProgram();
        try {
            const { flag } = permissionSupport();
            expect(confinement.execArgv.slice(0, 3)).toEqual([
                flag,
                "--allow-fs-read=*",
                `--allow-fs-write=${confinement.scratchDir}`,
            ]);
            expect(confinement.execArgv).not.toContain("--allow-child-process");
            expect(confinement.execArgv).not.toContain("--allow-worker");
            expect(confinement.execArgv).not.toContain("--allow-addons");
            expect(fs.readdirSync(confinement.scratchDir)).toEqual([]);
            expect(confinement.env).toEqual({
                TMPDIR: confinement.scratchDir,
                TMP: confinement.scratchDir,
                TEMP: confinement.scratchDir,
            });
            expect(confinement.warnings).toEqual([]);
        } finally {
            confinement.cleanup();
        }
        expect(fs.existsSync(confinement.scratchDir)).toBe(false);
        confinement.cleanup();
    });

    it("gives each run its own scratch directory", () => {
        const a = confineProgram();
        const b = confineProgram();
        expect(a.scratchDir).not.toBe(b.scratchDir);
        a.cleanup();
        b.cleanup();
    });

    it("lifts only the write limit with --allow-program-writes", () => {
        const confinement = confineProgram({ allowWrites: true });
        confinement.cleanup();
        expect(confinement.execArgv).toContain("--allow-fs-write=*");
        expect(confinement.execArgv).not.toContain("--allow-child-process");
        expect(confinement.execArgv).not.toContain("--allow-worker");
    });

    it("grants the module-hooks worker only with the preload that refuses the program any worker", () => {
        const confinement = confineProgram({ needsModuleHooks: true });
        confinement.cleanup();
        const args = confinement.execArgv;
        expect(args).toContain("--allow-worker");
        const guard = args[args.indexOf("-r") + 1];
        expect(path.basename(guard)).toMatch(/^worker-guard\.(ts|js)$/);
        expect(fs.existsSync(guard)).toBe(true);
    });

    it("explains a refusal of the permission model, and nothing else", () => {
        const confinement = confineProgram();
        confinement.cleanup();
        expect(confinement.explain("Access to this API has been restricted")).toContain(
            `Node's permission model refused this`,
        );
        expect(confinement.explain("Error [ERR_ACCESS_DENIED]: denied")).toContain(
            `write only under ${confinement.scratchDir}`,
        );
        expect(confinement.explain("Cannot find module 'x'")).toBe("");
        const allowed = confineProgram({ allowWrites: true });
        allowed.cleanup();
        expect(allowed.explain("ERR_ACCESS_DENIED")).toContain("anywhere (--allow-program-writes)");
        expect(allowed.explain("ERR_ACCESS_DENIED")).not.toContain("pass --allow-program-writes");
    });

    it("never grants the program the inspector, and says why Pulumi's function serialization was refused", () => {
        const { flag } = permissionSupport();
        if (!flag) return;
        const confinement = confineProgram();
        confinement.cleanup();
        expect(confinement.execArgv.some((a) => a.startsWith("--allow-inspector"))).toBe(false);
        const refusal = 'error serializing property "code": Access to this API has been restricted';
        expect(confinement.explain(refusal)).toContain("the checker never grants the program the inspector");
        expect(confinement.explain(refusal)).toContain("new pulumi.asset.FileArchive");
        expect(confinement.explain("ERR_ACCESS_DENIED")).not.toContain("inspector");
    });

    it("refuses a scratch path that Node.js 20 would read as a list or a wildcard", () => {
        const base = fs.mkdtempSync(path.join(os.tmpdir(), "agentguard-perm-"));
        const odd = path.join(base, "a,b");
        fs.mkdirSync(odd);
        const saved = process.env.TMPDIR;
        process.env.TMPDIR = odd;
        try {
            expect(() => confineProgram()).toThrow(
                /contains ',' or '\*'.*set TMPDIR to a directory whose path has neither/,
            );
            expect(fs.readdirSync(odd)).toEqual([]);
        } finally {
            if (saved === undefined) delete process.env.TMPDIR;
            else process.env.TMPDIR = saved;
            fs.rmSync(base, { recursive: true, force: true });
        }
    });

    it("says so when this Node.js offers no permission model, rather than running silently unconfined", () => {
        const confinement = confineProgram({ nodePath: "/nonexistent/node" });
        confinement.cleanup();
        expect(confinement.execArgv).toEqual([]);
        expect(confinement.warnings[0]).toMatch(
            /offers no permission model: the program ran with the checker's own rights/,
        );
    });
});
