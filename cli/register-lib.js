"use strict";
// `report` and `review` run the policy pack's analysis (policy-pack/lib) in the checker's own process.
// register-ts.js compiles only cli/ (programs under check bring their own compiler); this second,
// narrower registration compiles policy-pack/ for this process only, and only when run from source.
const path = require("path");

const packageRoot = path.resolve(__dirname, "..");
const registeredKey = Symbol.for("agentguard.ts-node-registered-lib");

if (!globalThis[registeredKey]) {
    globalThis[registeredKey] = true;
    require("ts-node").register({
        transpileOnly: true,
        skipProject: true,
        cwd: packageRoot,
        scope: true,
        scopeDir: packageRoot,
        ignore: ["^(?!policy-pack/)"],
        compilerOptions: {
            target: "ES2022",
            module: "commonjs",
            moduleResolution: "node",
            esModuleInterop: true,
            resolveJsonModule: true,
            sourceMap: true,
        },
    });
}
