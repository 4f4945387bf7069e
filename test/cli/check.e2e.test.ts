/**
 * End to end through real processes: the program runs in its child under the offline monitor, the fixture
 * pack runs as Pulumi runs packs, and they meet over the analyzer gRPC protocol. Runs are shared between
 * assertions: each spawns two processes.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { beforeAll, describe, expect, it } from "vitest";
import { checkProgram, type CheckResult, type Violation } from "../../cli/testing";
import {
    fixturePack,
    fixtures,
    isRunning,
    program,
    runCli,
    startCli,
    finished,
    waitFor,
} from "./helpers/run-cli";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "agentguard-e2e-"));

function find(
    result: { violations: readonly Violation[] },
    policy: string,
    resourceName?: string,
): Violation[] {
    return result.violations.filter(
        (v) => v.policy === policy && (resourceName === undefined || v.resourceName === resourceName),
    );
}

describe("checkProgram on a program with every kind of finding (dev stack)", () => {
    let result: CheckResult;
    beforeAll(async () => {
        result = await checkProgram(program("violations"), {
            stack: "dev",
            policyPack: fixturePack,
            config: { "stack-max-buckets": { enforcementLevel: "advisory", maxBuckets: 0 } },
        });
    });

    it("reports the mandatory violation and exits 1", () => {
        const [v] = find(result, "bucket-no-public-acl", "logs");
        expect(v).toMatchObject({
            enforcementLevel: "mandatory",
            policyPack: "fixture-pack",
            policyPackVersion: "1.2.3",
            urn: "urn:pulumi:dev::violations::fixture:index:Team$fixture:storage:Bucket::logs",
        });
        expect(v.message).toContain("acl 'public-read' is public");
        expect(result.exitCode).toBe(1);
    });

    it("reports the advisory violation as advisory", () => {
        expect(find(result, "bucket-owner-tag", "logs")).toEqual([
            expect.objectContaining({ enforcementLevel: "advisory", resourceType: "fixture:storage:Bucket" }),
        ]);
    });

    it("remediates before analysis and reports what the remediation changed", () => {
        expect(result.remediations).toEqual([
            expect.objectContaining({ policy: "bucket-versioning", changedProperties: ["versioning"] }),
        ]);
        // The stack policy sees the remediated value, as AnalyzeStack does after a remediation.
        expect(find(result, "stack-graph", "logs")[0].message).toContain("versioning=true");
    });

    it("hands the pack a computed ARN as unknown, as a preview of a new stack does", () => {
        const [v] = find(result, "attachment-policy-arn-known", "agent-read-only");
        expect(v.enforcementLevel).toBe("advisory");
        expect(v.message).toContain(
            "during preview: string value at .policyArn can't be known during preview",
        );
    });

    it("passes property dependencies to AnalyzeStack, so the attachment is joined to its policy", () => {
        expect(find(result, "stack-graph", "agent-read-only")[0].message).toContain(
            "policyArn depends on [aws:iam/policy:Policy/read-only]",
        );
    });

    it("passes components, their registered outputs, parents and default providers on", () => {
        expect(find(result, "stack-graph", "logs")[0].message).toContain(
            "child of platform (members=3), provider pulumi:providers:fixture/default",
        );
    });

    it("applies policy config: the property and the level given for a policy", () => {
        expect(find(result, "stack-max-buckets")).toEqual([
            expect.objectContaining({
                enforcementLevel: "advisory",
                scope: "stack",
                urn: "urn:pulumi:dev::violations::pulumi:pulumi:Stack::violations-dev",
                message: expect.stringContaining("1 buckets exceed the limit of 0"),
            }),
        ]);
        expect(result.policies.find((p) => p.name === "stack-max-buckets")?.enforcementLevel).toBe(
            "advisory",
        );
    });

    it("counts every resource the engine would send, stack and default providers included", () => {
        // Stack, Team, its Bucket, the fixture and aws default providers, Policy, Role, attachment.
        expect(result.resources).toBe(8);
        expect(result.warnings).toEqual([]);
        expect(result.policies.map((p) => p.name)).toContain("stack-max-buckets");
        expect(result.timings.totalMs).toBeGreaterThan(0);
        expect(result.timings.programMs).toBeGreaterThan(0);
    });

    it("records where the program registered each resource", () => {
        const [v] = find(result, "bucket-no-public-acl", "logs");
        expect(v.source).toEqual({ file: path.join(program("violations"), "index.ts"), line: 10, column: 1 });
    });
});

describe("agentguard check (CLI)", () => {
    it.concurrent("exits 1 with the mandatory violation in the JSON contract", async () => {
        const run = await runCli([
            "check",
            "test/fixtures/programs/violations",
            "--stack",
            "dev",
            "--policy-pack",
            fixturePack,
            "--format",
            "json",
        ]);
        expect(run.code).toBe(1);
        const report = JSON.parse(run.stdout) as { resources: number; violations: Violation[] };
        expect(report.resources).toBe(8);
        expect(report.violations).toContainEqual(
            expect.objectContaining({
                policy: "bucket-no-public-acl",
                policyPack: "fixture-pack",
                enforcementLevel: "mandatory",
                urn: "urn:pulumi:dev::violations::fixture:index:Team$fixture:storage:Bucket::logs",
                message: expect.stringContaining("public-read"),
            }),
        );
    });

    it.concurrent("exits 1 with the mandatory violation in SARIF written to --output", async () => {
        const out = path.join(tmp, "report.sarif");
        const run = await runCli([
            "check",
            "test/fixtures/programs/violations",
            "--stack=dev",
            "--policy-pack",
            fixturePack,
            "--format",
            "sarif",
            "--output",
            out,
        ]);
        expect(run.code).toBe(1);
        expect(run.stdout).toBe("");
        const sarif = JSON.parse(fs.readFileSync(out, "utf8"));
        const result = sarif.runs[0].results.find(
            (r: { ruleId: string }) => r.ruleId === "bucket-no-public-acl",
        );
        expect(result.level).toBe("error");
        expect(result.locations[0].physicalLocation).toEqual({
            artifactLocation: { uri: "test/fixtures/programs/violations/index.ts", uriBaseId: "%SRCROOT%" },
            region: { startLine: 10, startColumn: 1 },
        });
    });

    it.concurrent("exits 2 with the program's error and where it was thrown", async () => {
        const run = await runCli(["check", program("throws"), "--policy-pack", fixturePack]);
        expect(run.code).toBe(2);
        expect(run.stdout).toBe("");
        expect(run.stderr).toContain("region 'mars-1' is not supported by this platform");
        expect(run.stderr).toContain("test/fixtures/programs/throws/settings.ts:5:");
    });

    it.concurrent(
        "maps an ES module program's error and registration sites to its TypeScript lines",
        async () => {
            const dir = program("throws-esm");
            const [thrown, registered] = await Promise.all([
                runCli(["check", dir, "--stack", "dev", "--policy-pack", fixturePack]),
                checkProgram(dir, { stack: "ok", policyPack: fixturePack }),
            ]);
            expect(thrown.code).toBe(2);
            expect(thrown.stderr).toContain("region 'mars-1' is not supported by this platform");
            // settings.ts line 19 is the throw; its compiled module, without the type-only lines, has it on 9.
            expect(thrown.stderr).toContain("test/fixtures/programs/throws-esm/settings.ts:19:15");
            const [bucket] = find(registered, "bucket-no-public-acl");
            expect(bucket.source).toEqual({ file: path.join(dir, "index.ts"), line: 15, column: 1 });
        },
    );
});

describe("checkProgram verdicts", () => {
    it.concurrent("reads the selected stack's config: the prod stack flips both findings", async () => {
        const prod = await checkProgram(program("violations"), { stack: "prod", policyPack: fixturePack });
        expect(find(prod, "bucket-no-public-acl")).toEqual([]);
        expect(find(prod, "aws-provider-region")).toEqual([
            expect.objectContaining({
                enforcementLevel: "mandatory",
                urn: "urn:pulumi:prod::violations::pulumi:providers:aws::default_7_48_0",
                message: expect.stringContaining("region 'us-east-1' is not one of eu-west-1"),
            }),
        ]);
        expect(prod.exitCode).toBe(1);
    });

    it.concurrent("passes a compliant program (exit code 0, no findings)", async () => {
        const clean = await checkProgram(program("clean"), { policyPack: fixturePack });
        expect(clean.violations).toEqual([]);
        expect(clean.exitCode).toBe(0);
        expect(clean.project.stack).toBe("ci");
    });

    it.concurrent(
        "passes a program whose only finding is advisory (a JavaScript program with its own main)",
        async () => {
            const advisory = await checkProgram(program("advisory-only"), { policyPack: fixturePack });
            expect(advisory.violations).toEqual([
                expect.objectContaining({
                    policy: "bucket-owner-tag",
                    enforcementLevel: "advisory",
                    resourceName: "scratch",
                }),
            ]);
            expect(advisory.exitCode).toBe(0);
        },
    );
});

describe("policy pack config", () => {
    it.concurrent(
        "exits 2 listing every problem: the policy, the property, the bad value, unknown names",
        async () => {
            const config = path.join(tmp, "bad-config.json");
            fs.writeFileSync(
                config,
                JSON.stringify({
                    "stack-max-buckets": { maxBuckets: "many" },
                    "bucket-no-public-acls": "disabled",
                }),
            );
            const run = await runCli([
                "check",
                program("clean"),
                "--policy-pack",
                fixturePack,
                "--config",
                config,
            ]);
            expect(run.code).toBe(2);
            expect(run.stderr).toContain(
                `policy 'stack-max-buckets': property 'maxBuckets' must be integer, got "many"`,
            );
            expect(run.stderr).toContain("unknown policy 'bucket-no-public-acls'");
        },
    );
});

describe("failures", () => {
    it("rejects a missing pack, a directory that is not a pack and an unchosen stack before running anything", async () => {
        await expect(
            checkProgram(program("clean"), { policyPack: "test/fixtures/packs/missing" }),
        ).rejects.toThrow("policy pack directory 'test/fixtures/packs/missing' does not exist");
        await expect(checkProgram(program("clean"), { policyPack: fixtures })).rejects.toThrow(
            "has no PulumiPolicy.yaml, so it is not a policy pack",
        );
        await expect(checkProgram(program("violations"), { policyPack: fixturePack })).rejects.toMatchObject({
            kind: "usage",
            message: expect.stringContaining("choose one with --stack: dev, prod"),
        });
    });

    it.concurrent("exits 2 for a pack that crashes, quoting the end of its stderr", async () => {
        const run = await runCli([
            "check",
            program("clean"),
            "--policy-pack",
            path.join(fixtures, "packs", "crashing-pack"),
        ]);
        expect(run.code).toBe(2);
        expect(run.stderr).toContain("crashing-pack failed to start");
        expect(run.stderr).toContain("fixture pack failed to load: rule table is corrupt");
    });

    it.concurrent("exits 2 for a bad flag, naming it, and 0 for --help", async () => {
        const bad = await runCli(["check", program("clean"), "--fromat", "json"]);
        expect(bad.code).toBe(2);
        expect(bad.stderr).toContain("unknown flag '--fromat'");
        const help = await runCli(["--help"]);
        expect(help.code).toBe(0);
        expect(help.stdout).toContain("Usage: agentguard check <program-dir>");
    });

    it("stops the program, the pack and what the pack started on Ctrl-C and exits 2", async () => {
        const packPid = path.join(tmp, "pack.pid");
        const grandchildPid = path.join(tmp, "grandchild.pid");
        const cli = startCli(["check", program("hangs"), "--policy-pack", fixturePack], {
            FIXTURE_PACK_PID_FILE: packPid,
            FIXTURE_PACK_GRANDCHILD_PID_FILE: grandchildPid,
        });
        let stderr = "";
        cli.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
        const done = finished(cli);
        const readPid = (file: string) =>
            fs.existsSync(file) && fs.readFileSync(file, "utf8")
                ? Number(fs.readFileSync(file, "utf8"))
                : undefined;
        const printedPid = () => {
            const match = /fixture program pid (\d+)/.exec(stderr);
            return match ? Number(match[1]) : undefined;
        };
        const pids = [
            await waitFor("the pack to start", () => readPid(packPid)),
            await waitFor("the pack's own child to start", () => readPid(grandchildPid)),
            await waitFor("the program to start", printedPid),
        ];
        expect(pids.every(isRunning)).toBe(true);
        cli.kill("SIGINT");
        const run = await done;
        expect(run.code).toBe(2);
        expect(run.stderr).toContain("stopped by SIGINT");
        await waitFor(
            "the pack and the program to stop",
            () => (pids.some(isRunning) ? undefined : true),
            10_000,
        );
    });
});
