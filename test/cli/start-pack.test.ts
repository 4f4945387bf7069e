import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, describe, expect, it } from "vitest";
import { compiledPackProblem, packPreloads, resolvePolicyPackRunner } from "../../cli/pack/start-pack";
import { defaultPolicyPackDir, packageScript } from "../../cli/package-root";

const PACKAGE_ROOT = path.join(__dirname, "..", "..");
const RUNNER = path.join(__dirname, "..", "fixtures", "ts-node-runner", "runner.js");
const COMPILED_PACK = packageScript("pack", "compiled-pack.js");
const EXIT_WITH_PARENT = packageScript("pack", "exit-with-parent.js");

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "agentguard-start-pack-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A TypeScript file that runs fine but does not type-check. */
function illTypedFile(): string {
    const file = path.join(tmp, "ill-typed.ts");
    fs.writeFileSync(file, 'const port: number = "443";\nconsole.log(`loaded ${port}`);\n');
    return file;
}

function runRunner(preloads: readonly string[], entry: string) {
    return spawnSync(process.execPath, [...preloads, RUNNER, entry], { encoding: "utf8", timeout: 60_000 });
}

describe("pack process preloads", () => {
    it("starts agentguard's own pack, found by its real path, as compiled JavaScript", () => {
        expect(packPreloads(defaultPolicyPackDir())).toEqual(["-r", EXIT_WITH_PARENT, "-r", COMPILED_PACK]);
        const link = path.join(tmp, "linked-pack");
        fs.symlinkSync(defaultPolicyPackDir(), link);
        expect(packPreloads(link)).toContain(COMPILED_PACK);
        expect(packPreloads(`${defaultPolicyPackDir()}${path.sep}`)).toContain(COMPILED_PACK);
    });

    it("starts every other pack as Pulumi does, type-checked", () => {
        const other = path.join(__dirname, "..", "fixtures", "packs", "fixture-pack");
        expect(packPreloads(other)).toEqual(["-r", EXIT_WITH_PARENT]);
        expect(packPreloads(path.join(tmp, "no-such-pack"))).toEqual(["-r", EXIT_WITH_PARENT]);
        const checked = runRunner([], illTypedFile());
        expect(checked.status).not.toBe(0);
        expect(checked.stderr).toContain("TS2322");
    });

    it("points the pack's package main at the compiled entry, which exists", () => {
        const pkg = JSON.parse(
            fs.readFileSync(path.join(defaultPolicyPackDir(), "package.json"), "utf8"),
        ) as {
            main: string;
        };
        expect(path.resolve(defaultPolicyPackDir(), pkg.main)).toBe(
            path.join(PACKAGE_ROOT, "dist", "policy-pack", "index.js"),
        );
        expect(compiledPackProblem()).toBeUndefined();
    });

    it("refuses TypeScript in the pack's process, never registers ts-node, and never loads TypeScript", () => {
        // A TypeScript source of the pack, required as a stale or poisoned entry might: refused, not compiled.
        const refused = runRunner(["-r", COMPILED_PACK], path.join(PACKAGE_ROOT, "core", "fqdn.ts"));
        expect(refused.status).not.toBe(0);
        expect(refused.stderr).toContain("agentguard's policy pack runs compiled JavaScript only");
        expect(refused.stderr).toContain(path.join("core", "fqdn.ts"));
        // An ill-typed file is refused the same way: no ts-node type-checked (nor compiled) it.
        const other = runRunner(["-r", COMPILED_PACK], illTypedFile());
        expect(other.stderr).toContain("runs compiled JavaScript only");
        expect(other.stderr).not.toContain("TS2322");

        const entry = path.join(tmp, "entry.js");
        fs.writeFileSync(
            entry,
            [
                `const fqdn = require(${JSON.stringify(path.join(PACKAGE_ROOT, "dist", "core", "fqdn.js"))});`,
                // As run-policy-pack does before registering ts-node: read TypeScript's version.
                `const tsVersion = require(require.resolve("typescript", { paths: [${JSON.stringify(path.dirname(RUNNER))}] })).version;`,
                // The real module has hundreds of exports; the stand-in for it has none of its own.
                "const typescriptLoaded = Object.entries(require.cache).some(([k, m]) => /[\\\\/]typescript[\\\\/]lib[\\\\/]/.test(k) && Object.keys(m.exports).length > 0);",
                "console.log(typeof fqdn.hostSyntaxProblem, typescriptLoaded, /^\\d+\\./.test(tsVersion));",
            ].join("\n"),
        );
        const run = spawnSync(process.execPath, ["-r", COMPILED_PACK, RUNNER, entry], {
            encoding: "utf8",
            timeout: 60_000,
        });
        expect(run.stderr).toBe("");
        expect(run.stdout).toBe("function false true\n");
    });

    it("runs the real pack from dist/ only: no TypeScript, nothing from a cache or a temporary directory", async () => {
        const record = path.join(tmp, "record.json");
        const recorder = path.join(tmp, "recorder.js");
        fs.writeFileSync(
            recorder,
            [
                '"use strict";',
                'const fs = require("fs");',
                "const reads = [];",
                "const readFileSync = fs.readFileSync;",
                'fs.readFileSync = function (file, ...rest) { if (typeof file === "string") reads.push(file); return readFileSync.call(this, file, ...rest); };',
                `process.on("exit", () => fs.writeFileSync(${JSON.stringify(record)}, JSON.stringify({ modules: Object.keys(require.cache), reads })));`,
            ].join("\n"),
        );
        const dir = defaultPolicyPackDir();
        const child = spawn(
            process.execPath,
            [...packPreloads(dir), "-r", recorder, resolvePolicyPackRunner(dir), "127.0.0.1:0", "."],
            { cwd: dir, stdio: ["pipe", "pipe", "pipe"] },
        );
        let stderr = "";
        child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
        const port = await new Promise<string>((resolve, reject) => {
            child.stdout.once("data", (chunk: Buffer) => resolve(chunk.toString("utf8").trim()));
            child.once("exit", (code) => reject(new Error(`pack exited ${code}: ${stderr}`)));
        });
        expect(port).toMatch(/^\d+$/);
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await exited;
        const { modules, reads } = JSON.parse(fs.readFileSync(record, "utf8")) as {
            modules: string[];
            reads: string[];
        };
        const real = (p: string) => fs.realpathSync(p);
        const ours = modules.filter((m) => !m.split(path.sep).includes("node_modules"));
        expect(ours.some((m) => m === path.join(real(PACKAGE_ROOT), "dist", "policy-pack", "index.js"))).toBe(
            true,
        );
        expect(modules.filter((m) => /\.[cm]?tsx?$/.test(m))).toEqual([]);
        // Every module of this package is compiled output, the preloads, or the pack's package.json (whose
        // version @pulumi/policy reads).
        expect(
            ours.filter((m) => !m.startsWith(path.join(real(PACKAGE_ROOT), "dist") + path.sep)).sort(),
        ).toEqual(
            [
                real(EXIT_WITH_PARENT),
                real(COMPILED_PACK),
                recorder,
                path.join(real(defaultPolicyPackDir()), "package.json"),
            ].sort(),
        );
        // A checkout may itself sit in the temporary directory (a CI clone): its own files are not a cache.
        const inPackage = (p: string) => p.startsWith(real(PACKAGE_ROOT) + path.sep);
        const cacheLike = (p: string) =>
            p.includes(`${path.sep}.cache${path.sep}`) ||
            (p.startsWith(os.tmpdir() + path.sep) && !p.startsWith(tmp) && !inPackage(p));
        expect([...modules, ...reads].filter(cacheLike)).toEqual([]);
    });
});

describe("the compiled pack without its configuration guard", () => {
    it("refuses to start, printing no port, when the guard's hook cannot be installed", () => {
        const breaker = path.join(tmp, "no-add-service.js");
        fs.writeFileSync(
            breaker,
            [
                'const path = require("path");',
                'const policyDir = path.dirname(require.resolve("@pulumi/policy/package.json", { paths: [process.cwd()] }));',
                'const grpc = require(require.resolve("@grpc/grpc-js", { paths: [policyDir] }));',
                "delete grpc.Server.prototype.addService;",
            ].join("\n"),
        );
        const dir = defaultPolicyPackDir();
        const run = spawnSync(
            process.execPath,
            [...packPreloads(dir), "-r", breaker, resolvePolicyPackRunner(dir), "127.0.0.1:0", "."],
            { cwd: dir, encoding: "utf8", timeout: 60_000, input: "" },
        );
        expect(run.status).not.toBe(0);
        expect(run.stdout).toBe("");
        expect(run.stderr).toContain("cannot guard its configuration; refusing to start");
    });
});

describe("compiledPackProblem", () => {
    function project(): string {
        const root = fs.mkdtempSync(path.join(tmp, "project-"));
        for (const file of [
            "policy-pack/index.ts",
            "core/cidr.ts",
            "dist/policy-pack/index.js",
            "dist/core/cidr.js",
        ]) {
            fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
            fs.writeFileSync(path.join(root, file), "");
        }
        return root;
    }

    it("accepts a build at least as new as every source of the pack and of core/", () => {
        expect(compiledPackProblem(project())).toBeUndefined();
    });

    it("names the missing compiled entry and the command that builds it", () => {
        const root = project();
        fs.rmSync(path.join(root, "dist", "policy-pack", "index.js"));
        expect(compiledPackProblem(root)).toMatch(
            /not built: .*dist\/policy-pack\/index\.js is missing; run `npm run build`/,
        );
    });

    it("names a source newer than its output, or without one", () => {
        const root = project();
        const past = new Date(Date.now() - 60_000);
        fs.utimesSync(path.join(root, "dist", "core", "cidr.js"), past, past);
        expect(compiledPackProblem(root)).toMatch(/older than its source core\/cidr\.ts/);
        fs.writeFileSync(path.join(root, "policy-pack", "new-rule.ts"), "");
        fs.utimesSync(path.join(root, "dist", "core", "cidr.js"), new Date(), new Date());
        expect(compiledPackProblem(root)).toMatch(
            /policy-pack\/new-rule\.ts \(dist\/policy-pack\/new-rule\.js is missing/,
        );
    });

    it("has nothing to compare in the published package, which ships no pack sources", () => {
        const root = project();
        fs.rmSync(path.join(root, "policy-pack", "index.ts"));
        fs.rmSync(path.join(root, "core"), { recursive: true });
        expect(compiledPackProblem(root)).toBeUndefined();
    });
});
