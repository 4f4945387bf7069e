"use strict";
// Compiles the checker's own TypeScript sources (cli/) on load, transpile-only, so it runs straight from
// source after `npm ci`. Only cli/ is ours to compile: a program being checked, even one inside this
// package, is compiled by its own ts-node, and two compilers on one file would garble its source maps.
const path = require("path");

const packageRoot = path.resolve(__dirname, "..");

/** Registers a transpile-only compiler for one top-level folder of this package, once per process. */
function registerSources(folder) {
    const registeredKey = Symbol.for(`agentguard.ts-node-registered:${folder}`);
    if (globalThis[registeredKey]) return;
    globalThis[registeredKey] = true;
    require("ts-node").register({
        transpileOnly: true,
        skipProject: true,
        cwd: packageRoot,
        scope: true,
        scopeDir: packageRoot,
        // Paths are relative to the package root, so this also works when the package sits in node_modules.
        ignore: [`^(?!${folder}/)`],
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

registerSources("cli");

module.exports = { registerSources };
