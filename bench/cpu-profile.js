"use strict";
// Profiles every process of a check, children included, where `--cpu-prof` can't reach (Node refuses it in
// NODE_OPTIONS and the checker starts its children with fixed arguments):
//   AGENTGUARD_CPU_PROFILE_DIR=/tmp/prof NODE_OPTIONS="--require $PWD/bench/cpu-profile.js" npm run bench -- ...
// Writes <dir>/<pid>-<script>.cpuprofile when the process exits, including on SIGTERM. With
// AGENTGUARD_HEAP_PROFILE=1 it also samples allocations and writes <pid>-<script>.heapprofile: what was
// still live at exit, by allocation site.
const inspector = require("inspector");
const fs = require("fs");
const path = require("path");

const dir = process.env.AGENTGUARD_CPU_PROFILE_DIR;
if (dir) {
    const heap = process.env.AGENTGUARD_HEAP_PROFILE === "1";
    const session = new inspector.Session();
    session.connect();
    session.post("Profiler.enable");
    session.post("Profiler.setSamplingInterval", { interval: 1000 });
    session.post("Profiler.start");
    if (heap) {
        session.post("HeapProfiler.enable");
        session.post("HeapProfiler.startSampling", { samplingInterval: 64 * 1024 });
    }
    const script = path.basename(process.argv[1] || "node").replace(/[^\w.-]/g, "_");
    const save = (extension, profile) => {
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(path.join(dir, `${process.pid}-${script}.${extension}`), JSON.stringify(profile));
    };
    let written = false;
    const write = () => {
        if (written) {
            return;
        }
        written = true;
        // The in-thread session answers synchronously, so this works inside an 'exit' handler.
        session.post("Profiler.stop", (err, result) => {
            if (!err && result) {
                save("cpuprofile", result.profile);
            }
        });
        if (heap) {
            session.post("HeapProfiler.stopSampling", (err, result) => {
                if (!err && result) {
                    save("heapprofile", result.profile);
                }
            });
        }
    };
    process.on("exit", write);
    process.once("SIGTERM", () => {
        write();
        process.exit(143);
    });
}
