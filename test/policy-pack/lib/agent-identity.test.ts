import { describe, expect, it } from "vitest";
import { reconcilePolicyConfig, type PolicyMetadata } from "../../../cli/pack/policy-config";
import {
    agentguardConfigSchema,
    agentIdentityDivergence,
    recordAgentNamespacePatterns,
    resetAgentNamespacePatterns,
} from "../../../core/stack/config";
import { allRules } from "../../../policy-pack/rules";
import { runPolicies, type FakeResource } from "../../helpers/policy-harness";

/** agentNamespacePatterns is one pack-wide setting, though Pulumi delivers config per rule. */

const ml = ["agent-*", "ml-*"];
const hostNetworkPod: FakeResource = {
    type: "kubernetes:core/v1:Pod",
    name: "p",
    props: {
        metadata: { name: "p", namespace: "ml-train" },
        spec: { hostNetwork: true, containers: [{ name: "c", image: "busybox:1.36" }] },
    },
};

describe("one agent identity for the whole pack", () => {
    it("accepts the same patterns on every rule, in any order and with duplicates", () => {
        const same = new Map([
            ["a", ml],
            ["b", ["ml-*", "agent-*", "ml-*"]],
        ]);
        expect(agentIdentityDivergence(same)).toBeUndefined();
    });

    it("names the rules and values that diverge", () => {
        const problem = agentIdentityDivergence(
            new Map([
                ["kubernetes-forbid-open-egress", ml],
                ["kubernetes-forbid-host-access", ["agent-*"]],
            ]),
        );
        expect(problem).toMatch(/kubernetes-forbid-open-egress: \["agent-\*","ml-\*"\]/);
        expect(problem).toMatch(/kubernetes-forbid-host-access: \["agent-\*"\]/);
    });

    it("keeps failing for every later resource once rules diverge, until they agree again", () => {
        resetAgentNamespacePatterns();
        recordAgentNamespacePatterns("a", ["agent-*"]);
        recordAgentNamespacePatterns("a", ["agent-*"]);
        expect(() => recordAgentNamespacePatterns("b", ml)).toThrow(
            /agentNamespacePatterns must be the same/,
        );
        // The same calls again (the next resources a resource rule judges) must not read as settled.
        expect(() => recordAgentNamespacePatterns("b", [...ml])).toThrow(/must be the same/);
        expect(() => recordAgentNamespacePatterns("a", ["agent-*"])).toThrow(/must be the same/);
        expect(() => recordAgentNamespacePatterns("a", ml)).not.toThrow();
        expect(() => recordAgentNamespacePatterns("b", ml)).not.toThrow();
        resetAgentNamespacePatterns();
    });

    it("fails the pack run when one rule alone is given ml-* (the old README example)", async () => {
        const run = runPolicies(allRules, [hostNetworkPod], {
            "kubernetes-forbid-open-egress": { agentNamespacePatterns: ml },
        });
        await expect(run).rejects.toThrow(/agentNamespacePatterns must be the same for every rule/);
    });

    it("judges ml-* namespaces with every rule when every rule is given ml-*", async () => {
        const config = Object.fromEntries(allRules.map((r) => [r.name, { agentNamespacePatterns: ml }]));
        const v = await runPolicies(allRules, [hostNetworkPod], config);
        expect(v.map((x) => x.policy)).toContain("kubernetes-forbid-host-access");
        expect(v.map((x) => x.policy)).toContain("kubernetes-require-default-deny-egress");
    });

    it("is a config error in agentguard check, unless the rules that differ are disabled", () => {
        const policies: PolicyMetadata[] = allRules.map((r) => ({
            name: r.name,
            enforcementLevel: "mandatory",
            configSchema: agentguardConfigSchema as PolicyMetadata["configSchema"],
        }));
        const oneRule = { "kubernetes-forbid-open-egress": { properties: { agentNamespacePatterns: ml } } };
        expect(() => reconcilePolicyConfig(policies, {}, oneRule)).toThrow(
            /agentNamespacePatterns must be the same for every rule.*kubernetes-forbid-open-egress: \["agent-\*","ml-\*"\]/,
        );
        const everyRule = Object.fromEntries(
            allRules.map((r) => [r.name, { properties: { agentNamespacePatterns: ml } }]),
        );
        expect(() => reconcilePolicyConfig(policies, {}, everyRule)).not.toThrow();
        const disabled = Object.fromEntries(
            allRules.map((r) => [r.name, { enforcementLevel: "disabled" as const }]),
        );
        expect(() =>
            reconcilePolicyConfig(
                policies,
                {},
                {
                    ...disabled,
                    ...oneRule,
                    "kubernetes-forbid-open-egress": { properties: { agentNamespacePatterns: ml } },
                },
            ),
        ).not.toThrow();
    });
});
