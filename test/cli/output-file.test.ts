import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, describe, expect, it } from "vitest";
import { removeStaleOutput, writeOutputFile } from "../../cli/output-file";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "agentguard-output-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("--output", () => {
    it("replaces the file whole and leaves nothing else in its directory", () => {
        const dir = fs.mkdtempSync(path.join(tmp, "a-"));
        const file = path.join(dir, "report.json");
        fs.writeFileSync(file, "old");
        writeOutputFile(file, "new report");
        expect(fs.readFileSync(file, "utf8")).toBe("new report");
        expect(fs.readdirSync(dir)).toEqual(["report.json"]);
    });

    it("replaces a symbolic link planted at the path, never writing through it", () => {
        const dir = fs.mkdtempSync(path.join(tmp, "b-"));
        const victim = path.join(dir, "victim.txt");
        fs.writeFileSync(victim, "keep me");
        const file = path.join(dir, "report.txt");
        fs.symlinkSync(victim, file);
        writeOutputFile(file, "report");
        expect(fs.readFileSync(victim, "utf8")).toBe("keep me");
        expect(fs.lstatSync(file).isSymbolicLink()).toBe(false);
        expect(fs.readFileSync(file, "utf8")).toBe("report");
    });

    it("fails with a message naming the file when its directory does not exist, leaving no temporary file", () => {
        const file = path.join(tmp, "missing-dir", "report.json");
        expect(() => writeOutputFile(file, "x")).toThrow(`can't write --output '${file}'`);
    });

    it("removes a stale file, accepts a missing one, and refuses a directory", () => {
        const file = path.join(tmp, "stale.json");
        fs.writeFileSync(file, "{}");
        removeStaleOutput(file);
        expect(fs.existsSync(file)).toBe(false);
        removeStaleOutput(file);
        expect(() => removeStaleOutput(tmp)).toThrow(`--output '${tmp}' can't be replaced`);
    });
});
