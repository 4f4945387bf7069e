/**
 * Onward routes: pods outside agent namespaces that agent pods may reach, and that can relay agent traffic out
 * of the cluster because their own egress is open. An egress proxy is the intended case (AgentRuntime's
 * `proxy` mode), but any peer with open egress and a listening process is one. A peer passes when its
 * namespace's egress is confined (a default deny and narrow allows, judged like agent egress), or when it is
 * a declared egress proxy (`agentguard.io/egress-proxy: "<ConfigMap>"` on its workload or Namespace) whose
 * Squid allowlist in that ConfigMap is narrow.
 *
 * Peers in namespaces this stack does not describe are unknowable; flagging all of them would flag every
 * shared service, so only those that look like a proxy (names, labels, ports) are reported, as unknown.
 * Pods of the agent's own namespace, other agent namespaces (judged as agents) and kube-dns (judged as DNS
 * tunnelling) are not peers here.
 */
import type { AgentNamespaces } from "../stack/agent-namespaces";
import type { AgentguardConfig } from "../stack/config";
import type { ResourceNode, StackModel } from "../stack/stack-model";
import { containsUnknown, isUnknown } from "../unknowns";
import type { CalicoIndex } from "./calico-network-policies";
import { analyzeCiliumEgress } from "./custom-network-policies";
import { requirementsOf, selectorMatches } from "./label-selectors";
import { unionProblems } from "./egress-union";
import {
    analyzeEgress,
    isDefaultDenyEgress,
    selectsEverything,
    selectsNearlyEverything,
    type IpBlock,
} from "./network-policies";
import { metadataOf, placementOf } from "./placement";
import { squidAllowLines, squidAllowlistProblems } from "./squid-allowlist";
import { podSpecOf } from "./workloads";
import { NETWORK_POLICY_TYPES, WORKLOAD_POD_SPEC_PATHS, WORKLOAD_TYPES } from "./types";

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

export const EGRESS_PROXY_ANNOTATION = "agentguard.io/egress-proxy";

const CONFIG_MAP_TYPES = ["kubernetes:core/v1:ConfigMap", "kubernetes:core/v1:ConfigMapPatch"];
const SERVICE_TYPES = ["kubernetes:core/v1:Service", "kubernetes:core/v1:ServicePatch"];
const CILIUM_POLICY = /^kubernetes:cilium\.io\/[^:]+:CiliumNetworkPolicy$/;
/** Words that name forwarding software or roles, as whole words in names, labels and Service names. */
const PROXY_WORD =
    /(^|[^a-z])(proxy|squid|tinyproxy|privoxy|socks5?|egress|egressgateway|forwarder|outbound|tunnel|mitmproxy|3proxy|dante|tor)([^a-z]|$)/i;
/** Ports forward proxies listen on by convention: Squid, SOCKS, Privoxy, Tor. */
const PROXY_PORTS = new Set([3128, 3129, 1080, 8118, 9050]);
const DNS_POD_LABELS = new Set(["kube-dns", "coredns"]);

/** A peer namespace's verdict: whether it was judged as a declared proxy, and why it can relay traffic out. */
interface PeerVerdict {
    readonly proxy: boolean;
    readonly problems: string[];
}

/** One destination of an agent policy that lies in other namespaces. */
interface Peer {
    readonly at: string;
    /** Namespaces by name, or by a label selector over namespaces (Kubernetes form). */
    readonly namespaces: { readonly names: string[] } | { readonly selector: Obj } | "unknown";
    /** The pods there (Kubernetes label selector); undefined selects every pod. */
    readonly pods?: Obj;
    readonly ports: (number | string)[];
    /** The Service the peer was named by, if any. */
    readonly service?: string;
}

/** One agent policy's path to a declared proxy's allowlist. */
interface ProxyClient {
    readonly agent: string;
    readonly policy: ResourceNode;
    readonly at: string;
    /** `<ns>/<ConfigMap> <key>`: the allowlist, which identifies the proxy's configuration. */
    readonly allowlist: string;
    readonly text: string;
    /** The proxy ports the policy allows: numbers, or "every" (no ports, or named ports the pack cannot map). */
    readonly ports: number[] | "every";
}

/** The finding codes of onward routes (documented by kubernetes-forbid-onward-egress-routes). */
export const ONWARD_CODES = {
    relay: "onward/relay-peer",
    allowlist: "onward/proxy-allowlist",
    shared: "onward/shared-proxy",
    unknown: "onward/unknown-peer",
} as const;

export type OnwardCode = (typeof ONWARD_CODES)[keyof typeof ONWARD_CODES];

export interface OnwardRouteFinding {
    readonly policy: ResourceNode;
    readonly code: OnwardCode;
    readonly message: string;
}

export interface OnwardContext {
    readonly model: StackModel;
    readonly agents: AgentNamespaces;
    readonly config: Pick<AgentguardConfig, "allowedEgressCidrs" | "maxPublicEgressAddresses">;
    readonly calico: CalicoIndex;
}

/**
 * Judges every peer beyond the namespace that the agent policies of `namespace` allow: its pods' own egress,
 * or its declared proxy allowlist.
 */
export class OnwardRoutes {
    private readonly verdicts = new Map<string, string[]>();
    private readonly peerVerdicts = new Map<string, PeerVerdict>();
    private readonly known = new Set<string>();
    private readonly workloads: { node: ResourceNode; namespace: string }[] = [];
    /** Agent namespaces that reach a declared proxy, recorded by `findings` for `sharedProxyFindings`. */
    private readonly clients: ProxyClient[] = [];
    private readonly allowlistCache = new Map<string, { key: string; text: string }[]>();

    constructor(private readonly ctx: OnwardContext) {
        for (const name of ctx.agents.declared.keys()) this.known.add(name);
        for (const node of ctx.model.ofType(...WORKLOAD_TYPES)) {
            const p = placementOf(node, ctx.agents);
            if (!p.known) continue;
            this.known.add(p.namespace);
            this.workloads.push({ node, namespace: p.namespace });
        }
    }

    findings(namespace: string, policies: readonly ResourceNode[]): OnwardRouteFinding[] {
        const out: OnwardRouteFinding[] = [];
        for (const policy of policies) {
            const peers = NETWORK_POLICY_TYPES.includes(policy.type)
                ? networkPolicyPeers(policy)
                : CILIUM_POLICY.test(policy.type)
                  ? this.ciliumPeers(policy, namespace)
                  : [];
            for (const peer of peers) {
                for (const { code, message } of this.judgePeer(peer, namespace))
                    out.push({ policy, code, message });
                this.recordClient(peer, namespace, policy);
            }
        }
        return out;
    }

    /** Records the declared proxies a peer names, for sharedProxyFindings. */
    private recordClient(peer: Peer, own: string, policy: ResourceNode): void {
        if (peer.namespaces === "unknown") return;
        const names =
            "names" in peer.namespaces
                ? peer.namespaces.names
                : this.matchingDeclared(peer.namespaces.selector);
        const numeric = peer.ports.filter((p): p is number => typeof p === "number");
        const ports = numeric.length === 0 || numeric.length < peer.ports.length ? "every" : numeric;
        for (const ns of names) {
            if (ns === own || this.ctx.agents.isAgent(ns) || !this.known.has(ns)) continue;
            for (const { key, text } of this.declaredAllowlists(ns, peer.pods)) {
                this.clients.push({ agent: own, policy, at: peer.at, allowlist: key, text, ports });
            }
        }
    }

    private judgePeer(peer: Peer, own: string): { code: OnwardCode; message: string }[] {
        const pods = peer.pods === undefined ? "every pod" : `pods ${JSON.stringify(peer.pods)}`;
        const via = peer.service === undefined ? "" : ` (through Service ${peer.service})`;
        const isDns = (ns: string) => ns === "kube-system" && selectsDnsPods(peer.pods);
        const where = peer.namespaces;
        if (where === "unknown") {
            return [
                {
                    code: ONWARD_CODES.unknown,
                    message: `${peer.at} has a namespaceSelector with values unknown during preview, so whether the pods it lets agent pods reach can relay their traffic out cannot be checked. Make the selector a plain value`,
                },
            ];
        }
        const selector = "selector" in where ? where.selector : undefined;
        const targets = ("names" in where ? where.names : this.matchingDeclared(where.selector)).filter(
            (ns) => ns !== own && !this.ctx.agents.isAgent(ns) && !isDns(ns),
        );
        const out: { code: OnwardCode; message: string }[] = [];
        for (const ns of targets.filter((n) => this.known.has(n))) {
            const { proxy, problems } = this.judgeNamespace(ns, peer.pods);
            if (problems.length === 0) continue;
            out.push({
                code: proxy ? ONWARD_CODES.allowlist : ONWARD_CODES.relay,
                message: `${peer.at} lets agent pods reach ${pods} in namespace ${ns}${via}, ${problems.join("; ")}, so they can relay agent traffic out of the cluster. Confine the egress of ${ns} (a default-deny egress NetworkPolicy and narrow allows) or, for an egress proxy, annotate its workload or Namespace with ${EGRESS_PROXY_ANNOTATION}: "<ConfigMap>" and keep a narrow Squid allowlist in that ConfigMap`,
            });
        }
        const unknownNames = targets.filter((n) => !this.known.has(n));
        const elsewhere =
            selector !== undefined
                ? [`namespaces matching ${JSON.stringify(selector)} that this stack does not declare`]
                : unknownNames.map(
                      (n) => `namespace ${n}, which this stack does not describe (no Namespace or workload)`,
                  );
        if (elsewhere.length === 0 || (selector !== undefined && isDnsOnly(peer))) return out;
        const looks = proxyLook(peer, selector === undefined ? unknownNames : [], selector);
        if (looks === undefined) return out;
        out.push({
            code: ONWARD_CODES.unknown,
            message: `${peer.at} lets agent pods reach ${pods} in ${elsewhere.join(", ")}${via}, and they look like an egress proxy (${looks}): the pack cannot see whether they relay agent traffic out without an allowlist. Deploy the proxy in this stack, annotated ${EGRESS_PROXY_ANNOTATION}: "<ConfigMap>" with its Squid allowlist in that ConfigMap and a default-deny egress in its namespace, or record an exemption with the reason`,
        });
        return out;
    }

    /** Declared non-agent namespaces a namespace selector matches (unknown labels may match anything). */
    private matchingDeclared(selector: Obj): string[] {
        return [...this.ctx.agents.declared].flatMap(([name, node]) => {
            const labels = metadataOf(node)?.labels;
            if (isUnknown(node.props.metadata) || containsUnknown(labels)) return [name];
            const all = { ...(isObject(labels) ? labels : {}), "kubernetes.io/metadata.name": name };
            return selectorMatches(selector, all) ? [name] : [];
        });
    }

    /** Why pods of `ns` selected by `pods` can relay traffic out (no problems when they cannot). */
    private judgeNamespace(ns: string, pods: Obj | undefined): PeerVerdict {
        // Many agent namespaces name the same peer (every runtime reaches one proxy): judge it once.
        const key = `${ns}\u0000${JSON.stringify(pods ?? null)}`;
        const cached = this.peerVerdicts.get(key);
        if (cached !== undefined) return cached;
        const verdict = this.judgeNamespaceUncached(ns, pods);
        this.peerVerdicts.set(key, verdict);
        return verdict;
    }

    /** Workloads of the namespace a peer's pod selector picks (unknown labels: picked), and its proxy annotation. */
    private selectedIn(ns: string, pods: Obj | undefined) {
        const selected = this.workloads.filter((w) => {
            if (w.namespace !== ns) return false;
            const labels = podLabelsOf(w.node);
            return labels === "unknown" || pods === undefined || selectorMatches(pods, labels ?? {});
        });
        const nsNode = this.ctx.agents.declared.get(ns);
        return { selected, nsProxy: nsNode === undefined ? undefined : proxyAnnotation(nsNode) };
    }

    private judgeNamespaceUncached(ns: string, pods: Obj | undefined): PeerVerdict {
        const { selected, nsProxy } = this.selectedIn(ns, pods);
        const refs =
            nsProxy !== undefined
                ? [{ ref: nsProxy, owner: `Namespace ${ns}`, runs: selected.map((w) => w.node) }]
                : selected.length > 0 && selected.every((w) => proxyAnnotation(w.node) !== undefined)
                  ? selected.map((w) => ({
                        ref: proxyAnnotation(w.node),
                        owner: w.node.name,
                        runs: [w.node],
                    }))
                  : undefined;
        if (refs !== undefined) {
            const problems = refs.flatMap(({ ref, owner, runs }) => {
                const found = this.allowlistProblems(ns, ref);
                // The allowlist binds only pods that load it: each declared workload must mount the ConfigMap.
                const name = typeof ref === "string" ? ref.trim().split("/", 2)[0] : undefined;
                if (found.length === 0 && name !== undefined) {
                    for (const w of runs.filter((r) => !mountsConfigMap(r, name)))
                        found.push(
                            `its workload ${w.name} does not mount the allowlist ConfigMap ${name}, so nothing ties the allowlist to what it runs`,
                        );
                }
                return found.map((p) => `declared an egress proxy by ${owner}, but ${p}`);
            });
            return {
                proxy: true,
                problems: problems.length === 0 ? [] : [`which is ${problems.join("; ")}`],
            };
        }
        return { proxy: false, problems: this.namespaceEgress(ns) };
    }

    private allowlistProblems(ns: string, ref: unknown): string[] {
        const read = this.readAllowlists(ns, ref);
        return [
            ...read.problems,
            ...read.texts.flatMap(({ key, text }) =>
                squidAllowlistProblems(text).map((p) => `its allowlist ${key}: ${p}`),
            ),
        ];
    }

    /** The Squid configurations a proxy annotation names (`<ns>/<ConfigMap> <key>`), or why they cannot be read. */
    private readAllowlists(
        ns: string,
        ref: unknown,
    ): { problems: string[]; texts: { key: string; text: string }[] } {
        const none = (problem: string) => ({ problems: [problem], texts: [] });
        if (isUnknown(ref))
            return none(
                `its ${EGRESS_PROXY_ANNOTATION} annotation is unknown during preview, so its allowlist cannot be found`,
            );
        if (typeof ref !== "string" || ref.trim() === "")
            return none(
                `its ${EGRESS_PROXY_ANNOTATION} annotation ${JSON.stringify(ref)} names no ConfigMap`,
            );
        const [name, key] = ref.trim().split("/", 2);
        const maps = this.ctx.model.ofType(...CONFIG_MAP_TYPES).filter((c) => {
            const p = placementOf(c, this.ctx.agents);
            return p.known && p.namespace === ns && metadataOf(c)?.name === name;
        });
        if (maps.length === 0)
            return none(
                `its allowlist ConfigMap ${ns}/${name} is not declared in this stack, so what it forwards cannot be checked`,
            );
        const out: { problems: string[]; texts: { key: string; text: string }[] } = {
            problems: [],
            texts: [],
        };
        for (const map of maps) {
            const data = map.props.data;
            if (containsUnknown(data)) {
                out.problems.push(
                    `the data of its allowlist ConfigMap ${ns}/${name} is unknown during preview`,
                );
                continue;
            }
            const entries = isObject(data) ? data : {};
            const keys = Object.keys(entries);
            const chosen =
                key ?? (keys.includes("squid.conf") ? "squid.conf" : keys.length === 1 ? keys[0] : undefined);
            const text = chosen === undefined ? undefined : entries[chosen];
            if (typeof text !== "string")
                out.problems.push(
                    `its allowlist ConfigMap ${ns}/${name} has no ${chosen ?? "squid.conf"} entry to read (keys: ${keys.join(", ") || "none"}); name the key as "<ConfigMap>/<key>"`,
                );
            else out.texts.push({ key: `${ns}/${name} ${chosen}`, text });
        }
        return out;
    }

    /**
     * The allowlists of a declared proxy that `pods` of `ns` select (the refs judgeNamespaceUncached reads), or
     * [] when the peer is not a declared proxy.
     */
    private declaredAllowlists(ns: string, pods: Obj | undefined): { key: string; text: string }[] {
        const cacheKey = `${ns}\u0000${JSON.stringify(pods ?? null)}`;
        const cached = this.allowlistCache.get(cacheKey);
        if (cached !== undefined) return cached;
        const found = this.declaredAllowlistsUncached(ns, pods);
        this.allowlistCache.set(cacheKey, found);
        return found;
    }

    private declaredAllowlistsUncached(ns: string, pods: Obj | undefined): { key: string; text: string }[] {
        const { selected, nsProxy } = this.selectedIn(ns, pods);
        const refs =
            nsProxy !== undefined
                ? [nsProxy]
                : selected.length > 0 && selected.every((w) => proxyAnnotation(w.node) !== undefined)
                  ? selected.map((w) => proxyAnnotation(w.node))
                  : [];
        return refs.flatMap((ref) => this.readAllowlists(ns, ref).texts);
    }

    /**
     * A shared proxy is a shared allowlist: every agent that reaches it may use each allow line not bound to a
     * listening port it cannot reach. Per declared allowlist, each pair of agent namespaces that can both use one
     * allow line is reported on each side: one agent gets the other's names. Lines bound by a `localport` acl to
     * the agent's own port, with a NetworkPolicy allowing only that port, keep the allowlists apart.
     */
    sharedProxyFindings(): OnwardRouteFinding[] {
        const byAllowlist = new Map<string, { text: string; clients: ProxyClient[] }>();
        for (const client of this.clients) {
            const entry = byAllowlist.get(client.allowlist) ?? { text: client.text, clients: [] };
            entry.clients.push(client);
            byAllowlist.set(client.allowlist, entry);
        }
        const out: OnwardRouteFinding[] = [];
        const some = (items: readonly string[]) =>
            items.length > 5
                ? `${items.slice(0, 5).join(", ")} and ${items.length - 5} more`
                : items.join(", ");
        for (const [allowlist, { text, clients }] of byAllowlist) {
            if (new Set(clients.map((c) => c.agent)).size < 2) continue;
            const lines = squidAllowLines(text);
            // Each line's users, computed once: linear in clients times lines.
            const usable = new Map(
                clients.map((c) => [
                    c,
                    lines.filter(
                        (l) =>
                            l.localports === undefined ||
                            c.ports === "every" ||
                            l.localports.some((p) => (c.ports as number[]).includes(p)),
                    ),
                ]),
            );
            const users = new Map<(typeof lines)[number], Set<string>>();
            for (const [client, mine] of usable) {
                for (const line of mine) users.set(line, (users.get(line) ?? new Set()).add(client.agent));
            }
            for (const [client, mine] of usable) {
                const shared = mine.filter((l) => (users.get(l)?.size ?? 0) > 1);
                if (shared.length === 0) continue;
                const others = [...new Set(shared.flatMap((l) => [...(users.get(l) ?? [])]))].filter(
                    (a) => a !== client.agent,
                );
                const linesSaid = some(shared.map((l) => `line ${l.line} "${l.text}"`));
                out.push({
                    policy: client.policy,
                    code: ONWARD_CODES.shared,
                    message: `${client.at} lets agent pods reach the egress proxy whose allowlist is ${allowlist} on ${client.ports === "every" ? "every port" : `port ${client.ports.join(", ")}`}, which agent namespace ${some(others)} reaches too, and both may use its ${linesSaid}: on a shared proxy each agent gets the other's allowed names. Give each agent its own listening port (an http_port per agent, a localport acl on each of its allow lines, as AgentRuntime's proxyAllowlist writes) and let each agent namespace reach only its own port, or run one proxy per agent`,
                });
            }
        }
        return out;
    }

    /** Why the egress of namespace `ns` is open, from the policies this stack declares there. */
    /**
     * Why any pod of `ns` can open connections out of the cluster through the namespace's own policies (no
     * default deny, open or unreadable allows, a union too wide), or [] when it cannot; each text starts with
     * "whose" (it ends a sentence about the pods).
     */
    ownEgressProblems(ns: string): string[] {
        return this.namespaceEgress(ns);
    }

    private namespaceEgress(ns: string): string[] {
        const cached = this.verdicts.get(ns);
        if (cached !== undefined) return cached;
        const here = (node: ResourceNode) => {
            const p = placementOf(node, this.ctx.agents);
            return p.known && p.namespace === ns;
        };
        const nps = this.ctx.model.ofType(...NETWORK_POLICY_TYPES).filter(here);
        const cnps = this.ctx.model.resources.filter((r) => CILIUM_POLICY.test(r.type) && here(r));
        const calico = this.ctx.calico.namespaced.filter(here);
        const problems: string[] = [];
        if (!nps.some(isDefaultDenyEgress) && !cnps.some(ciliumDefaultDeny)) {
            problems.push(
                `whose own egress is open: namespace ${ns} has no default-deny egress policy in this stack (a NetworkPolicy selecting every pod with policyTypes Egress and no egress rules)`,
            );
        }
        const blocks: IpBlock[] = [];
        const say = (node: ResourceNode, open: string[], unknown: string[]) => {
            for (const o of open) problems.push(`whose ${node.name} ${o}`);
            for (const u of unknown)
                problems.push(`whose ${node.name} ${u} cannot be read, so its egress is unknown`);
        };
        for (const np of nps) {
            const e = analyzeEgress(np);
            say(np, e.open, e.unknown);
            blocks.push(...e.ipBlocks);
        }
        for (const cnp of cnps) {
            const e = analyzeCiliumEgress(cnp, { model: this.ctx.model, namespace: ns, clusterwide: false });
            say(cnp, e.open, e.unknown);
            blocks.push(...e.ipBlocks);
        }
        for (const policy of calico) {
            const e = this.ctx.calico.analyzeEgress(policy, ns, false);
            say(policy, e.open, e.unknown);
            blocks.push(...e.ipBlocks);
        }
        for (const p of unionProblems(blocks, this.ctx.config)) problems.push(`whose policies together ${p}`);
        this.verdicts.set(ns, problems);
        return problems;
    }

    private ciliumPeers(policy: ResourceNode, own: string): Peer[] {
        const { spec, specs } = policy.props;
        const rules: [string, unknown][] = [];
        if (isObject(spec)) rules.push(["spec", spec]);
        if (Array.isArray(specs)) specs.forEach((s, i) => rules.push([`specs[${i}]`, s]));
        const out: Peer[] = [];
        for (const [at, rule] of rules) {
            if (!isObject(rule) || !Array.isArray(rule.egress)) continue;
            rule.egress.forEach((e, i) => {
                if (!isObject(e) || containsUnknown(e)) return; // unknown rules are reported by the open check
                const ports = ciliumPorts(e.toPorts);
                const eAt = `${at}.egress[${i}]`;
                if (Array.isArray(e.toEndpoints)) {
                    e.toEndpoints.forEach((s, j) => {
                        const peer = ciliumEndpointPeer(s, `${eAt}.toEndpoints[${j}]`, ports);
                        if (peer !== undefined) out.push(peer);
                    });
                }
                if (Array.isArray(e.toServices)) {
                    e.toServices.forEach((s, j) => {
                        const named = isObject(s) ? s.k8sService : undefined;
                        if (!isObject(named) || typeof named.serviceName !== "string") return;
                        const ns = typeof named.namespace === "string" ? named.namespace : own;
                        if (ns === own) return;
                        out.push({
                            at: `${eAt}.toServices[${j}]`,
                            namespaces: { names: [ns] },
                            pods: this.servicePods(named.serviceName, ns),
                            ports,
                            service: `${ns}/${named.serviceName}`,
                        });
                    });
                }
            });
        }
        return out;
    }

    /** The pods a declared Service selects; undefined (every pod) when it is not declared or selects none. */
    private servicePods(name: string, ns: string): Obj | undefined {
        const service = this.ctx.model.ofType(...SERVICE_TYPES).find((s) => {
            const p = placementOf(s, this.ctx.agents);
            return p.known && p.namespace === ns && metadataOf(s)?.name === name;
        });
        const spec = service?.props.spec;
        const selector = isObject(spec) ? spec.selector : undefined;
        return isObject(selector) && !containsUnknown(selector) && Object.keys(selector).length > 0
            ? { matchLabels: selector }
            : undefined;
    }
}

/** Why a peer the stack does not describe looks like a forward proxy: names, labels, ports; or undefined. */
function proxyLook(peer: Peer, names: readonly string[], selector: Obj | undefined): string | undefined {
    const words = [
        ...names.map((n) => `namespace ${n}`),
        ...(selector === undefined ? [] : selectorWords(selector, "namespace label")),
        ...(peer.pods === undefined ? [] : selectorWords(peer.pods, "pod label")),
        ...(peer.service === undefined ? [] : [`Service ${peer.service}`]),
    ].filter((w) => PROXY_WORD.test(w.slice(w.indexOf(" ") + 1)));
    const ports = peer.ports
        .filter((p) => (typeof p === "number" ? PROXY_PORTS.has(p) : PROXY_WORD.test(p)))
        .map((p) => `port ${p}`);
    const all = [...words, ...ports];
    return all.length === 0 ? undefined : all.join(", ");
}

function networkPolicyPeers(policy: ResourceNode): Peer[] {
    const spec = policy.props.spec;
    if (!isObject(spec) || !Array.isArray(spec.egress)) return [];
    const out: Peer[] = [];
    spec.egress.forEach((rule, i) => {
        if (!isObject(rule) || !Array.isArray(rule.to)) return;
        const ports = Array.isArray(rule.ports)
            ? rule.ports.flatMap((p) =>
                  isObject(p) && (typeof p.port === "number" || typeof p.port === "string") ? [p.port] : [],
              )
            : [];
        rule.to.forEach((peer, j) => {
            if (!isObject(peer) || !isObject(peer.namespaceSelector)) return; // the namespace itself, or ipBlocks
            if (containsUnknown(peer.namespaceSelector)) {
                // A wholly unknown selector is reported by the open check; an unknown label value only here.
                if (selectsNearlyEverything(peer.namespaceSelector) !== "unknown")
                    out.push({ at: `spec.egress[${i}].to[${j}]`, namespaces: "unknown", ports });
                return;
            }
            const pods =
                isObject(peer.podSelector) && !containsUnknown(peer.podSelector)
                    ? peer.podSelector
                    : undefined;
            out.push({
                at: `spec.egress[${i}].to[${j}]`,
                namespaces: namesOrSelector(peer.namespaceSelector),
                pods: pods === undefined || selectsEverything(pods) === true ? undefined : pods,
                ports,
            });
        });
    });
    return out;
}

/** A namespace selector that only pins `kubernetes.io/metadata.name` is a list of names. */
function namesOrSelector(selector: Obj): Peer["namespaces"] {
    const requirements = requirementsOf(selector);
    const byName = requirements.filter((r) => r.key === "kubernetes.io/metadata.name" && r.operator === "In");
    if (byName.length > 0 && byName.length === requirements.length) {
        const names = byName.map((r) => r.values).reduce((a, b) => a.filter((n) => b.includes(n)));
        return { names };
    }
    return { selector };
}

const CILIUM_NS_NAME = /^(k8s:|any:)?io\.kubernetes\.pod\.namespace$/;
const CILIUM_NS_LABEL = /^(k8s:|any:)?io\.cilium\.k8s\.namespace\.labels\.(.+)$/;

/** A toEndpoints selector as a peer in other namespaces; undefined when it stays in the policy's namespace. */
function ciliumEndpointPeer(selector: unknown, at: string, ports: Peer["ports"]): Peer | undefined {
    if (!isObject(selector)) return undefined;
    const nsSelector: { matchLabels: Obj; matchExpressions: Obj[] } = {
        matchLabels: {},
        matchExpressions: [],
    };
    const pods: { matchLabels: Obj; matchExpressions: Obj[] } = { matchLabels: {}, matchExpressions: [] };
    let namespaced = false;
    const place = (key: string, add: (target: typeof pods, key: string) => void) => {
        const name = CILIUM_NS_NAME.test(key) ? "kubernetes.io/metadata.name" : undefined;
        const label = CILIUM_NS_LABEL.exec(key)?.[2];
        if (name !== undefined || label !== undefined) {
            namespaced = true;
            add(nsSelector, (name ?? label) as string);
        } else add(pods, key.replace(/^(k8s|any):/, ""));
    };
    if (isObject(selector.matchLabels)) {
        for (const [key, value] of Object.entries(selector.matchLabels))
            place(key, (t, k) => void (t.matchLabels[k] = value));
    }
    if (Array.isArray(selector.matchExpressions)) {
        for (const e of selector.matchExpressions) {
            if (!isObject(e)) continue;
            place(String(e.key), (t, k) => void t.matchExpressions.push({ ...e, key: k }));
        }
    }
    if (!namespaced) return undefined;
    const podCount = Object.keys(pods.matchLabels).length + pods.matchExpressions.length;
    return { at, namespaces: namesOrSelector(nsSelector), pods: podCount === 0 ? undefined : pods, ports };
}

function ciliumPorts(toPorts: unknown): (number | string)[] {
    if (!Array.isArray(toPorts)) return [];
    return toPorts.flatMap((entry) =>
        isObject(entry) && Array.isArray(entry.ports)
            ? entry.ports.flatMap((p) => {
                  const port = isObject(p) ? p.port : undefined;
                  if (typeof port !== "string" && typeof port !== "number") return [];
                  return [/^\d+$/.test(String(port)) ? Number(port) : String(port)];
              })
            : [],
    );
}

/** A CiliumNetworkPolicy that selects every pod and has an egress section puts them in default deny. */
function ciliumDefaultDeny(policy: ResourceNode): boolean {
    const spec = policy.props.spec;
    if (!isObject(spec) || selectsEverything(spec.endpointSelector) !== true) return false;
    const defaults = isObject(spec.enableDefaultDeny) ? spec.enableDefaultDeny : {};
    if (defaults.egress === false) return false;
    return Array.isArray(spec.egress) || Array.isArray(spec.egressDeny);
}

/** Whether a workload's pods mount the ConfigMap `name` (as a volume, or projected); unknown specs do not. */
function mountsConfigMap(node: ResourceNode, name: string): boolean {
    const spec = podSpecOf(node)?.spec;
    if (!isObject(spec) || !Array.isArray(spec.volumes)) return false;
    return spec.volumes.some((v) => {
        if (!isObject(v)) return false;
        if (isObject(v.configMap) && v.configMap.name === name) return true;
        const sources =
            isObject(v.projected) && Array.isArray(v.projected.sources) ? v.projected.sources : [];
        return sources.some((src) => isObject(src) && isObject(src.configMap) && src.configMap.name === name);
    });
}

function proxyAnnotation(node: ResourceNode): unknown {
    const own = metadataOf(node)?.annotations;
    if (isObject(own) && EGRESS_PROXY_ANNOTATION in own) return own[EGRESS_PROXY_ANNOTATION];
    const template = templateMetadata(node);
    const annotations = template === "unknown" ? undefined : template?.annotations;
    return isObject(annotations) ? annotations[EGRESS_PROXY_ANNOTATION] : undefined;
}

/** The metadata of the pods a workload runs (its own for a Pod), "unknown" during preview. */
function templateMetadata(node: ResourceNode): Obj | "unknown" | undefined {
    const path = WORKLOAD_POD_SPEC_PATHS.get(node.type);
    if (path === undefined) return undefined;
    let value: unknown = node.props;
    for (const key of [...path.split(".").slice(0, -1), "metadata"]) {
        if (isUnknown(value)) return "unknown";
        if (!isObject(value)) return undefined;
        value = value[key];
    }
    if (containsUnknown(value)) return "unknown";
    return isObject(value) ? value : undefined;
}

function podLabelsOf(node: ResourceNode): Obj | "unknown" | undefined {
    const metadata = templateMetadata(node);
    if (metadata === "unknown") return "unknown";
    return isObject(metadata?.labels) ? metadata.labels : undefined;
}

function selectsDnsPods(pods: Obj | undefined): boolean {
    if (pods === undefined) return false;
    const labels = isObject(pods.matchLabels) ? pods.matchLabels : {};
    return Object.values(labels).some((v) => typeof v === "string" && DNS_POD_LABELS.has(v));
}

/** A peer whose pods are only DNS servers, in whatever namespaces (judged as DNS tunnelling). */
const isDnsOnly = (peer: Peer): boolean => selectsDnsPods(peer.pods);

function selectorWords(selector: Obj, what: string): string[] {
    return requirementsOf(selector).flatMap((r) => [
        `${what} ${r.key}`,
        ...r.values.map((v) => `${what} ${r.key}=${v}`),
    ]);
}
