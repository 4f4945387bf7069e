/**
 * Reach the egress and IAM views miss: hosts an egress proxy forwards for the agent, Secrets its pods
 * read, and Kubernetes identities its IAM principals are given. Each is a list of edges (what, through
 * what), keyed by agent namespace or IAM principal, so a general reach graph can later supply the same
 * edges in place of these readers.
 */
import type { AgentNamespaces } from "../../core/stack/agent-namespaces";
import { AgentPrincipals, eksIdentityMappings } from "../../core/aws/eks-identity";
import type { AgentguardConfig } from "../../core/stack/config";
import { EGRESS_PROXY_ANNOTATION } from "../../core/kubernetes/egress-proxies";
import { selectorMatches } from "../../core/kubernetes/label-selectors";
import { metadataOf, placementOf } from "../../core/kubernetes/placement";
import { squidAllowlistProblems } from "../../core/kubernetes/squid-allowlist";
import { NETWORK_POLICY_TYPES, WORKLOAD_TYPES } from "../../core/kubernetes/types";
import { kindOf, podSpecOf } from "../../core/kubernetes/workloads";
import type { ResourceNode, StackModel } from "../../core/stack/stack-model";
import { containsUnknown, isUnknown } from "../../core/unknowns";

/** One thing the agent can reach, and the resource that gives it. */
export interface ReachEdge {
    readonly target: string;
    readonly via: string;
}

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);
const text = (v: unknown): string => (isUnknown(v) ? "unknown during preview" : String(v));

const CONFIG_MAP_TYPES = ["kubernetes:core/v1:ConfigMap", "kubernetes:core/v1:ConfigMapPatch"];

/** Secrets the pods of each agent namespace read: env, envFrom, secret and projected volumes, CSI stores. */
export function secretsByNamespace(model: StackModel, agents: AgentNamespaces): Map<string, ReachEdge[]> {
    const out = new Map<string, ReachEdge[]>();
    for (const workload of model.ofType(...WORKLOAD_TYPES)) {
        const placement = placementOf(workload, agents);
        if (!placement.known || !placement.agent) continue;
        const pod = podSpecOf(workload);
        if (!pod) continue;
        const ns = placement.namespace;
        const edges = out.get(ns) ?? [];
        const where = `${kindOf(workload.type)} ${workload.name}`;
        const add = (name: unknown, how: string) =>
            edges.push({ target: `Secret ${ns}/${text(name)}`, via: `${how} in ${where}` });
        const spec = pod.spec;
        if (isUnknown(spec) || !isObject(spec)) {
            if (isUnknown(spec)) add(spec, "a pod spec unknown during preview");
            out.set(ns, edges);
            continue;
        }
        for (const key of ["containers", "initContainers", "ephemeralContainers"]) {
            const list = spec[key];
            if (isUnknown(list)) add(list, `${key} unknown during preview`);
            if (!Array.isArray(list)) continue;
            for (const c of list) {
                if (!isObject(c)) continue;
                const container = `container ${text(c.name)}`;
                if (isUnknown(c.env)) add(c.env, `env of ${container}`);
                for (const e of Array.isArray(c.env) ? c.env : []) {
                    const ref = isObject(e) && isObject(e.valueFrom) ? e.valueFrom.secretKeyRef : undefined;
                    if (isUnknown(ref) || (isObject(e) && isUnknown(e.valueFrom)))
                        add(ref ?? e, `env of ${container}`);
                    else if (isObject(ref))
                        add(ref.name, `env ${text(isObject(e) ? e.name : "?")} (valueFrom) of ${container}`);
                }
                if (isUnknown(c.envFrom)) add(c.envFrom, `envFrom of ${container}`);
                for (const e of Array.isArray(c.envFrom) ? c.envFrom : []) {
                    if (isUnknown(e)) add(e, `envFrom of ${container}`);
                    else if (isObject(e) && e.secretRef !== undefined)
                        add(
                            isObject(e.secretRef) ? e.secretRef.name : e.secretRef,
                            `envFrom of ${container}`,
                        );
                }
            }
        }
        if (isUnknown(spec.volumes)) add(spec.volumes, "volumes");
        for (const v of Array.isArray(spec.volumes) ? spec.volumes : []) {
            if (!isObject(v)) continue;
            const volume = `volume ${text(v.name)}`;
            if (v.secret !== undefined)
                add(isObject(v.secret) ? v.secret.secretName : v.secret, `${volume} (secret)`);
            const projected = isObject(v.projected) ? v.projected.sources : v.projected;
            if (isUnknown(projected)) add(projected, `${volume} (projected)`);
            for (const s of Array.isArray(projected) ? projected : [])
                if (isObject(s) && s.secret !== undefined)
                    add(isObject(s.secret) ? s.secret.name : s.secret, `${volume} (projected)`);
            if (isObject(v.csi) && /secrets-store/i.test(text(v.csi.driver))) {
                const attrs = isObject(v.csi.volumeAttributes) ? v.csi.volumeAttributes : {};
                edges.push({
                    target: `SecretProviderClass ${ns}/${text(attrs.secretProviderClass)}`,
                    via: `${volume} (CSI ${text(v.csi.driver)}) in ${where}`,
                });
            }
        }
        out.set(ns, edges);
    }
    return out;
}

interface Proxy {
    readonly namespace: string;
    /** Pod labels of the proxy workload; undefined when the whole namespace is the proxy. */
    readonly pods: Obj | "unknown" | undefined;
    readonly ref: unknown;
    readonly owner: string;
}

function annotationOf(metadata: unknown): unknown {
    const annotations = isObject(metadata) ? metadata.annotations : undefined;
    return isObject(annotations) ? annotations[EGRESS_PROXY_ANNOTATION] : undefined;
}

function templateMetadata(node: ResourceNode): unknown {
    const pod = podSpecOf(node);
    if (!pod) return undefined;
    let value: unknown = node.props;
    for (const key of [...pod.path.split(".").slice(0, -1), "metadata"]) {
        if (!isObject(value)) return value;
        value = value[key];
    }
    return value;
}

/** Declared egress proxies: a Namespace or a workload annotated `agentguard.io/egress-proxy`. */
function declaredProxies(model: StackModel, agents: AgentNamespaces): Proxy[] {
    const out: Proxy[] = [];
    for (const [name, node] of agents.declared) {
        const ref = annotationOf(metadataOf(node));
        if (ref !== undefined)
            out.push({ namespace: name, pods: undefined, ref, owner: `Namespace ${name}` });
    }
    for (const node of model.ofType(...WORKLOAD_TYPES)) {
        const template = templateMetadata(node);
        const ref = annotationOf(metadataOf(node)) ?? annotationOf(template);
        const p = placementOf(node, agents);
        if (ref === undefined || !p.known) continue;
        const labels = isObject(template) ? template.labels : undefined;
        out.push({
            namespace: p.namespace,
            pods: containsUnknown(template) ? "unknown" : isObject(labels) ? labels : {},
            ref,
            owner: `${kindOf(node.type)} ${node.name}`,
        });
    }
    return out;
}

/** Whether one NetworkPolicy egress peer may select the proxy's pods (unknowns may: fail closed). */
function peerReaches(peer: unknown, proxy: Proxy, own: string, agents: AgentNamespaces): boolean {
    if (isUnknown(peer)) return true;
    if (!isObject(peer) || peer.ipBlock !== undefined) return false;
    const nsSelector = peer.namespaceSelector;
    if (nsSelector === undefined) {
        if (proxy.namespace !== own) return false;
    } else {
        if (containsUnknown(nsSelector) || !isObject(nsSelector)) return true;
        const node = agents.declared.get(proxy.namespace);
        const labels = node ? metadataOf(node)?.labels : undefined;
        if (containsUnknown(labels)) return true;
        const all = { ...(isObject(labels) ? labels : {}), "kubernetes.io/metadata.name": proxy.namespace };
        if (!selectorMatches(nsSelector, all)) return false;
    }
    const pods = peer.podSelector;
    if (pods === undefined || proxy.pods === undefined || proxy.pods === "unknown") return true;
    if (containsUnknown(pods) || !isObject(pods)) return true;
    return selectorMatches(pods, proxy.pods);
}

/** The hosts an allowlist's `http_access allow` lines name (dstdomain values, dstdom_regex as written). */
export function squidAllowedHosts(config: string): string[] {
    const acls = new Map<string, string[]>();
    const allowed: string[] = [];
    for (const raw of config.replace(/\\\r?\n/g, " ").split(/\r?\n/)) {
        const [directive, ...args] = raw
            .replace(/(^|\s)#.*$/, "")
            .trim()
            .split(/\s+/);
        const d = (directive ?? "").toLowerCase();
        if (d === "acl" && args.length >= 3 && /^dstdom(ain|_regex)$/i.test(args[1])) {
            const values = args.slice(2).filter((v) => !/^[-+][a-z]$/i.test(v) && v !== "--");
            acls.set(args[0], [...(acls.get(args[0]) ?? []), ...values]);
        } else if (d === "http_access" && args[0]?.toLowerCase() === "allow") {
            for (const a of args.slice(1)) if (!a.startsWith("!")) allowed.push(...(acls.get(a) ?? []));
        }
    }
    return [...new Set(allowed)].sort();
}

/** What the proxy forwards: its allowed hosts, and what cannot be read (the pack's allowlist problems). */
function proxyReach(
    model: StackModel,
    agents: AgentNamespaces,
    proxy: Proxy,
): { hosts: string[]; via: string; problems: string[] } {
    const ref = proxy.ref;
    if (isUnknown(ref) || typeof ref !== "string" || ref.trim() === "")
        return {
            hosts: [],
            via: `egress proxy ${proxy.owner}`,
            problems: [
                `its ${EGRESS_PROXY_ANNOTATION} annotation is ${text(ref)}, so its allowlist cannot be found`,
            ],
        };
    const [name, key] = ref.trim().split("/", 2);
    const via = `egress proxy ${proxy.owner}, allowlist ${proxy.namespace}/${name}`;
    const maps = allowlistMaps(model, agents, proxy);
    if (maps.length === 0)
        return { hosts: [], via, problems: ["its allowlist ConfigMap is not declared in this stack"] };
    const hosts: string[] = [];
    const problems: string[] = [];
    for (const map of maps) {
        const data = map.props.data;
        if (containsUnknown(data)) {
            problems.push("its allowlist data is unknown during preview");
            continue;
        }
        const entries = isObject(data) ? data : {};
        const keys = Object.keys(entries);
        const chosen =
            key ?? (keys.includes("squid.conf") ? "squid.conf" : keys.length === 1 ? keys[0] : undefined);
        const config = chosen === undefined ? undefined : entries[chosen];
        if (typeof config !== "string") {
            problems.push(
                `its allowlist has no ${chosen ?? "squid.conf"} entry (keys: ${keys.join(", ") || "none"})`,
            );
            continue;
        }
        hosts.push(...squidAllowedHosts(config));
        problems.push(...squidAllowlistProblems(config));
    }
    return { hosts: [...new Set(hosts)].sort(), via, problems };
}

/**
 * The ConfigMaps a proxy's annotation names, in its namespace. With `maybe`, also those whose name or
 * namespace is unknown during preview and could be it (fail closed where a change must be judged).
 */
function allowlistMaps(
    model: StackModel,
    agents: AgentNamespaces,
    proxy: Proxy,
    maybe = false,
): ResourceNode[] {
    const ref = proxy.ref;
    const name = typeof ref === "string" && !isUnknown(ref) ? ref.trim().split("/", 2)[0] : undefined;
    return model.ofType(...CONFIG_MAP_TYPES).filter((c) => {
        const p = placementOf(c, agents);
        const cmName = metadataOf(c)?.name;
        const nameOk = name === undefined || isUnknown(cmName) ? maybe : cmName === name;
        const nsOk = !p.known ? maybe : p.namespace === proxy.namespace;
        return nameOk && nsOk;
    });
}

/** Agent NetworkPolicies with their egress peers. */
function agentPeers(model: StackModel, agents: AgentNamespaces): { namespace: string; peers: unknown[] }[] {
    const out: { namespace: string; peers: unknown[] }[] = [];
    for (const policy of model.ofType(...NETWORK_POLICY_TYPES)) {
        const placement = placementOf(policy, agents);
        if (!placement.known || !placement.agent) continue;
        const spec = policy.props.spec;
        const rules = isObject(spec) && Array.isArray(spec.egress) ? spec.egress : [];
        const peers = rules.flatMap((r) =>
            isObject(r) && Array.isArray(r.to) ? r.to : isUnknown(r) ? [r] : [],
        );
        out.push({ namespace: placement.namespace, peers });
    }
    return out;
}

/**
 * Every allowlist ConfigMap of a declared egress proxy, and whether an agent NetworkPolicy of this stack is
 * seen to reach that proxy. An allowlist no agent policy is seen to reach may still be reached (by address,
 * through a Service IP, a Cilium or Calico policy): its changes cannot be judged by reach.
 */
export function proxyAllowlists(
    model: StackModel,
    agents: AgentNamespaces,
): { urn: string; proxy: string; reached: boolean }[] {
    const policies = agentPeers(model, agents);
    return declaredProxies(model, agents).flatMap((proxy) => {
        const reached = policies.some((p) =>
            p.peers.some((peer) => peerReaches(peer, proxy, p.namespace, agents)),
        );
        return allowlistMaps(model, agents, proxy, true).map((m) => ({
            urn: m.urn,
            proxy: proxy.owner,
            reached,
        }));
    });
}

/** Per agent namespace, the proxies its NetworkPolicies let it reach, with what each forwards. */
export function proxyEgressByNamespace(
    model: StackModel,
    agents: AgentNamespaces,
): Map<string, { hosts: ReachEdge[]; problems: string[] }> {
    const proxies = declaredProxies(model, agents);
    const out = new Map<string, { hosts: ReachEdge[]; problems: string[] }>();
    if (proxies.length === 0) return out;
    const reachOf = new Map<Proxy, ReturnType<typeof proxyReach>>();
    for (const { namespace, peers } of agentPeers(model, agents)) {
        for (const proxy of proxies) {
            if (!peers.some((p) => peerReaches(p, proxy, namespace, agents))) continue;
            let reach = reachOf.get(proxy);
            if (!reach) reachOf.set(proxy, (reach = proxyReach(model, agents, proxy)));
            const entry = out.get(namespace) ?? { hosts: [], problems: [] };
            for (const h of reach.hosts)
                if (!entry.hosts.some((e) => e.target === h && e.via === reach!.via))
                    entry.hosts.push({ target: h, via: reach.via });
            for (const p of reach.problems) {
                const line = `${reach.via}: ${p}`;
                if (!entry.problems.includes(line)) entry.problems.push(line);
            }
            out.set(namespace, entry);
        }
    }
    return out;
}

/** One Kubernetes identity given to an IAM principal that is (or may be) an agent's. */
export interface KubernetesIdentityEdge extends ReachEdge {
    /** The IAM principal: an ARN as written, or the resources its unknown value is computed from. */
    readonly principal: string;
    readonly principalUrns: readonly string[];
    readonly certainty: "agent" | "possible";
}

const ARN = /^arn:[^:]+:(?:iam|sts)::[^:]*:(role|assumed-role|user)\/(.+)$/i;

/** Kubernetes identities (aws-auth, access entries, access policies) given to agent principals. */
export function kubernetesIdentities(
    model: StackModel,
    config: AgentguardConfig,
    agents: AgentNamespaces,
): KubernetesIdentityEdge[] {
    const { mappings, unreadable } = eksIdentityMappings(model, agents);
    const principals = new AgentPrincipals(model, config, agents);
    const out: KubernetesIdentityEdge[] = [];
    for (const m of mappings) {
        const verdict = principals.classify(m.node, m.principalKey, m.principal);
        if (verdict.kind === "not") continue;
        const where = `${kindOf(m.node.type)} ${m.node.name}${m.at ? ` ${m.at}` : ""}`;
        const groups = typeof m.groups === "string" ? m.groups : `groups [${m.groups.join(", ")}]`;
        const policy = m.accessPolicy ? `access policy ${text(m.accessPolicy.arn)}` : undefined;
        const user = m.username !== undefined ? `user ${text(m.username)}` : undefined;
        const principal =
            typeof m.principal === "string" && !isUnknown(m.principal) ? m.principal : "unknown";
        out.push({
            target: [policy ?? groups, user].filter((x) => x !== undefined).join(", "),
            via: where,
            principal,
            principalUrns: (m.node.propertyDependencies[m.principalKey] ?? []).map((d) => d.urn),
            certainty: verdict.kind,
        });
    }
    for (const u of unreadable)
        out.push({
            target: `unreadable: ${u.why}`,
            via: `${kindOf(u.node.type)} ${u.node.name}`,
            principal: "unknown",
            principalUrns: [],
            certainty: "possible",
        });
    return out;
}

/** The IAM name an ARN names (lower case), for matching a mapping to the agent's identities. */
export function principalName(arn: string): string | undefined {
    const m = ARN.exec(arn.trim());
    if (!m) return undefined;
    const parts = m[2].split("/").filter((p) => p !== "");
    // assumed-role/<role>/<session>; role/<path...>/<name>; user/<path...>/<name>.
    const name = m[1].toLowerCase() === "assumed-role" ? parts[0] : parts[parts.length - 1];
    return name?.toLowerCase();
}
