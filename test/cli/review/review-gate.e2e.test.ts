import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reviewPrograms } from "../../../cli/review/review";

const ROOT = path.resolve(__dirname, "../../..");
const repo = fs.mkdtempSync(path.join(os.tmpdir(), "agentguard-gate-e2e-"));
afterAll(() => fs.rmSync(repo, { recursive: true, force: true }));

function git(...args: string[]): string {
    return execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.invalid", ...args], {
        cwd: repo,
        encoding: "utf8",
    }).trim();
}

const program = (image: string) => `const k8s = require("@pulumi/kubernetes");
new k8s.apps.v1.Deployment("app", {
    metadata: { name: "app", namespace: "team-a" },
    spec: {
        selector: { matchLabels: { app: "a" } },
        template: { metadata: { labels: { app: "a" } }, spec: { containers: [{ name: "a", image: "${image}" }] } },
    },
});
`;

function write(file: string, text: string): void {
    fs.mkdirSync(path.dirname(path.join(repo, file)), { recursive: true });
    fs.writeFileSync(path.join(repo, file), text);
}

describe("review judges the head with the base's gate inputs (end to end, git ref base)", () => {
    let baseSha = "";
    beforeAll(() => {
        git("init", "-q");
        fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(repo, "node_modules"), "dir");
        write(".gitignore", "node_modules\n");
        write(
            "Pulumi.yaml",
            "name: gate\nruntime:\n  name: nodejs\n  options:\n    typescript: false\nmain: index.js\n",
        );
        write("index.js", program("app:1"));
        // The base's tier map makes any image change Tier 3.
        write(".agentguard/tiers.json", JSON.stringify({ extraTier3Properties: ["*image*"] }));
        git("add", "-A");
        git("commit", "-qm", "base");
        baseSha = git("rev-parse", "HEAD");
        // The head bumps the image and drops that rule from the tier map in the same change.
        write("index.js", program("app:2"));
        write(".agentguard/tiers.json", JSON.stringify({}));
        git("add", "-A");
        git("commit", "-qm", "head");
    });

    it("the head's relaxed tier map does not judge it: the image bump is Tier 3 by the base's map, and the map's change is Tier 3", async () => {
        const r = await reviewPrograms(baseSha, repo, {});
        const deployment = r.changes.find((c) => c.name === "app")!;
        expect(deployment.tier).toBe(3);
        expect(deployment.reasons.join()).toContain("*image*");
        expect(r.gateInputs.map((g) => [g.path, g.change])).toEqual([[".agentguard/tiers.json", "changed"]]);
        expect(r.tier).toBe(3);
        expect(r.exitCode).toBe(1);
        expect(r.headSha).toBe(git("rev-parse", "HEAD"));
    }, 120_000);

    it("a --head-sha that is not the checked-out commit is an error, not a silent mismatch", async () => {
        await expect(reviewPrograms(baseSha, repo, { headSha: baseSha })).rejects.toThrow(
            /is not the checked-out commit/,
        );
    });
});
