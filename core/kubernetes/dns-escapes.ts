/**
 * DNS escapes beside a DNS name filter, judged per agent namespace over every policy that applies to its pods:
 * its own NetworkPolicies, Cilium and Calico policies, and the cluster-wide Cilium and Calico policies and
 * (Baseline)AdminNetworkPolicies that select (or may select) agent pods. Allows add up across all of them, so
 * a cluster-wide port-53 allow undoes a namespaced filter and a namespaced one undoes a cluster-wide filter.
 * Two escapes: an unfiltered port-53 allow (dns-bypass.ts), and an address range reaching a public DoH/DoT
 * resolver, which resolves any name inside HTTPS or TLS where no DNS filter sees it. A cluster-wide policy is
 * reported once, naming the agent namespaces whose filter it undoes.
 */
import { publicResolversInRange } from "../dns-resolvers";
import type { AgentNamespaces } from "../stack/agent-namespaces";
import type { Finding } from "../stack/finding";
import type { ResourceNode } from "../stack/stack-model";
import type { CalicoIndex } from "./calico-network-policies";
import { adminSubjectSelectsAgents, clusterwideSelectsAgents } from "./custom-network-policies";
import {
    BYPASS_WHY,
    clusterwideDnsAllows,
    describeFilters,
    dnsBypassFindings,
    dnsFilters,
    type AgentNamespacePolicies,
} from "./dns-bypass";
import type { IpBlock } from "./network-policies";

export interface DnsEscapeContext {
    readonly agents: AgentNamespaces;
    /** CiliumClusterwideNetworkPolicies of the stack. */
    readonly clusterwide: readonly ResourceNode[];
    /** (Baseline)AdminNetworkPolicies of the stack. */
    readonly admin: readonly ResourceNode[];
    readonly calico: CalicoIndex;
    /** Each agent namespace's own policies by kind. */
    readonly placed: ReadonlyMap<string, AgentNamespacePolicies>;
    /** The ipBlocks each policy allows (namespaced and cluster-wide). */
    readonly blocksOf: ReadonlyMap<ResourceNode, readonly IpBlock[]>;
}

const kindOf = (node: ResourceNode): string =>
    `${node.type.includes("projectcalico.org") ? "Calico " : ""}${node.type.slice(node.type.lastIndexOf(":") + 1)}`;

/** The finding codes of DNS escapes (documented by kubernetes-forbid-dns-tunnelling). */
export const DNS_CODES = {
    bypass: "dns/port-53-bypass",
    resolverAddress: "dns/resolver-address",
} as const;

const RESOLVER_WHY =
    "They answer over HTTPS and TLS (DoH, DoT), where the filter never sees the lookups, so the agent can resolve any name and tunnel data out. Leave them out with except entries";

const blockText = (b: IpBlock) => `${b.cidr}${b.except?.length ? ` except ${b.except.join(",")}` : ""}`;

/** "agent namespaces a, b, c and 7 more": long lists stay readable. */
function namespaceList(names: readonly string[]): string {
    const shown = names.slice(0, 5).join(", ");
    return names.length > 5 ? `${shown} and ${names.length - 5} more` : shown;
}

export function dnsEscapeFindings(ctx: DnsEscapeContext): Finding[] {
    const wide = {
        cilium: ctx.clusterwide.filter((p) => clusterwideSelectsAgents(p, ctx.agents) !== false),
        calico: ctx.calico.global.filter((p) => ctx.calico.globalSelectsAgents(p) !== false),
        admin: ctx.admin.filter((p) => adminSubjectSelectsAgents(p, ctx.agents) !== false),
    };
    const wideAllows = clusterwideDnsAllows(wide);
    const wideFilters = dnsFilters([], wide.cilium);
    const wideResolvers = [...wide.cilium, ...wide.calico, ...wide.admin].flatMap((policy) =>
        (ctx.blocksOf.get(policy) ?? []).flatMap((block) => {
            const resolvers = publicResolversInRange(block.cidr, block.except ?? []);
            return resolvers.length === 0 ? [] : [{ policy, block, resolvers }];
        }),
    );
    // Agent namespaces with policies of their own, and declared ones that only cluster-wide policies reach.
    const namespaces = new Set([
        ...ctx.placed.keys(),
        ...[...ctx.agents.declared.keys()].filter((n) => ctx.agents.isAgent(n)),
    ]);
    const out: Finding[] = [];
    const say = (policy: ResourceNode, where: string, message: string, code: string) =>
        out.push({
            urn: policy.urn,
            name: policy.name,
            code,
            message: `${kindOf(policy)} ${policy.name} in ${where}: ${message}.`,
        });
    /** Per cluster-wide finding, the namespaces whose filter it undoes. */
    const undone = new Map<string, { policy: ResourceNode; what: string; namespaces: string[] }>();
    const wideHit = (policy: ResourceNode, what: string, ns: string) => {
        const key = `${policy.urn}\u0000${what}`;
        const entry = undone.get(key) ?? { policy, what, namespaces: [] };
        entry.namespaces.push(ns);
        undone.set(key, entry);
    };
    for (const ns of namespaces) {
        const own = ctx.placed.get(ns) ?? { networkPolicies: [], cilium: [], calico: [] };
        const filters = [...dnsFilters(own.cilium, []), ...wideFilters];
        if (filters.length === 0) continue;
        for (const f of dnsBypassFindings(own, filters))
            say(f.policy, `agent namespace ${ns}`, f.message, DNS_CODES.bypass);
        for (const policy of [...own.networkPolicies, ...own.cilium, ...own.calico]) {
            for (const block of ctx.blocksOf.get(policy) ?? []) {
                const resolvers = publicResolversInRange(block.cidr, block.except ?? []);
                if (resolvers.length === 0) continue;
                say(
                    policy,
                    `agent namespace ${ns}`,
                    `its ipBlock ${blockText(block)} reaches the public DNS resolvers ${resolvers.join(", ")}, beside the DNS name filter (rules.dns) of ${describeFilters(filters)}. ${RESOLVER_WHY}`,
                    DNS_CODES.resolverAddress,
                );
            }
        }
        for (const { policy, at } of wideAllows) wideHit(policy, at, ns);
        for (const { policy, block, resolvers } of wideResolvers)
            wideHit(
                policy,
                `its ipBlock ${blockText(block)} reaches the public DNS resolvers ${resolvers.join(", ")}`,
                ns,
            );
    }
    for (const { policy, what, namespaces: hit } of undone.values()) {
        const resolver = what.startsWith("its ipBlock");
        say(
            policy,
            "the cluster, where it applies to agent pods",
            `${what}, beside the DNS name filters (rules.dns) that apply to agent namespace${hit.length > 1 ? "s" : ""} ${namespaceList(hit)}. ${resolver ? RESOLVER_WHY : BYPASS_WHY}`,
            resolver ? DNS_CODES.resolverAddress : DNS_CODES.bypass,
        );
    }
    return out;
}
