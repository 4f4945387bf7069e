import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, describe, expect, it } from "vitest";
import { packPreloads } from "../../cli/pack/start-pack";
import { defaultPolicyPackDir, packageScript } from "../../cli/package-root";

const PACKAGE_ROOT = path.join(__dirname, "..", "..");
const RUNNER = path.join(__dirname, "..", "fixtures", "ts-node-runner", "runner.js");
const TRANSPILE_ONLY = packageScript("pack", "transpile-only.js");
const EXIT_WITH_PARENT = packageScript("pack", "exit-with-parent.js");

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "agentguard-start-pack-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A TypeScript file that runs fine but does not type-check. */
function illTypedFile(): string {
    const file = path.join(tmp, "ill-typed.ts");
    fs.writeFileSync(file, 'const port: number = "443";\nconsole.log(`loaded ${port}`);\n');
    return file;
}

function runRunner(preloads: readonly string[]) {
    return spawnSync(process.execPath, [...preloads, RUNNER, illTypedFile()], {
        encoding: "utf8",
        timeout: 60_000,
    });
}

describe("pack process preloads", () => {
    it("only transpiles agentguard's own pack, found by its real path", () => {
        expect(packPreloads(defaultPolicyPackDir())).toEqual(["-r", EXIT_WITH_PARENT, "-r", TRANSPILE_ONLY]);
        const link = path.join(tmp, "linked-pack");
        fs.symlinkSync(defaultPolicyPackDir(), link);
        expect(packPreloads(link)).toContain(TRANSPILE_ONLY);
        expect(packPreloads(`${defaultPolicyPackDir()}${path.sep}`)).toContain(TRANSPILE_ONLY);
    });

    it("starts every other pack as Pulumi does, type-checked", () => {
        const other = path.join(__dirname, "..", "fixtures", "packs", "fixture-pack");
        expect(packPreloads(other)).toEqual(["-r", EXIT_WITH_PARENT]);
        expect(packPreloads(path.join(tmp, "no-such-pack"))).toEqual(["-r", EXIT_WITH_PARENT]);
    });

    it("compiles the pack's own sources through the cache and never registers ts-node", () => {
        // A JavaScript entry that loads one of the pack's TypeScript modules, as the pack's index does.
        const entry = path.join(tmp, "entry.js");
        fs.writeFileSync(
            entry,
            [
                `const fqdn = require(${JSON.stringify(path.join(PACKAGE_ROOT, "core", "fqdn.ts"))});`,
                // As run-policy-pack does before registering ts-node: read TypeScript's version.
                `const tsVersion = require(require.resolve("typescript", { paths: [${JSON.stringify(path.dirname(RUNNER))}] })).version;`,
                // The real module has hundreds of exports; the runner's stand-in for it has none of its own.
                "const typescriptLoaded = Object.entries(require.cache).some(([k, m]) => /[\\\\/]typescript[\\\\/]lib[\\\\/]/.test(k) && Object.keys(m.exports).length > 0);",
                "console.log(typeof fqdn.hostSyntaxProblem, typescriptLoaded, /^\\d+\\./.test(tsVersion));",
            ].join("\n"),
        );
        const run = () =>
            spawnSync(process.execPath, ["-r", TRANSPILE_ONLY, RUNNER, entry], {
                encoding: "utf8",
                timeout: 60_000,
            });
        const first = run();
        expect(first.stderr).toBe("");
        expect(first.stdout.split(" ")[0]).toBe("function");
        // Warm: every file comes from the cache, and the runner's read of TypeScript's version is answered
        // without loading it.
        const warm = run();
        expect(warm.stderr).toBe("");
        expect(warm.stdout).toBe("function false true\n");

        // ts-node, which the runner registers with type checking, is off: other TypeScript is not compiled.
        const other = spawnSync(process.execPath, ["-r", TRANSPILE_ONLY, RUNNER, illTypedFile()], {
            encoding: "utf8",
            timeout: 60_000,
        });
        expect(other.status).not.toBe(0);
        expect(other.stderr).not.toContain("TS2322");
    });

    it("type-checks through ts-node without the preload, as Pulumi runs other packs", () => {
        const checked = runRunner([]);
        expect(checked.status).not.toBe(0);
        expect(checked.stderr).toContain("TS2322");
    });
});
