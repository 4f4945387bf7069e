/**
 * Preloaded (-r) into a program process that runs under Node's permission model with `--allow-worker`, which
 * Node's module-hooks thread (an ES module compiled from TypeScript) needs. The model holds in that thread,
 * which Node starts internally, but not in a Worker started with its own `execArgv`: so the program, and any
 * code in the hooks thread (the preload runs there too), must not be able to start one. Node's internals do
 * not go through this export.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- the builtin's own exports object, not a copy
const workerThreads = require("worker_threads") as typeof import("worker_threads");
// eslint-disable-next-line @typescript-eslint/no-require-imports -- as above
const { syncBuiltinESMExports } = require("module") as typeof import("module");

function Worker(): never {
    const err = new Error(
        "Access to this API has been restricted: the program being checked may not start worker threads",
    ) as Error & { code: string; permission: string };
    err.code = "ERR_ACCESS_DENIED";
    err.permission = "WorkerThreads";
    // The stack starts at the program's call, as Node's own refusals do: the fault is the program's.
    Error.captureStackTrace(err, Worker);
    throw err;
}

Object.defineProperty(workerThreads, "Worker", {
    value: Worker,
    writable: false,
    configurable: false,
    enumerable: true,
});
// `import { Worker } from "worker_threads"` reads a snapshot of the exports: refresh it.
syncBuiltinESMExports();
export {};
