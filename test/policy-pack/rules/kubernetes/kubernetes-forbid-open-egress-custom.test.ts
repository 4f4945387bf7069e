import { describe, expect, it } from "vitest";
import { kubernetesForbidOpenEgress } from "../../../../policy-pack/rules/kubernetes/kubernetes-forbid-open-egress";
import { runStackPolicy, UNKNOWN, urnOf, type FakeResource } from "../../../helpers/policy-harness";
import { codeOf, defaultDenyEgress, egressPolicy, namespace, WIDE_AND_METADATA } from "./fixtures";

const CNP = "kubernetes:cilium.io/v2:CiliumNetworkPolicy";
const CCNP = "kubernetes:cilium.io/v2:CiliumClusterwideNetworkPolicy";
const ANP = "kubernetes:policy.networking.k8s.io/v1alpha1:AdminNetworkPolicy";

const run = (resources: FakeResource[]) => runStackPolicy(kubernetesForbidOpenEgress, resources);

function cilium(
    name: string,
    ns: string | undefined,
    spec: Record<string, unknown>,
    type = CNP,
): FakeResource {
    const metadata = ns === undefined ? { name } : { name, namespace: ns };
    const kind = type.slice(type.lastIndexOf(":") + 1);
    return { type, name, props: { apiVersion: "cilium.io/v2", kind, metadata, spec } };
}

function admin(name: string, subject: unknown, egress: unknown[]): FakeResource {
    return {
        type: ANP,
        name,
        props: {
            apiVersion: "policy.networking.k8s.io/v1alpha1",
            kind: "AdminNetworkPolicy",
            metadata: { name },
            spec: { priority: 10, subject, egress },
        },
    };
}

const base = [namespace("agent-a"), defaultDenyEgress("agent-a")];
const allow = (...networks: string[]) => [{ name: "out", action: "Allow", to: [{ networks }] }];

describe("kubernetes-forbid-open-egress CiliumNetworkPolicy", () => {
    it('rejects toEntities "world" in an agent namespace despite a NetworkPolicy default deny', async () => {
        const v = await run([
            ...base,
            cilium("world", "agent-a", { endpointSelector: {}, egress: [{ toEntities: ["world"] }] }),
        ]);
        expect(v).toHaveLength(1);
        expect(v[0].urn).toBe(urnOf(CNP, "world"));
        expect(v[0].message).toMatch(
            /CiliumNetworkPolicy world in agent namespace agent-a: spec\.egress\[0\]\.toEntities includes "world"/,
        );
    });

    it("rejects toCIDRSet halves, and halves split between a CiliumNetworkPolicy and a NetworkPolicy", async () => {
        const alone = await run([
            ...base,
            cilium("halves", "agent-a", {
                egress: [{ toCIDRSet: [{ cidr: "0.0.0.0/1" }, { cidr: "128.0.0.0/1" }] }],
            }),
        ]);
        expect(alone.map(codeOf)).toEqual(WIDE_AND_METADATA);
        expect(alone[0].message).toMatch(/every IPv4 address/);
        const split = await run([
            ...base,
            egressPolicy("agent-a", "low", [{ to: [{ ipBlock: { cidr: "0.0.0.0/1" } }] }]),
            cilium("high", "agent-a", { egress: [{ toCIDR: ["128.0.0.0/1"] }] }),
        ]);
        expect(split.map(codeOf)).toEqual(WIDE_AND_METADATA);
        expect(split[0].message).toMatch(
            /Network policies low, high in agent namespace agent-a together allow egress to every IPv4/,
        );
    });

    it("rejects the evasions: a ports-only rule, a match-all FQDN pattern, specs[] and ::/0", async () => {
        const v = await run([
            ...base,
            cilium("ports", "agent-a", { egress: [{ toPorts: [{ ports: [{ port: "443" }] }] }] }),
            cilium("fqdn", "agent-a", { egress: [{ toFQDNs: [{ matchPattern: "*" }] }] }),
            {
                ...cilium("multi", "agent-a", {}),
                props: {
                    kind: "CiliumNetworkPolicy",
                    metadata: { name: "multi", namespace: "agent-a" },
                    specs: [{ egress: [{ toCIDR: ["::/0"] }] }],
                },
            },
        ]);
        const by = (name: string) => v.filter((x) => x.urn === urnOf(CNP, name)).map((x) => x.message);
        expect(by("ports").join()).toMatch(/names no destination/);
        expect(by("fqdn").join()).toMatch(/toFQDNs\[0\] matchPattern "\*": it matches every domain name/);
        expect(by("multi").join()).toMatch(/every IPv6 address/);
    });

    it("fails closed on unknown destinations and CIDR groups", async () => {
        const v = await run([
            ...base,
            cilium("later", "agent-a", {
                egress: [{ toCIDR: [UNKNOWN] }, { toCIDRSet: [{ cidrGroupRef: "g" }] }],
            }),
        ]);
        expect(v.map((x) => x.message).join("\n")).toMatch(/spec\.egress\[0\]\.toCIDR cannot be read/);
        expect(v.map((x) => x.message).join("\n")).toMatch(/toCIDRSet\[0\] refers to a CiliumCIDRGroup/);
    });

    it("accepts narrow Cilium egress in an agent namespace and open egress in other namespaces", async () => {
        const v = await run([
            ...base,
            namespace("web"),
            cilium("dns", "agent-a", {
                egress: [
                    {
                        toEndpoints: [{ matchLabels: { "k8s-app": "kube-dns" } }],
                        toPorts: [{ ports: [{ port: "53" }] }],
                    },
                    { toCIDR: ["10.0.0.0/8"] },
                    { toFQDNs: [{ matchName: "api.example.com" }] },
                ],
            }),
            cilium("web-world", "web", { egress: [{ toEntities: ["world"] }] }),
        ]);
        expect(v).toEqual([]);
    });
});

describe("kubernetes-forbid-open-egress CiliumClusterwideNetworkPolicy", () => {
    it("rejects a clusterwide policy whose endpointSelector can select agent pods", async () => {
        const v = await run([
            ...base,
            cilium(
                "cw",
                undefined,
                { endpointSelector: { matchLabels: { app: "x" } }, egress: [{ toEntities: ["all"] }] },
                CCNP,
            ),
        ]);
        expect(v).toHaveLength(1);
        expect(v[0].urn).toBe(urnOf(CCNP, "cw"));
        expect(v[0].message).toMatch(
            /selecting pods that may run in agent namespaces: .*toEntities includes "all"/,
        );
    });

    it("accepts one pinned to a non-agent namespace, and rejects one pinned to an agent namespace", async () => {
        const pinned = (ns: string) =>
            cilium(
                "cw",
                undefined,
                {
                    endpointSelector: { matchLabels: { "k8s:io.kubernetes.pod.namespace": ns } },
                    egress: [{ toEntities: ["world"] }],
                },
                CCNP,
            );
        expect(await run([...base, pinned("ingress")])).toEqual([]);
        expect(await run([...base, pinned("agent-a")])).toHaveLength(1);
    });
});

describe("kubernetes-forbid-open-egress AdminNetworkPolicy", () => {
    it("rejects an Allow to every network for a subject selecting agent namespaces by label", async () => {
        const v = await run([
            namespace("agent-s", { "agentguard.io/agent": "s" }),
            defaultDenyEgress("agent-s"),
            admin(
                "out",
                { namespaces: { matchLabels: { "agentguard.io/agent": "s" } } },
                allow("0.0.0.0/0", "::/0"),
            ),
        ]);
        expect(v.map(codeOf)).toEqual(WIDE_AND_METADATA);
        expect(v[0].urn).toBe(urnOf(ANP, "out"));
        expect(v[0].message).toMatch(
            /AdminNetworkPolicy out in the cluster, with a subject that selects agent namespaces .*every IPv4 address.*every IPv6 address/,
        );
    });

    it("rejects subjects that select all namespaces, a look-alike label on an agent namespace, or pods in them", async () => {
        const subjects = [
            { namespaces: {} },
            { namespaces: { matchLabels: { team: "a" } } },
            {
                pods: {
                    namespaceSelector: {
                        matchExpressions: [{ key: "tier", operator: "NotIn", values: ["x"] }],
                    },
                    podSelector: {},
                },
            },
        ];
        for (const subject of subjects) {
            const v = await run([
                namespace("agent-a", { team: "a" }),
                admin("out", subject, allow("0.0.0.0/1", "128.0.0.0/1")),
            ]);
            expect(v.map(codeOf), JSON.stringify(subject)).toEqual(WIDE_AND_METADATA);
        }
    });

    it("accepts Deny/Pass rules, narrow allows, and subjects that select no agent namespace", async () => {
        expect(
            await run([
                ...base,
                admin("deny", { namespaces: {} }, [
                    { name: "d", action: "Deny", to: [{ networks: ["0.0.0.0/0"] }] },
                ]),
                admin("narrow", { namespaces: {} }, allow("10.0.0.0/8")),
                admin(
                    "web",
                    { namespaces: { matchLabels: { "kubernetes.io/metadata.name": "web" } } },
                    allow("0.0.0.0/0"),
                ),
            ]),
        ).toEqual([]);
    });

    it("rejects an Allow to every namespace (lateral movement past the namespace's deny)", async () => {
        const v = await run([
            ...base,
            admin("lateral", { namespaces: {} }, [
                { name: "all", action: "Allow", to: [{ namespaces: {} }] },
            ]),
        ]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(/spec\.egress\[0\]\.to\[0\]\.namespaces \(\{\}\) selects every/);
    });

    it("fails closed on an unknown subject", async () => {
        const v = await run([...base, admin("later", UNKNOWN, allow("0.0.0.0/0"))]);
        expect(v.map(codeOf)).toEqual(WIDE_AND_METADATA);
        expect(v[0].message).toMatch(/subject unknown during preview/);
    });
});
