import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { GATE_INPUT_DEFAULTS } from "../../../cli/review/review";

const doc = fs.readFileSync(path.join(__dirname, "../../../docs/review.md"), "utf8");
const section = doc.slice(doc.indexOf("## GitHub Actions"));
const workflow = yaml.load(/```yaml\n([\s\S]*?)```/.exec(section)![1]) as {
    jobs: Record<
        string,
        {
            permissions?: Record<string, string>;
            steps: {
                run?: string;
                uses?: string;
                with?: Record<string, unknown>;
                "working-directory"?: string;
            }[];
        }
    >;
};

describe("the documented review workflow", () => {
    const review = workflow.jobs.review;
    const runs = review.steps.map((s) => s.run ?? "").join("\n");

    it("is saved where --workflow looks by default", () => {
        expect(section).toContain(`Save it as \`${GATE_INPUT_DEFAULTS.workflow}\``);
    });

    it("checks out the base and the pull request's head commit, not the merge commit", () => {
        const refs = review.steps
            .filter((s) => s.uses?.startsWith("actions/checkout"))
            .map((s) => s.with?.ref);
        expect(refs).toEqual([
            "${{ github.event.pull_request.base.sha }}",
            "${{ github.event.pull_request.head.sha }}",
        ]);
    });

    it("runs the checker the base installs, binds approvals with --head-sha, and reads the base's policy config", () => {
        expect(runs).toMatch(/\.\.\/base\/node_modules\/\.bin\/agentguard review --base \.\.\/base \./);
        expect(runs).toContain("--head-sha ${{ github.event.pull_request.head.sha }}");
        expect(runs).toMatch(/--config \.\.\/base\/\.agentguard\/policy-config\.json/);
        expect(runs).not.toMatch(/npx agentguard/);
    });

    it("runs the programs with a read-only token; only the job that runs no pull-request code may comment", () => {
        expect(Object.values(review.permissions ?? {}).every((p) => p === "read")).toBe(true);
        expect(workflow.jobs.comment.permissions).toEqual({ "pull-requests": "write" });
        expect(workflow.jobs.comment.steps.some((s) => s.uses?.startsWith("actions/checkout"))).toBe(false);
    });
});
