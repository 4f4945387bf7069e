import type { ChildProcess } from "child_process";
import * as fs from "fs";

/**
 * Every process group the checker started and whose leader is alive (each child is spawned `detached`, so
 * it leads its own group and whatever it starts belongs to that group). When a leader exits, what is left of
 * its group is killed at once and the group forgotten, so a reused pid is never signalled later.
 */
const groups = new Map<number, ChildProcess>();
/** Temporary trees the checker created and has not removed yet. */
const tempDirs = new Set<string>();
let exitHookInstalled = false;

function installExitHook(): void {
    if (!exitHookInstalled) {
        exitHookInstalled = true;
        // Synchronous work only: this runs inside process.exit, however we exit.
        process.on("exit", () => {
            for (const pid of groups.keys()) killGroup(pid, "SIGKILL");
            groups.clear();
            for (const dir of tempDirs) removeTree(dir);
            tempDirs.clear();
        });
    }
}

/** Signals the whole group led by `pid`; a group that is already gone is not an error. */
function killGroup(pid: number, signal: NodeJS.Signals): void {
    try {
        process.kill(-pid, signal);
    } catch {
        // ESRCH: no process is left in the group.
    }
}

function removeTree(dir: string): void {
    try {
        fs.rmSync(dir, { recursive: true, force: true });
    } catch {
        // Removed by someone else, or not removable: nothing more to do at exit.
    }
}

/**
 * Registers a child spawned with `detached: true`: its group is killed when we exit, whatever the exit path.
 * A child that could not be started (no pid) has nothing to kill.
 */
export function track(child: ChildProcess): ChildProcess {
    installExitHook();
    const pid = child.pid;
    if (pid !== undefined) {
        groups.set(pid, child);
        child.once("exit", () => {
            killGroup(pid, "SIGKILL");
            groups.delete(pid);
        });
    }
    return child;
}

/** Kills the child's whole group at once (the child and anything it started). */
export function killProcessGroup(child: ChildProcess): void {
    if (child.pid !== undefined) {
        killGroup(child.pid, "SIGKILL");
    }
}

function hasExited(child: ChildProcess): boolean {
    return child.exitCode !== null || child.signalCode !== null;
}

/**
 * Asks the child's group to stop (SIGTERM), then kills the group if the child has not exited after
 * `graceMs`; once the child is gone, whatever is left of its group is killed too. A stopped (SIGSTOP)
 * process only sees SIGKILL, hence the grace period.
 */
export function stopProcess(child: ChildProcess, graceMs = 2000): Promise<void> {
    if (child.pid === undefined) {
        return Promise.resolve();
    }
    if (hasExited(child)) {
        killProcessGroup(child);
        return Promise.resolve();
    }
    return new Promise((resolve) => {
        const timer = setTimeout(() => killProcessGroup(child), graceMs);
        child.once("exit", () => {
            clearTimeout(timer);
            killProcessGroup(child);
            resolve();
        });
        if (child.pid !== undefined) killGroup(child.pid, "SIGTERM");
    });
}

/**
 * Kills every group we started and waits (at most `waitMs`) until each leader has exited: nothing the
 * program started may still run, or print, when a verdict is written.
 */
export async function stopAllProcesses(waitMs = 5000): Promise<void> {
    const waiting = [...groups.values()].map(
        (child) =>
            new Promise<void>((resolve) => {
                if (hasExited(child)) resolve();
                else child.once("exit", () => resolve());
            }),
    );
    for (const pid of groups.keys()) killGroup(pid, "SIGKILL");
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
        Promise.all(waiting),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs))),
    ]);
    clearTimeout(timer);
}

/** Forgets a temporary path that has been moved into place, so exit does not remove what replaced it. */
export function untrackTempDir(dir: string): void {
    tempDirs.delete(dir);
}

/** Registers a temporary tree (or file) for removal at exit; the returned function removes it now. */
export function trackTempDir(dir: string): () => void {
    installExitHook();
    tempDirs.add(dir);
    return () => {
        tempDirs.delete(dir);
        removeTree(dir);
    };
}
