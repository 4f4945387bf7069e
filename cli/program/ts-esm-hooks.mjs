// Module hooks that compile an ES module program's TypeScript, registered by the program's child process
// (module.register) the way Pulumi's Node.js language host does in its automatic ESM mode. They run on
// the loader thread and use the program's own ts-node and TypeScript, whose paths come in `data`. Each
// compiled module's source map is posted to the program's thread (`data.sourceMaps`), which maps stack frames
// of these modules to TypeScript lines as ts-node does for CommonJS programs (see stack-traces.ts).
import { createRequire } from "module";

let hooks;
let sourceMaps;

const TYPESCRIPT_URL = /\.[cm]?tsx?$/;
const INLINE_MAP =
    /\/\/# sourceMappingURL=data:application\/json;(?:charset=utf-8;)?base64,([A-Za-z0-9+/=]+)\s*$/;

export async function initialize(data) {
    const load = createRequire(data.tsNodePath);
    const tsNode = load(data.tsNodePath);
    if (typeof tsNode.createEsmHooks !== "function") {
        throw new Error(
            `ts-node at ${data.tsNodePath} can't compile ES modules (ts-node 10.8 or later can): upgrade the program's ts-node`,
        );
    }
    hooks = tsNode.createEsmHooks(tsNode.create(data.options));
    sourceMaps = data.sourceMaps;
}

export function resolve(specifier, context, next) {
    return hooks.resolve(specifier, context, next);
}

export async function load(url, context, next) {
    const loaded = await hooks.load(url, context, next);
    if (sourceMaps !== undefined && TYPESCRIPT_URL.test(new URL(url).pathname) && loaded.source != null) {
        const source =
            typeof loaded.source === "string" ? loaded.source : Buffer.from(loaded.source).toString("utf8");
        const map = INLINE_MAP.exec(source);
        // Posted before the module runs, so the program's thread has it when a frame of it is formatted.
        if (map) sourceMaps.postMessage({ url, map: map[1] });
    }
    return loaded;
}
