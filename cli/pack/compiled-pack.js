"use strict";
// Preloaded into the process of agentguard's own policy pack, which runs compiled JavaScript (dist/policy-pack,
// built by `npm run build`; policy-pack/package.json's "main" points there). `run-policy-pack` registers
// ts-node with type checking for every pack, which costs ~0.6 s of CPU to load TypeScript at every start and
// would compile any TypeScript the pack loaded. This pack loads none: ts-node is not registered, and loading a
// TypeScript file in this process is an error, so neither a source file nor a cache of compiled TypeScript can
// become the pack's code. Other packs are started exactly as Pulumi does.
const { createRequire } = require("module");

for (const extension of [".ts", ".tsx", ".mts", ".cts"]) {
    // Fixed: nothing loaded later (ts-node included) can register a compiler for these in this process.
    Object.defineProperty(require.extensions, extension, {
        value: function refuseTypeScript(_module, filename) {
            throw new Error(
                `agentguard's policy pack runs compiled JavaScript only, but ${filename} was required; ` +
                    "rebuild the pack with `npm run build`",
            );
        },
        writable: false,
        configurable: false,
        enumerable: true,
    });
}

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
