"use strict";
// Preloaded into the policy pack process: its gRPC server would otherwise keep it alive after the checker
// dies. Our end of stdin closes when the checker exits, however it exits.
process.stdin.on("end", () => process.exit(0));
process.stdin.on("error", () => process.exit(0));
process.stdin.resume();
// Watching must not keep the process alive: a pack that fails to load still exits on its own.
if (typeof process.stdin.unref === "function") {
    process.stdin.unref();
}
// A stop request ends the process normally, so its exit handlers run.
process.on("SIGTERM", () => process.exit(0));
// Node.js opens its inspector (a local port that runs any code sent to it) on SIGUSR1 unless a listener is
// installed: the program being checked may signal the pack, so the pack keeps it closed.
process.on("SIGUSR1", () => undefined);
