import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterEach, describe, expect, it } from "vitest";
import { CheckError } from "../../cli/errors";
import { buildConfig, loadProject, namespaceKey } from "../../cli/project";

const dirs: string[] = [];

function programDir(files: Record<string, string>): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "agentguard-project-"));
    dirs.push(dir);
    for (const [name, text] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
        fs.writeFileSync(path.join(dir, name), text);
    }
    return dir;
}

function loadError(dir: string, stack?: string): CheckError {
    try {
        loadProject(dir, stack);
    } catch (err) {
        expect(err).toBeInstanceOf(CheckError);
        return err as CheckError;
    }
    throw new Error("expected the project to be rejected");
}

afterEach(() => {
    for (const dir of dirs.splice(0)) {
        fs.rmSync(dir, { recursive: true, force: true });
    }
});

describe("loadProject", () => {
    it("uses the only stack file when --stack is not given", () => {
        const dir = programDir({
            "Pulumi.yaml": "name: demo\nruntime: nodejs\n",
            "Pulumi.staging.yaml": "config:\n  demo:size: '3'\n",
            "index.ts": "",
        });
        const project = loadProject(dir);
        expect(project.stack).toBe("staging");
        expect(project.config).toEqual({ "demo:size": "3" });
        expect(project.mainFile).toBe(path.join(dir, "index.ts"));
    });

    it("refuses to guess between several stack files and lists them", () => {
        const dir = programDir({
            "Pulumi.yaml": "name: demo\nruntime: nodejs\n",
            "Pulumi.dev.yaml": "config: {}\n",
            "Pulumi.prod.yml": "config: {}\n",
        });
        const err = loadError(dir);
        expect(err.kind).toBe("usage");
        expect(err.message).toContain("choose one with --stack: dev, prod");
    });

    it("runs a --stack that has no stack file on Pulumi.yaml's config, as Pulumi does, and says so", () => {
        const dir = programDir({
            "Pulumi.yaml": "name: demo\nruntime: nodejs\nconfig:\n  size: 2\n",
            "Pulumi.dev.yaml": "config:\n  demo:size: '3'\n",
        });
        const project = loadProject(dir, "prd");
        expect(project.stack).toBe("prd");
        expect(project.config).toEqual({ "demo:size": "2" });
        expect(project.warnings).toEqual([
            `stack 'prd' has no Pulumi.prd.yaml in ${dir}: it was run with Pulumi.yaml's config only ` +
                "(stack files found: dev)",
        ]);
        expect(loadError(dir, "../dev").message).toContain("--stack '../dev' is not a stack name");
    });

    it("falls back to the directory when package.json names an entry that does not exist", () => {
        const dir = programDir({
            "Pulumi.yaml": "name: demo\nruntime: nodejs\n",
            "package.json": JSON.stringify({ main: "bin/index.js" }),
            "index.ts": "",
        });
        const project = loadProject(dir);
        expect(project.entry).toBe(dir);
        expect(project.mainFile).toBe(path.join(dir, "index.ts"));
        expect(project.warnings[0]).toContain("package.json names 'bin/index.js' as the entry point");
        fs.mkdirSync(path.join(dir, "bin"));
        fs.writeFileSync(path.join(dir, "bin", "index.js"), "");
        expect(loadProject(dir).entry).toBe(path.join(dir, "bin", "index.js"));
    });

    it("imports an ES module package's index in the language host's order, and needs one", () => {
        const dir = programDir({
            "Pulumi.yaml": "name: demo\nruntime: nodejs\n",
            "package.json": JSON.stringify({ type: "module" }),
            "index.mts": "",
            "index.ts": "",
        });
        const project = loadProject(dir);
        expect(project.esm).toBe(true);
        expect(project.mainFile).toBe(path.join(dir, "index.ts"));
        fs.rmSync(path.join(dir, "index.ts"));
        fs.rmSync(path.join(dir, "index.mts"));
        expect(loadError(dir).message).toContain("an ES module program needs index.js, index.mjs");
    });

    it("rejects a directory without Pulumi.yaml and a project that is not Node.js", () => {
        expect(loadError(programDir({ "index.ts": "" })).message).toContain("no Pulumi.yaml");
        const python = programDir({ "Pulumi.yaml": "name: demo\nruntime: python\n" });
        expect(loadError(python).message).toContain(`runtime is "python": only 'nodejs' programs`);
    });

    it("follows Pulumi.yaml main and the typescript runtime option", () => {
        const dir = programDir({
            "Pulumi.yaml":
                "name: demo\nruntime:\n  name: nodejs\n  options:\n    typescript: false\nmain: src/app.js\n",
            "src/app.js": "",
        });
        const project = loadProject(dir);
        expect(project.entry).toBe(path.join(dir, "src", "app.js"));
        expect(project.typescript).toBe(false);
        expect(project.stack).toBe("dev");
    });
});

describe("stack config", () => {
    it("namespaces bare keys with the project name and keeps namespaced keys", () => {
        expect(namespaceKey("demo", "size")).toBe("demo:size");
        expect(namespaceKey("demo", "aws:region")).toBe("aws:region");
    });

    it("passes every value as a string, structured values as JSON, as Pulumi does", () => {
        const { config } = buildConfig(
            "demo",
            undefined,
            { count: 3, enabled: true, tags: { team: "a" }, zones: ["a", "b"], name: "x" },
            "Pulumi.dev.yaml",
        );
        expect(config).toEqual({
            "demo:count": "3",
            "demo:enabled": "true",
            "demo:tags": '{"team":"a"}',
            "demo:zones": '["a","b"]',
            "demo:name": "x",
        });
    });

    it("applies Pulumi.yaml defaults and values, then lets the stack file override them", () => {
        const { config } = buildConfig(
            "demo",
            { size: { type: "integer", default: 2 }, region: "eu-west-1", owner: { type: "string" } },
            { size: 5 },
            "Pulumi.dev.yaml",
        );
        expect(config).toEqual({ "demo:size": "5", "demo:region": "eu-west-1" });
    });

    it("marks encrypted values secret and says they could not be decrypted", () => {
        const built = buildConfig("demo", undefined, { token: { secure: "v1:abc" } }, "Pulumi.dev.yaml");
        expect(built.secretKeys).toEqual(["demo:token"]);
        expect(built.warnings[0]).toContain("config 'demo:token' in Pulumi.dev.yaml is encrypted");
    });

    it("rejects a config section that is not a mapping", () => {
        expect(() => buildConfig("demo", undefined, ["a"], "Pulumi.dev.yaml")).toThrow(/must be a mapping/);
    });
});
