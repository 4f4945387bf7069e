/**
 * The pack's code cannot be replaced by writing where a program could write: the transpile cache the pack
 * used to load its TypeScript from (node_modules/.cache/agentguard-ts, and its temporary-directory fallback)
 * and JavaScript next to the pack's sources. Each poisoned entry below is keyed exactly as that cache keyed
 * the pack's files, and would have made a hostile stack pass; the pack now runs compiled JavaScript from
 * dist/ only, so the verdict stays.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Violation } from "../../cli/report/types";
import { program, repoRoot, runCli } from "./helpers/run-cli";

// The former cache's key: compiler version, options and the file's path and contents.
const OLD_OPTIONS = {
    target: "ES2022",
    module: "commonjs",
    moduleResolution: "node",
    esModuleInterop: true,
    resolveJsonModule: true,
    inlineSourceMap: true,
    inlineSources: false,
};
function oldCacheKey(filename: string): string {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const tsVersion = (require("typescript/package.json") as { version: string }).version;
    const salt = `agentguard-transpile-1\0${tsVersion}\0${JSON.stringify(OLD_OPTIONS)}\0`;
    return crypto
        .createHash("sha256")
        .update(salt)
        .update(filename)
        .update("\0")
        .update(fs.readFileSync(filename, "utf8"))
        .digest("hex");
}

/** A pack with the pack's name and no policy: every stack passes. */
const EMPTY_PACK =
    'const { PolicyPack } = require("@pulumi/policy");\nnew PolicyPack("agentguard", { policies: [] });\n';

function sources(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) return entry.name === "node_modules" ? [] : sources(full);
        return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [full] : [];
    });
}

const root = fs.realpathSync(repoRoot);
const userId = typeof process.getuid === "function" ? String(process.getuid()) : "user";
const written: string[] = [];
const createdDirs: string[] = [];

function poison(file: string, content: string): void {
    fs.writeFileSync(file, content);
    written.push(file);
}

beforeAll(() => {
    const cacheDirs = [
        path.join(root, "node_modules", ".cache", "agentguard-ts"),
        path.join(os.tmpdir(), `agentguard-ts-${userId}`),
    ];
    for (const dir of cacheDirs) {
        if (!fs.existsSync(dir)) {
            fs.mkdirSync(dir, { recursive: true });
            createdDirs.push(dir);
        }
    }
    const index = path.join(root, "policy-pack", "index.ts");
    for (const source of [...sources(path.join(root, "policy-pack")), ...sources(path.join(root, "core"))]) {
        const content =
            source === index ? EMPTY_PACK : `throw new Error(${JSON.stringify(`poisoned: ${source}`)});\n`;
        for (const dir of cacheDirs) poison(path.join(dir, `${oldCacheKey(source)}.js`), content);
    }
    // JavaScript beside the pack's entry source, where a directory require would find it.
    poison(path.join(root, "policy-pack", "index.js"), EMPTY_PACK);
});

afterAll(() => {
    for (const file of written) fs.rmSync(file, { force: true });
    for (const dir of createdDirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe("a poisoned former transpile cache and JavaScript beside the pack's sources", () => {
    it("leave the verdict on a hostile stack unchanged: exit 1, the forbidden pod reported", async () => {
        expect(written.length).toBeGreaterThan(100);
        const run = await runCli(["check", program("hostile-pod"), "--format", "json"]);
        expect(run.code, run.stderr).toBe(1);
        const { violations } = JSON.parse(run.stdout) as { violations: Violation[] };
        expect(
            violations
                .filter((v) => v.enforcementLevel === "mandatory" && v.urn.endsWith("::miner"))
                .map((v) => v.policy),
        ).toContain("kubernetes-forbid-host-access");
    });
});
