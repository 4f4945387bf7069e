/**
 * A program written by the agent it confines tries to get its forbidden resource (an agent role allowed
 * iam:*) past the checker: by patching the checker's recording code, forging the child's messages, or
 * declaring the role after its main code returned. Each must end in exit 1 (the role judged) or exit 2,
 * never exit 0. Also runs against the newest @pulumi/pulumi (scripts/test-newest-sdk.sh).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { CheckError } from "../../cli/errors";
import { runProgram } from "../../cli/program/run-program";
import type { RecordedResource } from "../../cli/program/protocol";
import { loadProject } from "../../cli/project";
import { checkProgram, type CheckResult } from "../../cli/testing";
import { program } from "./helpers/run-cli";

const hostile = program("hostile");
const IAM_RULE = "aws-restrict-agent-iam-grants";

type Outcome = { result?: CheckResult; error?: CheckError };

async function check(attack: string): Promise<Outcome> {
    try {
        return { result: await checkProgram(hostile, { stack: attack }) };
    } catch (err) {
        return { error: err as CheckError };
    }
}

/** A few at a time: each run is a program, a pack and the checker. */
async function checkAll(attacks: readonly string[]): Promise<Map<string, Outcome>> {
    const outcomes = new Map<string, Outcome>();
    const queue = [...attacks];
    const worker = async () => {
        for (let attack = queue.shift(); attack !== undefined; attack = queue.shift()) {
            outcomes.set(attack, await check(attack));
        }
    };
    await Promise.all([worker(), worker()]);
    return outcomes;
}

function expectRoleJudged(outcome: Outcome | undefined, attack: string): void {
    expect(outcome?.error, `${attack}: ${outcome?.error?.message}`).toBeUndefined();
    expect(outcome?.result?.exitCode).toBe(1);
    expect(outcome?.result?.violations.filter((v) => v.policy === IAM_RULE).map((v) => v.urn)).toContainEqual(
        expect.stringMatching(/aws:iam\/role:Role::agent$/),
    );
}

describe("a hostile program cannot get its forbidden resource past the checker", () => {
    let outcomes: Map<string, Outcome>;
    beforeAll(async () => {
        outcomes = await checkAll([
            "control",
            "require-cache",
            "forged-done",
            "forged-done-exit",
            "forged-done-early-exit",
            "garbage-frame",
            "before-exit",
            "timer",
            "late-promise",
            "aliases",
            "get-aliases",
            "transforms",
        ]);
    }, 600_000);

    it("judges the role when declared plainly (the control)", () => {
        expectRoleJudged(outcomes.get("control"), "control");
    });

    it("judges the role although the program patched every checker module in require.cache", () => {
        expectRoleJudged(outcomes.get("require-cache"), "require-cache");
    });

    it("refuses a run whose program forged 'done' on the checker's channel and went on registering", () => {
        const { result, error } = outcomes.get("forged-done")!;
        expect(result?.exitCode).toBeUndefined();
        expect(error).toBeInstanceOf(CheckError);
        expect(error?.message).toContain("interfered with the checker");
    });

    it("judges the role registered before a forged 'done' and an exit that silenced the child", () => {
        expectRoleJudged(outcomes.get("forged-done-exit"), "forged-done-exit");
    });

    it("refuses a run that forged 'done' and exited before its stack was complete", () => {
        const { result, error } = outcomes.get("forged-done-early-exit")!;
        expect(result?.exitCode).toBeUndefined();
        expect(error?.message).toContain("exited before its stack was complete");
    });

    it("refuses a run whose program wrote something undecodable on the checker's channel", () => {
        const { result, error } = outcomes.get("garbage-frame")!;
        expect(result?.exitCode).toBeUndefined();
        expect(error?.message).toContain(
            "interfered with the checker: it wrote a frame that does not decode",
        );
    });

    it("judges resources declared after main returned: in beforeExit, in a timer, in a later promise chain", () => {
        for (const attack of ["before-exit", "timer", "late-promise"]) {
            expectRoleJudged(outcomes.get(attack), attack);
        }
    });

    it("judges a role declared with aliases under a parent, next to a Resource.get with parent + aliases", () => {
        expectRoleJudged(outcomes.get("aliases"), "aliases");
        expect(outcomes.get("aliases")?.result?.warnings).toContainEqual(
            expect.stringContaining("Holder$aws:iam/role:Role::existing is read from an existing resource"),
        );
    });

    it("judges a role next to a Resource.get under a parent with aliases (the SDK once failed or dropped it)", () => {
        expectRoleJudged(outcomes.get("get-aliases"), "get-aliases");
    });

    it("fails closed, naming the feature, on a transform the checker does not support", () => {
        const { result, error } = outcomes.get("transforms")!;
        expect(result).toBeUndefined();
        expect(error?.kind).toBe("checker");
        expect(error?.message).toMatch(
            /uses transforms, which agentguard's offline checker does not support/,
        );
    });
});

describe("aliases, in every form the SDK accepts, as the engine resolves them", () => {
    const records = new Map<string, RecordedResource>();
    beforeAll(async () => {
        await runProgram(loadProject(hostile, "aliases"), {
            onResources: (batch) => batch.forEach((r) => records.set(r.urn, r)),
            onOutputs: () => undefined,
        });
    }, 300_000);

    const urn = (qualifiedType: string, name: string, stack = "aliases", project = "hostile") =>
        `urn:pulumi:${stack}::${project}::${qualifiedType}::${name}`;

    it("resolves name, type and parent aliases of a component", () => {
        expect(records.get(urn("hostile:index:Holder", "holder"))?.options.aliases).toEqual(
            expect.arrayContaining([
                urn("hostile:index:Holder", "old-holder"),
                urn("hostile:index:OldHolder", "holder"),
            ]),
        );
    });

    it("resolves URN, name, type, parent (resource, URN, none), stack/project and Output aliases of a child", () => {
        const aliases = records.get(urn("hostile:index:Holder$aws:iam/role:Role", "agent"))?.options.aliases;
        expect(aliases).toEqual(
            expect.arrayContaining([
                urn("aws:iam/role:Role", "agent"),
                urn("hostile:index:Holder$aws:iam/role:Role", "old-agent"),
                urn("hostile:index:Holder$hostile:index:OldRole", "agent"),
                urn("aws:iam/role:Role", "unparented"),
                urn("hostile:index:Former$aws:iam/role:Role", "agent"),
                urn("hostile:index:Holder$aws:iam/role:Role", "agent", "old-stack", "old-project"),
                urn("hostile:index:Holder$aws:iam/role:Role", "from-output"),
            ]),
        );
    });

    it("records the read under its parent", () => {
        expect(records.get(urn("hostile:index:Holder$aws:iam/role:Role", "existing"))?.kind).toBe("read");
    });
});
