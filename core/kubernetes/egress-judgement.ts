/**
 * The egress of agent pods, judged once per stack for the four rules that report it by concern: direct
 * egress (`egress/*`), DNS tunnelling (`dns/*`), onward routes (`onward/*`). Every finding carries its code;
 * each rule keeps the findings of its prefix. The analysis is shared because the concerns read the same
 * policies: the DNS checks need every policy's ipBlocks, the onward checks each namespace's policies.
 */
import { AgentNamespaces } from "../stack/agent-namespaces";
import type { AgentguardConfig } from "../stack/config";
import type { Finding } from "../stack/finding";
import type { ResourceNode, StackModel } from "../stack/stack-model";
import { CalicoIndex, isCalicoType } from "./calico-network-policies";
import { openDnsFindings, restrictsNames } from "./cilium-fqdn";
import {
    adminSubjectSelectsAgents,
    analyzeAdminEgress,
    analyzeCiliumEgress,
    clusterwideSelectsAgents,
    customNetworkPolicies,
    type CustomEgress,
} from "./custom-network-policies";
import { DNS_CODES, dnsEscapeFindings } from "./dns-escapes";
import { ONWARD_CODES, OnwardRoutes } from "./egress-proxies";
import { unionProblemsByKind } from "./egress-union";
import { analyzeEgress, type IpBlock } from "./network-policies";
import { placementOf, type Placement } from "./placement";
import { NETWORK_POLICY_TYPES } from "./types";

/** Direct egress codes (kubernetes-forbid-open-egress), with their meaning for docs/rules.md. */
export const DIRECT_EGRESS_CODES = {
    "egress/open-destination":
        "an allow reaches every destination, every pod of every namespace, the nodes, the API server or a Cilium entity beyond the namespace",
    "egress/direct-cidr":
        "the ipBlocks of a namespace (or of one cluster-wide policy) together reach every IPv4 or IPv6 address or more public addresses than the budget, or list a CIDR that does not parse",
    "egress/metadata": "the ipBlocks reach cloud metadata endpoints or link-local ranges",
    "egress/fqdn":
        "a Cilium toFQDNs name or pattern reaches a whole public suffix, a shared cloud or tunnel domain, an address literal, or a metadata, loopback, cluster-internal or wildcard-DNS name",
    "egress/unreadable":
        "a field that decides egress is unknown during preview or not of the documented type (fail closed)",
} as const;

/** DNS tunnelling codes (kubernetes-forbid-dns-tunnelling). */
export const DNS_TUNNELLING_CODES = {
    [DNS_CODES.bypass]:
        "an allow of port 53 (or every port) beyond the namespace without rules.dns, beside a Cilium DNS name filter that applies to the same agent pods",
    [DNS_CODES.resolverAddress]:
        "an ipBlock reaches a public DoH/DoT resolver's address beside a DNS name filter",
    "dns/resolver-name": "a Cilium toFQDNs name or pattern is a public DoH/DoT resolver",
    "dns/open-pattern":
        "a Cilium DNS rule (rules.dns) lets agents resolve every name or names anyone can register, while policies of the stack restrict names",
    "dns/unreadable": "a DNS rule is unknown during preview or unreadable (fail closed)",
} as const;

/** Onward route codes (kubernetes-forbid-onward-egress-routes). */
export const ONWARD_ROUTE_CODES = {
    [ONWARD_CODES.relay]:
        "agent pods may reach pods of another namespace of the stack whose own egress is open, so they can relay agent traffic out",
    [ONWARD_CODES.allowlist]:
        "agent pods may reach a declared egress proxy whose Squid allowlist is missing, unreadable or too wide, or whose workload does not mount it",
    [ONWARD_CODES.shared]:
        "two agent namespaces may use the same allow line of one declared proxy, so each gets the other's names",
    [ONWARD_CODES.unknown]:
        "agent pods may reach pods that look like a proxy in namespaces the stack does not describe, or a peer selector is unknown during preview",
} as const;

interface NamespaceEgress {
    readonly where: string;
    readonly blame?: ResourceNode;
    readonly policies: ResourceNode[];
    readonly blocks: IpBlock[];
}

type Placed = Map<
    string,
    { networkPolicies: ResourceNode[]; cilium: ResourceNode[]; calico: ResourceNode[] }
>;

/** Every egress finding of the stack under this config, computed once per model and config. */
export function kubernetesEgressFindings(model: StackModel, config: AgentguardConfig): readonly Finding[] {
    const key = JSON.stringify([
        config.agentNamespacePatterns,
        config.maxPublicEgressAddresses,
        config.allowedEgressCidrs,
    ]);
    return model.derived(`kubernetes-egress-findings:${key}`, () => {
        const findings = judgeEgress(model, config);
        // A finding without a known code would be kept by no rule: a silent pass. Fail instead.
        const stray = findings.find((f) => f.code === undefined || !(f.code in KNOWN_CODES));
        if (stray !== undefined) {
            throw new Error(
                `egress finding with code ${String(stray.code)} belongs to no rule: ${stray.message}`,
            );
        }
        return findings;
    });
}

const KNOWN_CODES: Readonly<Record<string, string>> = {
    ...DIRECT_EGRESS_CODES,
    ...DNS_TUNNELLING_CODES,
    ...ONWARD_ROUTE_CODES,
};

/** The findings whose code starts with `prefix` (`egress/`, `dns/`, `onward/`). */
export function egressFindingsOf(model: StackModel, config: AgentguardConfig, prefix: string): Finding[] {
    return kubernetesEgressFindings(model, config).filter((f) => f.code?.startsWith(prefix));
}

function judgeEgress(model: StackModel, config: AgentguardConfig): Finding[] {
    const agents = AgentNamespaces.of(model, config.agentNamespacePatterns);
    const findings: Finding[] = [];
    const byNamespace = new Map<string, NamespaceEgress>();
    // Each policy's ipBlocks, for the checks that judge addresses beside a DNS filter.
    const blocksOf = new Map<ResourceNode, readonly IpBlock[]>();
    const union = (placement: Placement, where: string, policy: ResourceNode, blocks: readonly IpBlock[]) => {
        blocksOf.set(policy, blocks);
        addToUnion(byNamespace, placement, where, policy, blocks);
    };
    // Each agent namespace's policies by kind, for the checks that look across policies of one namespace.
    const placed: Placed = new Map();
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
        const say = (code: string, message: string) =>
            findings.push({
                urn: policy.urn,
                name: policy.name,
                code,
                message: `NetworkPolicy ${policy.name} in ${where}: ${message}`,
            });
        for (const open of egress.open)
            say("egress/open-destination", `${open}. Allow only narrow destinations.`);
        for (const field of egress.unknown) {
            // Entries with a space are whole sentences (shape problems, unparseable CIDRs).
            say(
                "egress/unreadable",
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
        const egress = calico.analyzeEgress(policy, placement.known ? placement.namespace : undefined, false);
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
    findings.push(...onwardFindings(model, agents, config, calico, placed));
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
}

/** Peers in other namespaces that agent pods may reach must not relay their traffic out (egress proxies). */
function onwardFindings(
    model: StackModel,
    agents: AgentNamespaces,
    config: AgentguardConfig,
    calico: CalicoIndex,
    placed: Placed,
): Finding[] {
    const findings: Finding[] = [];
    const onward = new OnwardRoutes({ model, agents, config, calico });
    for (const [namespace, policies] of placed) {
        const routes = onward.findings(namespace, [...policies.networkPolicies, ...policies.cilium]);
        for (const { policy, code, message } of routes) {
            findings.push({
                urn: policy.urn,
                name: policy.name,
                code,
                message: `${kindOf(policy)} ${policy.name} in agent namespace ${namespace}: ${message}.`,
            });
        }
    }
    // Judged per agent: agents sharing a proxy must not share its allow lines.
    for (const { policy, code, message } of onward.sharedProxyFindings()) {
        const placement = placementOf(policy, agents);
        const where = placement.known ? placement.namespace : "?";
        findings.push({
            urn: policy.urn,
            name: policy.name,
            code,
            message: `${kindOf(policy)} ${policy.name} in agent namespace ${where}: ${message}.`,
        });
    }
    return findings;
}

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
    const say = (code: string, message: string): Finding => ({
        urn: policy.urn,
        name: policy.name,
        code,
        message: `${kindOf(policy)} ${policy.name} in ${where}: ${message}`,
    });
    const resolverNames = new Set(egress.resolverNames ?? []);
    const fqdn = new Set(egress.fqdn ?? []);
    return [
        ...egress.open.map((open) =>
            say(
                resolverNames.has(open)
                    ? "dns/resolver-name"
                    : fqdn.has(open)
                      ? "egress/fqdn"
                      : "egress/open-destination",
                `${open}. Allow only narrow destinations.`,
            ),
        ),
        ...egress.unknown.map((field) =>
            say(
                "egress/unreadable",
                `${field.includes(" ") ? field : `${field} cannot be read (unknown during preview or resolved outside this stack)`}, so the egress it allows cannot be checked. Use plain CIDRs or pod selectors.`,
            ),
        ),
    ];
}

function dnsTunnelFindings(policy: ResourceNode, where: string, namesRestricted: boolean): Finding[] {
    if (!namesRestricted) return [];
    const dns = openDnsFindings(policy);
    return customFindings(policy, where, { open: [], unknown: dns.unknown, ipBlocks: [] })
        .map((f) => ({ ...f, code: "dns/unreadable" }))
        .concat(
            dns.open.map((message) => ({
                urn: policy.urn,
                name: policy.name,
                code: "dns/open-pattern",
                message: `${kindOf(policy)} ${policy.name} in ${where}: ${message}. List only the names the agent needs in rules.dns.`,
            })),
        );
}

/**
 * The problems of one union of ipBlocks: metadata and link-local reach is one finding (egress/metadata), the
 * rest (every address, the budget, unparseable CIDRs) another (egress/direct-cidr), so that an exemption of
 * one never waives the other.
 */
function judgeUnion(group: NamespaceEgress, config: AgentguardConfig): Finding[] {
    const names = group.policies.map((p) => p.name).join(", ");
    const blame = group.policies.length === 1 ? group.policies[0] : (group.blame ?? group.policies[0]);
    const onlyNetworkPolicies = group.policies.every((p) => kindOf(p) === "NetworkPolicy");
    const subject =
        group.policies.length === 1
            ? `${kindOf(group.policies[0])} ${names} in ${group.where}`
            : `${onlyNetworkPolicies ? "NetworkPolicies" : "Network policies"} ${names} in ${group.where} together`;
    const { wide, metadata, budget } = unionProblemsByKind(group.blocks, config);
    const direct = [...wide, ...budget];
    const cidrs = group.blocks.map((b) =>
        b.except?.length ? `${b.cidr} except ${b.except.join(",")}` : b.cidr,
    );
    return [
        ...(direct.length > 0 ? [["egress/direct-cidr", direct] as const] : []),
        ...(metadata.length > 0 ? [["egress/metadata", metadata] as const] : []),
    ].map(([code, said]) => ({
        urn: blame.urn,
        name: blame.name,
        code,
        message: `${subject} ${said.join("; ")} (ipBlocks: ${cidrs.join(", ")}). Narrow the ipBlocks to the services the agent needs.`,
    }));
}

/** Where a policy of a (possibly) agent namespace sits, as the findings name it. */
function whereAgentsMayBe(placement: Placement): string {
    return placement.known
        ? `agent namespace ${placement.namespace}`
        : `a namespace that could not be determined (${placement.reason}), so possibly an agent namespace`;
}
