import { describe, expect, it } from "vitest";
import { kubernetesForbidDnsTunnelling } from "../../../../policy-pack/rules/kubernetes/kubernetes-forbid-dns-tunnelling";
import { kubernetesForbidOnwardEgressRoutes } from "../../../../policy-pack/rules/kubernetes/kubernetes-forbid-onward-egress-routes";
import { kubernetesForbidOpenEgress } from "../../../../policy-pack/rules/kubernetes/kubernetes-forbid-open-egress";
import { runPolicies, type FakeResource } from "../../../helpers/policy-harness";
import { codeOf, defaultDenyEgress, deployment, egressPolicy, namespace } from "./fixtures";

const RULES = [kubernetesForbidOpenEgress, kubernetesForbidDnsTunnelling, kubernetesForbidOnwardEgressRoutes];
const reason = "approved by the platform team in review";

/**
 * One agent namespace with problems of each concern: the internet (which also lets port 53 and the resolver
 * addresses past the DNS filter), and every port to a namespace whose pods can relay traffic out.
 */
const stack: FakeResource[] = [
    namespace("agent-a"),
    defaultDenyEgress("agent-a"),
    egressPolicy("agent-a", "internet", [{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }] }]),
    {
        type: "kubernetes:cilium.io/v2:CiliumNetworkPolicy",
        name: "hosts",
        props: {
            metadata: { name: "hosts", namespace: "agent-a" },
            spec: {
                endpointSelector: {},
                egress: [
                    {
                        toEndpoints: [{ matchLabels: { "k8s:io.kubernetes.pod.namespace": "kube-system" } }],
                        toPorts: [
                            {
                                ports: [{ port: "53", protocol: "ANY" }],
                                rules: { dns: [{ matchName: "api.github.com" }] },
                            },
                        ],
                    },
                ],
            },
        },
    },
    egressPolicy("agent-a", "to-tools", [
        { to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "tools" } } }] },
    ]),
    namespace("tools"),
    deployment("relay", "tools", { containers: [{ name: "relay", image: "relay:1" }] }),
];

describe("the Kubernetes egress rules split by concern", () => {
    it("each rule reports the codes of its concern only, and together they report what the one rule did", async () => {
        const v = await runPolicies(RULES, stack);
        const byRule = (name: string) => v.filter((x) => x.policy === name).map(codeOf);
        expect(byRule("kubernetes-forbid-open-egress")).toEqual(["egress/direct-cidr", "egress/metadata"]);
        expect(byRule("kubernetes-forbid-dns-tunnelling")).toEqual([
            "dns/port-53-bypass",
            "dns/port-53-bypass",
            "dns/resolver-address",
        ]);
        expect(byRule("kubernetes-forbid-onward-egress-routes")).toEqual(["onward/relay-peer"]);
    });

    it("an exemption on one rule waives nothing another rule reports", async () => {
        const config = { "kubernetes-forbid-open-egress": { exemptions: [{ resource: "*", reason }] } };
        const v = await runPolicies(RULES, stack, config);
        expect(v.map((x) => x.policy).sort()).toEqual([
            "kubernetes-forbid-dns-tunnelling",
            "kubernetes-forbid-dns-tunnelling",
            "kubernetes-forbid-dns-tunnelling",
            "kubernetes-forbid-onward-egress-routes",
        ]);
    });

    it("exempting egress/direct-cidr keeps the metadata endpoint reported", async () => {
        const config = {
            "kubernetes-forbid-open-egress": {
                exemptions: [{ resource: "*", code: "egress/direct-*", reason }],
            },
        };
        const v = await runPolicies([kubernetesForbidOpenEgress], stack, config);
        expect(v.map(codeOf)).toEqual(["egress/metadata"]);
    });
});
