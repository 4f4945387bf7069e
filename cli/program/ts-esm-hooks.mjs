// Module hooks that compile an ES module program's TypeScript, registered by the program's child process
// (module.register) the way Pulumi's Node.js language host does in its automatic ESM mode. They run on
// the loader thread and use the program's own ts-node and TypeScript, whose paths come in `data`.
import { createRequire } from "module";

let hooks;

export async function initialize(data) {
    const load = createRequire(data.tsNodePath);
    const tsNode = load(data.tsNodePath);
    if (typeof tsNode.createEsmHooks !== "function") {
        throw new Error(
            `ts-node at ${data.tsNodePath} can't compile ES modules (ts-node 10.8 or later can): upgrade the program's ts-node`,
        );
    }
    hooks = tsNode.createEsmHooks(tsNode.create(data.options));
}

export function resolve(specifier, context, next) {
    return hooks.resolve(specifier, context, next);
}

export function load(url, context, next) {
    return hooks.load(url, context, next);
}
