import { describe, expect, it } from "vitest";
import { defineStackRule, ruleCodes, type RuleMeta } from "../../../policy-pack/lib/rule";
import { exemptionFor } from "../../../core/stack/exemptions";
import { runStackPolicy, type FakeResource } from "../../helpers/policy-harness";

const meta: RuleMeta = {
    name: "test-forbid-leaky-things",
    description: "Things must not leak.",
    enforcementLevel: "mandatory",
    severity: "high",
    remediationSteps: "Plug the thing.",
    codes: {
        "leak/metadata": "reaches a metadata endpoint",
        "leak/wide": "reaches too many addresses",
        "route/relay": "relays traffic",
    },
};

const thing = (name: string, leaks: string[]): FakeResource => ({
    type: "test:index:Thing",
    name,
    props: { leaks },
});

// Each listed leak is one finding with that code.
const rule = defineStackRule(meta, (model) =>
    model.ofType("test:index:Thing").flatMap((node) =>
        (node.props.leaks as string[]).map((code) => ({
            urn: node.urn,
            name: node.name,
            code,
            message: `${node.name} leaks (${code})`,
        })),
    ),
);
const reason = "approved by the platform team in review";
const run = (resources: FakeResource[], exemptions: unknown[] = []) =>
    runStackPolicy(rule, resources, { config: { exemptions } });

describe("finding codes", () => {
    it("starts each message with [<code>]", async () => {
        const v = await run([thing("a", ["leak/metadata"])]);
        expect(v.map((x) => x.message.split("\n")[1])).toEqual(["[leak/metadata] a leaks (leak/metadata)"]);
    });

    it("exposes the codes for the docs", () => {
        expect(Object.keys(ruleCodes(rule))).toEqual(["leak/metadata", "leak/wide", "route/relay"]);
    });

    it("reports an undeclared code as a failure of the rule, not as a pass", async () => {
        const v = await run([thing("a", ["leak/other"])]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(
            /could not evaluate the stack.*leak\/other is not among the rule's declared codes/,
        );
    });
});

describe("exemptions by code", () => {
    const both = thing("a", ["leak/metadata", "route/relay"]);

    it("waives only the findings whose code matches", async () => {
        const v = await run([both], [{ resource: "a", code: "route/relay", reason }]);
        expect(v.map((x) => x.message)).toEqual([expect.stringContaining("[leak/metadata]")]);
    });

    it("reads a code glob: leak/* waives leak/metadata and leak/wide, not route/relay", async () => {
        const v = await run(
            [thing("a", ["leak/metadata", "leak/wide", "route/relay"])],
            [{ resource: "a", code: "leak/*", reason }],
        );
        expect(v.map((x) => x.message)).toEqual([expect.stringContaining("[route/relay]")]);
    });

    it("without a code waives every finding of the rule on that resource (and only there)", async () => {
        const v = await run([both, thing("b", ["leak/wide"])], [{ resource: "a", reason }]);
        expect(v.map((x) => x.message)).toEqual([expect.stringContaining("b leaks")]);
    });

    it("needs the resource to match too: a code alone waives nothing elsewhere", async () => {
        const v = await run([both], [{ resource: "b", code: "*", reason }]);
        expect(v).toHaveLength(2);
    });

    it("is anchored and case-sensitive: leak and LEAK/METADATA and leak/meta waive nothing", async () => {
        for (const code of ["leak/meta", "LEAK/METADATA", "eak/metadata"]) {
            await expect(run([both], [{ resource: "a", code, reason }])).rejects.toThrow(
                /matches no finding code of the rule/,
            );
        }
    });

    it("rejects a code no finding of the rule has, naming it and the allowed codes", async () => {
        await expect(run([both], [{ resource: "a", code: "onward/*", reason }])).rejects.toThrow(
            'test-forbid-leaky-things: exemptions[0].code "onward/*" matches no finding code of the rule; allowed are its codes leak/metadata, leak/wide, route/relay',
        );
    });

    it("rejects a code on a rule that reports none", async () => {
        const plain = defineStackRule({ ...meta, codes: undefined }, () => []);
        await expect(
            runStackPolicy(plain, [], { config: { exemptions: [{ resource: "a", code: "*", reason }] } }),
        ).rejects.toThrow(/reports no finding codes, so exempt by resource only/);
    });

    it("rejects a code that is not a string", async () => {
        await expect(run([both], [{ resource: "a", code: 7, reason }])).rejects.toThrow(
            /property 'exemptions\[0\]\.code' must be string, got 7/,
        );
    });
});

describe("exemptionFor", () => {
    const e = { resource: "urn:pulumi:*::proxy-*", code: "onward/*", reason };
    it("matches a URN glob whose * spans :: and /", () => {
        expect(
            exemptionFor([e], { names: ["x", "urn:pulumi:s::p::k8s:a/b:C::proxy-1"], code: "onward/relay" }),
        ).toBe(e);
    });
    it("never waives a finding without a code by a coded exemption", () => {
        expect(exemptionFor([e], { names: ["urn:pulumi:s::p::T::proxy-1"] })).toBeUndefined();
    });
    it("reads ? . [ as literals", () => {
        const literal = { resource: "a?.[b]", reason };
        expect(exemptionFor([literal], { names: ["a?.[b]"] })).toBe(literal);
        expect(exemptionFor([literal], { names: ["ax.[b]"] })).toBeUndefined();
    });
});
