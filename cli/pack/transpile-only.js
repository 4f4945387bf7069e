"use strict";
// Preloaded into the process of agentguard's own policy pack. `run-policy-pack` registers ts-node with type
// checking on, which costs seconds of CPU and ~100 MiB at every start. This pack is type-checked when
// agentguard is built and tested, so its sources (policy-pack/ and the core/ analysis it imports) are only
// transpiled, through a cache (transpile.js), and ts-node is not registered at all. Other packs are started
// exactly as Pulumi does.
const { createRequire } = require("module");
const { registerSources } = require("./transpile.js");

registerSources("policy-pack", "core");

// The runner (argv[1]) resolves ts-node and TypeScript from its own location; the module cache then hands it
// what is set up here.
const runnerRequire = createRequire(process.argv[1]);

let tsNode;
try {
    tsNode = runnerRequire("ts-node");
} catch {
    tsNode = undefined;
}
if (tsNode && typeof tsNode.register === "function") {
    // The pack loads no TypeScript but its own, which is compiled above.
    tsNode.register = () => undefined;
}

// The runner loads TypeScript only to read its version before registering ts-node (a no-op above), which
// costs ~0.6 s of CPU. It gets a stand-in that answers `version` and loads the real module on any other use.
try {
    const typescriptPath = runnerRequire.resolve("typescript");
    if (!require.cache[typescriptPath]) {
        const version = runnerRequire("typescript/package.json").version;
        const real = () => {
            if (require.cache[typescriptPath]?.exports === standIn) delete require.cache[typescriptPath];
            return require(typescriptPath);
        };
        const standIn = new Proxy(
            {},
            {
                get: (_target, key) => (key === "version" ? version : real()[key]),
                has: (_target, key) => key === "version" || key in real(),
            },
        );
        const entry = new (require("module"))(typescriptPath);
        entry.filename = typescriptPath;
        entry.loaded = true;
        entry.exports = standIn;
        require.cache[typescriptPath] = entry;
    }
} catch {
    // No TypeScript beside the runner: it falls back to its own, as without this.
}
