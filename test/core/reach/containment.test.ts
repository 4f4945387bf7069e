import { describe, expect, it } from "vitest";
import {
    containmentMarks,
    containmentResources,
    eventPatternFeedsContainment,
} from "../../../core/reach/containment";
import type { ReachResource } from "../../../core/reach";

const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const RULE = "aws:cloudwatch/eventRule:EventRule";

function res(
    type: string,
    name: string,
    props: Record<string, unknown>,
    deps: Record<string, ReachResource[]> = {},
): ReachResource {
    return {
        urn: `urn:pulumi:t::t::${type}::${name}`,
        type,
        name,
        props,
        dependencies: [],
        propertyDependencies: deps,
    };
}

describe("eventPatternFeedsContainment", () => {
    it("reads security sources and detail types, as JSON text or object; schedules and app events are not", () => {
        expect(eventPatternFeedsContainment(JSON.stringify({ source: ["aws.guardduty"] }))).toBe(true);
        expect(eventPatternFeedsContainment({ "detail-type": ["AWS API Call via CloudTrail"] })).toBe(true);
        expect(eventPatternFeedsContainment(JSON.stringify({ source: ["my.app"] }))).toBe(false);
        expect(eventPatternFeedsContainment(undefined)).toBe(false);
        expect(eventPatternFeedsContainment(UNKNOWN)).toBe("unknown");
        expect(eventPatternFeedsContainment({ source: [UNKNOWN] })).toBe("unknown");
        expect(eventPatternFeedsContainment("{not json")).toBe("unknown");
    });
});

describe("containmentMarks", () => {
    const agent = res("aws:iam/role:Role", "agent-coder", { name: "agent-coder" });
    const other = res("aws:iam/role:Role", "reporting", { name: "reporting" });

    it("a rule whose unknown pattern is computed from an agent role is containment for certain", () => {
        const rule = res(RULE, "watch", { eventPattern: UNKNOWN }, { eventPattern: [agent] });
        expect(containmentMarks([agent, rule], new Set([agent.urn])).get(rule.urn)).toEqual({
            certain: true,
            why: "its pattern is computed from agent role agent-coder",
        });
    });

    it("an unknown pattern computed from another role only may be; a schedule is not containment", () => {
        const rule = res(RULE, "watch", { eventPattern: UNKNOWN }, { eventPattern: [other] });
        const cron = res(RULE, "cron", { scheduleExpression: "rate(1 day)" });
        const marks = containmentMarks([agent, other, rule, cron], new Set([agent.urn]));
        expect(marks.get(rule.urn)?.certain).toBe(false);
        expect(marks.has(cron.urn)).toBe(false);
    });

    it("includes every declared containment resource, and attaches by name through a chain", () => {
        const fn = res("aws:lambda/function:Function", "fn", { name: "agentguard-containment-c" });
        const permission = res("aws:lambda/permission:Permission", "perm", {
            function: "agentguard-containment-c",
            principal: "events.amazonaws.com",
        });
        const alias = res("aws:lambda/alias:Alias", "alias", { functionName: "agentguard-containment-c" });
        const unrelated = res("aws:lambda/permission:Permission", "p2", { function: "agent-tools" });
        const found = containmentResources([fn, permission, alias, unrelated], new Set());
        expect([...found.keys()].sort()).toEqual([alias.urn, fn.urn, permission.urn].sort());
        expect(containmentMarks([fn], new Set()).get(fn.urn)).toEqual({
            certain: true,
            why: "its name agentguard-containment-c has the containment prefix agentguard-containment-",
        });
    });

    it("the function a containment target invokes, and the role it runs as, are containment; a schedule's are not", () => {
        const role = res("aws:iam/role:Role", "responder-role", { name: "responder-role" });
        const fn = res(
            "aws:lambda/function:Function",
            "responder",
            { name: "responder", role: UNKNOWN },
            { role: [role] },
        );
        const policy = res("aws:iam/rolePolicy:RolePolicy", "responder-policy", { role: "responder-role" });
        const rule = res(RULE, "watch", { name: "watch-x", tags: { "agentguard.io/containment": "x" } });
        const target = res("aws:cloudwatch/eventTarget:EventTarget", "watch-target", {
            rule: "watch-x",
            arn: "arn:aws:lambda:eu-west-1:111122223333:function:responder",
        });
        const found = containmentResources([role, fn, policy, rule, target], new Set());
        expect(found.get(fn.urn)).toBe("invoked by containment target watch-target");
        expect(found.get(role.urn)).toBe("the role containment function responder runs as");
        expect(found.get(policy.urn)).toBe("attached to containment resource responder-role");
        const nightly = res(RULE, "nightly", { name: "nightly", scheduleExpression: "rate(1 day)" });
        const cronTarget = res("aws:cloudwatch/eventTarget:EventTarget", "nightly-target", {
            rule: "nightly",
            arn: "arn:aws:lambda:eu-west-1:111122223333:function:responder",
        });
        expect(containmentResources([role, fn, nightly, cronTarget], new Set()).size).toBe(0);
    });
});
