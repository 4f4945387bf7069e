import { describe, expect, it } from "vitest";
import { kubernetesForbidOpenEgress } from "../../../../policy-pack/rules/kubernetes/kubernetes-forbid-open-egress";
import { runStackPolicy, type FakeResource } from "../../../helpers/policy-harness";
import { defaultDenyEgress, namespace } from "./fixtures";

/** Cilium, Calico and AdminNetworkPolicy fields of the wrong shape fail closed and hide no other finding. */
const run = (resources: FakeResource[]) => runStackPolicy(kubernetesForbidOpenEgress, resources);
const base = [namespace("agent-a"), defaultDenyEgress("agent-a")];
const messages = (v: { message: string }[]) => v.map((x) => x.message).join("\n");

const cilium = (spec: unknown, extra: Record<string, unknown> = {}): FakeResource => ({
    type: "kubernetes:cilium.io/v2:CiliumNetworkPolicy",
    name: "cnp",
    props: { metadata: { name: "cnp", namespace: "agent-a" }, spec, ...extra },
});
const calico = (spec: unknown): FakeResource => ({
    type: "kubernetes:projectcalico.org/v3:NetworkPolicy",
    name: "cal",
    props: { metadata: { name: "cal", namespace: "agent-a" }, spec },
});
const admin = (egress: unknown): FakeResource => ({
    type: "kubernetes:policy.networking.k8s.io/v1alpha1:AdminNetworkPolicy",
    name: "anp",
    props: { metadata: { name: "anp" }, spec: { priority: 10, subject: { namespaces: {} }, egress } },
});
const WORLD = { toEntities: ["world"] };

describe("kubernetes-forbid-open-egress: CiliumNetworkPolicy shapes", () => {
    it("passes the documented shapes", async () => {
        const spec = {
            endpointSelector: {},
            egress: [
                { toCIDR: ["10.1.0.0/16"] },
                { toCIDRSet: [{ cidr: "8.8.8.0/24", except: ["8.8.8.8/32"] }] },
            ],
        };
        expect(await run([...base, cilium(spec)])).toEqual([]);
    });

    it.each([
        ["spec as a list", [{ egress: [WORLD] }], /spec is \[.*\(a list\), not a Cilium rule object/],
        [
            "specs as an object",
            undefined,
            /specs is \{.*\(an object\), not a list of Cilium rule objects/,
            { specs: { egress: [WORLD] } },
        ],
        [
            "egress as an object",
            { egress: WORLD },
            /spec\.egress is \{"toEntities":\["world"\]\} \(an object\), not a list of egress rules/,
        ],
        [
            "an egress rule as a string",
            { egress: ["world"] },
            /spec\.egress\[0\] is "world" \(a string\), not an egress rule object/,
        ],
        [
            "toEntities as a string",
            { egress: [{ toEntities: "world" }] },
            /spec\.egress\[0\]\.toEntities is "world" \(a string\), not a list/,
        ],
        [
            "toCIDR as a string",
            { egress: [{ toCIDR: "0.0.0.0/0" }] },
            /spec\.egress\[0\]\.toCIDR is "0\.0\.0\.0\/0" \(a string\), not a list/,
        ],
        [
            "a toCIDR entry as a number",
            { egress: [{ toCIDR: [0] }] },
            /spec\.egress\[0\]\.toCIDR\[0\] is 0 \(a number\), not a CIDR string/,
        ],
        [
            "a toCIDRSet entry as a string",
            { egress: [{ toCIDRSet: ["0.0.0.0/0"] }] },
            /toCIDRSet\[0\] is "0\.0\.0\.0\/0" \(a string\), not an object/,
        ],
        [
            "toCIDRSet except as a string",
            { egress: [{ toCIDRSet: [{ cidr: "10.0.0.0/8", except: "10.1.0.0/16" }] }] },
            /toCIDRSet\[0\]\.except is "10\.1\.0\.0\/16" \(a string\), not a list of CIDR strings/,
        ],
        [
            "a toEndpoints entry as a string",
            { egress: [{ toEndpoints: ["all"] }] },
            /toEndpoints\[0\] is "all" \(a string\), not an endpoint selector object/,
        ],
        [
            "an unparseable toCIDR",
            { egress: [{ toCIDR: ["10.0.0.0/33"] }] },
            /spec\.egress\[0\]\.toCIDR\[0\] is not a valid CIDR: Invalid CIDR "10\.0\.0\.0\/33"/,
        ],
    ] as [string, unknown, RegExp, Record<string, unknown>?][])(
        "rejects %s, naming the field",
        async (_label, spec, message, extra = {}) => {
            const v = await run([...base, cilium(spec, extra)]);
            expect(v, messages(v)).toHaveLength(1);
            expect(v[0].enforcementLevel).toBe("mandatory");
            expect(v[0].message).toMatch(/CiliumNetworkPolicy cnp in agent namespace agent-a: /);
            expect(v[0].message).toMatch(message);
        },
    );

    it("keeps the other findings of the policy next to a shape problem or a bad CIDR", async () => {
        const spec = { egress: [{ toCIDR: "10.0.0.0/8" }, WORLD, { toCIDR: ["1.2.3.4/40", "0.0.0.0/0"] }] };
        const all = messages(await run([...base, cilium(spec)]));
        expect(all).toMatch(/spec\.egress\[0\]\.toCIDR is "10\.0\.0\.0\/8"/);
        expect(all).toMatch(/includes "world"/);
        expect(all).toMatch(/toCIDR\[0\] is not a valid CIDR/);
        expect(all).toMatch(/allow egress to every IPv4 address/);
    });
});

describe("kubernetes-forbid-open-egress: Calico NetworkPolicy shapes", () => {
    const allowTo = (destination: unknown) => ({ action: "Allow", destination });

    it("passes the documented shape", async () => {
        const spec = {
            types: ["Egress"],
            egress: [allowTo({ nets: ["10.0.0.0/8"], notNets: ["10.1.0.0/16"] })],
        };
        expect(await run([...base, calico(spec)])).toEqual([]);
    });

    it.each([
        [
            "types as a string",
            { types: "Egress", egress: [allowTo({ nets: ["10.0.0.0/8"] })] },
            /spec\.types is "Egress" \(a string\), not a list/,
        ],
        [
            "egress as an object",
            { types: ["Egress"], egress: allowTo({ nets: ["0.0.0.0/0"] }) },
            /spec\.egress is \{.*\(an object\), not a list of rules/,
        ],
        [
            "a rule as a string",
            { types: ["Egress"], egress: ["Allow"] },
            /spec\.egress\[0\] is "Allow" \(a string\), not a rule object/,
        ],
        [
            "a destination as a string",
            { types: ["Egress"], egress: [allowTo("0.0.0.0/0")] },
            /spec\.egress\[0\]\.destination is "0\.0\.0\.0\/0" \(a string\), not an entity rule object/,
        ],
        [
            "an unparseable net",
            { types: ["Egress"], egress: [allowTo({ nets: ["300.0.0.0/8"] })] },
            /spec\.egress\[0\]\.destination\.nets\[0\] is not a valid CIDR/,
        ],
    ])("rejects %s, naming the field", async (_label, spec, message) => {
        const v = await run([...base, calico(spec)]);
        expect(v, messages(v)).toHaveLength(1);
        expect(v[0].enforcementLevel).toBe("mandatory");
        expect(v[0].message).toMatch(message);
    });

    it("keeps the other findings of the policy next to an unparseable net", async () => {
        const spec = {
            types: ["Egress"],
            egress: [
                allowTo({ nets: ["300.0.0.0/8", "0.0.0.0/0"] }),
                allowTo({ nets: ["169.254.169.254/32"] }),
            ],
        };
        const all = messages(await run([...base, calico(spec)]));
        expect(all).toMatch(/nets\[0\] is not a valid CIDR/);
        expect(all).toMatch(/allow egress to every IPv4 address/);
        expect(all).toMatch(/cloud metadata endpoints/);
    });
});

describe("kubernetes-forbid-open-egress: AdminNetworkPolicy shapes", () => {
    const allow = (to: unknown) => ({ name: "out", action: "Allow", to });

    it("passes the documented shape", async () => {
        expect(await run([...base, admin([allow([{ networks: ["10.0.0.0/8"] }])])])).toEqual([]);
    });

    it.each([
        [
            "egress as an object",
            allow([{ networks: ["0.0.0.0/0"] }]),
            /spec\.egress is \{.*\(an object\), not a list of egress rules/,
        ],
        [
            "a rule as a string",
            ["Allow"],
            /spec\.egress\[0\] is "Allow" \(a string\), not an egress rule object/,
        ],
        [
            "to as an object",
            [allow({ networks: ["0.0.0.0/0"] })],
            /spec\.egress\[0\]\.to is \{.*\(an object\), not a list of peers/,
        ],
        [
            "a peer as a string",
            [allow(["0.0.0.0/0"])],
            /spec\.egress\[0\]\.to\[0\] is "0\.0\.0\.0\/0" \(a string\), not a peer object/,
        ],
        [
            "networks as a string",
            [allow([{ networks: "0.0.0.0/0" }])],
            /to\[0\]\.networks is "0\.0\.0\.0\/0" \(a string\), not a list of CIDR strings/,
        ],
        [
            "an unparseable network",
            [allow([{ networks: ["0.0.0.0"] }])],
            /to\[0\]\.networks\[0\] is not a valid CIDR/,
        ],
    ])("rejects %s, naming the field", async (_label, egress, message) => {
        const v = await run([...base, admin(egress)]);
        expect(v, messages(v)).toHaveLength(1);
        expect(v[0].enforcementLevel).toBe("mandatory");
        expect(v[0].message).toMatch(message);
    });

    it("keeps the other findings of the policy next to an unparseable network", async () => {
        const v = await run([...base, admin([allow([{ networks: ["0.0.0.0", "0.0.0.0/0"] }])])]);
        const all = messages(v);
        expect(all).toMatch(/networks\[0\] is not a valid CIDR/);
        expect(all).toMatch(/allow egress to every IPv4 address/);
    });
});
