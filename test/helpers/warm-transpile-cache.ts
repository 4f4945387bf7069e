/**
 * Fills the transpile cache (cli/pack/transpile.js) with this package's sources once, before any test runs:
 * after `npm ci` the cache is empty, and the end-to-end tests would otherwise start several checkers and
 * packs at once, each compiling the same files.
 */
import * as fs from "node:fs";
import * as path from "node:path";

interface Transpiler {
    transpile(filename: string): string;
}

const FOLDERS = ["cli", "core", "policy-pack"];

function typeScriptFiles(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) return entry.name === "node_modules" ? [] : typeScriptFiles(full);
        return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [full] : [];
    });
}

export default function warmTranspileCache(): void {
    const root = path.join(__dirname, "..", "..");
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const transpiler = require(path.join(root, "cli", "pack", "transpile.js")) as Transpiler;
    for (const folder of FOLDERS) {
        for (const file of typeScriptFiles(path.join(root, folder))) transpiler.transpile(file);
    }
}
