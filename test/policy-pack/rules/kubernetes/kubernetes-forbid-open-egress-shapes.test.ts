import { describe, expect, it } from "vitest";
import { kubernetesForbidOpenEgress } from "../../../../policy-pack/rules/kubernetes/kubernetes-forbid-open-egress";
import { runStackPolicy, type FakeResource } from "../../../helpers/policy-harness";
import { defaultDenyEgress, egressPolicy, namespace } from "./fixtures";

/** Values of the wrong type must fail closed, name their path, and hide no other finding of the resource. */
const run = (resources: FakeResource[]) => runStackPolicy(kubernetesForbidOpenEgress, resources);
const base = [namespace("agent-a"), defaultDenyEgress("agent-a")];
const OPEN_RULE = { to: [{ ipBlock: { cidr: "0.0.0.0/0" } }] };
const NARROW_RULE = { to: [{ ipBlock: { cidr: "10.40.1.0/24" } }], ports: [{ protocol: "TCP", port: 443 }] };
const networkPolicy = (spec: unknown, name = "out"): FakeResource => ({
    type: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    name,
    props: { metadata: { name, namespace: "agent-a" }, spec },
});

describe("kubernetes-forbid-open-egress: NetworkPolicy shapes", () => {
    it("passes the documented shapes", async () => {
        const spec = {
            podSelector: {
                matchLabels: { app: "a" },
                matchExpressions: [{ key: "t", operator: "In", values: ["x"] }],
            },
            policyTypes: ["Egress"],
            egress: [
                NARROW_RULE,
                { to: [{ ipBlock: { cidr: "8.8.8.0/24", except: ["8.8.8.8/32"] } }] },
                { to: [{ namespaceSelector: { matchLabels: { team: "a" } }, podSelector: {} }] },
                {
                    to: [{ podSelector: { matchLabels: { app: "db" } } }],
                    ports: [{ port: "dns", endPort: undefined }],
                },
            ],
        };
        expect(await run([...base, networkPolicy(spec)])).toEqual([]);
    });

    it.each([
        ["spec as a list", [{ egress: [OPEN_RULE] }], "spec", /a NetworkPolicy spec object/],
        [
            "egress as an object",
            { podSelector: {}, egress: OPEN_RULE },
            "spec.egress",
            /not a list of egress rules/,
        ],
        [
            "egress as a string",
            { podSelector: {}, egress: "0.0.0.0/0" },
            "spec.egress",
            /not a list of egress rules/,
        ],
        [
            "policyTypes as a string",
            { podSelector: {}, policyTypes: "Egress", egress: [NARROW_RULE] },
            "spec.policyTypes",
            /a list of "Ingress" and "Egress"/,
        ],
        [
            "policyTypes in lower case",
            { podSelector: {}, policyTypes: ["egress"], egress: [NARROW_RULE] },
            "spec.policyTypes[0]",
            /"Ingress" or "Egress"/,
        ],
        [
            "podSelector as a list",
            { podSelector: [], policyTypes: ["Egress"], egress: [NARROW_RULE] },
            "spec.podSelector",
            /a label selector object/,
        ],
        [
            "podSelector matchLabels as a list",
            { podSelector: { matchLabels: ["a"] }, policyTypes: ["Egress"], egress: [NARROW_RULE] },
            "spec.podSelector.matchLabels",
            /an object of label values/,
        ],
        [
            "a rule as a string",
            { podSelector: {}, policyTypes: ["Egress"], egress: ["0.0.0.0/0"] },
            "spec.egress[0]",
            /an egress rule object/,
        ],
        [
            "`to` as an object",
            {
                podSelector: {},
                policyTypes: ["Egress"],
                egress: [{ to: { ipBlock: { cidr: "0.0.0.0/0" } } }],
            },
            "spec.egress[0].to",
            /not a list of peers/,
        ],
        [
            "a peer as null",
            { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [null] }] },
            "spec.egress[0].to[0]",
            /a peer object/,
        ],
        [
            "ipBlock as a list",
            {
                podSelector: {},
                policyTypes: ["Egress"],
                egress: [{ to: [{ ipBlock: [{ cidr: "0.0.0.0/0" }] }] }],
            },
            "spec.egress[0].to[0].ipBlock",
            /an object \(cidr, except\)/,
        ],
        [
            "ipBlock.cidr as a number",
            { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: { cidr: 0 } }] }] },
            "spec.egress[0].to[0].ipBlock.cidr",
            /a CIDR string/,
        ],
        [
            "ipBlock.cidr as null",
            { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: { cidr: null } }] }] },
            "spec.egress[0].to[0].ipBlock.cidr",
            /null, not a CIDR string/,
        ],
        [
            "ipBlock.except as a string",
            {
                podSelector: {},
                policyTypes: ["Egress"],
                egress: [{ to: [{ ipBlock: { cidr: "10.0.0.0/8", except: "10.1.0.0/16" } }] }],
            },
            "spec.egress[0].to[0].ipBlock.except",
            /a list of CIDR strings/,
        ],
        [
            "a namespaceSelector as a string",
            { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ namespaceSelector: "all" }] }] },
            "spec.egress[0].to[0].namespaceSelector",
            /a label selector object/,
        ],
        [
            "matchExpressions as an object",
            {
                podSelector: {},
                policyTypes: ["Egress"],
                egress: [
                    { to: [{ namespaceSelector: { matchExpressions: { key: "a", operator: "NotIn" } } }] },
                ],
            },
            "spec.egress[0].to[0].namespaceSelector.matchExpressions",
            /a list of requirements/,
        ],
        [
            "ports as an object",
            { podSelector: {}, policyTypes: ["Egress"], egress: [{ ...NARROW_RULE, ports: { port: 443 } }] },
            "spec.egress[0].ports",
            /a list of ports/,
        ],
        [
            "a port number as a list",
            {
                podSelector: {},
                policyTypes: ["Egress"],
                egress: [{ ...NARROW_RULE, ports: [{ port: [443] }] }],
            },
            "spec.egress[0].ports[0].port",
            /a port number 1-65535 or a port name/,
        ],
        [
            "a protocol in lower case",
            {
                podSelector: {},
                policyTypes: ["Egress"],
                egress: [{ ...NARROW_RULE, ports: [{ protocol: "tcp", port: 443 }] }],
            },
            "spec.egress[0].ports[0].protocol",
            /one of TCP, UDP, SCTP/,
        ],
    ])("rejects %s, naming the field, the value and what is allowed", async (_label, spec, path, allowed) => {
        const v = await run([...base, networkPolicy(spec)]);
        const hit = v.filter((x) => x.message.includes(`${path} is `));
        expect(hit, JSON.stringify(v, null, 1)).toHaveLength(1);
        expect(hit[0].enforcementLevel).toBe("mandatory");
        expect(hit[0].urn).toContain("NetworkPolicy::out");
        expect(hit[0].message).toMatch(/NetworkPolicy out in agent namespace agent-a: /);
        expect(hit[0].message).toMatch(allowed);
        expect(hit[0].message).toMatch(/the API server rejects this shape/);
    });

    it("keeps every other finding of the policy next to a shape problem", async () => {
        const spec = {
            podSelector: {},
            policyTypes: ["Egress"],
            egress: [
                { to: { ipBlock: { cidr: "10.0.0.0/8" } } },
                OPEN_RULE,
                { to: [{ ipBlock: { cidr: 7 } }] },
            ],
        };
        const messages = (await run([...base, networkPolicy(spec)])).map((x) => x.message);
        expect(messages.some((m) => m.includes("spec.egress[0].to is "))).toBe(true);
        expect(messages.some((m) => m.includes("spec.egress[2].to[0].ipBlock.cidr is 7"))).toBe(true);
        expect(messages.some((m) => /allow egress to every IPv4 address/.test(m))).toBe(true);
    });

    it("reads a null egress rule as Kubernetes does: an empty rule that allows every destination", async () => {
        const v = await run([
            ...base,
            networkPolicy({ podSelector: {}, policyTypes: ["Egress"], egress: [null] }),
        ]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(/spec\.egress\[0\] is null, which Kubernetes reads as an empty rule/);
    });

    it("judges a policy whose policyTypes has the wrong type as governing egress", async () => {
        const v = await run([
            ...base,
            networkPolicy({ podSelector: {}, policyTypes: "Ingress", egress: [OPEN_RULE] }),
        ]);
        expect(v.map((x) => x.message).join("\n")).toMatch(/allow egress to every IPv4 address/);
    });
});

describe("kubernetes-forbid-open-egress: unparseable CIDRs", () => {
    it("reports the unparseable CIDR and still every other finding of the policy", async () => {
        const egress = [
            { to: [{ ipBlock: { cidr: "10.0.0.0/33" } }] },
            { to: [{ ipBlock: { cidr: "0.0.0.0/0" } }] },
            { to: [{ ipBlock: { cidr: "169.254.169.254/32" } }] },
            {},
        ];
        const v = await run([...base, egressPolicy("agent-a", "out", egress)]);
        const all = v.map((x) => x.message).join("\n");
        expect(all).toMatch(
            /spec\.egress\[0\]\.to\[0\]\.ipBlock\.cidr is not a valid CIDR: Invalid CIDR "10\.0\.0\.0\/33"/,
        );
        expect(all).toMatch(/allow egress to every IPv4 address/);
        expect(all).toMatch(/cloud metadata endpoints 169\.254\.169\.254/);
        expect(all).toMatch(/spec\.egress\[3\] has no `to`/);
        expect(v.every((x) => x.enforcementLevel === "mandatory")).toBe(true);
    });

    it("judges a block whose except cannot be parsed without that carve-out (wider, never narrower)", async () => {
        const egress = [{ to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["0.0.0.0/1x"] } }] }];
        const all = (await run([...base, egressPolicy("agent-a", "out", egress)]))
            .map((x) => x.message)
            .join("\n");
        expect(all).toMatch(/ipBlock\.except\[0\] is not a valid CIDR.*judged without this carve-out/);
        expect(all).toMatch(/allow egress to every IPv4 address/);
    });

    it("an unparseable CIDR in one policy hides nothing in the namespace's other policies", async () => {
        const v = await run([
            ...base,
            egressPolicy("agent-a", "bad", [{ to: [{ ipBlock: { cidr: "1.2.3.4" } }] }]),
            egressPolicy("agent-a", "wide", [
                { to: [{ ipBlock: { cidr: "0.0.0.0/1" } }, { ipBlock: { cidr: "128.0.0.0/1" } }] },
            ]),
        ]);
        const all = v.map((x) => x.message).join("\n");
        expect(all).toMatch(
            /NetworkPolicy bad .*ipBlock\.cidr is not a valid CIDR: Invalid CIDR "1\.2\.3\.4": it has no prefix length/,
        );
        expect(all).toMatch(/allow egress to every IPv4 address/);
    });
});
