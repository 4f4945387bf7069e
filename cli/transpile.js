"use strict";
// Compiles the checker's own TypeScript sources on load when it runs from a source checkout, transpile-only
// (they are type-checked when the package is built and tested), and keeps each output on disk keyed by a hash
// of the compiler, its options, the file's path and its contents. A warm start then reads JavaScript and never
// loads TypeScript, which otherwise costs seconds of CPU at every start of the checker and its program runner.
// Never used for the policy pack, which runs compiled JavaScript from dist/ (see cli/pack/compiled-pack.js);
// the published package runs the checker from dist/ too.
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");

const packageRoot = path.resolve(__dirname, "..");

const COMPILER_OPTIONS = {
    target: "ES2022",
    module: "commonjs",
    moduleResolution: "node",
    esModuleInterop: true,
    resolveJsonModule: true,
    inlineSourceMap: true,
    inlineSources: false,
};

/** Top-level folders of this package whose `.ts` files are compiled here. */
const ownFolders = new Set();
let installed = false;
let compiler;

/**
 * The enclosing node_modules/.cache, as tools conventionally use; without it, no cache (never a shared
 * temporary directory, where another local user could create the directory first and fill it).
 */
function cacheDirectory() {
    const parts = packageRoot.split(path.sep);
    const nodeModules = parts.lastIndexOf("node_modules");
    const base =
        nodeModules >= 0
            ? path.join(parts.slice(0, nodeModules + 1).join(path.sep), ".cache")
            : path.join(packageRoot, "node_modules", ".cache");
    const dir = path.join(base, "agentguard-cli-ts");
    try {
        fs.mkdirSync(dir, { recursive: true });
        fs.accessSync(dir, fs.constants.W_OK);
        return dir;
    } catch {
        return undefined;
    }
}

function typescriptVersion() {
    try {
        return require("typescript/package.json").version;
    } catch {
        return "none";
    }
}

let cacheState;
function cache() {
    if (cacheState === undefined) {
        cacheState = {
            dir: cacheDirectory(),
            salt: `agentguard-cli-transpile-2\0${typescriptVersion()}\0${JSON.stringify(COMPILER_OPTIONS)}\0`,
        };
    }
    return cacheState;
}

/** JavaScript for one of our `.ts` files: from the cache, or compiled and cached. */
function transpile(filename) {
    const source = fs.readFileSync(filename, "utf8");
    const { dir, salt } = cache();
    const key = crypto
        .createHash("sha256")
        .update(salt)
        .update(filename)
        .update("\0")
        .update(source)
        .digest("hex");
    const cached = dir && path.join(dir, `${key}.js`);
    if (cached) {
        try {
            return fs.readFileSync(cached, "utf8");
        } catch {
            // A miss: compile below.
        }
    }
    compiler ??= require("typescript");
    const output = compiler.transpileModule(source, {
        fileName: filename,
        compilerOptions: COMPILER_OPTIONS,
        reportDiagnostics: false,
    }).outputText;
    if (cached) {
        // Written aside and renamed, so a concurrent reader sees a whole file or none.
        const partial = `${cached}.${process.pid}.tmp`;
        try {
            fs.writeFileSync(partial, output);
            fs.renameSync(partial, cached);
        } catch {
            fs.rmSync(partial, { force: true });
        }
    }
    return output;
}

function isOwnSource(filename) {
    const relative = path.relative(packageRoot, filename);
    if (relative.startsWith("..") || path.isAbsolute(relative)) return false;
    const folder = relative.split(path.sep)[0];
    return ownFolders.has(folder) && !relative.split(path.sep).includes("node_modules");
}

/**
 * Compiles `.ts` files under the given top-level folders of this package (e.g. "cli", "core", and
 * "policy-pack" for report and review, which run its analysis in the checker's process); any other `.ts`
 * file goes to whichever handler was registered before.
 */
function registerSources(...folders) {
    for (const folder of folders) ownFolders.add(folder);
    if (installed) return;
    installed = true;
    // Outputs carry inline source maps; run with --enable-source-maps for stack traces into the sources
    // (not on by default: Node would then parse the source map of every module loaded, ours or not).
    const previous = require.extensions[".ts"];
    require.extensions[".ts"] = function compileOwnTypeScript(module, filename) {
        if (isOwnSource(filename)) {
            module._compile(transpile(filename), filename);
            return;
        }
        if (previous) {
            previous(module, filename);
            return;
        }
        // Read and hand over as is: a compiler registered later (ts-node for a program under check) wraps
        // `module._compile` and must see the file's own text for its source maps to line up.
        module._compile(fs.readFileSync(filename, "utf8"), filename);
    };
}

module.exports = { registerSources, transpile, cacheDirectory };
