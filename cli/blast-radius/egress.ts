import type { AgentNamespaces } from "../../core/stack/agent-namespaces";
import { analyzeIpBlocks, type IpBlock } from "../../core/cidr";
import { analyzeCiliumEgress, customNetworkPolicies } from "../../core/kubernetes/custom-network-policies";
import { analyzeEgress, isDefaultDenyEgress } from "../../core/kubernetes/network-policies";
import { placementOf } from "../../core/kubernetes/placement";
import { NETWORK_POLICY_TYPES } from "../../core/kubernetes/types";
import type { ResourceNode, StackModel } from "../../core/stack/stack-model";
import { isUnknown } from "../../core/unknowns";

/** One allowed destination: a CIDR (with carve-outs) or a host name, on ports ("any" when unrestricted). */
export interface EgressDestination {
    readonly cidr?: string;
    readonly except?: readonly string[];
    readonly fqdn?: string;
    readonly ports: readonly string[];
    /** The policy that allows it. */
    readonly via: string;
}

export interface EgressSummary {
    /** A NetworkPolicy selecting every pod of the namespace denies egress by default. */
    readonly defaultDeny: boolean;
    readonly destinations: readonly EgressDestination[];
    /** Rules that open egress to every destination (the pack's words). */
    readonly open: readonly string[];
    /** What cannot be read during preview. */
    readonly unknown: readonly string[];
    /** Exact public IPv4 + IPv6 address count of the CIDR destinations (the pack's CIDR arithmetic). */
    readonly publicAddresses: string;
    /** The pack's maxPublicEgressAddresses; `overBudget` when the count (or "all"/"unknown") exceeds it. */
    readonly publicBudget: number;
    readonly overBudget: boolean;
    readonly metadataEndpoints: readonly string[];
}

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

function portsOf(rule: unknown): string[] {
    if (!isObject(rule)) return ["any"];
    const ports = rule.ports;
    if (isUnknown(ports)) return ["unknown"];
    if (!Array.isArray(ports) || ports.length === 0) return ["any"];
    return ports.map((p) => {
        if (!isObject(p)) return "unknown";
        const protocol = typeof p.protocol === "string" ? p.protocol : "TCP";
        const port = p.port === undefined ? "any" : String(p.port);
        const end = typeof p.endPort === "number" ? `-${p.endPort}` : "";
        return `${port}${end}/${protocol}`;
    });
}

/** CIDR destinations with their ports, per egress rule of a NetworkPolicy (the pack judges the blocks). */
function networkPolicyDestinations(policy: ResourceNode): EgressDestination[] {
    const spec = policy.props.spec;
    if (!isObject(spec) || !Array.isArray(spec.egress)) return [];
    const out: EgressDestination[] = [];
    for (const rule of spec.egress) {
        if (!isObject(rule) || !Array.isArray(rule.to)) continue;
        for (const peer of rule.to) {
            const block = isObject(peer) ? peer.ipBlock : undefined;
            if (!isObject(block) || typeof block.cidr !== "string" || isUnknown(block.cidr)) continue;
            const except = Array.isArray(block.except) ? block.except.map(String) : [];
            out.push({
                cidr: block.cidr,
                ...(except.length > 0 && { except }),
                ports: portsOf(rule),
                via: `NetworkPolicy ${policy.name}`,
            });
        }
    }
    return out;
}

/** Host names a Cilium policy allows (`toFQDNs`), with the rule's ports. */
function ciliumFqdns(policy: ResourceNode): EgressDestination[] {
    const spec = policy.props.spec;
    const specs = [spec, ...(Array.isArray(policy.props.specs) ? policy.props.specs : [])];
    const out: EgressDestination[] = [];
    for (const s of specs) {
        if (!isObject(s) || !Array.isArray(s.egress)) continue;
        for (const rule of s.egress) {
            if (!isObject(rule) || !Array.isArray(rule.toFQDNs)) continue;
            const ports = Array.isArray(rule.toPorts)
                ? rule.toPorts.flatMap((tp) =>
                      isObject(tp) && Array.isArray(tp.ports)
                          ? tp.ports.map((p) => portsOf({ ports: [p] })[0])
                          : [],
                  )
                : ["any"];
            for (const f of rule.toFQDNs) {
                if (!isObject(f)) continue;
                const name = f.matchName ?? f.matchPattern;
                if (typeof name === "string")
                    out.push({
                        fqdn: name,
                        ports: ports.length > 0 ? ports : ["any"],
                        via: `CiliumNetworkPolicy ${policy.name}`,
                    });
            }
        }
    }
    return out;
}

/** The egress of each agent namespace, from NetworkPolicies and Cilium policies placed in it. */
export function egressByNamespace(
    model: StackModel,
    agents: AgentNamespaces,
    publicBudget: number,
): Map<string, EgressSummary> {
    const acc = new Map<
        string,
        {
            defaultDeny: boolean;
            dest: EgressDestination[];
            open: string[];
            unknown: string[];
            blocks: IpBlock[];
        }
    >();
    const entry = (ns: string) => {
        let e = acc.get(ns);
        if (!e) acc.set(ns, (e = { defaultDeny: false, dest: [], open: [], unknown: [], blocks: [] }));
        return e;
    };
    for (const policy of model.ofType(...NETWORK_POLICY_TYPES)) {
        const placement = placementOf(policy, agents);
        if (!placement.known || !placement.agent) continue;
        const e = entry(placement.namespace);
        if (isDefaultDenyEgress(policy)) e.defaultDeny = true;
        const analysis = analyzeEgress(policy);
        e.open.push(...analysis.open.map((o) => `NetworkPolicy ${policy.name}: ${o}`));
        e.unknown.push(...analysis.unknown.map((u) => `NetworkPolicy ${policy.name}: ${u} is unknown`));
        e.blocks.push(...analysis.ipBlocks);
        e.dest.push(...networkPolicyDestinations(policy));
    }
    for (const policy of customNetworkPolicies(model).cilium) {
        const placement = placementOf(policy, agents);
        if (!placement.known || !placement.agent) continue;
        const e = entry(placement.namespace);
        const analysis = analyzeCiliumEgress(policy);
        e.open.push(...analysis.open.map((o) => `CiliumNetworkPolicy ${policy.name}: ${o}`));
        e.unknown.push(...analysis.unknown.map((u) => `CiliumNetworkPolicy ${policy.name}: ${u} is unknown`));
        e.blocks.push(...analysis.ipBlocks);
        e.dest.push(
            ...analysis.ipBlocks.map((b) => ({
                cidr: b.cidr,
                ...(b.except && b.except.length > 0 && { except: b.except }),
                ports: ["see policy"],
                via: `CiliumNetworkPolicy ${policy.name}`,
            })),
            ...ciliumFqdns(policy),
        );
    }
    const out = new Map<string, EgressSummary>();
    for (const [ns, e] of acc) {
        let publicAddresses = "unknown";
        let metadataEndpoints: string[] = [];
        try {
            const ips = analyzeIpBlocks(e.blocks);
            publicAddresses = String(ips.publicIpv4Addresses + ips.publicIpv6Addresses);
            metadataEndpoints = ips.metadataEndpoints;
        } catch (err) {
            e.unknown.push(`a CIDR is invalid: ${(err as Error).message}`);
        }
        const count = e.open.length > 0 ? "all" : publicAddresses;
        out.set(ns, {
            defaultDeny: e.defaultDeny,
            destinations: e.dest,
            open: e.open,
            unknown: e.unknown,
            publicAddresses: count,
            publicBudget,
            overBudget: !/^\d+$/.test(count) || BigInt(count) > BigInt(publicBudget),
            metadataEndpoints,
        });
    }
    return out;
}
