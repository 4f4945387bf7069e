import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CheckError } from "../errors";

export interface BaseProgram {
    readonly dir: string;
    /** The base tree's root, where the head repository's root files (workflow, package.json) are. */
    readonly root: string;
    /** The head's repository root (the program directory when it is not in a git repository). */
    readonly headRoot: string;
    /** Removes the temporary checkout, if any. */
    cleanup(): void;
}

function git(args: readonly string[], cwd: string): string {
    const result = spawnSync("git", args, { cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    if (result.error)
        throw new CheckError("usage", `can't run git ${args.join(" ")}: ${result.error.message}`);
    if (result.status !== 0)
        throw new CheckError("usage", `git ${args.join(" ")} failed: ${result.stderr.trim()}`);
    return result.stdout.trim();
}

/**
 * `--base` as a directory, or as a git ref of the repository holding `programDir`: that ref's tree is
 * extracted (git archive) to a temporary directory, whose node_modules links to the repository's so the
 * base program resolves the same packages.
 */
export function resolveBase(base: string, programDir: string): BaseProgram {
    if (fs.existsSync(base) && fs.statSync(base).isDirectory()) {
        // A base directory stands for the program directory: its root lies as far above it.
        const headRoot = repositoryRoot(programDir) ?? path.resolve(programDir);
        const root = path.resolve(base, path.relative(path.resolve(programDir), headRoot));
        if (hasNodeModules(base)) return { dir: base, root, headRoot, cleanup: () => undefined };
        // Without packages of its own, the base resolves the head's, as a git ref's tree does: a copy
        // beside a link (the base directory itself is never written to).
        const modules = nearestNodeModules(programDir);
        if (modules === undefined) return { dir: base, root, headRoot, cleanup: () => undefined };
        const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "agentguard-base-"));
        const cleanup = () => fs.rmSync(tmp, { recursive: true, force: true });
        try {
            // Only the base directory is copied: what lies above it may be unrelated (and large).
            const dir = path.join(tmp, "program");
            fs.cpSync(base, dir, {
                recursive: true,
                filter: (src) => !["node_modules", ".git"].includes(path.basename(src)),
            });
            fs.symlinkSync(modules, path.join(tmp, "node_modules"), "dir");
            return { dir, root, headRoot, cleanup };
        } catch (err) {
            cleanup();
            throw new CheckError("usage", `can't prepare --base '${base}': ${(err as Error).message}`);
        }
    }
    const root = git(["rev-parse", "--show-toplevel"], programDir);
    const sha = (() => {
        try {
            return git(["rev-parse", "--verify", `${base}^{commit}`], root);
        } catch {
            throw new CheckError("usage", `--base '${base}' is neither a directory nor a git ref of ${root}`);
        }
    })();
    const relative = path.relative(root, path.resolve(programDir));
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "agentguard-base-"));
    const cleanup = () => fs.rmSync(tmp, { recursive: true, force: true });
    try {
        const archive = spawnSync("git", ["archive", "--format=tar", sha], {
            cwd: root,
            maxBuffer: 1024 * 1024 * 1024,
        });
        if (archive.status !== 0)
            throw new CheckError("usage", `git archive ${sha} failed: ${archive.stderr.toString().trim()}`);
        const untar = spawnSync("tar", ["-x", "-C", tmp], { input: archive.stdout });
        if (untar.status !== 0)
            throw new CheckError(
                "usage",
                `can't extract ${base} into ${tmp}: ${untar.stderr.toString().trim()}`,
            );
        const modules = path.join(root, "node_modules");
        if (fs.existsSync(modules) && !fs.existsSync(path.join(tmp, "node_modules"))) {
            fs.symlinkSync(modules, path.join(tmp, "node_modules"), "dir");
        }
        return { dir: path.join(tmp, relative), root: tmp, headRoot: root, cleanup };
    } catch (err) {
        cleanup();
        throw err;
    }
}

/** The git repository root holding `dir`, or undefined outside one. */
export function repositoryRoot(dir: string): string | undefined {
    const result = spawnSync("git", ["rev-parse", "--show-toplevel"], { cwd: dir, encoding: "utf8" });
    return result.status === 0 && !result.error ? result.stdout.trim() : undefined;
}

/** `git rev-parse HEAD` of the repository holding `dir`: the commit under review; undefined outside one. */
export function headCommit(dir: string): string | undefined {
    const result = spawnSync("git", ["rev-parse", "--verify", "HEAD^{commit}"], {
        cwd: dir,
        encoding: "utf8",
    });
    return result.status === 0 && !result.error ? result.stdout.trim() : undefined;
}

function hasNodeModules(dir: string): boolean {
    return nearestNodeModules(dir) !== undefined;
}

/** The node_modules Node's resolution would find from `dir` (itself or an ancestor's). */
function nearestNodeModules(dir: string): string | undefined {
    let at = path.resolve(dir);
    for (;;) {
        const candidate = path.join(at, "node_modules");
        if (fs.existsSync(candidate)) return candidate;
        const parent = path.dirname(at);
        if (parent === at) return undefined;
        at = parent;
    }
}
