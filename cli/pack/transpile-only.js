"use strict";
// Preloaded into the process of agentguard's own policy pack. `run-policy-pack` registers ts-node with type
// checking on, which costs seconds of CPU and ~100 MiB at every start. This pack is type-checked when
// agentguard is built and tested, so its sources (policy-pack/ and the core/ analysis it imports) are only
// transpiled, through a cache (transpile.js), and ts-node is not registered at all. Other packs are started
// exactly as Pulumi does.
const { createRequire } = require("module");
const { registerSources } = require("./transpile.js");

registerSources("policy-pack", "core");

let tsNode;
try {
    // The runner (argv[1]) resolves ts-node from its own location; the module cache then hands it this copy.
    tsNode = createRequire(process.argv[1])("ts-node");
} catch {
    tsNode = undefined;
}
if (tsNode && typeof tsNode.register === "function") {
    // The pack loads no TypeScript but its own, which is compiled above.
    tsNode.register = () => undefined;
}
