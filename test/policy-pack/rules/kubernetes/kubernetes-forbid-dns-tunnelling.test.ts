import { describe, expect, it } from "vitest";
import { kubernetesForbidOpenEgress } from "../../../../policy-pack/rules/kubernetes/kubernetes-forbid-open-egress";
import { kubernetesForbidDnsTunnelling } from "../../../../policy-pack/rules/kubernetes/kubernetes-forbid-dns-tunnelling";
import { runStackPolicy, urnOf, type FakeResource } from "../../../helpers/policy-harness";
import { defaultDenyEgress, egressPolicy, namespace } from "./fixtures";

const CNP = "kubernetes:cilium.io/v2:CiliumNetworkPolicy";
const NP = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const CALICO = "kubernetes:projectcalico.org/v3:NetworkPolicy";
const run = (resources: FakeResource[]) => runStackPolicy(kubernetesForbidDnsTunnelling, resources);

function cilium(name: string, ns: string, egress: unknown[]): FakeResource {
    return {
        type: CNP,
        name,
        props: {
            apiVersion: "cilium.io/v2",
            kind: "CiliumNetworkPolicy",
            metadata: { name, namespace: ns },
            spec: { endpointSelector: {}, egress },
        },
    };
}
const kubeDnsCilium = {
    matchLabels: { "k8s:io.kubernetes.pod.namespace": "kube-system", "k8s:k8s-app": "kube-dns" },
};
const filter = cilium("hosts", "agent-a", [
    {
        toEndpoints: [kubeDnsCilium],
        toPorts: [
            {
                ports: [
                    { port: "53", protocol: "UDP" },
                    { port: "53", protocol: "TCP" },
                ],
                rules: { dns: [{ matchName: "api.github.com" }] },
            },
        ],
    },
    { toFQDNs: [{ matchName: "api.github.com" }], toPorts: [{ ports: [{ port: "443", protocol: "TCP" }] }] },
]);
const kubeDnsPeer = {
    namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
    podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
};
const base = [namespace("agent-a"), defaultDenyEgress("agent-a"), filter];
const npDns = (peer: unknown, ports: unknown) => egressPolicy("agent-a", "dns", [{ to: [peer], ports }]);

describe("kubernetes-forbid-dns-tunnelling: unfiltered port 53 beside a Cilium DNS filter", () => {
    it("rejects the plain NetworkPolicy DNS allow to kube-dns, naming both policies", async () => {
        const v = await run([
            ...base,
            npDns(kubeDnsPeer, [
                { protocol: "UDP", port: 53 },
                { protocol: "TCP", port: 53 },
            ]),
        ]);
        expect(v).toHaveLength(1);
        expect(v[0].urn).toBe(urnOf(NP, "dns"));
        expect(v[0].message).toMatch(
            /^\[dns\/port-53-bypass\] NetworkPolicy dns in agent namespace agent-a: spec\.egress\[0\] allows port 53 .* to to\[0\] .*kube-dns.* beside the DNS name filter \(rules\.dns\) of CiliumNetworkPolicy hosts in the same namespace\. Cilium's DNS proxy filters only/m,
        );
    });

    it.each([
        ["a named port dns", [{ protocol: "UDP", port: "dns" }]],
        ["a named port DOMAIN", [{ port: "DOMAIN" }]],
        ["a port range covering 53", [{ protocol: "UDP", port: 1, endPort: 1024 }]],
        ["the protocol omitted", [{ port: 53 }]],
        ["port 53 as a string", [{ protocol: "UDP", port: "53" }]],
        ["no ports (every port) to kube-dns", undefined],
    ])("rejects the evasion: %s", async (_, ports) => {
        const v = await run([...base, npDns(kubeDnsPeer, ports)]);
        expect(v.map((x) => x.urn)).toEqual([urnOf(NP, "dns")]);
        expect(v[0].message).toMatch(/beside the DNS name filter/);
    });

    it("rejects port 53 to every namespace's pods, to an ipBlock resolver, and to any destination", async () => {
        const wide = npDns({ namespaceSelector: {}, podSelector: { matchLabels: { app: "resolver" } } }, [
            { protocol: "UDP", port: 53 },
        ]);
        const ip = egressPolicy("agent-a", "ip", [
            { to: [{ ipBlock: { cidr: "8.8.8.8/32" } }], ports: [{ protocol: "UDP", port: 53 }] },
        ]);
        const anywhere = egressPolicy("agent-a", "anywhere", [{ ports: [{ protocol: "UDP", port: 53 }] }]);
        const v = await run([...base, wide, ip, anywhere]);
        expect(v.map((x) => x.urn).sort()).toEqual(
            // 8.8.8.8 is also a public DoH/DoT resolver: reported once more, on any port. That "anywhere" allows
            // every destination is kubernetes-forbid-open-egress's finding.
            [urnOf(NP, "dns"), urnOf(NP, "ip"), urnOf(NP, "ip"), urnOf(NP, "anywhere")].sort(),
        );
        expect(v.map((x) => x.message.split("\n")[1].split(" ")[0]).sort()).toEqual([
            "[dns/port-53-bypass]",
            "[dns/port-53-bypass]",
            "[dns/port-53-bypass]",
            "[dns/resolver-address]",
        ]);
        const direct = await runStackPolicy(kubernetesForbidOpenEgress, [...base, wide, ip, anywhere]);
        expect(direct.map((x) => [x.urn, x.message.split("\n")[1].split(" ")[0]])).toEqual([
            [urnOf(NP, "anywhere"), "[egress/open-destination]"],
        ]);
        expect(v.map((x) => x.message).join("\n")).toMatch(
            /anywhere in agent namespace agent-a: spec\.egress\[0\] allows port 53 to every destination/,
        );
    });

    it("rejects a second CiliumNetworkPolicy, and a toPorts entry of the filter itself, without rules.dns", async () => {
        const other = cilium("plain-dns", "agent-a", [
            { toEndpoints: [kubeDnsCilium], toPorts: [{ ports: [{ port: "53", protocol: "ANY" }] }] },
        ]);
        const selfBypass = cilium("self", "agent-a", [
            {
                toEndpoints: [kubeDnsCilium],
                toPorts: [
                    {
                        ports: [{ port: "53", protocol: "UDP" }],
                        rules: { dns: [{ matchName: "a.example.com" }] },
                    },
                    { ports: [{ port: "53", protocol: "TCP" }] },
                ],
            },
        ]);
        const noPorts = cilium("l3-only", "agent-a", [{ toEndpoints: [kubeDnsCilium] }]);
        // An empty rules.dns list filters nothing.
        const emptyRules = cilium("empty-rules", "agent-a", [
            {
                toEndpoints: [kubeDnsCilium],
                toPorts: [{ ports: [{ port: "53", protocol: "UDP" }], rules: { dns: [] } }],
            },
        ]);
        const v = await run([...base, other, selfBypass, noPorts, emptyRules]);
        expect(v.map((x) => x.urn).sort()).toEqual(
            [
                urnOf(CNP, "plain-dns"),
                urnOf(CNP, "self"),
                urnOf(CNP, "l3-only"),
                urnOf(CNP, "empty-rules"),
            ].sort(),
        );
        const self = v.find((x) => x.urn === urnOf(CNP, "self"));
        expect(self?.message).toMatch(
            /spec\.egress\[0\]\.toPorts\[1\] allows port 53 to toEndpoints in other namespaces/,
        );
        expect(self?.message).toMatch(
            /CiliumNetworkPolicy self in agent namespace agent-a: .*of CiliumNetworkPolicy hosts, self in the same namespace/,
        );
    });

    it("rejects a Calico Allow of port 53 (as a range, or as a name) to kube-system", async () => {
        const calico = (name: string, ports: unknown[]): FakeResource => ({
            type: CALICO,
            name,
            props: {
                metadata: { name, namespace: "agent-a" },
                spec: {
                    selector: "all()",
                    types: ["Egress"],
                    egress: [
                        {
                            action: "Allow",
                            protocol: "UDP",
                            destination: {
                                namespaceSelector: "projectcalico.org/name == 'kube-system'",
                                selector: "k8s-app == 'kube-dns'",
                                ports,
                            },
                        },
                    ],
                },
            },
        });
        const notPorts = calico("not-ports", []);
        const rule = (notPorts.props.spec as { egress: { destination: Record<string, unknown> }[] })
            .egress[0];
        rule.destination = { nets: ["8.8.8.8/32"], notPorts: [443] };
        const v = await run([...base, calico("range", ["50:60"]), calico("named", ["dns"]), notPorts]);
        expect(v.map((x) => x.urn).sort()).toEqual(
            [
                urnOf(CALICO, "named"),
                urnOf(CALICO, "range"),
                urnOf(CALICO, "not-ports"),
                urnOf(CALICO, "not-ports"),
            ].sort(),
        );
    });

    it("fails closed on ports unknown during preview", async () => {
        const v = await run([...base, npDns(kubeDnsPeer, "04da6b54-80e4-46f7-96ec-b56ff0331ba9")]);
        expect(
            v.some((x) => /ports is unknown during preview, so it may allow port 53/.test(x.message)),
        ).toBe(true);
    });

    it("accepts other ports, pods of the namespace itself, namespaces without a filter, and non-agent namespaces", async () => {
        const v = await run([
            ...base,
            egressPolicy("agent-a", "https", [
                { to: [{ ipBlock: { cidr: "203.0.113.0/24" } }], ports: [{ protocol: "TCP", port: 443 }] },
            ]),
            egressPolicy("agent-a", "same-ns", [
                {
                    to: [{ podSelector: { matchLabels: { app: "cache" } } }],
                    ports: [{ port: 53, protocol: "UDP" }],
                },
            ]),
            // A namespace whose DNS is not filtered keeps the plain DNS allow.
            namespace("agent-b"),
            defaultDenyEgress("agent-b"),
            egressPolicy("agent-b", "dns", [{ to: [kubeDnsPeer], ports: [{ protocol: "UDP", port: 53 }] }]),
            // System workloads keep their own DNS allows.
            egressPolicy("kube-system", "coredns-upstream", [
                { to: [{ ipBlock: { cidr: "10.0.0.2/32" } }], ports: [{ protocol: "UDP", port: 53 }] },
            ]),
            cilium("monitoring-dns", "monitoring", [
                { toEndpoints: [kubeDnsCilium], toPorts: [{ ports: [{ port: "53", protocol: "ANY" }] }] },
            ]),
        ]);
        expect(v).toEqual([]);
    });
});
