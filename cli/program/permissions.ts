import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { trackTempDir } from "../child-processes";
import { CheckError } from "../errors";

/**
 * Least privilege for the program being checked, with Node's permission model where this Node.js offers it:
 * the program may read files, write only in a scratch directory made for this run (its TMPDIR too), and may
 * start no child process, worker thread, native addon, inspector or WASI instance. `allowWrites` lifts the
 * write limit only.
 */
export interface ProgramConfinement {
    /** Node.js options for the program process, placed after any preloads the checker itself needs. */
    readonly execArgv: readonly string[];
    /** Environment for the program process: its temporary directory is the scratch directory. */
    readonly env: Readonly<Record<string, string>>;
    /** Where the program may write (removed by cleanup). */
    readonly scratchDir: string;
    /** Said in the result when the program could not be confined. */
    readonly warnings: readonly string[];
    /** What to add to a failure message that the permission model caused, else "". */
    explain(message: string): string;
    /** Removes the scratch directory; safe to call more than once. */
    cleanup(): void;
}

export interface ConfinementOptions {
    /** `--allow-program-writes`: no write limit (processes, workers and addons stay refused). */
    readonly allowWrites?: boolean;
    /** The program uses Node's module-hooks thread (an ES module compiled from TypeScript). */
    readonly needsModuleHooks?: boolean;
    readonly nodePath?: string;
}

/** Node.js >= 22.13 names the model `--permission`; earlier ones `--experimental-permission`. */
const PERMISSION_FLAGS = ["--permission", "--experimental-permission"] as const;

/** Whether this Node.js starts with these options: refused options make it exit at once. */
function starts(nodePath: string, flags: readonly string[]): boolean {
    return spawnSync(nodePath, [...flags, "-e", ""], { stdio: "ignore", timeout: 10_000 }).status === 0;
}

interface PermissionSupport {
    /** The model's switch, or undefined when this Node.js has none. */
    readonly flag?: string;
    /** Options to pass with it that this Node.js knows (it refuses unknown ones). */
    readonly extra: readonly string[];
}

const support = new Map<string, PermissionSupport>();

/** Which permission model this Node.js offers, found by trying (a bare start, ~50 ms, once per binary). */
export function permissionSupport(nodePath: string = process.execPath): PermissionSupport {
    let found = support.get(nodePath);
    if (!found) {
        const flag = PERMISSION_FLAGS.find((f) => starts(nodePath, [f, "--allow-fs-read=*"]));
        const extra = flag
            ? [
                  // Node.js >= 25 also confines the network; the checker's own channel to the program is a
                  // local socket, and the network is not what the model is used for here (see docs/checker.md).
                  "--allow-net",
                  // "Permission is an experimental feature" on every run would only be noise.
                  "--disable-warning=ExperimentalWarning",
              ].filter((option) => starts(nodePath, [flag, "--allow-fs-read=*", option]))
            : [];
        found = { flag, extra };
        support.set(nodePath, found);
    }
    return found;
}

/** Node.js 20 reads `,` in a permission path as a list separator and `*` as a wildcard. */
function checkedScratchPath(dir: string): string {
    if (/[,*]/.test(dir)) {
        throw new CheckError(
            "program",
            `the program's scratch directory ${dir} contains ',' or '*', which Node's permission model would ` +
                "read as a list or a wildcard; set TMPDIR to a directory whose path has neither",
        );
    }
    return dir;
}

/** The preload that keeps worker threads from the program when the hooks thread needs `--allow-worker`. */
function workerGuard(): string {
    return path.join(__dirname, `worker-guard${path.extname(__filename)}`);
}

const DENIED = /Access to this API has been restricted|ERR_ACCESS_DENIED|ERR_DLOPEN_DISABLED/;
/** Pulumi's closure serialization failing: it needs the inspector, which the program is never granted. */
const SERIALIZING = /serializ(e|ing)|closure|inspector/i;

/** Prepares the confinement of one program run; the caller spawns the program with it, then cleans up. */
export function confineProgram(options: ConfinementOptions = {}): ProgramConfinement {
    const nodePath = options.nodePath ?? process.execPath;
    const scratchDir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "agentguard-program-")));
    const cleanup = trackTempDir(scratchDir);
    const env = { TMPDIR: scratchDir, TMP: scratchDir, TEMP: scratchDir };
    try {
        const { flag, extra } = permissionSupport(nodePath);
        const quiet = extra.some((option) => option.startsWith("--disable-warning="));
        if (!flag) {
            return {
                execArgv: [],
                env,
                scratchDir,
                warnings: [
                    `Node.js ${nodeVersion(nodePath)} offers no permission model: the program ran with the ` +
                        "checker's own rights (it could write files and start processes); Node.js >= 20.19 confines it",
                ],
                explain: () => "",
                cleanup,
            };
        }
        const writes = options.allowWrites ? "*" : checkedScratchPath(scratchDir);
        // The module-hooks thread is a worker: it runs with the process's permissions, but a Worker the
        // program started itself with its own execArgv would not, so the guard refuses the program any.
        const hooks = options.needsModuleHooks
            ? ["--allow-worker", ...(quiet ? ["--disable-warning=SecurityWarning"] : []), "-r", workerGuard()]
            : [];
        const limits = options.allowWrites
            ? "it may read and write files anywhere (--allow-program-writes)"
            : `it may read files and write only under ${scratchDir} (its TMPDIR)`;
        return {
            execArgv: [flag, "--allow-fs-read=*", `--allow-fs-write=${writes}`, ...extra, ...hooks],
            env,
            scratchDir,
            warnings: [],
            explain: (message) =>
                DENIED.test(message) && SERIALIZING.test(message)
                    ? `\nNode's permission model refused this: Pulumi serializes the program's functions ` +
                      "(CallbackFunction, event handlers such as onEvent or onObjectCreated) through an inspector " +
                      "session, and the checker never grants the program the inspector (it is a known way around " +
                      "the model's write limit). Give the function its code as an asset instead " +
                      "(code: new pulumi.asset.FileArchive(...)); see docs/checker.md."
                    : DENIED.test(message)
                      ? `\nNode's permission model refused this: the checker runs the program with least ` +
                        `privilege: ${limits}, and it may not start child processes, worker threads or native ` +
                        "addons." +
                        (options.allowWrites
                            ? ""
                            : " If the program must write elsewhere, pass --allow-program-writes (docs/checker.md).")
                      : "",
            cleanup,
        };
    } catch (err) {
        cleanup();
        throw err;
    }
}

function nodeVersion(nodePath: string): string {
    if (nodePath === process.execPath) return process.version;
    const result = spawnSync(nodePath, ["--version"], { encoding: "utf8", timeout: 10_000 });
    return result.stdout?.trim() || "(version unknown)";
}

let writesAllowedByDefault = false;

/** The CLI's `--allow-program-writes`, for every program run of this process that does not say otherwise. */
export function allowProgramWritesByDefault(allowed: boolean): void {
    writesAllowedByDefault = allowed;
}

export function programWritesAllowedByDefault(): boolean {
    return writesAllowedByDefault;
}
