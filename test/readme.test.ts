/**
 * Every code block in the README that is a command or a program is exercised here or by .ci/run:
 * programs run through the real checker, commands run as written, config is fed to the pack.
 */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import { afterAll, describe, expect, it } from "vitest";
import { checkProgram, type PolicyPackConfigInput } from "../cli/testing";

const ROOT = path.resolve(__dirname, "..");
const readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
const blocks = [...readme.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map((m) => ({
    lang: m[1],
    body: m[2].trim(),
}));
const ofLang = (lang: string) => blocks.filter((b) => b.lang === lang);
const ciScript = fs.readFileSync(path.join(ROOT, ".ci/run"), "utf8");
const scratch = fs.mkdtempSync(path.join(ROOT, "test", ".readme-"));

afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

describe("README", () => {
    it("opens with exactly the two fresh-machine commands", () => {
        expect(blocks[0]).toEqual({ lang: "bash", body: "npm ci && npx agentguard check ." });
        expect(blocks[1]).toEqual({ lang: "bash", body: "npm ci && npm test" });
    });

    it("has .ci/run install and run the same test command, plus every check of the development block", () => {
        expect(ciScript).toMatch(/^npm ci$/m);
        expect(ciScript).toMatch(/^npm test \|\| status=\$\?$/m);
        const development = ofLang("bash").find((b) => b.body.includes("npm run typecheck"));
        expect(development).toBeDefined();
        for (const command of development!.body.split("&&").map((c) => c.trim())) {
            expect(ciScript).toContain(command);
        }
    });

    it("the component example is a program that the pack accepts", async () => {
        const [example] = ofLang("typescript");
        const dir = path.join(scratch, "example");
        fs.mkdirSync(dir);
        // The example imports the published package name; here it is the sources.
        const program = example.body.replace(
            /from "agentguard"/g,
            `from ${JSON.stringify(path.join(ROOT, "components"))}`,
        );
        expect(program).not.toBe(example.body);
        fs.writeFileSync(path.join(dir, "index.ts"), program);
        fs.writeFileSync(
            path.join(dir, "Pulumi.yaml"),
            "name: readme-example\nruntime: nodejs\nmain: index.ts\n",
        );
        const result = await checkProgram(dir);
        expect(result.violations.filter((v) => v.enforcementLevel === "mandatory")).toEqual([]);
        expect(result.exitCode).toBe(0);
        // The example declares all four components, so each is really exercised.
        expect(result.resources).toBeGreaterThan(20);
    });

    it("the CI command rejects the counter-example with exit 1 and writes the JSON report", () => {
        const command = ofLang("bash").find((b) =>
            b.body.startsWith("npx agentguard check stacks/rome-incident"),
        );
        expect(command).toBeDefined();
        const run = spawnSync("bash", ["-c", command!.body], { cwd: ROOT, encoding: "utf8" });
        expect(run.status, run.stderr).toBe(0);
        const reportPath = path.join(ROOT, "rome-report.json");
        const report = JSON.parse(fs.readFileSync(reportPath, "utf8")) as {
            violations: { enforcementLevel: string }[];
        };
        fs.rmSync(reportPath);
        expect(report.violations.some((v) => v.enforcementLevel === "mandatory")).toBe(true);
    });

    it("the GitHub Actions job runs the checker with SARIF output and uploads that file", () => {
        const [workflow] = ofLang("yaml");
        const job = yaml.load(workflow.body) as {
            jobs: { check: { steps: { run?: string; uses?: string; with?: Record<string, string> }[] } };
        };
        const steps = job.jobs.check.steps;
        const check = steps.find((s) => s.run?.includes("agentguard check"));
        const upload = steps.find((s) => s.uses?.startsWith("github/codeql-action/upload-sarif"));
        expect(check?.run).toBe("npx agentguard check . --format sarif --output agentguard.sarif");
        expect(upload?.with?.sarif_file).toBe("agentguard.sarif");
        // The step itself, run here as written.
        const out = path.join(ROOT, "agentguard.sarif");
        execFileSync("bash", ["-c", check!.run!], { cwd: ROOT, stdio: "pipe" });
        const sarif = JSON.parse(fs.readFileSync(out, "utf8")) as { version: string; runs: unknown[] };
        fs.rmSync(out);
        expect(sarif.version).toBe("2.1.0");
        expect(sarif.runs).toHaveLength(1);
    });

    it("the configuration example is accepted by the pack and its exemption applies", async () => {
        const [configBlock] = ofLang("json");
        const config = JSON.parse(configBlock.body) as PolicyPackConfigInput;
        const result = await checkProgram(path.join(ROOT, "stacks/rome-incident"), { config });
        expect(result.exitCode).toBe(1);
        // "all": "mandatory" lifts the advisory rules.
        expect(result.violations.every((v) => v.enforcementLevel === "mandatory")).toBe(true);
    });

    it("the pulumi preview command points at a loadable CrossGuard pack", () => {
        const preview = ofLang("bash").find((b) => b.body.startsWith("pulumi preview --policy-pack"));
        expect(preview).toBeDefined();
        const packPath = preview!.body.split(/\s+/)[3].replace("./node_modules/agentguard/", "");
        expect(fs.existsSync(path.join(ROOT, packPath, "PulumiPolicy.yaml"))).toBe(true);
        // The checker starts this same directory as a pack in every end-to-end test above.
        expect(packPath).toBe("policy-pack");
    });
});
