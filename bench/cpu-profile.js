"use strict";
// Profiles every process of a check, children included, where `--cpu-prof` can't reach (Node refuses it in
// NODE_OPTIONS and the checker starts its children with fixed arguments):
//   AGENTGUARD_CPU_PROFILE_DIR=/tmp/prof NODE_OPTIONS="--require $PWD/bench/cpu-profile.js" npm run bench -- ...
// Writes <dir>/<pid>-<script>.cpuprofile when the process exits, including on SIGTERM.
const inspector = require("inspector");
const fs = require("fs");
const path = require("path");

const dir = process.env.AGENTGUARD_CPU_PROFILE_DIR;
if (dir) {
    const session = new inspector.Session();
    session.connect();
    session.post("Profiler.enable");
    session.post("Profiler.setSamplingInterval", { interval: 1000 });
    session.post("Profiler.start");
    let written = false;
    const write = () => {
        if (written) {
            return;
        }
        written = true;
        // The in-thread session answers synchronously, so this works inside an 'exit' handler.
        session.post("Profiler.stop", (err, result) => {
            if (err || !result) {
                return;
            }
            const script = path.basename(process.argv[1] || "node").replace(/[^\w.-]/g, "_");
            fs.mkdirSync(dir, { recursive: true });
            fs.writeFileSync(
                path.join(dir, `${process.pid}-${script}.cpuprofile`),
                JSON.stringify(result.profile),
            );
        });
    };
    process.on("exit", write);
    process.once("SIGTERM", () => {
        write();
        process.exit(143);
    });
}
