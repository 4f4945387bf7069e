import { ONWARD_ROUTE_CODES, egressFindingsOf } from "../../../core/kubernetes/egress-judgement";
import { defineStackRule } from "../../lib/rule";

/** Onward routes out of agent pods: relaying peers, declared egress proxies and their allowlists, shared proxies. */
export const kubernetesForbidOnwardEgressRoutes = defineStackRule(
    {
        name: "kubernetes-forbid-onward-egress-routes",
        description:
            "Pods in other, non-agent namespaces that agent pods may reach (NetworkPolicy peers, Cilium `toEndpoints` and `toServices`) must not relay agent traffic out: their namespace needs a default-deny egress policy and allows judged like an agent's, unless they are a declared egress proxy (annotation `agentguard.io/egress-proxy: \"<ConfigMap>[/<key>]\"` on the workload or Namespace, every selected workload mounting that ConfigMap) whose Squid allowlist in that ConfigMap (key `squid.conf`, or its only key) names no address literal, metadata, internal or wildcard-DNS name or public resolver (the checks `toFQDNs` gets), bounds every `http_access allow` line with narrow `dstdomain` names (a leading dot means any depth, judged as `**.`) or one-label `dstdom_regex` patterns (`^[^.]+\\.<domain>$`), each ACL with `-n` (without it Squid matches a request to a bare IP by its reverse-DNS name, which the address's owner sets), and ends in `http_access deny all`; included files, names read from files and other regexes fail closed. A shared proxy is judged per agent: when two agent namespaces reach the same declared allowlist, no `http_access allow` line may be usable by both (a line is bound to the proxy ports its `localport` acls name, and an agent can use it when its policy allows one of those ports, or every port; unbound lines serve every agent), since each would get the other's names. Peers in namespaces the stack does not describe are reported (as unknown) only when a name, label or port looks like a proxy (proxy, squid, egress, socks, tor, ...; 3128, 3129, 1080, 8118, 9050); kube-dns, the agent's own namespace and other agent namespaces are not peers.",
        enforcementLevel: "mandatory",
        severity: "critical",
        remediationSteps:
            "Give each namespace of this stack that agent pods may reach a default-deny egress NetworkPolicy and narrow allows, or deploy the egress proxy in this stack annotated `agentguard.io/egress-proxy` with its Squid allowlist ConfigMap (AgentRuntime's `proxyAllowlist` output gives the lines), naming hosts, never addresses, metadata names or public resolvers. On a proxy several agents share, give each agent its own listening port (`http_port`, a `localport` acl on each of its allow lines, as `proxyAllowlist` writes) and let each agent namespace reach only its port, or run one proxy per agent. The budget of peer namespaces is this rule's `maxPublicEgressAddresses` and `allowedEgressCidrs`. Values unknown during preview count as violations: make them plain values.",
        codes: ONWARD_ROUTE_CODES,
    },
    (model, config) => egressFindingsOf(model, config, "onward/"),
);
