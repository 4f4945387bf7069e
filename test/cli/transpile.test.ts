import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, describe, expect, it } from "vitest";

interface Transpiler {
    transpile(filename: string): string;
    cacheDirectory(): string | undefined;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const transpiler = require("../../cli/transpile.js") as Transpiler;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "agentguard-transpile-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function cachedFiles(): Set<string> {
    const dir = transpiler.cacheDirectory();
    return new Set(dir ? fs.readdirSync(dir) : []);
}

describe("the checker's transpile cache (a source checkout only; never the policy pack's)", () => {
    it("compiles TypeScript to CommonJS and keeps the output under the project's node_modules/.cache", () => {
        const file = path.join(tmp, `a-${process.pid}-${Date.now()}.ts`);
        fs.writeFileSync(
            file,
            'import * as path from "path";\nexport const base: string = path.basename("/x/y");\n',
        );
        const before = cachedFiles();
        const output = transpiler.transpile(file);
        expect(output).toContain('require("path")');
        expect(output).not.toContain(": string");
        expect(transpiler.cacheDirectory()).toContain(
            path.join("node_modules", ".cache", "agentguard-cli-ts"),
        );
        const added = [...cachedFiles()].filter((f) => !before.has(f));
        expect(added).toHaveLength(1);
        expect(fs.readFileSync(path.join(transpiler.cacheDirectory() ?? "", added[0]), "utf8")).toBe(output);
        expect(transpiler.transpile(file)).toBe(output);
    });

    it("never serves a stale output: the key covers the file's contents and path", () => {
        const file = path.join(tmp, `b-${process.pid}-${Date.now()}.ts`);
        fs.writeFileSync(file, "export const value: number = 1;\n");
        expect(transpiler.transpile(file)).toContain("value = 1");
        fs.writeFileSync(file, "export const value: number = 2;\n");
        expect(transpiler.transpile(file)).toContain("value = 2");
        const copy = path.join(tmp, `c-${process.pid}-${Date.now()}.ts`);
        fs.writeFileSync(copy, "export const value: number = 2;\n");
        const before = cachedFiles();
        transpiler.transpile(copy);
        expect([...cachedFiles()].filter((f) => !before.has(f))).toHaveLength(1);
    });

    it("leaves other TypeScript to a compiler registered later, whose stack traces still map to the source", () => {
        // As in the program runner: the checker's sources are ours, the program is compiled by its ts-node.
        const program = path.join(tmp, "program.ts");
        fs.writeFileSync(
            program,
            'import * as path from "path";\n\n\nexport const stack = new Error(path.sep).stack;\n',
        );
        const script = [
            `require(${JSON.stringify(path.join(__dirname, "..", "..", "cli", "register-ts.js"))});`,
            'require("ts-node").register({ transpileOnly: true, skipProject: true, compilerOptions: { module: "commonjs", sourceMap: true } });',
            `console.log(require(${JSON.stringify(program)}).stack.split("\\n")[1]);`,
        ].join("\n");
        const run = spawnSync(process.execPath, ["-e", script], { encoding: "utf8", timeout: 60_000 });
        expect(run.stderr).toBe("");
        expect(run.stdout).toContain(`${program}:4:`);
    });

    it("compiles without a cache, never in a shared temporary directory, when node_modules/.cache is not writable", () => {
        // A package whose node_modules is a file: no cache directory can be made there.
        const pkg = path.join(tmp, "package");
        fs.mkdirSync(path.join(pkg, "cli"), { recursive: true });
        fs.copyFileSync(
            path.join(__dirname, "..", "..", "cli", "transpile.js"),
            path.join(pkg, "cli", "transpile.js"),
        );
        fs.writeFileSync(path.join(pkg, "node_modules"), "");
        const file = path.join(pkg, "cli", "a.ts");
        fs.writeFileSync(file, "export const value: number = 3;\n");
        const script = [
            `const t = require(${JSON.stringify(path.join(pkg, "cli", "transpile.js"))});`,
            "console.log(JSON.stringify([t.cacheDirectory() ?? null, t.transpile(process.argv[1]).includes('value = 3')]));",
        ].join("\n");
        const run = spawnSync(process.execPath, ["-e", script, file], {
            encoding: "utf8",
            timeout: 60_000,
            env: { ...process.env, NODE_PATH: path.join(__dirname, "..", "..", "node_modules") },
        });
        expect(run.stderr).toBe("");
        expect(JSON.parse(run.stdout)).toEqual([null, true]);
    });
});
