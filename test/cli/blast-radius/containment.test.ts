import { describe, expect, it } from "vitest";
import { buildStackModel, type CollectedResource } from "../../../cli/blast-radius/collect";
import { containmentResources, patternIssuerArns } from "../../../cli/blast-radius/containment";
import { computeBlastRadius } from "../../../cli/blast-radius/model";
import { formatReportMarkdown } from "../../../cli/blast-radius/render-markdown";
import { reportDocument } from "../../../cli/blast-radius/render-json";
import { tripwirePattern, tripwireFamilies } from "../../../core/containment";
import { readAgentguardConfig } from "../../../core/stack/config";
import { CODER_ROLE_ARN, containedStack, issuerPattern, RULE, TARGET, UNKNOWN } from "./containment-fixture";
import { agentStack, res, ROLE, urnOf } from "./resources";

const coder = (resources: CollectedResource[]) =>
    computeBlastRadius(buildStackModel(resources), readAgentguardConfig({})).agents.find(
        (a) => a.id === "coder",
    )!;

/** A tripwire built by hand: known pattern, a target by rule name, whatever it invokes. */
function handRule(pattern: string, arn: string, extra: Record<string, unknown> = {}): CollectedResource[] {
    return [
        res(RULE, "watch", { name: "watch-coder", eventPattern: pattern, ...extra }),
        res(TARGET, "watch", { rule: "watch-coder", arn }),
    ];
}
const LAMBDA = "arn:aws:lambda:eu-west-1:111122223333:function:contain";

describe("report: automated containment per agent", () => {
    it("an agent with no tripwire is not covered", () => {
        const c = coder(agentStack()).containment;
        expect(c.status).toBe("none");
        expect(c.uncovered).toEqual(["coder"]);
    });

    it("AgentContainment's shape in preview (pattern computed from the role) is pending, named in every format", () => {
        const a = coder(containedStack());
        expect(a.containment.status).toBe("pending");
        expect(a.containment.tripwires).toEqual([
            {
                role: "coder",
                rule: "agentguard-containment-c-coder-iam-writes",
                function: "c",
                pattern: "computed from the role, unknown until deploy",
                state: "enabled",
            },
        ]);
        const md = formatReportMarkdown(
            reportDocument(computeBlastRadius(buildStackModel(containedStack()), readAgentguardConfig({})), {
                name: "p",
                stack: "dev",
            }),
        );
        expect(md).toMatch(/\| coder \|[^\n]*\| pending \|/);
        expect(md).toContain("Automated containment: pending; rule agentguard");
    });

    it("a known pattern naming the role's ARN with a Lambda target covers it (the component's real pattern)", () => {
        const pattern = JSON.stringify(tripwirePattern(tripwireFamilies()[2], [CODER_ROLE_ARN]));
        expect(patternIssuerArns(pattern)).toEqual([CODER_ROLE_ARN]);
        expect(coder([...agentStack(), ...handRule(pattern, LAMBDA)]).containment.status).toBe("covered");
    });

    it("a disabled rule, a non-Lambda target, another role's ARN, a custom bus do not cover", () => {
        const pattern = issuerPattern([CODER_ROLE_ARN]);
        const cases: CollectedResource[][] = [
            handRule(pattern, LAMBDA, { state: "DISABLED" }),
            handRule(pattern, LAMBDA, { isEnabled: false }),
            handRule(pattern, "arn:aws:sqs:eu-west-1:111122223333:queue"),
            handRule(issuerPattern(["arn:aws:iam::111122223333:role/coder-other"]), LAMBDA),
            handRule(pattern, LAMBDA, { eventBusName: "side-bus" }),
            handRule("not json", LAMBDA),
        ];
        for (const extra of cases) expect(coder([...agentStack(), ...extra]).containment.status).toBe("none");
        expect(coder([...agentStack(), ...cases[0]]).containment.tripwires[0].state).toBe("disabled");
    });

    it("an unknown pattern not computed from the agent's role does not cover it", () => {
        const stack = containedStack().map((r) =>
            r.type === RULE ? { ...r, propertyDependencies: { eventPattern: [urnOf(ROLE, "other")] } } : r,
        );
        expect(coder(stack).containment.status).toBe("none");
    });

    it("an unknown rule state is pending, never covered", () => {
        const stack = [
            ...agentStack(),
            ...handRule(issuerPattern([CODER_ROLE_ARN]), LAMBDA, { state: UNKNOWN }),
        ];
        expect(coder(stack).containment.status).toBe("pending");
    });
});

describe("containment resources", () => {
    const of = (resources: CollectedResource[]) =>
        containmentResources(buildStackModel(resources), new Set([urnOf(ROLE, "coder")]));

    it("finds every resource of the component's shape, attached ones by dependency or by name", () => {
        const found = of(containedStack());
        const names = [...found.keys()].map((u) => u.slice(u.lastIndexOf("::") + 2)).sort();
        expect(names).toEqual([
            "c",
            "c-coder-denied-calls",
            "c-coder-denied-calls",
            "c-coder-iam-writes",
            "c-coder-iam-writes",
            "c-function-logs",
            "c-function-policy",
            "c-function-role",
        ]);
        expect(found.get(urnOf(TARGET, "c-coder-iam-writes"))).toMatch(/its rule agentguard-containment-/);
        // A target whose rule name is unknown is still attached, through its dependency on the rule.
        const unnamed = of(
            containedStack().map((r) =>
                r.type === TARGET ? { ...r, inputs: { rule: UNKNOWN, arn: UNKNOWN } } : r,
            ),
        );
        expect(unnamed.get(urnOf(TARGET, "c-coder-iam-writes"))).toMatch(
            /attached to containment resource c-coder-iam-writes/,
        );
    });

    it("finds a hand-built tripwire (no tag, no prefix) and its target; not an unrelated rule", () => {
        const found = of([
            ...agentStack(),
            ...handRule(issuerPattern([CODER_ROLE_ARN]), LAMBDA),
            res(RULE, "nightly", { name: "nightly", scheduleExpression: "rate(1 day)" }),
            res(TARGET, "nightly", { rule: "nightly", arn: LAMBDA }),
        ]);
        expect([...found.keys()].sort()).toEqual([urnOf(RULE, "watch"), urnOf(TARGET, "watch")].sort());
    });
});
