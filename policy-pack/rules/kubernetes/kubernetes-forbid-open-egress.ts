import { DIRECT_EGRESS_CODES, egressFindingsOf } from "../../../core/kubernetes/egress-judgement";
import { defineStackRule } from "../../lib/rule";

/** Direct egress of agent pods: destinations, address budgets, metadata, host names (core/kubernetes/egress-judgement.ts). */
export const kubernetesForbidOpenEgress = defineStackRule(
    {
        name: "kubernetes-forbid-open-egress",
        description:
            "NetworkPolicies, CiliumNetworkPolicies and Calico NetworkPolicies in agent namespaces, and CiliumClusterwideNetworkPolicies, Calico GlobalNetworkPolicies and (Baseline)AdminNetworkPolicies that can select agent pods, must not allow egress to every destination, to every pod of every namespace, to the nodes or the API server, to metadata endpoints or link-local ranges, or to more public addresses than the configured budget, counted across all policies of the namespace. Calico Allow and Pass rules count whatever their order, since a later Kubernetes default deny cannot undo them. Cilium `toFQDNs` patterns (and Calico `destination.domains`, judged alike) must not reach whole public suffixes of the Public Suffix List, ICANN and private sections (`*.com`, `*.co.uk`, `*.xn--p1ai`, `*.github.io`, `*.trycloudflare.com`), the shared cloud and tunnel domains the list lacks (`*.amazonaws.com`, `*.loca.lt`, ...; see the host-name lists below), every name (`*`) or any depth (`**.`), judged after Cilium's own case and trailing-dot normalisation; no `toFQDNs` name or pattern may be an IP address literal in any spelling (`169.254.169.254`, `2852039166`, `0xa9fea9fe`, `0251.0376.0251.0376`, `127.1`, `[::ffff:169.254.169.254]`, trailing dots), a metadata, loopback or cluster-internal name (`metadata.google.internal`, `instance-data.ec2.internal`, `*.localhost`, `kubernetes.default.svc`) or a wildcard-DNS service name (`169.254.169.254.nip.io`). Public DoH/DoT resolvers, port 53 and relaying peers are judged by kubernetes-forbid-dns-tunnelling and kubernetes-forbid-onward-egress-routes.",
        enforcementLevel: "mandatory",
        severity: "critical",
        remediationSteps:
            "Give every egress rule a `to` list of narrow destinations: pods by label, namespaces by label, or ipBlocks for the few public services the agent needs. Never 0.0.0.0/0, ::/0, 169.254.0.0/16 or other metadata endpoints; ports do not narrow the destination. In Cilium policies never use the entities world, all, cluster, host, remote-node, kube-apiserver or unmanaged, toNodes, or toEndpoints selectors that span every namespace; name Services declared in this stack with a pod selector. In Calico policies give every Allow destination nets or a narrow selector, never all() across namespaces or global() network sets this stack does not declare, and keep Pass rules out of the default tier. Approved wide ranges go in the rule's `allowedEgressCidrs` config. In `toFQDNs` name hosts, never addresses, metadata names or whole public suffixes. Values unknown during preview count as violations: make them plain values.",
        codes: DIRECT_EGRESS_CODES,
    },
    (model, config) => egressFindingsOf(model, config, "egress/"),
);
