import { describe, expect, it } from "vitest";
import { acceptedNodeFlags } from "../../cli/program/run-program";

describe("heap flags for the program process", () => {
    it("keeps flags this Node.js accepts, in order", () => {
        const flags = ["--max-semi-space-size=128", "--heap-growing-percent=80"];
        expect(acceptedNodeFlags(flags)).toEqual(flags);
    });

    it("drops a flag Node.js refuses to start with and keeps the others", () => {
        expect(
            acceptedNodeFlags([
                "--max-semi-space-size=64",
                "--no-such-heap-flag=1",
                "--heap-growing-percent=80",
            ]),
        ).toEqual(["--max-semi-space-size=64", "--heap-growing-percent=80"]);
    });

    it("returns nothing when no flag is accepted", () => {
        expect(acceptedNodeFlags(["--no-such-heap-flag=1"])).toEqual([]);
        expect(acceptedNodeFlags(["--max-semi-space-size=64"], "/nonexistent/node")).toEqual([]);
    });
});
