/**
 * Program shapes Pulumi accepts, run through the real checker and agentguard's own pack: an ES module
 * TypeScript program with cloud lookups (with and without an answers file), and a program with awsx/EKS
 * remote components, a Helm v3 chart whose output it reads and workloads in autonamed namespaces (the EKS
 * cluster and the chart exempted from offline coverage, the awsx VPC not). Three runs, started together.
 */
import * as path from "path";
import { beforeAll, describe, expect, it } from "vitest";
import { checkProgram, type CheckResult } from "../../cli/testing";
import { program } from "./helpers/run-cli";

const esm = program("shapes-esm");
const componentsDir = program("shapes-components");

const settle = <T>(promise: Promise<T>) =>
    promise.then(
        (value) => ({ value, error: undefined }),
        (error: unknown) => ({ value: undefined, error: error as Error & { kind?: string } }),
    );

describe("real program shapes through agentguard check", () => {
    let withoutAnswers: Awaited<ReturnType<typeof settle<CheckResult>>>;
    let withAnswers: CheckResult;
    let components: CheckResult;
    beforeAll(async () => {
        const runs = await Promise.all([
            settle(checkProgram(esm, { stack: "ci" })),
            checkProgram(esm, { stack: "ci", offlineAnswers: path.join(esm, "offline-answers.yaml") }),
            checkProgram(componentsDir, { config: path.join(componentsDir, "coverage-exemptions.json") }),
        ]);
        [withoutAnswers, withAnswers, components] = runs;
    }, 120_000);

    it("runs an ES module program (top-level await, .js imports of .ts files), a stack without a stack file and a package.json main that does not exist", () => {
        expect(withAnswers.exitCode).toBe(0);
        expect(withAnswers.resources).toBe(5);
        expect(withAnswers.warnings).toEqual(
            expect.arrayContaining([
                expect.stringContaining("stack 'ci' has no Pulumi.ci.yaml"),
                expect.stringContaining(
                    "package.json names 'index.js' as the entry point, which does not exist",
                ),
            ]),
        );
    });

    it("gives lookups placeholder answers and says each is one", () => {
        for (const token of [
            "aws:index/getAvailabilityZones:getAvailabilityZones",
            "aws:organizations/getOrganization:getOrganization",
            "aws:ec2/getAmi:getAmi",
            "aws:eks/getCluster:getCluster",
            "aws:ssm/getParameter:getParameter",
        ]) {
            expect(withAnswers.warnings).toContainEqual(
                expect.stringContaining(`function '${token}' got a placeholder answer offline`),
            );
        }
    });

    it("names the lookup that had no answer, and how to answer it, when the program then fails", () => {
        expect(withoutAnswers.error?.kind).toBe("program");
        const message = withoutAnswers.error?.message ?? "";
        expect(message).toContain("Cannot read properties of undefined (reading 'split')");
        expect(message).toContain(
            'aws:ssm/getParameter:getParameter with args {"name":"/platform/egress-cidrs"}',
        );
        expect(message).toContain("--offline-answers");
        expect(message).not.toContain("pulumi config set");
        // The JSON document placeholder parsed; the hint still names it, as a placeholder, with its shape.
        expect(message).toContain(
            'aws:ssm/getParameter:getParameter with args {"name":"/aws/service/ecs/optimized-ami/amazon-linux-2023/recommended"}: placeholder the JSON document of an ECS-optimized image',
        );
    });

    it("reports an unexempted awsx component as unchecked, mandatory, on its own URN", () => {
        const [vpc] = components.violations.filter((v) => v.resourceType === "awsx:ec2:Vpc");
        expect(vpc).toMatchObject({
            policy: "offline-coverage",
            enforcementLevel: "mandatory",
            urn: "urn:pulumi:dev::shapes-components::awsx:ec2:Vpc::network",
        });
        expect(vpc.message).toContain("Nothing it creates was judged, so the check cannot pass");
        expect(components.exitCode).toBe(1);
    });

    it("turns exempted EKS and Helm v3 components into advisory notes on their own URNs, saying where they must be checked", () => {
        const exempted = components.violations.filter(
            (v) => v.policy === "offline-coverage" && v.enforcementLevel === "advisory",
        );
        expect(exempted.map((v) => v.urn)).toEqual([
            "urn:pulumi:dev::shapes-components::eks:index:Cluster::platform",
            "urn:pulumi:dev::shapes-components::kubernetes:helm.sh/v3:Chart::ingress",
        ]);
        for (const v of exempted) {
            expect(v.message).toContain("Its children were not judged by this check");
            expect(v.message).toContain("pulumi preview --policy-pack");
        }
        expect(exempted[0].message).toContain(
            '"built by @pulumi/eks; checked by pulumi preview --policy-pack in CI"',
        );
    });

    it("gives a Helm v3 chart's objects unknown values, so a program reading its output does not crash", () => {
        // The program reads ingress.getResource(...).apply((s) => s.status...): it ran to the end.
        expect(components.resources).toBeGreaterThanOrEqual(9);
    });

    it("places workloads in autonamed namespaces: the agent one is judged, the tooling one is not in doubt", () => {
        const planner = components.violations.filter((v) => v.resourceName === "planner");
        expect(planner).toContainEqual(
            expect.objectContaining({
                policy: "kubernetes-forbid-host-access",
                enforcementLevel: "mandatory",
            }),
        );
        expect(planner[0].message).toContain("agent namespace agent-research-xxxxxxxx");
        expect(components.violations.filter((v) => v.resourceName === "metrics")).toEqual([]);
        // Through a provider whose default namespace is the autonamed agent namespace, and generateName agent-.
        for (const name of ["via-provider", "scratch-job"]) {
            expect(components.violations).toContainEqual(
                expect.objectContaining({
                    resourceName: name,
                    policy: "kubernetes-forbid-host-access",
                    enforcementLevel: "mandatory",
                }),
            );
        }
        expect(components.violations.filter((v) => /could not be determined/.test(v.message))).toEqual([]);
    });
});

describe("shapes of public example programs in a stack without agents, and with one", () => {
    const dir = program("shapes-no-agents");
    let plain: CheckResult;
    let agents: CheckResult;
    beforeAll(async () => {
        [plain, agents] = await Promise.all([
            checkProgram(dir, { stack: "plain" }),
            checkProgram(dir, { stack: "agents" }),
        ]);
    }, 120_000);

    const of = (result: CheckResult, policy: string) =>
        result.violations.filter((v) => v.policy === policy).map((v) => [v.resourceName, v.enforcementLevel]);

    it("passes a role trusting a same-stack IAM user and awsx.classic's CloudFormation stack where no agent is", () => {
        expect(plain.exitCode).toBe(0);
        expect(plain.violations.filter((v) => v.enforcementLevel === "mandatory")).toEqual([]);
        // The ECS image's JSON document parsed; the Sandbox in `default` gets the advisory on how to mark it.
        expect(of(plain, "kubernetes-mark-agent-workloads")).toEqual([["coder", "advisory"]]);
    });

    it("fails closed on both once the stack has an agent namespace, saying so", () => {
        expect(agents.exitCode).toBe(1);
        expect(of(agents, "aws-restrict-agent-iam-grants")).toEqual([["deploy", "mandatory"]]);
        expect(of(agents, "stack-forbid-opaque-resources")).toEqual([["cluster-asg", "mandatory"]]);
        const opaque = agents.violations.find((v) => v.policy === "stack-forbid-opaque-resources");
        expect(opaque?.message).toContain(
            'This stack has agent identities (agent namespace "agent-research")',
        );
    });
});
