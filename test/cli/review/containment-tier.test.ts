import { describe, expect, it } from "vitest";
import type { CollectedResource } from "../../../cli/blast-radius/collect";
import { reviewResources } from "../../../cli/review/review";
import { DEFAULT_TIER_CONFIG, type TierConfig } from "../../../cli/review/tier-config";
import {
    ALARM,
    CODER_ROLE_ARN,
    containedStack,
    issuerPattern,
    LOG_GROUP,
    RULE,
    TARGET,
} from "../blast-radius/containment-fixture";
import { agentStack, res, urnOf } from "../blast-radius/resources";

/**
 * A tier map that pre-approves every AWS and Kubernetes change: what a relaxed (or hostile) map looks like.
 * Containment must stay Tier 3 under it.
 */
const RELAXED: TierConfig = {
    ...DEFAULT_TIER_CONFIG,
    tier3Types: [],
    tier3Properties: [],
    tier2Types: ["aws:*", "kubernetes:*"],
};

const review = (base: CollectedResource[], head: CollectedResource[], tiers: TierConfig = RELAXED) =>
    reviewResources(base, head, { project: "p", stack: "dev", tiers });

const change = (r: ReturnType<typeof review>, urn: string) => r.changes.find((c) => c.urn === urn);

describe("review: any change to automated containment is Tier 3", () => {
    it("the same stack twice is Tier 1 (the test can pass)", () => {
        expect(review(containedStack(), containedStack()).tier).toBe(1);
    });

    it("head disables a tripwire rule", () => {
        const r = review(containedStack(), containedStack({ state: "DISABLED" }));
        expect(r.tier).toBe(3);
        expect(change(r, urnOf(RULE, "c-coder-iam-writes"))?.reasons.join(" ")).toMatch(
            /automated containment .*tagged agentguard\.io\/containment=c/,
        );
        expect(r.exitCode).toBe(1);
    });

    it("head removes a rule's target", () => {
        const r = review(containedStack(), containedStack({ target: false }));
        expect(r.tier).toBe(3);
        expect(change(r, urnOf(TARGET, "c-coder-iam-writes"))).toMatchObject({ kind: "delete", tier: 3 });
        // The agent lost its tripwire: that is also a change of what stops it.
        expect(r.reach.flatMap((x) => x.changes).join(" ")).toMatch(/automated containment: pending → none/);
    });

    it("head shortens the function log's retention", () => {
        const r = review(containedStack(), containedStack({ retention: 1 }));
        expect(change(r, urnOf(LOG_GROUP, "c-function-logs"))).toMatchObject({ tier: 3 });
    });

    it("head drops the tag and disables the rule in one change: the base still names it containment", () => {
        const head = containedStack({ state: "DISABLED" }).map((x) =>
            x.type === RULE ? { ...x, inputs: { ...x.inputs, tags: {}, name: "renamed" } } : x,
        );
        const r = review(containedStack(), head);
        expect(r.tier).toBe(3);
        expect(change(r, urnOf(RULE, "c-coder-iam-writes"))?.tier).toBe(3);
    });

    it("a containment alarm, pre-approved by the default map, is Tier 3", () => {
        const head = containedStack().map((x) =>
            x.type === ALARM ? { ...x, inputs: { ...x.inputs, threshold: 5000 } } : x,
        );
        const r = review(containedStack(), head, DEFAULT_TIER_CONFIG);
        expect(change(r, urnOf(ALARM, "c-coder-denied-calls"))).toMatchObject({ tier: 3 });
    });

    it("a hand-built tripwire (no tag, no prefix) whose target moves is Tier 3", () => {
        const stack = (arn: string) => [
            ...agentStack(),
            res(RULE, "watch", { name: "watch-coder", eventPattern: issuerPattern([CODER_ROLE_ARN]) }),
            res(TARGET, "watch", { rule: "watch-coder", arn }),
        ];
        const r = review(
            stack("arn:aws:lambda:eu-west-1:111122223333:function:contain"),
            stack("arn:aws:lambda:eu-west-1:111122223333:function:noop"),
        );
        expect(change(r, urnOf(TARGET, "watch"))).toMatchObject({ tier: 3 });
    });

    it("look-alike: an unrelated EventBridge rule and its Lambda target keep their tier", () => {
        const stack = (schedule: string) => [
            ...containedStack(),
            res(RULE, "nightly", { name: "nightly-build", scheduleExpression: schedule }),
            res(TARGET, "nightly", {
                rule: "nightly-build",
                arn: "arn:aws:lambda:eu-west-1:111122223333:function:build",
            }),
        ];
        const r = review(stack("rate(1 day)"), stack("rate(2 days)"));
        expect(r.tier).toBe(2);
        expect(change(r, urnOf(RULE, "nightly"))?.reasons.join(" ")).not.toMatch(/containment/);
    });
});
