import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, describe, expect, it } from "vitest";
import { resolveBase } from "../../../cli/review/base-checkout";

const repo = fs.mkdtempSync(path.join(os.tmpdir(), "agentguard-base-test-"));
afterAll(() => fs.rmSync(repo, { recursive: true, force: true }));

function git(...args: string[]): void {
    execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.invalid", ...args], {
        cwd: repo,
        stdio: "ignore",
    });
}

describe("resolveBase", () => {
    git("init", "-q");
    fs.mkdirSync(path.join(repo, "prog"));
    fs.mkdirSync(path.join(repo, "node_modules"));
    fs.writeFileSync(path.join(repo, "prog", "index.ts"), "export const v = 1;\n");
    git("add", "prog");
    git("commit", "-qm", "base");
    fs.writeFileSync(path.join(repo, "prog", "index.ts"), "export const v = 2;\n");

    it("extracts a git ref's tree, links node_modules, and removes it on cleanup", () => {
        const base = resolveBase("HEAD", path.join(repo, "prog"));
        expect(fs.readFileSync(path.join(base.dir, "index.ts"), "utf8")).toBe("export const v = 1;\n");
        const root = path.dirname(base.dir);
        expect(fs.realpathSync(path.join(root, "node_modules"))).toBe(
            fs.realpathSync(path.join(repo, "node_modules")),
        );
        base.cleanup();
        expect(fs.existsSync(root)).toBe(false);
    });

    it("takes a directory as it is", () => {
        const base = resolveBase(path.join(repo, "prog"), path.join(repo, "prog"));
        expect(base.dir).toBe(path.join(repo, "prog"));
        base.cleanup();
        expect(fs.existsSync(path.join(repo, "prog"))).toBe(true);
    });

    it("names a --base that is neither a directory nor a ref", () => {
        expect(() => resolveBase("no-such-ref", path.join(repo, "prog"))).toThrow(
            /--base 'no-such-ref' is neither a directory nor a git ref of/,
        );
    });
});

describe("resolveBase of a directory without node_modules", () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), "agentguard-base-dir-"));
    afterAll(() => fs.rmSync(outside, { recursive: true, force: true }));

    it("copies it beside a link to the head's node_modules, leaving the directory untouched", () => {
        fs.writeFileSync(path.join(outside, "index.ts"), "export const v = 0;\n");
        const base = resolveBase(outside, path.join(repo, "prog"));
        expect(base.dir).not.toBe(outside);
        expect(fs.readFileSync(path.join(base.dir, "index.ts"), "utf8")).toBe("export const v = 0;\n");
        expect(fs.realpathSync(path.join(base.dir, "..", "node_modules"))).toBe(
            fs.realpathSync(path.join(repo, "node_modules")),
        );
        expect(fs.existsSync(path.join(outside, "node_modules"))).toBe(false);
        base.cleanup();
        expect(fs.existsSync(base.dir)).toBe(false);
    });
});
