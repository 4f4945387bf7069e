/**
 * DNS escapes beside a DNS name filter, judged per agent namespace over every policy that applies to its pods:
 * its own NetworkPolicies, Cilium and Calico policies, and the cluster-wide Cilium and Calico policies and
 * (Baseline)AdminNetworkPolicies that select (or may select) agent pods. Allows add up across all of them, so a cluster-wide port-53 allow undoes a
 * namespaced filter and a namespaced one undoes a cluster-wide filter. Two escapes: an unfiltered port-53 allow
 * (dns-bypass.ts), and an address range reaching a public DoH/DoT resolver, which resolves any name inside
 * HTTPS or TLS where no DNS filter sees it.
 */
import { publicResolversInRange } from "../../../core/dns-resolvers";
import type { AgentNamespaces } from "../agent-namespaces";
import type { Finding } from "../rule";
import type { ResourceNode } from "../stack-model";
import type { CalicoIndex } from "./calico-network-policies";
import { adminSubjectSelectsAgents, clusterwideSelectsAgents } from "./custom-network-policies";
import { describeFilters, dnsBypassFindings, dnsFilters, type AgentNamespacePolicies } from "./dns-bypass";
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

export function dnsEscapeFindings(ctx: DnsEscapeContext): Finding[] {
    const clusterwideCilium = ctx.clusterwide.filter(
        (p) => clusterwideSelectsAgents(p, ctx.agents) !== false,
    );
    const globalCalico = ctx.calico.global.filter((p) => ctx.calico.globalSelectsAgents(p) !== false);
    const admin = ctx.admin.filter((p) => adminSubjectSelectsAgents(p, ctx.agents) !== false);
    // Agent namespaces with policies of their own, and declared ones that only cluster-wide policies reach.
    const namespaces = new Set([
        ...ctx.placed.keys(),
        ...[...ctx.agents.declared.keys()].filter((n) => ctx.agents.isAgent(n)),
    ]);
    const out: Finding[] = [];
    const seen = new Set<string>();
    const push = (policy: ResourceNode, clusterwide: boolean, ns: string, message: string) => {
        const where = clusterwide
            ? `the cluster, where it applies to pods of agent namespace ${ns}`
            : `agent namespace ${ns}`;
        const text = `${kindOf(policy)} ${policy.name} in ${where}: ${message}.`;
        if (seen.has(`${policy.urn}\n${text}`)) return;
        seen.add(`${policy.urn}\n${text}`);
        out.push({ urn: policy.urn, name: policy.name, message: text });
    };
    for (const ns of namespaces) {
        const own = ctx.placed.get(ns) ?? { networkPolicies: [], cilium: [], calico: [] };
        const policies: AgentNamespacePolicies = { ...own, clusterwideCilium, globalCalico, admin };
        for (const f of dnsBypassFindings(policies)) push(f.policy, f.clusterwide, ns, f.message);
        const filters = dnsFilters(policies);
        if (filters.length === 0) continue;
        const wide = new Set<ResourceNode>([...clusterwideCilium, ...globalCalico, ...admin]);
        for (const policy of [...own.networkPolicies, ...own.cilium, ...own.calico, ...wide]) {
            for (const block of ctx.blocksOf.get(policy) ?? []) {
                const resolvers = publicResolversInRange(block.cidr, block.except ?? []);
                if (resolvers.length === 0) continue;
                push(
                    policy,
                    wide.has(policy),
                    ns,
                    `its ipBlock ${block.cidr}${block.except?.length ? ` except ${block.except.join(",")}` : ""} reaches the public DNS resolvers ${resolvers.join(", ")}, beside the DNS name filter (rules.dns) of ${describeFilters(filters)}. They answer over HTTPS and TLS (DoH, DoT), where the filter never sees the lookups, so the agent can resolve any name and tunnel data out. Leave them out with except entries`,
                );
            }
        }
    }
    return out;
}
