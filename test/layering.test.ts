import * as fs from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";

const root = path.join(__dirname, "..");

function typeScriptFiles(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) return entry.name === "node_modules" ? [] : typeScriptFiles(full);
        return entry.name.endsWith(".ts") ? [full] : [];
    });
}

/** `file → folder it imports`, for every relative import (static, dynamic or require) that lands in `folder`. */
function importsInto(from: string, folder: string): string[] {
    const target = path.join(root, folder);
    const out: string[] = [];
    for (const file of typeScriptFiles(path.join(root, from))) {
        const text = fs.readFileSync(file, "utf8");
        for (const m of text.matchAll(/(?:from|import|require)\s*\(?\s*["'](\.{1,2}\/[^"']+)["']/g)) {
            const resolved = path.resolve(path.dirname(file), m[1]);
            if (resolved === target || resolved.startsWith(`${target}${path.sep}`))
                out.push(`${path.relative(root, file)} → ${m[1]}`);
        }
    }
    return out.sort();
}

describe("layering: report, review and the pack read one analysis in core/", () => {
    it("core/ imports nothing from the policy pack or the CLI", () => {
        expect(importsInto("core", "policy-pack")).toEqual([]);
        expect(importsInto("core", "cli")).toEqual([]);
    });

    it("cli/ imports nothing from policy-pack/lib", () => {
        expect(importsInto("cli", "policy-pack/lib")).toEqual([]);
    });

    it("components/ import core/ only, never the pack or the CLI", () => {
        expect(importsInto("components", "policy-pack")).toEqual([]);
        expect(importsInto("components", "cli")).toEqual([]);
    });
});
