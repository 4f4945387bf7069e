import { describe, expect, it } from "vitest";
import { moduleSourceMaps } from "../../cli/program/stack-traces";

/** A version 3 source map whose generated line 1 column 0 comes from original line 5 column 3. */
const map = { version: 3, sources: ["index.ts"], names: [], mappings: "GAIA" };

describe("ES module source maps from the module hooks", () => {
    it("reads a map the hooks posted, synchronously, without waiting for the event loop", () => {
        const port = moduleSourceMaps.hooksPort();
        const url = `file:///work/app/index-${process.pid}.ts`;
        expect(moduleSourceMaps.get(url)).toBeUndefined();
        port.postMessage({ url, map: Buffer.from(JSON.stringify(map)).toString("base64") });
        const entry = moduleSourceMaps.get(url)?.findEntry(0, 3) as { originalLine?: number } | undefined;
        expect(entry?.originalLine).toBe(4);
    });

    it("ignores a map it cannot decode rather than failing the stack trace", () => {
        const url = `file:///work/app/broken-${process.pid}.ts`;
        moduleSourceMaps.hooksPort().postMessage({ url, map: "not base64 json" });
        expect(moduleSourceMaps.get(url)).toBeUndefined();
    });
});
