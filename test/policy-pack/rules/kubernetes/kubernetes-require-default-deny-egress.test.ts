import { describe, expect, it } from "vitest";
import { kubernetesRequireDefaultDenyEgress } from "../../../../policy-pack/rules/kubernetes/kubernetes-require-default-deny-egress";
import { runStackPolicy, UNKNOWN, type FakeResource } from "../../../helpers/policy-harness";
import { defaultDenyEgress, egressPolicy, namespace, pod } from "./fixtures";

const run = (resources: FakeResource[], config?: Record<string, unknown>) =>
    runStackPolicy(kubernetesRequireDefaultDenyEgress, resources, { config });
const withSpec = (policy: FakeResource, spec: Record<string, unknown>): FakeResource => ({
    ...policy,
    props: { ...policy.props, spec },
});

describe("kubernetes-require-default-deny-egress", () => {
    it("passes an agent namespace with a default-deny egress policy", async () => {
        expect(await run([namespace("agent-a"), defaultDenyEgress("agent-a"), pod("p", "agent-a")])).toEqual(
            [],
        );
    });

    it("rejects a declared agent namespace without one, blaming the Namespace", async () => {
        const v = await run([namespace("agent-a")]);
        expect(v).toHaveLength(1);
        expect(v[0].enforcementLevel).toBe("mandatory");
        expect(v[0].urn).toContain("Namespace::agent-a");
        expect(v[0].message).toContain("Agent namespace agent-a has no default-deny egress NetworkPolicy");
    });

    it("rejects a workload placed in an agent namespace declared elsewhere that has no default deny here", async () => {
        const v = await run([pod("p", "agent-b")]);
        expect(v).toHaveLength(1);
        expect(v[0].urn).toContain("Pod::p");
    });

    it.each([
        ["a pod selector", { podSelector: { matchLabels: { app: "x" } }, policyTypes: ["Egress"] }],
        ["policyTypes without Egress", { podSelector: {}, policyTypes: ["Ingress"] }],
        ["policyTypes omitted (Kubernetes infers Ingress only)", { podSelector: {} }],
        [
            "an egress rule",
            { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ podSelector: {} }] }] },
        ],
        ["an unknown podSelector", { podSelector: UNKNOWN, policyTypes: ["Egress"] }],
        ["unknown policyTypes", { podSelector: {}, policyTypes: UNKNOWN }],
    ])("does not count a policy with %s as the default deny", async (_label, spec) => {
        const v = await run([namespace("agent-a"), withSpec(defaultDenyEgress("agent-a"), spec)]);
        expect(v).toHaveLength(1);
    });

    it("accepts an empty egress list and empty matchLabels as deny-all", async () => {
        const spec = { podSelector: { matchLabels: {} }, policyTypes: ["Egress"], egress: [] };
        expect(await run([namespace("agent-a"), withSpec(defaultDenyEgress("agent-a"), spec)])).toEqual([]);
    });

    it("does not credit a default deny in another namespace", async () => {
        const v = await run([namespace("agent-a"), namespace("agent-b"), defaultDenyEgress("agent-b")]);
        expect(v.map((x) => x.message)).toEqual([expect.stringContaining("agent-a")]);
    });

    it("credits a default deny whose namespace comes from the Namespace resource", async () => {
        const deny: FakeResource = {
            ...defaultDenyEgress(UNKNOWN, "deny"),
            propertyDependencies: { metadata: ["agent-a"] },
        };
        expect(await run([namespace("agent-a"), deny])).toEqual([]);
    });

    it("fails closed on a workload whose namespace cannot be determined", async () => {
        const v = await run([pod("p", UNKNOWN)]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(/could not be determined.*metadata\.namespace of p is unknown/);
    });

    it("leaves non-agent namespaces alone (monitoring, ingress-nginx)", async () => {
        const open = egressPolicy("monitoring", "scrape", [{}]);
        expect(
            await run([namespace("monitoring"), namespace("ingress-nginx"), open, pod("p", "monitoring")]),
        ).toEqual([]);
    });

    it("honours an exemption with a reason", async () => {
        const config = { exemptions: [{ resource: "agent-a", reason: "namespace migrating, ticket NET-7" }] };
        expect(await run([namespace("agent-a")], config)).toEqual([]);
    });

    describe("a would-be default deny of the wrong shape", () => {
        it.each([
            [
                "policyTypes as a string",
                { podSelector: {}, policyTypes: "Egress" },
                /spec\.policyTypes is "Egress" \(a string\), not a list of "Ingress" and "Egress"/,
            ],
            [
                "policyTypes with a lower-case entry",
                { podSelector: {}, policyTypes: ["Egress", "ingress"] },
                /spec\.policyTypes\[1\] is "ingress" \(a string\), not "Ingress" or "Egress"/,
            ],
            [
                "egress as an object",
                { podSelector: {}, policyTypes: ["Egress"], egress: {} },
                /spec\.egress is \{\} \(an object\), not a list of egress rules/,
            ],
            [
                "egress with a null rule (an empty rule: allow all)",
                { podSelector: {}, policyTypes: ["Egress"], egress: [null] },
                /has no default-deny egress NetworkPolicy, so its pods can open connections anywhere\./,
            ],
            [
                "podSelector as a list",
                { podSelector: [], policyTypes: ["Egress"] },
                /spec\.podSelector is \[\] \(a list\), not a label selector object/,
            ],
            [
                "podSelector matchExpressions as an object",
                { podSelector: { matchExpressions: {} }, policyTypes: ["Egress"] },
                /spec\.podSelector\.matchExpressions is \{\} \(an object\), not a list of requirements/,
            ],
        ])("is not counted when it has %s, and the finding says why", async (_label, spec, why) => {
            const v = await run([namespace("agent-a"), withSpec(defaultDenyEgress("agent-a"), spec)]);
            expect(v).toHaveLength(1);
            expect(v[0].enforcementLevel).toBe("mandatory");
            expect(v[0].message).toContain(
                "Agent namespace agent-a has no default-deny egress NetworkPolicy",
            );
            expect(v[0].message).toMatch(why);
        });

        it("passes when a correctly shaped default deny sits next to a malformed policy", async () => {
            const malformed = withSpec(egressPolicy("agent-a", "odd", []), {
                podSelector: [],
                policyTypes: "Egress",
            });
            expect(await run([namespace("agent-a"), defaultDenyEgress("agent-a"), malformed])).toEqual([]);
        });
    });
});
