/**
 * Unfiltered port-53 allows next to a Cilium DNS filter. Cilium's DNS proxy filters only the traffic of the
 * rule whose `toPorts` carries `rules.dns`; an allow of the same port without L7 rules, in any policy that
 * selects the pod (NetworkPolicy, another CiliumNetworkPolicy, Calico), adds up with it and lets every lookup
 * through, so names the filter restricts can be tunnelled through DNS again.
 */
import type { ResourceNode } from "../stack/stack-model";
import { containsUnknown } from "../unknowns";
import { selectsNearlyEverything } from "./network-policies";

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

/** Port names DNS servers give their port 53 (kube-dns: `dns`, `dns-tcp`; IANA: `domain`). */
const DNS_PORT_NAME = /dns|domain/i;
const DNS_POD_LABELS = new Set(["kube-dns", "coredns"]);

/** Whether a Cilium policy filters DNS names: some `toPorts` entry carries `rules.dns`. */
export function filtersDns(policy: ResourceNode): boolean {
    return ciliumRules(policy).some(
        ([, rule]) => isObject(rule) && Array.isArray(rule.toPorts) && rule.toPorts.some(hasDnsRules),
    );
}

/** A `toPorts` entry with DNS rules: an empty list filters nothing (Cilium then permits every request). */
const hasDnsRules = (entry: unknown): boolean =>
    isObject(entry) && isObject(entry.rules) && Array.isArray(entry.rules.dns) && entry.rules.dns.length > 0;

function ciliumRules(policy: ResourceNode): [string, unknown][] {
    const { spec, specs } = policy.props;
    const all: [string, unknown][] = [];
    if (isObject(spec)) all.push(["spec", spec]);
    if (Array.isArray(specs)) specs.forEach((s, i) => all.push([`specs[${i}]`, s]));
    return all.flatMap(([at, s]) =>
        isObject(s) && Array.isArray(s.egress)
            ? s.egress.map((e, i): [string, unknown] => [`${at}.egress[${i}]`, e])
            : [],
    );
}

/** A port given as a number or a numeric string, else undefined. */
function portNumber(port: unknown): number | undefined {
    if (typeof port === "number") return port;
    if (typeof port === "string" && /^\d+$/.test(port.trim())) return Number(port.trim());
    return undefined;
}

/**
 * Whether one port entry can carry DNS: 53 itself, a range covering it (`endPort`, or Calico's "a:b"), a port
 * name DNS servers use, or no port at all (every port). `every` says the entry opens every port.
 */
function coversDns(port: unknown, endPort: unknown): { dns: boolean; every: boolean } {
    if (port === undefined || port === null) return { dns: true, every: true };
    const first = portNumber(port);
    if (first === 0) return { dns: true, every: true }; // Cilium: port 0 is every port
    if (first !== undefined) {
        const last = portNumber(endPort) ?? first;
        return { dns: first <= 53 && 53 <= last, every: false };
    }
    if (typeof port === "string") {
        const range = /^\s*(\d+)\s*:\s*(\d+)\s*$/.exec(port);
        if (range) return { dns: Number(range[1]) <= 53 && 53 <= Number(range[2]), every: false };
        return { dns: DNS_PORT_NAME.test(port), every: false };
    }
    return { dns: false, every: false };
}

/** A protocol that can carry DNS: UDP or TCP (6, 17), Cilium's ANY, or none given (TCP, or every protocol). */
function dnsProtocol(protocol: unknown): boolean {
    if (protocol === undefined || protocol === null) return true;
    if (typeof protocol === "number") return protocol === 6 || protocol === 17;
    if (typeof protocol !== "string") return true;
    return ["UDP", "TCP", "ANY"].includes(protocol.trim().toUpperCase());
}

/** Why a pod selector picks DNS server pods (or every pod, which includes them). */
function selectsDnsPods(selector: unknown): boolean {
    if (selectsNearlyEverything(selector) !== false) return true;
    if (!isObject(selector)) return false;
    const labels = isObject(selector.matchLabels) ? selector.matchLabels : {};
    if (Object.values(labels).some((v) => typeof v === "string" && DNS_POD_LABELS.has(v.toLowerCase())))
        return true;
    const expressions = Array.isArray(selector.matchExpressions) ? selector.matchExpressions : [];
    return expressions.some(
        (e) =>
            isObject(e) &&
            e.operator === "In" &&
            Array.isArray(e.values) &&
            e.values.some((v) => typeof v === "string" && DNS_POD_LABELS.has(v.toLowerCase())),
    );
}

export interface DnsBypass {
    /** Where in the policy, and what it allows, in words. */
    readonly at: string;
}

/**
 * Whether a port list (absent or empty: every port) names port 53 (`explicit`) or allows every port of a
 * DNS-capable protocol (`every`).
 */
function dnsPortCoverage(ports: unknown): { explicit: boolean; every: boolean } {
    const list = Array.isArray(ports) && ports.length > 0 ? (ports as unknown[]) : [{}];
    let explicit = false;
    let every = false;
    for (const p of list) {
        if (!isObject(p) || !dnsProtocol(p.protocol)) continue;
        const covers = coversDns(p.port, p.endPort);
        if (covers.every) every = true;
        else if (covers.dns) explicit = true;
    }
    return { explicit, every };
}

/**
 * The NetworkPolicy egress rules that allow DNS to a destination outside the namespace: port 53 (or a name or
 * range covering it) to any peer beyond the namespace, or every port to kube-dns or all of a namespace.
 */
export function networkPolicyDnsAllows(policy: ResourceNode): DnsBypass[] {
    const spec = policy.props.spec;
    if (!isObject(spec) || !Array.isArray(spec.egress)) return [];
    const out: DnsBypass[] = [];
    spec.egress.forEach((rule, i) => {
        const at = `spec.egress[${i}]`;
        if (!isObject(rule)) return;
        if (containsUnknown(rule.ports)) {
            return void out.push({
                at: `${at}.ports is unknown during preview, so it may allow port 53`,
            });
        }
        const { explicit, every } = dnsPortCoverage(rule.ports);
        if (!explicit && !every) return;
        const to = Array.isArray(rule.to) ? rule.to : [];
        if (to.length === 0) {
            return void out.push({ at: `${at} allows port 53 to every destination` });
        }
        to.forEach((peer, j) => {
            if (!isObject(peer)) return;
            const ns = peer.namespaceSelector;
            const outside = isObject(peer.ipBlock) || (ns !== undefined && ns !== null);
            if (!outside) return; // pods of the same namespace are confined like the agent
            const dnsPeer =
                isObject(peer.ipBlock) ||
                selectsDnsPods(peer.podSelector) ||
                containsUnknown(peer.podSelector);
            if (explicit || dnsPeer) {
                out.push({
                    at: `${at} allows ${explicit ? "port 53" : "every port"} (ports ${JSON.stringify(rule.ports ?? "omitted")}) to to[${j}] ${JSON.stringify(peer)}`,
                });
            }
        });
    });
    return out;
}

/**
 * The Cilium egress rules that allow port 53 without Cilium's DNS filter: `toPorts` entries without
 * `rules.dns` covering 53 (or rules without `toPorts`, which allow every port) to destinations beyond the
 * policy's namespace. Unknown `toPorts` are reported elsewhere (the DNS-breadth check fails closed on them).
 */
export function ciliumUnfilteredDns(policy: ResourceNode, clusterwide = false): DnsBypass[] {
    const out: DnsBypass[] = [];
    for (const [at, rule] of ciliumRules(policy)) {
        if (!isObject(rule) || containsUnknown(rule.toPorts)) continue;
        const peers = ciliumPeersBeyondNamespace(rule, clusterwide);
        if (peers === undefined) continue;
        const entries = Array.isArray(rule.toPorts) && rule.toPorts.length > 0 ? rule.toPorts : [{}];
        entries.forEach((entry, j) => {
            if (!isObject(entry)) return;
            if (hasDnsRules(entry)) return; // filtered
            const { explicit, every } = dnsPortCoverage(entry.ports);
            if (!explicit && !(every && peers.dns)) return;
            const where = Array.isArray(rule.toPorts)
                ? `${at}.toPorts[${j}]`
                : `${at} (no toPorts: every port)`;
            out.push({ at: `${where} allows port 53 to ${peers.what} without rules.dns` });
        });
    }
    return out;
}

/**
 * The destinations of a Cilium egress rule that lie beyond its namespace, or undefined when none do; `dns` when
 * every port to them would reach a DNS server (addresses, entities, kube-dns or every pod of a namespace).
 */
function ciliumPeersBeyondNamespace(
    rule: Obj,
    clusterwide: boolean,
): { what: string; dns: boolean } | undefined {
    const l3 = ["toEntities", "toCIDR", "toCIDRSet", "toServices", "toGroups", "toNodes", "toFQDNs"];
    const present = l3.filter((f) => rule[f] !== undefined && rule[f] !== null);
    const endpoints = rule.toEndpoints;
    if (present.length === 0 && (endpoints === undefined || endpoints === null))
        return { what: "every destination", dns: true };
    const what = [...present];
    let dns = present.some((f) => f !== "toFQDNs");
    if (endpoints !== undefined && endpoints !== null) {
        // A selector without a namespace requirement stays in the policy's namespace; in a clusterwide
        // policy it spans every namespace.
        const remote = Array.isArray(endpoints)
            ? endpoints.filter((s) => clusterwide || !isObject(s) || namespaceKeyed(s))
            : [endpoints];
        if (remote.length > 0) {
            what.push("toEndpoints in other namespaces");
            dns ||= remote.some(
                (s) => !isObject(s) || /kube-dns|coredns/i.test(JSON.stringify(s)) || !podKeyed(s),
            );
        }
    }
    return what.length === 0 ? undefined : { what: what.join(", "), dns };
}

const NAMESPACE_KEY = /io\.kubernetes\.pod\.namespace|io\.cilium\.k8s\.namespace\.labels\./;

function selectorKeys(selector: Obj): string[] {
    return [
        ...Object.keys(isObject(selector.matchLabels) ? selector.matchLabels : {}),
        ...(Array.isArray(selector.matchExpressions)
            ? selector.matchExpressions.map((e) => (isObject(e) ? String(e.key) : ""))
            : []),
    ];
}

/** Whether the selector narrows the pods, not only their namespace. */
const podKeyed = (selector: Obj): boolean => selectorKeys(selector).some((k) => !NAMESPACE_KEY.test(k));

function namespaceKeyed(selector: Obj): boolean {
    return selectorKeys(selector).some((k) => NAMESPACE_KEY.test(k));
}

/**
 * The Calico NetworkPolicy Allow/Pass egress rules that let port 53 out of the namespace: destination ports
 * covering 53 (numbers, "a:b" ranges, DNS port names) or no ports (every port) to nets, other namespaces,
 * Services or domains. Rules whose destination is only a selector stay in the namespace.
 */
export function calicoDnsAllows(policy: ResourceNode, global = false): DnsBypass[] {
    const spec = policy.props.spec;
    if (!isObject(spec) || !Array.isArray(spec.egress)) return [];
    const out: DnsBypass[] = [];
    spec.egress.forEach((rule, i) => {
        const at = `spec.egress[${i}]`;
        if (!isObject(rule) || containsUnknown(rule)) return; // unknown rules are reported by the open check
        const action = typeof rule.action === "string" ? rule.action.trim().toLowerCase() : "";
        if (action !== "allow" && action !== "pass") return;
        if (!dnsProtocol(rule.protocol)) return;
        const d = isObject(rule.destination) ? rule.destination : {};
        const ports = Array.isArray(d.ports) && d.ports.length > 0 ? d.ports : [undefined];
        let explicit = false;
        let every = false;
        for (const p of ports) {
            const covers = coversDns(p, undefined);
            if (covers.every) every = true;
            else if (covers.dns) explicit = true;
        }
        // notPorts: every port but those, so port 53 unless they cover it.
        if (every && Array.isArray(d.notPorts) && d.notPorts.length > 0) {
            every = false;
            explicit = !d.notPorts.some((p) => coversDns(p, undefined).dns);
        }
        if (!explicit && !every) return;
        // In a GlobalNetworkPolicy a destination selector spans every namespace.
        const beyond = [
            "nets",
            "namespaceSelector",
            "services",
            "domains",
            ...(global ? ["selector"] : []),
        ].filter((k) => d[k] !== undefined && d[k] !== null);
        const noDestination = ![
            "nets",
            "notNets",
            "selector",
            "notSelector",
            "namespaceSelector",
            "services",
            "domains",
            "serviceAccounts",
        ].some((k) => d[k] !== undefined && d[k] !== null);
        if (beyond.length === 0 && !noDestination) return;
        const dnsPeer = noDestination || /kube-dns|coredns|kube-system/i.test(JSON.stringify(d));
        if (!explicit && !dnsPeer) return;
        out.push({
            at: `${at} allows ${explicit ? "port 53" : "every port"} to ${noDestination ? "every destination" : beyond.join(", ")}`,
        });
    });
    return out;
}

/**
 * The (Baseline)AdminNetworkPolicy Allow egress rules that let port 53 out: ports covering 53 (`portNumber`,
 * `portRange`, a `namedPort` like `dns`) to any peer, or no ports (every port) to networks, kube-system or
 * DNS pods, or (nearly) every namespace. Its peers always lie beyond the agent namespace (the subject is
 * namespaces), and an Allow is decided before any NetworkPolicy.
 */
export function adminDnsAllows(policy: ResourceNode): DnsBypass[] {
    const spec = policy.props.spec;
    if (!isObject(spec) || !Array.isArray(spec.egress)) return [];
    const out: DnsBypass[] = [];
    spec.egress.forEach((rule, i) => {
        const at = `spec.egress[${i}]`;
        // Unknown rules are reported by the open check; Deny and Pass open nothing.
        if (!isObject(rule) || containsUnknown(rule) || rule.action !== "Allow") return;
        const ports = Array.isArray(rule.ports) && rule.ports.length > 0 ? rule.ports : undefined;
        const explicit = (ports ?? []).some((p) => {
            if (!isObject(p)) return false;
            const number = p.portNumber;
            if (isObject(number)) return dnsProtocol(number.protocol) && portNumber(number.port) === 53;
            const range = p.portRange;
            if (isObject(range)) {
                const [start, end] = [portNumber(range.start), portNumber(range.end)];
                return (
                    dnsProtocol(range.protocol) && start !== undefined && start <= 53 && 53 <= (end ?? start)
                );
            }
            return typeof p.namedPort === "string" && DNS_PORT_NAME.test(p.namedPort);
        });
        if (!explicit && ports !== undefined) return;
        const to = Array.isArray(rule.to) ? rule.to : [];
        to.forEach((peer, j) => {
            if (!isObject(peer)) return;
            const dnsPeer =
                explicit ||
                Array.isArray(peer.networks) ||
                /kube-dns|coredns|kube-system/i.test(JSON.stringify(peer)) ||
                (isObject(peer.namespaces) && selectsNearlyEverything(peer.namespaces) !== false) ||
                (isObject(peer.pods) && selectsNearlyEverything(peer.pods.namespaceSelector ?? {}) !== false);
            if (!dnsPeer) return;
            out.push({
                at: `${at} allows ${explicit ? "port 53" : "every port"} (ports ${JSON.stringify(rule.ports ?? "omitted")}) to to[${j}] ${JSON.stringify(peer)}, decided before any NetworkPolicy`,
            });
        });
    });
    return out;
}

/** The policies that apply to one agent namespace's pods, by kind, namespaced and cluster-wide. */
export interface AgentNamespacePolicies {
    readonly networkPolicies: readonly ResourceNode[];
    readonly cilium: readonly ResourceNode[];
    readonly calico: readonly ResourceNode[];
}

/** Cluster-wide policies that may apply to agent pods, by kind. */
export interface ClusterwidePolicies {
    /** CiliumClusterwideNetworkPolicies that select (or may select) agent pods. */
    readonly cilium: readonly ResourceNode[];
    /** Calico GlobalNetworkPolicies that select (or may select) agent pods. */
    readonly calico: readonly ResourceNode[];
    /** (Baseline)AdminNetworkPolicies whose subject selects (or may select) agent namespaces. */
    readonly admin: readonly ResourceNode[];
}

/** The Cilium policies, namespaced or cluster-wide, that filter DNS names for one namespace's pods. */
export function dnsFilters(
    own: readonly ResourceNode[],
    clusterwide: readonly ResourceNode[],
): ResourceNode[] {
    return [...own, ...clusterwide].filter(filtersDns);
}

const kindName = (node: ResourceNode) => node.type.slice(node.type.lastIndexOf(":") + 1);

/** The filters in words: "CiliumNetworkPolicy hosts in the same namespace", cluster-wide ones said so. */
export function describeFilters(filters: readonly ResourceNode[]): string {
    const local = filters.filter((f) => kindName(f) === "CiliumNetworkPolicy").map((f) => f.name);
    const wide = filters.filter((f) => kindName(f) !== "CiliumNetworkPolicy").map((f) => f.name);
    return [
        ...(local.length > 0 ? [`CiliumNetworkPolicy ${local.join(", ")} in the same namespace`] : []),
        ...(wide.length > 0
            ? [`CiliumClusterwideNetworkPolicy ${wide.join(", ")}, which selects agent pods`]
            : []),
    ].join(" and ");
}

/** Why an unfiltered port-53 allow beside a DNS filter is a tunnel, after "<where>, beside <filters>". */
export const BYPASS_WHY =
    "Cilium's DNS proxy filters only the lookups of the rule that carries rules.dns, and allows add up across policies, namespaced and cluster-wide, so through this allow the agent can look up any name and tunnel data out. Remove port 53 from this allow, or give it the same rules.dns";

export interface DnsBypassFinding {
    readonly policy: ResourceNode;
    /** What the policy allows, and the filter it bypasses, in words. */
    readonly message: string;
}

/**
 * Where a Cilium policy (namespaced or cluster-wide: `filters`) filters DNS names for an agent namespace's pods,
 * each allow of port 53 beyond the namespace in the namespace's own policies: a NetworkPolicy, a Cilium rule
 * without `rules.dns`, a Calico NetworkPolicy. Cluster-wide allows are judged once for every namespace
 * (clusterwideDnsAllows).
 */
export function dnsBypassFindings(
    policies: AgentNamespacePolicies,
    filters: readonly ResourceNode[],
): DnsBypassFinding[] {
    if (filters.length === 0) return [];
    const names = describeFilters(filters);
    const say = (policy: ResourceNode, what: DnsBypass): DnsBypassFinding => ({
        policy,
        message: `${what.at}, beside the DNS name filter (rules.dns) of ${names}. ${BYPASS_WHY}`,
    });
    return [
        ...policies.networkPolicies.flatMap((p) => networkPolicyDnsAllows(p).map((w) => say(p, w))),
        ...policies.cilium.flatMap((p) => ciliumUnfilteredDns(p).map((w) => say(p, w))),
        ...policies.calico.flatMap((p) => calicoDnsAllows(p).map((w) => say(p, w))),
    ];
}

/** The unfiltered port-53 allows of cluster-wide policies that may apply to agent pods. */
export function clusterwideDnsAllows(policies: ClusterwidePolicies): { policy: ResourceNode; at: string }[] {
    return [
        ...policies.cilium.flatMap((policy) =>
            ciliumUnfilteredDns(policy, true).map(({ at }) => ({ policy, at })),
        ),
        ...policies.calico.flatMap((policy) =>
            calicoDnsAllows(policy, true).map(({ at }) => ({ policy, at })),
        ),
        ...policies.admin.flatMap((policy) => adminDnsAllows(policy).map(({ at }) => ({ policy, at }))),
    ];
}
