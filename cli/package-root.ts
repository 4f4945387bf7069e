import * as fs from "fs";
import * as path from "path";

let cached: string | undefined;

/** This package's root, found from this file whether it runs from source (cli/) or built (dist/cli/). */
export function packageRoot(): string {
    if (cached === undefined) {
        let dir = __dirname;
        while (!isOurPackage(dir)) {
            const parent = path.dirname(dir);
            if (parent === dir) {
                throw new Error(`can't find the agentguard package root above ${__dirname}`);
            }
            dir = parent;
        }
        cached = dir;
    }
    return cached;
}

function isOurPackage(dir: string): boolean {
    const file = path.join(dir, "package.json");
    if (!fs.existsSync(file)) {
        return false;
    }
    const pkg = JSON.parse(fs.readFileSync(file, "utf8")) as { name?: unknown };
    return pkg.name === "agentguard";
}

/** This package's version, as its package.json states it. */
export function packageVersion(): string {
    const pkg = JSON.parse(fs.readFileSync(path.join(packageRoot(), "package.json"), "utf8")) as {
        version: string;
    };
    return pkg.version;
}

/** The range of a peer dependency this package is tested with, as its package.json states it. */
export function peerDependencyRange(name: string): string {
    const pkg = JSON.parse(fs.readFileSync(path.join(packageRoot(), "package.json"), "utf8")) as {
        peerDependencies?: Record<string, string>;
    };
    return pkg.peerDependencies?.[name] ?? "(no stated range)";
}

/** The pack `agentguard check` uses unless told otherwise: this package's own. */
export function defaultPolicyPackDir(): string {
    return path.join(packageRoot(), "policy-pack");
}

/** Plain JavaScript helpers that are loaded into other processes; they are not compiled. */
export function packageScript(...segments: string[]): string {
    return path.join(packageRoot(), "cli", ...segments);
}

/** With AGENTGUARD_CPU_PROFILE_DIR set, the program and pack processes write V8 CPU profiles there. */
export function profilingArgs(env: NodeJS.ProcessEnv = process.env): string[] {
    const dir = env.AGENTGUARD_CPU_PROFILE_DIR;
    return dir ? ["--cpu-prof", `--cpu-prof-dir=${dir}`] : [];
}
