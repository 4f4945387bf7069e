import type { ChildProcess } from "child_process";

/** Every process the checker started and has not seen exit, so none outlives us, whatever the exit path. */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function killAllNow(): void {
    for (const child of live) {
        if (child.exitCode === null && child.signalCode === null) {
            child.kill("SIGKILL");
        }
    }
    live.clear();
}

export function track(child: ChildProcess): ChildProcess {
    if (!exitHookInstalled) {
        exitHookInstalled = true;
        process.on("exit", killAllNow);
    }
    live.add(child);
    child.once("exit", () => live.delete(child));
    return child;
}

/** Asks the process to stop, then kills it if it has not exited after `graceMs`. */
export function stopProcess(child: ChildProcess, graceMs = 2000): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null) {
        return Promise.resolve();
    }
    return new Promise((resolve) => {
        const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
        child.once("exit", () => {
            clearTimeout(timer);
            resolve();
        });
        child.kill("SIGTERM");
    });
}
