import { describe, expect, it } from "vitest";
import { kubernetesForbidDnsTunnelling } from "../../../../policy-pack/rules/kubernetes/kubernetes-forbid-dns-tunnelling";
import { kubernetesForbidOpenEgress } from "../../../../policy-pack/rules/kubernetes/kubernetes-forbid-open-egress";
import { runStackPolicy, UNKNOWN, urnOf, type FakeResource } from "../../../helpers/policy-harness";
import { defaultDenyEgress, namespace } from "./fixtures";

const CNP = "kubernetes:cilium.io/v2:CiliumNetworkPolicy";
const CCNP = "kubernetes:cilium.io/v2:CiliumClusterwideNetworkPolicy";
const run = (resources: FakeResource[]) => runStackPolicy(kubernetesForbidOpenEgress, resources);
const runDns = (resources: FakeResource[]) => runStackPolicy(kubernetesForbidDnsTunnelling, resources);

function cilium(name: string, ns: string | undefined, egress: unknown[], type = CNP): FakeResource {
    const metadata = ns === undefined ? { name } : { name, namespace: ns };
    const kind = type.slice(type.lastIndexOf(":") + 1);
    return {
        type,
        name,
        props: { apiVersion: "cilium.io/v2", kind, metadata, spec: { endpointSelector: {}, egress } },
    };
}
const fqdn = (selector: Record<string, string>) => ({
    toFQDNs: [selector],
    toPorts: [{ ports: [{ port: "443", protocol: "TCP" }] }],
});
const kubeDns = {
    matchLabels: { "k8s:io.kubernetes.pod.namespace": "kube-system", "k8s:k8s-app": "kube-dns" },
};
const dns = (...selectors: Record<string, string>[]) => ({
    toEndpoints: [kubeDns],
    toPorts: [{ ports: [{ port: "53", protocol: "ANY" }], rules: { dns: selectors } }],
});

const base = [namespace("agent-a"), defaultDenyEgress("agent-a")];

describe("kubernetes-forbid-open-egress toFQDNs breadth", () => {
    it("accepts exact names and a single-level pattern under a registrable domain", async () => {
        const v = await run([
            ...base,
            cilium("hosts", "agent-a", [
                dns({ matchName: "api.github.com" }, { matchPattern: "*.pkg.example.com" }),
                fqdn({ matchName: "api.github.com" }),
                fqdn({ matchPattern: "*.example.co.uk" }),
                fqdn({ matchName: "s3.eu-west-1.amazonaws.com" }),
            ]),
        ]);
        expect(v).toEqual([]);
    });

    it.each([
        ["*", /matches every domain name/],
        ["*.com", /public suffix "com"/],
        ["*.co.uk", /public suffix "co.uk"/],
        ["*.xn--p1ai", /public suffix "xn--p1ai"/],
        ["*.amazonaws.com", /amazonaws\.com, where every AWS customer/],
        ["*.s3.amazonaws.com", /amazonaws\.com/],
        ["*.googleapis.com", /googleapis\.com/],
        ["*.cloudfront.net", /cloudfront\.net/],
        ["*.githubusercontent.com", /githubusercontent\.com/],
        ["**.example.com", /multi-level wildcard/],
        ["*.COM", /public suffix "com"/],
        ["*.Amazonaws.COM.", /amazonaws\.com/],
        ["*.com.", /public suffix "com"/],
        ["ex*ample.com", /public suffix "com"/],
        ["example.*", /every domain name/],
        ["*.*.example.com", undefined],
        ["bücher.*", /not ASCII/],
    ])("judges matchPattern %s", async (pattern, expected) => {
        const v = await run([...base, cilium("wide", "agent-a", [fqdn({ matchPattern: pattern })])]);
        if (expected === undefined) return void expect(v).toEqual([]);
        expect(v).toHaveLength(1);
        expect(v[0].urn).toBe(urnOf(CNP, "wide"));
        expect(v[0].message).toMatch(
            /CiliumNetworkPolicy wide in agent namespace agent-a: spec\.egress\[0\]\.toFQDNs\[0\]/,
        );
        expect(v[0].message).toMatch(expected);
    });

    it("judges a clusterwide policy that selects agent pods, and ignores kube-system", async () => {
        const v = await run([
            ...base,
            cilium("cw", undefined, [fqdn({ matchPattern: "*.com" })], CCNP),
            cilium("system", "kube-system", [fqdn({ matchPattern: "*.com" })]),
        ]);
        expect(v.map((x) => x.urn)).toEqual([urnOf(CCNP, "cw")]);
    });
});

describe("kubernetes-forbid-dns-tunnelling: open DNS rules", () => {
    it("rejects a DNS rule allowing every name in an agent namespace once names are restricted", async () => {
        const v = await runDns([
            ...base,
            cilium("hosts", "agent-a", [fqdn({ matchName: "api.github.com" })]),
            cilium("dns", "agent-a", [dns({ matchPattern: "*" })]),
        ]);
        expect(v).toHaveLength(1);
        expect(v[0].urn).toBe(urnOf(CNP, "dns"));
        expect(v[0].message).toMatch(
            /spec\.egress\[0\]\.toPorts\[0\]\.rules\.dns\[0\] lets the agent resolve names by matchPattern "\*"/,
        );
    });

    it("rejects the evasions: *., mixed case, a public suffix, a shared cloud domain, in specs[]", async () => {
        const policy = cilium("dns", "agent-a", []);
        policy.props.spec = undefined;
        policy.props.specs = [
            { endpointSelector: {}, egress: [fqdn({ matchName: "api.github.com" })] },
            {
                endpointSelector: {},
                egress: [
                    dns(
                        { matchPattern: "*." },
                        { matchPattern: "*.COM" },
                        { matchPattern: "*.amazonaws.com" },
                    ),
                ],
            },
        ];
        const v = await runDns([...base, policy]);
        expect(v.map((x) => /rules\.dns\[(\d)\]/.exec(x.message)?.[1])).toEqual(["0", "1", "2"]);
    });

    it("fails closed when the DNS rules are unknown during preview", async () => {
        const v = await runDns([
            ...base,
            cilium("hosts", "agent-a", [
                fqdn({ matchName: "api.github.com" }),
                { toEndpoints: [kubeDns], toPorts: UNKNOWN },
            ]),
        ]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(/spec\.egress\[1\]\.toPorts cannot be read/);
    });

    it("leaves an all-names DNS rule alone when nothing in the stack restricts names, and in kube-system", async () => {
        expect(await runDns([...base, cilium("dns", "agent-a", [dns({ matchPattern: "*" })])])).toEqual([]);
        expect(
            await runDns([
                ...base,
                cilium("hosts", "agent-a", [fqdn({ matchName: "api.github.com" })]),
                // Cluster DNS visibility policies of system workloads are not agent egress.
                cilium("coredns-visibility", "kube-system", [dns({ matchPattern: "*" })]),
                cilium("monitoring", "monitoring", [dns({ matchPattern: "*" })]),
            ]),
        ).toEqual([]);
    });
});
