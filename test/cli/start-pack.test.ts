import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, describe, expect, it } from "vitest";
import { packPreloads } from "../../cli/pack/start-pack";
import { defaultPolicyPackDir, packageScript } from "../../cli/package-root";

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

    it("turns off ts-node's type checking, which the runner asks for", () => {
        const checked = runRunner([]);
        expect(checked.status).not.toBe(0);
        expect(checked.stderr).toContain("TS2322");

        const transpiled = runRunner(["-r", TRANSPILE_ONLY]);
        expect(transpiled.stderr).toBe("");
        expect(transpiled.status).toBe(0);
        expect(transpiled.stdout).toBe("loaded 443\n");
    });
});
