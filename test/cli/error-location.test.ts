import * as path from "path";
import { describe, expect, it } from "vitest";
import { errorLocation, formatLocation } from "../../cli/program/error-location";

const dir = "/work/app";

function errorWith(stack: string, name = "Error", message = "boom"): Error {
    const err = new Error(message);
    err.name = name;
    err.stack = stack;
    return err;
}

describe("errorLocation", () => {
    it("prefers the first stack frame in the program's own files over library frames", () => {
        const err = errorWith(
            [
                "Error: boom",
                "    at check (/work/app/node_modules/lib/index.js:10:5)",
                "    at regionFor (/work/app/settings.ts:5:15)",
                "    at Object.<anonymous> (/work/app/index.ts:2:1)",
            ].join("\n"),
        );
        expect(errorLocation(err, dir)).toEqual({ file: "/work/app/settings.ts", line: 5, column: 15 });
    });

    it("reads frames without a function name and file URLs", () => {
        const err = errorWith("Error: boom\n    at file:///work/app/main.js:7:3");
        expect(errorLocation(err, dir)).toEqual({ file: "/work/app/main.js", line: 7, column: 3 });
    });

    it("takes a TypeScript diagnostic's position from its message", () => {
        const err = errorWith(
            "TSError: x",
            "TSError",
            "⨯ Unable to compile TypeScript:\nindex.ts(3,7): error TS2322: bad",
        );
        expect(errorLocation(err, dir)).toEqual({ file: path.resolve(dir, "index.ts"), line: 3, column: 7 });
    });

    it("takes a syntax error's position from the stack header", () => {
        const err = errorWith(
            "/work/app/main.js:4\n  let = ;\n      ^\n\nSyntaxError: Unexpected token",
            "SyntaxError",
        );
        expect(errorLocation(err, dir)).toEqual({ file: "/work/app/main.js", line: 4 });
    });

    it("knows nothing about values that are not errors", () => {
        expect(errorLocation("a string", dir)).toBeUndefined();
    });

    it("formats locations relative to a directory", () => {
        expect(formatLocation({ file: "/work/app/a/b.ts", line: 3, column: 2 }, "/work/app")).toBe(
            "a/b.ts:3:2",
        );
        expect(formatLocation({ file: "/work/app/a/b.ts", line: 3 }, "/work/app")).toBe("a/b.ts:3");
    });
});
