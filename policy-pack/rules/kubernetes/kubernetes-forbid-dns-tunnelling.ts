import { DNS_TUNNELLING_CODES, egressFindingsOf } from "../../../core/kubernetes/egress-judgement";
import { defineStackRule } from "../../lib/rule";

/** DNS tunnels out of agent pods: port 53 around a DNS filter, open DNS rules, public resolvers. */
export const kubernetesForbidDnsTunnelling = defineStackRule(
    {
        name: "kubernetes-forbid-dns-tunnelling",
        description:
            "Agent pods must not be able to tunnel data through DNS. Cilium `toFQDNs` names and patterns must not be a public DNS-over-HTTPS/TLS resolver (`dns.google`, `*.cloudflare-dns.com`), whose lookups no DNS filter sees; once any Cilium policy of the stack restricts names, an agent DNS rule (`rules.dns`) must not allow every name or names anyone can register (`*`, `*.com`, `*.amazonaws.com`, any depth `**.`), since lookups of an open name tunnel data out (unknown DNS rules fail closed). In an agent namespace whose DNS names a Cilium policy filters (`rules.dns`, in a CiliumNetworkPolicy or a CiliumClusterwideNetworkPolicy that may select its pods), no other allow that applies to its pods may let port 53 out of the namespace (a NetworkPolicy, another Cilium rule or `toPorts` entry without `rules.dns`, a Calico policy, a CiliumClusterwideNetworkPolicy, Calico GlobalNetworkPolicy or (Baseline)AdminNetworkPolicy that may select agent pods; port 53, a port named like `dns` or `domain`, a range or `endPort` covering 53, the protocol omitted, or every port to kube-dns), since Cilium's DNS proxy filters only the rule that carries it and allows add up across namespaced and cluster-wide policies; nor may any of those policies' ipBlocks reach a public DoH/DoT resolver's address (8.8.8.8, 1.1.1.1, 9.9.9.9, ..., IPv4-mapped and NAT64 forms included), whose lookups the filter never sees.",
        enforcementLevel: "mandatory",
        severity: "critical",
        remediationSteps:
            "Where Cilium filters DNS names, remove port 53 from every other allow (cluster-wide policies included), or give it the same `rules.dns`, and carve public resolvers out of ipBlocks with `except`. List in `rules.dns` only the names the agent needs, never `*` or a public suffix, and never a public DoH/DoT resolver in `toFQDNs`. Values unknown during preview count as violations: make them plain values.",
        codes: DNS_TUNNELLING_CODES,
    },
    (model, config) => egressFindingsOf(model, config, "dns/"),
);
