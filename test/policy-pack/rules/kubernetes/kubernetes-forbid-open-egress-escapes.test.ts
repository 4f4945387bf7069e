import { describe, expect, it } from "vitest";
import { kubernetesForbidDnsTunnelling } from "../../../../policy-pack/rules/kubernetes/kubernetes-forbid-dns-tunnelling";
import { kubernetesForbidOpenEgress } from "../../../../policy-pack/rules/kubernetes/kubernetes-forbid-open-egress";
import { runStackPolicy, urnOf, type FakeResource } from "../../../helpers/policy-harness";
import { codeOf, defaultDenyEgress, egressPolicy, namespace } from "./fixtures";

const CNP = "kubernetes:cilium.io/v2:CiliumNetworkPolicy";
const CCNP = "kubernetes:cilium.io/v2:CiliumClusterwideNetworkPolicy";
const NP = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const GNP = "kubernetes:projectcalico.org/v3:GlobalNetworkPolicy";
const ANP = "kubernetes:policy.networking.k8s.io/v1alpha1:AdminNetworkPolicy";
const run = (resources: FakeResource[]) => runStackPolicy(kubernetesForbidOpenEgress, resources);
const runDns = (resources: FakeResource[]) => runStackPolicy(kubernetesForbidDnsTunnelling, resources);
/** Both rules: a name is either a destination (egress/fqdn) or a public resolver (dns/resolver-name). */
const runBoth = async (resources: FakeResource[]) => [
    ...(await run(resources)),
    ...(await runDns(resources)),
];

function cilium(
    name: string,
    ns: string | undefined,
    egress: unknown[],
    endpointSelector: unknown = {},
): FakeResource {
    const type = ns === undefined ? CCNP : CNP;
    return {
        type,
        name,
        props: {
            apiVersion: "cilium.io/v2",
            kind: type.slice(type.lastIndexOf(":") + 1),
            metadata: ns === undefined ? { name } : { name, namespace: ns },
            spec: { endpointSelector, egress },
        },
    };
}
const kubeDns = {
    matchLabels: { "k8s:io.kubernetes.pod.namespace": "kube-system", "k8s:k8s-app": "kube-dns" },
};
const filtered = {
    toEndpoints: [kubeDns],
    toPorts: [
        { ports: [{ port: "53", protocol: "ANY" }], rules: { dns: [{ matchName: "api.github.com" }] } },
    ],
};
const unfiltered = (to: unknown = kubeDns) => ({
    toEndpoints: [to],
    toPorts: [{ ports: [{ port: "53", protocol: "ANY" }] }],
});
const fqdn = (selector: Record<string, string>) => ({
    toFQDNs: [selector],
    toPorts: [{ ports: [{ port: "443", protocol: "TCP" }] }],
});
const base = [namespace("agent-a"), defaultDenyEgress("agent-a")];
const filter = cilium("hosts", "agent-a", [filtered, fqdn({ matchName: "api.github.com" })]);

describe("kubernetes-forbid-open-egress address literals and reserved names as host names", () => {
    it.each([
        [{ matchName: "metadata.google.internal" }, /metadata server/, "egress/fqdn"],
        [{ matchName: "METADATA.google.internal." }, /metadata server/, "egress/fqdn"],
        [{ matchName: "instance-data.ec2.internal" }, /EC2 instance metadata/, "egress/fqdn"],
        [{ matchPattern: "*.google.internal" }, /can match metadata\.google\.internal/, "egress/fqdn"],
        [{ matchPattern: "instance-data.*.compute.internal" }, /EC2 instance metadata/, "egress/fqdn"],
        [{ matchName: "169.254.169.254" }, /IP address literal \(169\.254\.169\.254/, "egress/fqdn"],
        [{ matchName: "2852039166" }, /IP address literal \(169\.254\.169\.254/, "egress/fqdn"],
        [{ matchName: "169.254.169.254.nip.io" }, /wildcard-DNS/, "egress/fqdn"],
        [{ matchName: "kubernetes.default.svc.cluster.local" }, /cluster-internal/, "egress/fqdn"],
        [{ matchName: "dns.google" }, /public DNS resolver Google/, "dns/resolver-name"],
        [{ matchPattern: "*.cloudflare-dns.com" }, /public DNS resolver Cloudflare/, "dns/resolver-name"],
    ])("rejects toFQDNs %j (%s, code %s)", async (selector, why, code) => {
        const v = await runBoth([...base, cilium("hosts", "agent-a", [filtered, fqdn(selector)])]);
        expect(v.map((x) => x.message).join("\n")).toMatch(why);
        expect(v.map((x) => [x.policy, codeOf(x), x.urn])).toEqual([
            [
                code.startsWith("dns/")
                    ? "kubernetes-forbid-dns-tunnelling"
                    : "kubernetes-forbid-open-egress",
                code,
                urnOf(CNP, "hosts"),
            ],
        ]);
    });

    it("accepts ordinary names beside the filter", async () => {
        expect(await runBoth([...base, filter])).toEqual([]);
    });
});

describe("kubernetes-forbid-dns-tunnelling: DNS bypasses judged with cluster-wide policies", () => {
    it("rejects a CiliumClusterwideNetworkPolicy allowing unfiltered port 53 to kube-dns for agent pods", async () => {
        const wide = cilium("dns-everywhere", undefined, [unfiltered()]);
        const v = await runDns([...base, filter, wide]);
        expect(v).toHaveLength(1);
        expect(v[0].urn).toBe(urnOf(CCNP, "dns-everywhere"));
        expect(v[0].message).toMatch(
            /^\[dns\/port-53-bypass\] CiliumClusterwideNetworkPolicy dns-everywhere in the cluster, where it applies to agent pods: .*allows port 53 .*beside the DNS name filters \(rules\.dns\) that apply to agent namespace agent-a\. Cilium's DNS proxy/m,
        );
    });

    it("reports a cluster-wide allow once, naming every agent namespace whose filter it undoes", async () => {
        const second = [
            namespace("agent-b"),
            defaultDenyEgress("agent-b"),
            cilium("hosts-b", "agent-b", [filtered]),
            namespace("agent-c"),
        ];
        const v = await runDns([
            ...base,
            filter,
            ...second,
            cilium("dns-everywhere", undefined, [unfiltered()]),
        ]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(/that apply to agent namespaces agent-a, agent-b\. /);
    });

    it("rejects the evasions: no namespace key (every namespace's kube-dns), an agent-namespace selector, Calico global", async () => {
        const noNamespace = cilium("any-ns", undefined, [
            unfiltered({ matchLabels: { "k8s:k8s-app": "kube-dns" } }),
        ]);
        const pinned = cilium("pinned", undefined, [unfiltered()], {
            matchLabels: { "k8s:io.kubernetes.pod.namespace": "agent-a" },
        });
        const calico: FakeResource = {
            type: GNP,
            name: "global-dns",
            props: {
                metadata: { name: "global-dns" },
                spec: {
                    selector: "all()",
                    types: ["Egress"],
                    egress: [
                        {
                            action: "Allow",
                            protocol: "UDP",
                            destination: { selector: "k8s-app == 'kube-dns'", ports: [53] },
                        },
                    ],
                },
            },
        };
        const v = await runDns([...base, filter, noNamespace, pinned, calico]);
        expect(v.map((x) => x.urn).sort()).toEqual(
            [urnOf(CCNP, "any-ns"), urnOf(CCNP, "pinned"), urnOf(GNP, "global-dns")].sort(),
        );
    });

    it("rejects a namespaced port-53 allow beside a cluster-wide filter, and both cluster-wide", async () => {
        const wideFilter = cilium("wide-filter", undefined, [filtered]);
        const np = egressPolicy("agent-a", "dns", [
            {
                to: [
                    {
                        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
                        podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
                    },
                ],
                ports: [{ protocol: "UDP", port: 53 }],
            },
        ]);
        const v = await runDns([...base, wideFilter, np]);
        expect(v).toHaveLength(1);
        expect(v[0].urn).toBe(urnOf(NP, "dns"));
        expect(v[0].message).toMatch(/CiliumClusterwideNetworkPolicy wide-filter, which selects agent pods/);
        const both = await runDns([...base, wideFilter, cilium("wide-open", undefined, [unfiltered()])]);
        expect(both.map((x) => x.urn)).toEqual([urnOf(CCNP, "wide-open")]);
    });

    it("rejects an AdminNetworkPolicy Allow of port 53 (number, range, named, or every port to kube-system)", async () => {
        const anp = (name: string, ports: unknown, to: unknown[], subject: unknown = { namespaces: {} }) => ({
            type: ANP,
            name,
            props: {
                apiVersion: "policy.networking.k8s.io/v1alpha1",
                kind: "AdminNetworkPolicy",
                metadata: { name },
                spec: {
                    priority: 10,
                    subject,
                    egress: [{ name: "dns", action: "Allow", to, ...(ports === undefined ? {} : { ports }) }],
                },
            },
        });
        const kubeSystem = { namespaces: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } } };
        const v = await runDns([
            ...base,
            filter,
            anp("number", [{ portNumber: { protocol: "UDP", port: 53 } }], [kubeSystem]),
            anp("range", [{ portRange: { protocol: "UDP", start: 1, end: 100 } }], [kubeSystem]),
            anp("named", [{ namedPort: "dns" }], [kubeSystem]),
            anp("every", undefined, [kubeSystem]),
            anp("https-only", [{ portNumber: { protocol: "TCP", port: 443 } }], [kubeSystem]),
            anp("other-subject", [{ portNumber: { protocol: "UDP", port: 53 } }], [kubeSystem], {
                namespaces: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } },
            }),
        ]);
        expect(v.map((x) => x.urn).sort()).toEqual(
            ["number", "range", "named", "every"].map((n) => urnOf(ANP, n)).sort(),
        );
        expect(v[0].message).toMatch(/decided before any NetworkPolicy/);
    });

    it("leaves cluster-wide policies alone that select only other namespaces, or when nothing filters DNS", async () => {
        const system = cilium("system-dns", undefined, [unfiltered()], {
            matchLabels: { "k8s:io.kubernetes.pod.namespace": "monitoring" },
        });
        expect(await runDns([...base, filter, system])).toEqual([]);
        expect(await runDns([...base, cilium("wide-open", undefined, [unfiltered()])])).toEqual([]);
    });
});

describe("kubernetes-forbid-dns-tunnelling: public DoH/DoT resolvers beside a DNS filter", () => {
    const to = (cidr: string, except?: string[], port = 443) =>
        egressPolicy("agent-a", "resolver", [
            { to: [{ ipBlock: { cidr, ...(except && { except }) } }], ports: [{ protocol: "TCP", port }] },
        ]);

    it.each([
        ["1.1.1.1/32", /Cloudflare 1\.1\.1\.1 1\.1\.1\.1/],
        ["8.8.0.0/16", /Google Public DNS 8\.8\.8\.8, Google Public DNS 8\.8\.4\.4/],
        ["::ffff:9.9.9.9/128", /Quad9 9\.9\.9\.9/],
        ["2001:4860:4860::8888/128", /Google Public DNS/],
    ])("rejects an ipBlock %s", async (cidr, why) => {
        const v = await runDns([...base, filter, to(cidr)]);
        expect(v).toHaveLength(1);
        expect(v[0].urn).toBe(urnOf(NP, "resolver"));
        expect(v[0].message).toMatch(why);
        expect(v[0].message).toMatch(/DoH, DoT/);
    });

    it("rejects DoT on 853 and a resolver in a cluster-wide policy", async () => {
        expect(await runDns([...base, filter, to("9.9.9.9/32", undefined, 853)])).toHaveLength(1);
        const wide = cilium("wide", undefined, [
            { toCIDR: ["1.1.1.1/32"], toPorts: [{ ports: [{ port: "443" }] }] },
        ]);
        const v = await runDns([...base, filter, wide]);
        expect(v.map((x) => x.urn)).toEqual([urnOf(CCNP, "wide")]);
    });

    it("accepts resolvers carved out with except, and resolvers where DNS is not filtered", async () => {
        expect(await runDns([...base, filter, to("8.8.8.0/24", ["8.8.8.8/32"])])).toEqual([]);
        expect(await runDns([...base, to("1.1.1.1/32")])).toEqual([]);
    });
});
