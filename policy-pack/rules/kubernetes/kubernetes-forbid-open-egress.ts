import { AgentNamespaces } from "../../../core/stack/agent-namespaces";
import type { AgentguardConfig } from "../../../core/stack/config";
import {
    adminSubjectSelectsAgents,
    analyzeAdminEgress,
    analyzeCiliumEgress,
    clusterwideSelectsAgents,
    customNetworkPolicies,
    type CustomEgress,
} from "../../../core/kubernetes/custom-network-policies";
import { CalicoIndex, isCalicoType } from "../../../core/kubernetes/calico-network-policies";
import { openDnsFindings, restrictsNames } from "../../../core/kubernetes/cilium-fqdn";
import { dnsEscapeFindings } from "../../lib/kubernetes/dns-escapes";
import { OnwardRoutes } from "../../../core/kubernetes/egress-proxies";
import { unionProblems } from "../../../core/kubernetes/egress-union";
import { analyzeEgress, type IpBlock } from "../../../core/kubernetes/network-policies";
import { placementOf, type Placement } from "../../../core/kubernetes/placement";
import { NETWORK_POLICY_TYPES } from "../../../core/kubernetes/types";
import { defineStackRule, type Finding } from "../../lib/rule";
import type { ResourceNode } from "../../../core/stack/stack-model";

interface NamespaceEgress {
    readonly where: string;
    readonly blame?: ResourceNode;
    readonly policies: ResourceNode[];
    readonly blocks: IpBlock[];
}

export const kubernetesForbidOpenEgress = defineStackRule(
    {
        name: "kubernetes-forbid-open-egress",
        description:
            "NetworkPolicies, CiliumNetworkPolicies and Calico NetworkPolicies in agent namespaces, and CiliumClusterwideNetworkPolicies, Calico GlobalNetworkPolicies and (Baseline)AdminNetworkPolicies that can select agent pods, must not allow egress to every destination, to every pod of every namespace, to the nodes or the API server, to metadata endpoints or link-local ranges, or to more public addresses than the configured budget, counted across all policies of the namespace. Calico Allow and Pass rules count whatever their order, since a later Kubernetes default deny cannot undo them. Cilium `toFQDNs` patterns must not reach whole public suffixes of the Public Suffix List, ICANN and private sections (`*.com`, `*.co.uk`, `*.xn--p1ai`, `*.github.io`, `*.trycloudflare.com`), the shared cloud and tunnel domains the list lacks (`*.amazonaws.com`, `*.loca.lt`, ...; see the host-name lists below), every name (`*`) or any depth (`**.`), judged after Cilium's own case and trailing-dot normalisation; no `toFQDNs` name or pattern, and no Squid allowlist value, may be an IP address literal in any spelling (`169.254.169.254`, `2852039166`, `0xa9fea9fe`, `0251.0376.0251.0376`, `127.1`, `[::ffff:169.254.169.254]`, trailing dots), a metadata, loopback or cluster-internal name (`metadata.google.internal`, `instance-data.ec2.internal`, `*.localhost`, `kubernetes.default.svc`), a wildcard-DNS service name (`169.254.169.254.nip.io`) or a public DNS-over-HTTPS/TLS resolver (`dns.google`, `*.cloudflare-dns.com`); and once any Cilium policy of the stack restricts names, an agent DNS rule (`rules.dns`) must not allow such patterns either, since lookups of an open name tunnel data out (unknown DNS rules fail closed). In an agent namespace whose DNS names a Cilium policy filters (`rules.dns`, in a CiliumNetworkPolicy or a CiliumClusterwideNetworkPolicy that may select its pods), no other allow that applies to its pods may let port 53 out of the namespace (a NetworkPolicy, another Cilium rule or `toPorts` entry without `rules.dns`, a Calico policy, a CiliumClusterwideNetworkPolicy, Calico GlobalNetworkPolicy or (Baseline)AdminNetworkPolicy that may select agent pods; port 53, a port named like `dns` or `domain`, a range or `endPort` covering 53, the protocol omitted, or every port to kube-dns), since Cilium's DNS proxy filters only the rule that carries it and allows add up across namespaced and cluster-wide policies; nor may any of those policies' ipBlocks reach a public DoH/DoT resolver's address (8.8.8.8, 1.1.1.1, 9.9.9.9, ..., IPv4-mapped and NAT64 forms included), whose lookups the filter never sees. Pods in other, non-agent namespaces that agent pods may reach (NetworkPolicy peers, Cilium `toEndpoints` and `toServices`) must not relay agent traffic out: their namespace needs a default-deny egress policy and allows judged like an agent's, unless they are a declared egress proxy (annotation `agentguard.io/egress-proxy: \"<ConfigMap>[/<key>]\"` on the workload or Namespace, every selected workload mounting that ConfigMap) whose Squid allowlist in that ConfigMap (key `squid.conf`, or its only key) bounds every `http_access allow` line with narrow `dstdomain` names (a leading dot means any depth, judged as `**.`) or one-label `dstdom_regex` patterns (`^[^.]+\\.<domain>$`), each ACL with `-n` (without it Squid matches a request to a bare IP by its reverse-DNS name, which the address's owner sets), and ends in `http_access deny all`; included files, names read from files and other regexes fail closed. A shared proxy is judged per agent: when two agent namespaces reach the same declared allowlist, no `http_access allow` line may be usable by both (a line is bound to the proxy ports its `localport` acls name, and an agent can use it when its policy allows one of those ports, or every port; unbound lines serve every agent), since each would get the other's names. Peers in namespaces the stack does not describe are reported (as unknown) only when a name, label or port looks like a proxy (proxy, squid, egress, socks, tor, ...; 3128, 3129, 1080, 8118, 9050); kube-dns, the agent's own namespace and other agent namespaces are not peers.",
        enforcementLevel: "mandatory",
        severity: "critical",
        remediationSteps:
            "Give every egress rule a `to` list of narrow destinations: pods by label, namespaces by label, or ipBlocks for the few public services the agent needs. Never 0.0.0.0/0, ::/0, 169.254.0.0/16 or other metadata endpoints; ports do not narrow the destination. In Cilium policies never use the entities world, all, cluster, host, remote-node, kube-apiserver or unmanaged, toNodes, or toEndpoints selectors that span every namespace; name Services declared in this stack with a pod selector. In Calico policies give every Allow destination nets or a narrow selector, never all() across namespaces or global() network sets this stack does not declare, and keep Pass rules out of the default tier. Approved wide ranges go in the rule's `allowedEgressCidrs` config. Give each namespace of this stack that agent pods may reach a default-deny egress NetworkPolicy and narrow allows, or deploy the egress proxy in this stack annotated `agentguard.io/egress-proxy` with its Squid allowlist ConfigMap (AgentRuntime's `proxyAllowlist` output gives the lines). Where Cilium filters DNS names, remove port 53 from every other allow (cluster-wide policies included), or give it the same `rules.dns`, and carve public resolvers out of ipBlocks with `except`. Name hosts, never addresses, metadata names or public resolvers. On a proxy several agents share, give each agent its own listening port (`http_port`, a `localport` acl on each of its allow lines, as `proxyAllowlist` writes) and let each agent namespace reach only its port, or run one proxy per agent. Values unknown during preview count as violations: make them plain values.",
    },
    (model, config) => {
        const agents = AgentNamespaces.of(model, config.agentNamespacePatterns);
        const findings: Finding[] = [];
        const byNamespace = new Map<string, NamespaceEgress>();
        // Each policy's ipBlocks, for the checks that judge addresses beside a DNS filter.
        const blocksOf = new Map<ResourceNode, readonly IpBlock[]>();
        const union = (
            placement: Placement,
            where: string,
            policy: ResourceNode,
            blocks: readonly IpBlock[],
        ) => {
            blocksOf.set(policy, blocks);
            addToUnion(byNamespace, placement, where, policy, blocks);
        };
        // Each agent namespace's policies by kind, for the checks that look across policies of one namespace.
        const placed = new Map<
            string,
            { networkPolicies: ResourceNode[]; cilium: ResourceNode[]; calico: ResourceNode[] }
        >();
        const place = (
            placement: Placement,
            kind: "networkPolicies" | "cilium" | "calico",
            policy: ResourceNode,
        ) => {
            if (!placement.known || !placement.agent) return;
            const entry = placed.get(placement.namespace) ?? { networkPolicies: [], cilium: [], calico: [] };
            entry[kind].push(policy);
            placed.set(placement.namespace, entry);
        };
        for (const policy of model.ofType(...NETWORK_POLICY_TYPES)) {
            const placement = placementOf(policy, agents);
            if (placement.known && !placement.agent) continue;
            place(placement, "networkPolicies", policy);
            const egress = analyzeEgress(policy);
            if (!egress.governsEgress) continue;
            const where = whereAgentsMayBe(placement);
            const say = (message: string) =>
                findings.push({
                    urn: policy.urn,
                    name: policy.name,
                    message: `NetworkPolicy ${policy.name} in ${where}: ${message}`,
                });
            for (const open of egress.open) say(`${open}. Allow only narrow destinations.`);
            for (const field of egress.unknown) {
                // Entries with a space are whole sentences (shape problems, unparseable CIDRs).
                say(
                    field.includes(" ")
                        ? `${field}, so the egress it allows cannot be checked. Give every field the type Kubernetes documents, and CIDRs in a.b.c.d/n or IPv6/n form.`
                        : `${field} is unknown during preview, so the egress it allows cannot be checked. Make it a plain value.`,
                );
            }
            union(placement, where, policy, egress.ipBlocks);
        }
        const custom = customNetworkPolicies(model);
        // Once the stack restricts names anywhere, an agent DNS allow for every name is the tunnel left open.
        const namesRestricted = [...custom.cilium, ...custom.clusterwide].some(restrictsNames);
        // Cilium's allows add to those of the namespace's NetworkPolicies, so they join the union.
        for (const policy of custom.cilium) {
            const placement = placementOf(policy, agents);
            if (placement.known && !placement.agent) continue;
            place(placement, "cilium", policy);
            const where = whereAgentsMayBe(placement);
            const egress = analyzeCiliumEgress(policy, {
                model,
                namespace: placement.known ? placement.namespace : undefined,
                clusterwide: false,
            });
            findings.push(...customFindings(policy, where, egress));
            findings.push(...dnsTunnelFindings(policy, where, namesRestricted));
            union(placement, where, policy, egress.ipBlocks);
        }
        // A Calico Allow is final whatever its order: it joins the union of its namespace like a NetworkPolicy.
        const calico = new CalicoIndex(model, agents);
        for (const policy of calico.namespaced) {
            const placement = placementOf(policy, agents);
            if (placement.known && !placement.agent) continue;
            place(placement, "calico", policy);
            const where = whereAgentsMayBe(placement);
            const egress = calico.analyzeEgress(
                policy,
                placement.known ? placement.namespace : undefined,
                false,
            );
            findings.push(...customFindings(policy, where, egress));
            union(placement, where, policy, egress.ipBlocks);
        }
        const clusterwide: [ResourceNode, string, CustomEgress][] = [];
        for (const policy of custom.clusterwide) {
            const selects = clusterwideSelectsAgents(policy, agents);
            if (selects === false) continue;
            const where =
                selects === true
                    ? "the cluster, selecting pods that may run in agent namespaces"
                    : "the cluster, with an endpointSelector unknown during preview (it may select agent pods)";
            clusterwide.push([policy, where, analyzeCiliumEgress(policy, { model, clusterwide: true })]);
            findings.push(...dnsTunnelFindings(policy, where, namesRestricted));
        }
        for (const policy of calico.global) {
            const selects = calico.globalSelectsAgents(policy);
            if (selects === false) continue;
            const where =
                selects === true
                    ? "the cluster, selecting endpoints that may be agent pods"
                    : `the cluster, with a selector that cannot be read (${selects}), so it may select agent pods`;
            clusterwide.push([policy, where, calico.analyzeEgress(policy, undefined, true)]);
        }
        // An AdminNetworkPolicy Allow is decided before any NetworkPolicy: a namespace's deny cannot stop it.
        for (const policy of custom.admin) {
            const selects = adminSubjectSelectsAgents(policy, agents);
            if (selects === false) continue;
            const where =
                selects === true
                    ? policy.type.endsWith(":BaselineAdminNetworkPolicy")
                        ? "the cluster, with a subject that selects agent namespaces (it applies wherever their NetworkPolicies do not decide)"
                        : "the cluster, with a subject that selects agent namespaces (it overrides their NetworkPolicies)"
                    : "the cluster, with a subject unknown during preview (it may select agent namespaces)";
            clusterwide.push([policy, where, analyzeAdminEgress(policy)]);
        }
        for (const [policy, where, egress] of clusterwide) {
            blocksOf.set(policy, egress.ipBlocks);
            findings.push(...customFindings(policy, where, egress));
            if (egress.ipBlocks.length > 0) {
                findings.push(...judgeUnion({ where, policies: [policy], blocks: egress.ipBlocks }, config));
            }
        }
        for (const group of byNamespace.values()) findings.push(...judgeUnion(group, config));
        // Peers in other namespaces that agent pods may reach must not relay their traffic out (egress proxies).
        const onward = new OnwardRoutes({ model, agents, config, calico });
        for (const [namespace, policies] of placed) {
            const routes = onward.findings(namespace, [...policies.networkPolicies, ...policies.cilium]);
            for (const { policy, message } of routes) {
                findings.push({
                    urn: policy.urn,
                    name: policy.name,
                    message: `${kindOf(policy)} ${policy.name} in agent namespace ${namespace}: ${message}.`,
                });
            }
        }
        // Judged per agent: agents sharing a proxy must not share its allow lines.
        for (const { policy, message } of onward.sharedProxyFindings()) {
            const placement = placementOf(policy, agents);
            const where = placement.known ? placement.namespace : "?";
            findings.push({
                urn: policy.urn,
                name: policy.name,
                message: `${kindOf(policy)} ${policy.name} in agent namespace ${where}: ${message}.`,
            });
        }
        findings.push(
            ...dnsEscapeFindings({
                agents,
                clusterwide: custom.clusterwide,
                admin: custom.admin,
                calico,
                placed,
                blocksOf,
            }),
        );
        return findings;
    },
);

/** Policies of unknown placement are judged alone; the others as a union per namespace. */
function addToUnion(
    byNamespace: Map<string, NamespaceEgress>,
    placement: Placement,
    where: string,
    policy: ResourceNode,
    blocks: readonly IpBlock[],
): void {
    if (blocks.length === 0) return;
    const key = placement.known ? placement.namespace : policy.urn;
    const group = byNamespace.get(key) ?? {
        where,
        blame: placement.known ? placement.namespaceNode : undefined,
        policies: [],
        blocks: [],
    };
    group.policies.push(policy);
    group.blocks.push(...blocks);
    byNamespace.set(key, group);
}

const kindOf = (node: ResourceNode): string =>
    `${isCalicoType(node.type) ? "Calico " : ""}${node.type.slice(node.type.lastIndexOf(":") + 1)}`;

function customFindings(policy: ResourceNode, where: string, egress: CustomEgress): Finding[] {
    const say = (message: string): Finding => ({
        urn: policy.urn,
        name: policy.name,
        message: `${kindOf(policy)} ${policy.name} in ${where}: ${message}`,
    });
    return [
        ...egress.open.map((open) => say(`${open}. Allow only narrow destinations.`)),
        ...egress.unknown.map((field) =>
            say(
                `${field.includes(" ") ? field : `${field} cannot be read (unknown during preview or resolved outside this stack)`}, so the egress it allows cannot be checked. Use plain CIDRs or pod selectors.`,
            ),
        ),
    ];
}

function dnsTunnelFindings(policy: ResourceNode, where: string, namesRestricted: boolean): Finding[] {
    if (!namesRestricted) return [];
    const dns = openDnsFindings(policy);
    return customFindings(policy, where, { open: [], unknown: dns.unknown, ipBlocks: [] }).concat(
        dns.open.map((message) => ({
            urn: policy.urn,
            name: policy.name,
            message: `${kindOf(policy)} ${policy.name} in ${where}: ${message}. List only the names the agent needs in rules.dns.`,
        })),
    );
}

function judgeUnion(group: NamespaceEgress, config: AgentguardConfig): Finding[] {
    const names = group.policies.map((p) => p.name).join(", ");
    const blame = group.policies.length === 1 ? group.policies[0] : (group.blame ?? group.policies[0]);
    const onlyNetworkPolicies = group.policies.every((p) => kindOf(p) === "NetworkPolicy");
    const subject =
        group.policies.length === 1
            ? `${kindOf(group.policies[0])} ${names} in ${group.where}`
            : `${onlyNetworkPolicies ? "NetworkPolicies" : "Network policies"} ${names} in ${group.where} together`;
    const problems = unionProblems(group.blocks, config);
    if (problems.length === 0) return [];
    const cidrs = group.blocks.map((b) =>
        b.except?.length ? `${b.cidr} except ${b.except.join(",")}` : b.cidr,
    );
    return [
        {
            urn: blame.urn,
            name: blame.name,
            message: `${subject} ${problems.join("; ")} (ipBlocks: ${cidrs.join(", ")}). Narrow the ipBlocks to the services the agent needs.`,
        },
    ];
}

/** Where a policy of a (possibly) agent namespace sits, as the findings name it. */
function whereAgentsMayBe(placement: Placement): string {
    return placement.known
        ? `agent namespace ${placement.namespace}`
        : `a namespace that could not be determined (${placement.reason}), so possibly an agent namespace`;
}
