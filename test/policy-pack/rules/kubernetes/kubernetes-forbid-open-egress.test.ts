import { describe, expect, it } from "vitest";
import { kubernetesForbidOpenEgress } from "../../../../policy-pack/rules/kubernetes/kubernetes-forbid-open-egress";
import { runStackPolicy, UNKNOWN, type FakeResource } from "../../../helpers/policy-harness";
import { codeOf, defaultDenyEgress, egressPolicy, namespace, WIDE_AND_METADATA } from "./fixtures";

const run = (resources: FakeResource[], config?: Record<string, unknown>) =>
    runStackPolicy(kubernetesForbidOpenEgress, resources, { config });
const toCidrs = (...cidrs: string[]) => [{ to: cidrs.map((cidr) => ({ ipBlock: { cidr } })) }];
const agentPolicy = (egress: unknown, name = "out") => egressPolicy("agent-a", name, egress);

describe("kubernetes-forbid-open-egress", () => {
    it("passes narrow egress: DNS pods, a private proxy, a small public range", async () => {
        const dns = [
            {
                to: [
                    {
                        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
                        podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
                    },
                ],
                ports: [{ protocol: "UDP", port: 53 }],
            },
        ];
        const resources = [
            namespace("agent-a"),
            defaultDenyEgress("agent-a"),
            agentPolicy(dns, "dns"),
            agentPolicy(toCidrs("10.40.1.0/24"), "proxy"),
            agentPolicy(toCidrs("8.8.8.0/24"), "api"),
        ];
        expect(await run(resources)).toEqual([]);
    });

    it("rejects TCP 22 to 0.0.0.0/0: ports do not narrow the destination", async () => {
        const egress = [{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ protocol: "TCP", port: 22 }] }];
        const v = await run([namespace("agent-a"), agentPolicy(egress, "ssh-out")]);
        expect(v.map(codeOf)).toEqual(WIDE_AND_METADATA);
        expect(v[0].enforcementLevel).toBe("mandatory");
        expect(v[0].urn).toContain("NetworkPolicy::ssh-out");
        expect(v[0].message).toMatch(
            /NetworkPolicy ssh-out in agent namespace agent-a allow egress to every IPv4 address/,
        );
    });

    it.each([
        ["an empty rule", [{}], /spec\.egress\[0\] has no `to`/],
        ["a rule with ports but no `to`", [{ ports: [{ port: 443 }] }], /has no `to`/],
        ["an empty `to` list", [{ to: [] }], /has no `to`/],
        ["an empty namespaceSelector", [{ to: [{ namespaceSelector: {} }] }], /every pod in every namespace/],
        ["an empty peer", [{ to: [{}] }], /empty peer/],
    ])("rejects %s", async (_label, egress, message) => {
        const v = await run([agentPolicy(egress)]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(message);
    });

    const exists = (key: string) => ({ key, operator: "Exists" });
    it.each([
        [
            "Exists on the label every namespace has",
            { namespaceSelector: { matchExpressions: [exists("kubernetes.io/metadata.name")] } },
        ],
        [
            "NotIn a made-up value",
            {
                namespaceSelector: {
                    matchExpressions: [
                        { key: "kubernetes.io/metadata.name", operator: "NotIn", values: ["x"] },
                    ],
                },
            },
        ],
        [
            "DoesNotExist",
            { namespaceSelector: { matchExpressions: [{ key: "none", operator: "DoesNotExist" }] } },
        ],
        [
            "an empty namespaceSelector with a podSelector that excludes only one app",
            {
                namespaceSelector: {},
                podSelector: { matchExpressions: [{ key: "app", operator: "NotIn", values: ["db"] }] },
            },
        ],
    ])("rejects a peer selecting nearly every namespace by %s", async (_label, peer) => {
        const v = await run([agentPolicy([{ to: [peer] }])]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(/nearly every pod in every namespace/);
    });

    it("allows namespaces picked by Exists on a team label, or In a list of names", async () => {
        const peers = [
            { namespaceSelector: { matchExpressions: [exists("team.example.com/shared")] } },
            {
                namespaceSelector: {
                    matchExpressions: [
                        { key: "kubernetes.io/metadata.name", operator: "In", values: ["db"] },
                    ],
                },
            },
            {
                namespaceSelector: {
                    matchExpressions: [exists("kubernetes.io/metadata.name"), exists("tier")],
                },
            },
        ];
        expect(await run([agentPolicy([{ to: peers }])])).toEqual([]);
    });

    it("reports a namespaceSelector expression whose values are unknown", async () => {
        const peer = { namespaceSelector: { matchExpressions: [{ key: "k", operator: UNKNOWN }] } };
        const v = await run([agentPolicy([{ to: [peer] }])]);
        expect(v[0].message).toMatch(/namespaceSelector is unknown during preview/);
    });

    it("allows kube-dns in any namespace (empty namespaceSelector narrowed by a podSelector)", async () => {
        const egress = [
            { to: [{ namespaceSelector: {}, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }] },
        ];
        expect(await run([agentPolicy(egress)])).toEqual([]);
    });

    it("rejects 0.0.0.0/1 + 128.0.0.0/1", async () => {
        const v = await run([agentPolicy(toCidrs("0.0.0.0/1", "128.0.0.0/1"))]);
        expect(v[0].message).toMatch(/every IPv4 address/);
    });

    it("rejects ::/0", async () => {
        const v = await run([agentPolicy(toCidrs("::/0"))]);
        expect(v[0].message).toMatch(/every IPv6 address/);
    });

    it("rejects the internet split across several policies of the namespace", async () => {
        const v = await run([
            namespace("agent-a"),
            agentPolicy(toCidrs("0.0.0.0/1"), "low-half"),
            agentPolicy(toCidrs("128.0.0.0/1"), "high-half"),
        ]);
        expect(v.map(codeOf)).toEqual(WIDE_AND_METADATA);
        expect(v[0].message).toMatch(
            /NetworkPolicies low-half, high-half in agent namespace agent-a together/,
        );
        expect(v[0].urn).toContain("Namespace::agent-a");
    });

    it("does not add up policies of different namespaces", async () => {
        const a = egressPolicy("agent-a", "a", toCidrs("1.1.1.0/24"));
        const b = egressPolicy("agent-b", "b", toCidrs("1.1.1.0/24"));
        expect(await run([a, b], { maxPublicEgressAddresses: 256 })).toEqual([]);
    });

    it("rejects more public addresses than the budget, also when split", async () => {
        const v = await run([agentPolicy(toCidrs("8.0.0.0/15"))]);
        expect(v[0].message).toMatch(/131072 public addresses, more than the budget of 65536/);
        const split = await run(
            [agentPolicy(toCidrs("8.8.8.0/24"), "x"), agentPolicy(toCidrs("1.1.1.0/24"), "y")],
            { maxPublicEgressAddresses: 300 },
        );
        expect(split[0].message).toMatch(/512 public addresses/);
    });

    it("sees through an `except` that carves out only private ranges or a sliver", async () => {
        const privateCarveOut = [{ to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["10.0.0.0/8"] } }] }];
        expect((await run([agentPolicy(privateCarveOut)]))[0].message).toMatch(/every IPv4 address/);
        const sliver = [{ to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["8.8.8.0/24"] } }] }];
        expect((await run([agentPolicy(sliver)]))[0].message).toMatch(
            /public addresses, more than the budget/,
        );
    });

    it("does not count private ranges against the budget", async () => {
        expect(await run([agentPolicy(toCidrs("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))])).toEqual(
            [],
        );
    });

    it("rejects the metadata endpoint and link-local ranges", async () => {
        const v = await run([agentPolicy(toCidrs("169.254.169.254/32"))]);
        expect(v[0].message).toMatch(/metadata endpoints/);
        expect((await run([agentPolicy(toCidrs("169.254.0.0/16"))]))[0].message).toMatch(
            /link-local|metadata/,
        );
    });

    it("subtracts allowedEgressCidrs from the budget but never unlocks metadata", async () => {
        const config = { allowedEgressCidrs: ["8.0.0.0/15", "169.254.169.254/32"] };
        expect(await run([agentPolicy(toCidrs("8.0.0.0/15"))], config)).toEqual([]);
        const v = await run([agentPolicy(toCidrs("169.254.169.254/32"))], config);
        expect(v[0].message).toMatch(/metadata endpoints/);
    });

    it("judges policies whose podSelector is not {} too: they still select agent pods", async () => {
        const policy = agentPolicy(toCidrs("0.0.0.0/0"));
        const narrowed = {
            ...policy,
            props: {
                ...policy.props,
                spec: { ...(policy.props.spec as object), podSelector: { matchLabels: { app: "x" } } },
            },
        };
        expect((await run([narrowed])).map(codeOf)).toEqual(WIDE_AND_METADATA);
    });

    it("infers Egress when policyTypes is omitted but egress rules exist", async () => {
        const policy: FakeResource = {
            ...agentPolicy([{}]),
            props: {
                metadata: { name: "out", namespace: "agent-a" },
                spec: { podSelector: {}, egress: [{}] },
            },
        };
        expect(await run([policy])).toHaveLength(1);
        const ingressOnly: FakeResource = {
            ...policy,
            props: { ...policy.props, spec: { podSelector: {}, policyTypes: ["Ingress"], egress: [{}] } },
        };
        expect(await run([ingressOnly])).toEqual([]);
    });

    it.each([
        [
            "the cidr",
            [{ to: [{ ipBlock: { cidr: UNKNOWN } }] }],
            /spec\.egress\[0\]\.to\[0\]\.ipBlock\.cidr is unknown/,
        ],
        [
            "the except list",
            [{ to: [{ ipBlock: { cidr: "10.0.0.0/8", except: UNKNOWN } }] }],
            /ipBlock\.except is unknown/,
        ],
        ["the egress list", UNKNOWN, /spec\.egress is unknown/],
        ["a rule", [UNKNOWN], /spec\.egress\[0\] is unknown/],
        ["the `to` list", [{ to: UNKNOWN }], /spec\.egress\[0\]\.to is unknown/],
    ])("fails closed when %s is unknown", async (_label, egress, message) => {
        const v = await run([agentPolicy(egress)]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(message);
    });

    it("fails closed on an open policy whose namespace cannot be determined", async () => {
        const v = await run([egressPolicy(UNKNOWN, "mystery", [{}])]);
        expect(v[0].message).toMatch(/could not be determined/);
        expect(await run([egressPolicy(UNKNOWN, "narrow", toCidrs("10.0.0.0/8"))])).toEqual([]);
    });

    it("does not cry wolf on monitoring or ingress controllers with open egress", async () => {
        const resources = [
            namespace("monitoring"),
            egressPolicy("monitoring", "scrape-anything", [{}]),
            egressPolicy("ingress-nginx", "out", toCidrs("0.0.0.0/0")),
        ];
        expect(await run(resources)).toEqual([]);
    });

    it("honours an exemption with a reason", async () => {
        const config = { exemptions: [{ resource: "out", reason: "egress gateway reviewed in NET-9" }] };
        expect(await run([agentPolicy(toCidrs("0.0.0.0/0"))], config)).toEqual([]);
    });
});
