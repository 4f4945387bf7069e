/**
 * vitest globalSetup: the policy pack runs compiled JavaScript only (dist/policy-pack, where
 * policy-pack/package.json's "main" points), so before any test starts a pack, its sources and the core/ they
 * import are compiled to dist/ with tsconfig.build.json's options, as `npm run build` does (transpile-only:
 * the sources are type-checked by `npm run typecheck`). Only files whose output is missing or older than the
 * source are compiled, so a run without changes costs a directory walk.
 */
import * as fs from "node:fs";
import * as path from "node:path";

const root = path.join(__dirname, "..", "..");
const FOLDERS = ["policy-pack", "core"];

function typeScriptFiles(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) return entry.name === "node_modules" ? [] : typeScriptFiles(full);
        return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [full] : [];
    });
}

function isStale(source: string, output: string): boolean {
    try {
        return fs.statSync(output).mtimeMs < fs.statSync(source).mtimeMs;
    } catch {
        return true;
    }
}

/** Compiles what is stale; returns the files compiled (relative to the project root). */
export function buildCompiledPack(projectRoot: string = root): string[] {
    const outDir = path.join(projectRoot, "dist");
    const stale = FOLDERS.flatMap((folder) => typeScriptFiles(path.join(projectRoot, folder)))
        .map((source) => ({
            source,
            output: path.join(outDir, path.relative(projectRoot, source)).replace(/\.ts$/, ".js"),
        }))
        .filter(({ source, output }) => isStale(source, output));
    if (stale.length === 0) return [];
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const ts = require("typescript") as typeof import("typescript");
    const configFile = path.join(projectRoot, "tsconfig.build.json");
    const config = ts.readConfigFile(configFile, (file) => ts.sys.readFile(file));
    const { options } = ts.parseJsonConfigFileContent(
        config.config,
        ts.sys,
        projectRoot,
        undefined,
        configFile,
    );
    for (const { source, output } of stale) {
        const { outputText } = ts.transpileModule(fs.readFileSync(source, "utf8"), {
            fileName: source,
            compilerOptions: { ...options, declaration: false, sourceMap: false, inlineSourceMap: false },
            reportDiagnostics: false,
        });
        fs.mkdirSync(path.dirname(output), { recursive: true });
        // Written aside and renamed, so a pack starting meanwhile (another run) sees a whole file or none.
        const partial = `${output}.${process.pid}.tmp`;
        fs.writeFileSync(partial, outputText);
        fs.renameSync(partial, output);
    }
    return stale.map(({ source }) => path.relative(projectRoot, source));
}

/**
 * The checker run from source compiles cli/ (and core/, and the policy-pack/lib re-exports that
 * cli/blast-radius/containment.ts still reads) through its own cache (cli/transpile.js): filled once here, or
 * the end-to-end tests would start several checkers at once, each compiling the same files.
 */
function warmCheckerCache(): void {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const transpiler = require(path.join(root, "cli", "transpile.js")) as { transpile(file: string): string };
    for (const folder of ["cli", ...FOLDERS]) {
        for (const file of typeScriptFiles(path.join(root, folder))) transpiler.transpile(file);
    }
}

export default function setup(): void {
    buildCompiledPack();
    warmCheckerCache();
}
