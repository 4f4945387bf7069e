import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, describe, expect, it } from "vitest";
import { projectDirOf } from "../../../cli/blast-radius/collect";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "agentguard-project-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("the project that runs a program directory", () => {
    fs.mkdirSync(path.join(tmp, "stacks", "platform"), { recursive: true });
    fs.mkdirSync(path.join(tmp, "stacks", "other"), { recursive: true });
    fs.writeFileSync(path.join(tmp, "Pulumi.yaml"), "name: p\nruntime: nodejs\nmain: stacks/platform/\n");

    it("is the directory itself when it holds a Pulumi.yaml", () => {
        expect(projectDirOf(tmp)).toBe(tmp);
    });

    it("is the enclosing project whose main is that directory", () => {
        expect(projectDirOf(path.join(tmp, "stacks", "platform"))).toBe(tmp);
    });

    it("names the enclosing project and what it runs when its main is another directory", () => {
        expect(() => projectDirOf(path.join(tmp, "stacks", "other"))).toThrow(
            /the enclosing project .*Pulumi.yaml runs stacks\/platform\/, not .*other: pass the directory of the Pulumi project/,
        );
    });
});
