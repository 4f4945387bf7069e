import { describe, expect, it } from "vitest";
import { defineResourceRule, defineStackRule, type RuleMeta } from "../../../policy-pack/lib/rule";
import { isUnknown } from "../../../policy-pack/lib/unknowns";
import { readAgentguardConfig } from "../../../core/stack/config";
import { runResourcePolicy, runStackPolicy, UNKNOWN, type FakeResource } from "../../helpers/policy-harness";

const meta: RuleMeta = {
    name: "test-forbid-open-things",
    description: "Things must not be open.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps: "Close the thing.",
};

const thing = (name: string, open: unknown): FakeResource => ({
    type: "test:index:Thing",
    name,
    props: { open },
});

// A stack rule that flags open things and fails closed on unknown ones.
const stackRule = defineStackRule(meta, (model) =>
    model.ofType("test:index:Thing").flatMap((node) => {
        const open = node.props.open;
        if (isUnknown(open))
            return [{ urn: node.urn, name: node.name, message: `${node.name}: open is unknown` }];
        return open === true ? [{ urn: node.urn, name: node.name, message: `${node.name} is open` }] : [];
    }),
);

describe("defineStackRule", () => {
    it("reports a mandatory violation on the offending resource", async () => {
        const v = await runStackPolicy(stackRule, [thing("a", true), thing("b", false)]);
        expect(v).toHaveLength(1);
        expect(v[0].enforcementLevel).toBe("mandatory");
        expect(v[0].message).toContain("a is open");
        expect(v[0].urn).toContain("::a");
    });

    it("reads unknown values without tripping the server's advisory fallback", async () => {
        const v = await runStackPolicy(stackRule, [thing("u", UNKNOWN)]);
        expect(v).toEqual([
            expect.objectContaining({
                enforcementLevel: "mandatory",
                message: expect.stringContaining("open is unknown"),
            }),
        ]);
    });

    it("honours an exemption with a reason, by name or URN pattern", async () => {
        const config = {
            exemptions: [{ resource: "a*", reason: "approved by the platform team in review" }],
        };
        expect(await runStackPolicy(stackRule, [thing("abc", true)], { config })).toEqual([]);
        expect(await runStackPolicy(stackRule, [thing("zzz", true)], { config })).toHaveLength(1);
    });

    it("rejects an exemption whose reason is too short instead of applying it", async () => {
        const config = { exemptions: [{ resource: "*", reason: "ok" }] };
        await expect(runStackPolicy(stackRule, [thing("a", true)], { config })).rejects.toThrow(
            /exemptions\[0\]\.reason/,
        );
    });

    it("turns a crashing check into a violation rather than a pass", async () => {
        const crashing = defineStackRule(meta, () => {
            throw new Error("boom");
        });
        const v = await runStackPolicy(crashing, [thing("a", false)]);
        expect(v).toEqual([
            expect.objectContaining({
                enforcementLevel: "mandatory",
                message: expect.stringContaining("boom"),
            }),
        ]);
    });
});

describe("defineResourceRule", () => {
    const resourceRule = defineResourceRule(
        meta,
        (node) =>
            node.props.open === true || isUnknown(node.props.open) ? [`${node.name} may be open`] : [],
        (node) => (node.props.open === true ? { ...node.props, open: false } : undefined),
    );

    it("reports on open and unknown, passes closed", async () => {
        expect(await runResourcePolicy(resourceRule, thing("a", true))).toHaveLength(1);
        expect(await runResourcePolicy(resourceRule, thing("u", UNKNOWN))).toHaveLength(1);
        expect(await runResourcePolicy(resourceRule, thing("c", false))).toEqual([]);
    });

    it("skips exempted resources", async () => {
        const config = {
            exemptions: [{ resource: "urn:pulumi:*::a", reason: "legacy resource, ticket PLAT-42" }],
        };
        expect(await runResourcePolicy(resourceRule, thing("a", true), { config })).toEqual([]);
    });
});

describe("readAgentguardConfig", () => {
    it("fills the documented defaults", () => {
        expect(readAgentguardConfig({})).toEqual({
            agentNamespacePatterns: ["agent-*"],
            maxPublicEgressAddresses: 65536,
            allowedEgressCidrs: [],
            exemptions: [],
        });
    });

    it.each([
        [
            { agentNamespacePatterns: "agent-*" },
            /property 'agentNamespacePatterns' must be array, got "agent-\*"/,
        ],
        [
            { agentNamespacePatterns: [""] },
            /property 'agentNamespacePatterns\[0\]' must NOT have fewer than 1 characters, got ""/,
        ],
        [{ maxPublicEgressAddresses: -1 }, /property 'maxPublicEgressAddresses' must be >= 0, got -1/],
        [{ maxPublicEgressAddresses: 1.5 }, /property 'maxPublicEgressAddresses' must be integer, got 1.5/],
        [{ allowedEgressCidrs: [1] }, /property 'allowedEgressCidrs\[0\]' must be string, got 1/],
        [
            { exemptions: [{ reason: "a long enough reason" }] },
            /required property 'exemptions\[0\]\.resource' is missing/,
        ],
        [
            { exemptions: [{ resource: "x", reason: "a long enough reason", scope: "all" }] },
            /property 'exemptions\[0\]' has unknown property 'scope'; allowed are resource, code, reason/,
        ],
        [
            { exemptions: [{ resource: "x", reason: "  \t  short   " }] },
            /exemptions\[0\]\.reason' must explain the exemption in at least 10 characters besides blanks/,
        ],
    ])("rejects %j naming the setting and value", (raw, message) => {
        expect(() => readAgentguardConfig(raw)).toThrow(message);
    });
});
