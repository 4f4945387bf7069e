import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, describe, expect, it } from "vitest";

// Every file the published package loads at run time must be in the tarball. The set is found from the
// package itself (entry points, the compiled sources they import, the plain scripts `packageScript()` names
// and what those require, the policy pack and what it imports), and npm decides what it would pack: the
// files are laid out as empty stand-ins in a scratch directory beside the real package.json, so the test
// neither needs a build nor depends on one.

const root = path.resolve(__dirname, "..", "..");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "agentguard-package-files-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Scripts that only a source checkout loads (the files that name them decide so), and why. */
const SOURCE_ONLY: Readonly<Record<string, { namedIn: readonly string[]; why: string }>> = {
    "cli/register-ts.js": {
        namedIn: ["bin/agentguard.js", "cli/program/run-program.ts"],
        why: "loaded only when cli/main.ts (bin) or child.ts (run-program.ts childEntry) is what runs",
    },
};

/** Files loaded through a computed path (no literal a scan can follow), with the file that computes it. */
const COMPUTED: Readonly<Record<string, { namedIn: string; why: string }>> = {
    "dist/cli/program/child.js": {
        namedIn: "cli/program/run-program.ts",
        why: "childEntry() starts `child${ext}` next to itself in a new process",
    },
};

interface PackageJson {
    readonly bin?: string | Record<string, string>;
    readonly main?: string;
    readonly exports?: unknown;
    readonly files?: readonly string[];
}

function readJson<T>(file: string): T {
    return JSON.parse(fs.readFileSync(file, "utf8")) as T;
}

function strings(value: unknown): string[] {
    if (typeof value === "string") return [value];
    if (value !== null && typeof value === "object") return Object.values(value).flatMap(strings);
    return [];
}

/** The folders tsconfig.build.json compiles to dist/. */
function compiledRoots(): string[] {
    return readJson<{ include: string[] }>(path.join(root, "tsconfig.build.json")).include;
}

const normal = (file: string): string =>
    path.posix.normalize(file.split(path.sep).join("/")).replace(/^\.\//, "");

/** dist/cli/main.js → cli/main.ts, when that source exists and is compiled. */
function sourceOf(distFile: string): string | undefined {
    const match = /^dist\/(.+)\.(?:js|d\.ts)$/.exec(distFile);
    if (!match) return undefined;
    const source = `${match[1]}.ts`;
    const compiled = compiledRoots().some((dir) => source.startsWith(`${normal(dir)}/`));
    return compiled && fs.existsSync(path.join(root, source)) ? source : undefined;
}

const IMPORT =
    /(?:^|[;\s])(?:import|export)\s+(?!type\s)(?:[^;"']*?\sfrom\s*)?["'](\.{1,2}\/[^"']*)["']|(?:require|import)\(\s*["'](\.{1,2}\/[^"']*)["']\s*\)/g;
const PACKAGE_SCRIPT = /packageScript\(\s*((?:["'][^"']+["']\s*,?\s*)+)\)/g;

/** The package file a relative specifier in `from` names, as Node.js (or ts-node) would resolve it. */
function resolveRelative(from: string, specifier: string): string | undefined {
    const base = path.posix.join(path.posix.dirname(from), specifier);
    if (base.startsWith("dist/")) return sourceOf(base) ? base : undefined;
    const candidates = [
        base,
        `${base}.ts`,
        `${base}.js`,
        `${base}.json`,
        `${base}/index.ts`,
        `${base}/index.js`,
    ];
    return candidates.find(
        (c) => fs.existsSync(path.join(root, c)) && fs.statSync(path.join(root, c)).isFile(),
    );
}

/**
 * The files the package loads at run time, as packed paths: compiled code appears as its dist/ file, and
 * what a source file names (relative imports, packageScript paths) is followed transitively.
 */
function runtimeFiles(): Set<string> {
    const pkg = readJson<PackageJson>(path.join(root, "package.json"));
    const found = new Set<string>();
    const queue: string[] = [];
    const add = (file: string): void => {
        const packed = normal(file);
        if (!found.has(packed)) {
            found.add(packed);
            queue.push(packed);
        }
    };
    for (const entry of [...strings(pkg.bin), ...strings(pkg.main), ...strings(pkg.exports)]) add(entry);
    for (const file of Object.keys(COMPUTED)) add(file);
    // The default policy pack (package-root.ts defaultPolicyPackDir) is started from its directory.
    add("policy-pack/PulumiPolicy.yaml");
    add("policy-pack/package.json");
    const packMain = readJson<PackageJson>(path.join(root, "policy-pack", "package.json")).main ?? "index.js";
    add(path.posix.join("policy-pack", packMain));

    while (queue.length > 0) {
        const file = queue.shift() as string;
        // Compiled code is read through its source; a published source file is read as itself.
        const source = file.startsWith("dist/") ? sourceOf(file) : file;
        if (!source || !/\.(?:[cm]?js|ts)$/.test(source) || source.endsWith(".d.ts")) continue;
        const text = fs.readFileSync(path.join(root, source), "utf8");
        const compiled = file.startsWith("dist/");
        for (const match of text.matchAll(IMPORT)) {
            const target = resolveRelative(source, match[1] ?? match[2]);
            if (!target || target in SOURCE_ONLY) continue;
            add(compiled && target.endsWith(".ts") ? `dist/${target.replace(/\.ts$/, ".js")}` : target);
        }
        for (const match of text.matchAll(PACKAGE_SCRIPT)) {
            const segments = [...match[1].matchAll(/["']([^"']+)["']/g)].map((m) => m[1]);
            const script = path.posix.join("cli", ...segments);
            if (!(script in SOURCE_ONLY)) add(script);
        }
    }
    return found;
}

/** What `npm pack` would put in the tarball for this package.json, given these files on disk. */
function packedFiles(pkg: PackageJson, files: Iterable<string>): Set<string> {
    const dir = fs.mkdtempSync(path.join(tmp, "pkg-"));
    for (const file of files) {
        fs.mkdirSync(path.join(dir, path.dirname(file)), { recursive: true });
        fs.writeFileSync(path.join(dir, file), "");
    }
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify(pkg));
    const run = spawnSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts", "--loglevel=error"], {
        cwd: dir,
        encoding: "utf8",
    });
    if (run.status !== 0) throw new Error(`npm pack --dry-run failed: ${run.stderr}`);
    const [report] = JSON.parse(run.stdout) as [{ files: { path: string }[] }];
    return new Set(report.files.map((f) => f.path));
}

function missingFromTarball(pkg: PackageJson): string[] {
    const needed = runtimeFiles();
    const packed = packedFiles(pkg, needed);
    return [...needed].filter((file) => !packed.has(file)).sort();
}

describe("the published package's files", () => {
    const pkg = readJson<PackageJson>(path.join(root, "package.json"));

    it("finds the run-time files the package loads outside its compiled code", () => {
        const files = runtimeFiles();
        for (const expected of [
            "bin/agentguard.js",
            "dist/cli/main.js",
            "dist/cli/program/child.js",
            "cli/program/ts-esm-hooks.mjs",
            "cli/pack/exit-with-parent.js",
            "policy-pack/PulumiPolicy.yaml",
            "policy-pack/package.json",
        ]) {
            expect(files, expected).toContain(expected);
        }
        // The pack ships compiled: its rules are loaded from dist/, never as TypeScript.
        expect([...files].filter((f) => f.startsWith("dist/policy-pack/rules/")).length).toBeGreaterThan(10);
        expect([...files].filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))).toEqual([]);
        expect([...files].some((f) => f.startsWith("core/") || f.startsWith("dist/core/"))).toBe(true);
        for (const file of files) {
            expect(file in SOURCE_ONLY, file).toBe(false);
        }
    });

    it("lists a source-only script only where it is still named", () => {
        for (const [script, { namedIn }] of Object.entries(SOURCE_ONLY)) {
            for (const file of namedIn) {
                expect(fs.readFileSync(path.join(root, file), "utf8"), file).toContain(
                    path.posix.basename(script),
                );
            }
        }
        for (const [file, { namedIn }] of Object.entries(COMPUTED)) {
            const stem = path.posix.basename(file).replace(/\.js$/, "");
            expect(fs.readFileSync(path.join(root, namedIn), "utf8"), namedIn).toContain(stem);
            expect(sourceOf(file), file).toBeDefined();
        }
    });

    it("packs every file the package loads at run time", { timeout: 60_000 }, () => {
        expect(missingFromTarball(pkg)).toEqual([]);
    });

    it("notices a run-time file left out of package.json files", { timeout: 60_000 }, () => {
        const files = (pkg.files ?? []).filter((f) => !f.startsWith("cli/program/"));
        expect(missingFromTarball({ ...pkg, files })).toContain("cli/program/ts-esm-hooks.mjs");
    });
});
