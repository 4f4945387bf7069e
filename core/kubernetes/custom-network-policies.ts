import { rejectedShape } from "../shape";
import { AGENT_LABEL, type AgentNamespaces } from "../stack/agent-namespaces";
import { requirementsOf, selectorMatches } from "./label-selectors";
import type { ResourceNode, StackModel } from "../stack/stack-model";
import { containsUnknown, isUnknown } from "../unknowns";
import { fqdnBreadthFindings } from "./cilium-fqdn";
import { readCidrList, readIpBlockChecked, selectsNearlyEverything, type IpBlock } from "./network-policies";
import { serviceBackendsProblem } from "./services";
import { metadataOf } from "./placement";

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

/** What a CNI-specific policy lets the pods it selects reach (its allows add to NetworkPolicy allows). */
export interface CustomEgress {
    readonly open: string[];
    readonly unknown: string[];
    readonly ipBlocks: IpBlock[];
    /** The entries of `open` that name a public DNS resolver in `toFQDNs` (DNS tunnelling, not breadth). */
    readonly resolverNames?: string[];
    /** The entries of `open` about `toFQDNs` names and patterns (the rest are destinations). */
    readonly fqdn?: string[];
}

const CILIUM = /^kubernetes:cilium\.io\/[^:]+:CiliumNetworkPolicy$/;
const CILIUM_CLUSTERWIDE = /^kubernetes:cilium\.io\/[^:]+:CiliumClusterwideNetworkPolicy$/;
// A BaselineAdminNetworkPolicy Allow applies where no NetworkPolicy decides; it is judged like an ANP Allow.
const ADMIN = /^kubernetes:policy\.networking\.k8s\.io\/[^:]+:(Baseline)?AdminNetworkPolicy$/;

/** Custom resources that widen pod egress beyond NetworkPolicies: Cilium's own policies and AdminNetworkPolicy. */
export function customNetworkPolicies(model: StackModel): {
    cilium: ResourceNode[];
    clusterwide: ResourceNode[];
    admin: ResourceNode[];
} {
    const pick = (re: RegExp) => model.resources.filter((r) => re.test(r.type));
    return { cilium: pick(CILIUM), clusterwide: pick(CILIUM_CLUSTERWIDE), admin: pick(ADMIN) };
}

/** Where a Cilium policy sits, for the peers whose reach depends on it (`toEndpoints`, `toServices`). */
export interface CiliumContext {
    readonly model: StackModel;
    /** The CiliumNetworkPolicy's namespace; undefined for a clusterwide policy (or when unknown). */
    readonly namespace?: string;
    readonly clusterwide: boolean;
}

/** The egress allows of a Cilium(Clusterwide)NetworkPolicy, from `spec` and every `specs[]` rule. */
export function analyzeCiliumEgress(policy: ResourceNode, context?: CiliumContext): CustomEgress {
    const out: CustomEgress = { open: [], unknown: [], ipBlocks: [], resolverNames: [], fqdn: [] };
    const { spec, specs } = policy.props;
    if (isUnknown(spec) || isUnknown(specs)) return { ...out, unknown: ["spec"] };
    const rules: [string, unknown][] = [];
    if (spec !== undefined && spec !== null) rules.push(["spec", spec]);
    if (Array.isArray(specs)) specs.forEach((s, i) => rules.push([`specs[${i}]`, s]));
    else if (specs !== undefined && specs !== null) {
        out.unknown.push(rejectedShape("specs", specs, "a list of Cilium rule objects"));
    }
    // Wrong shapes are said, never skipped: a skipped rule would read as allowing nothing.
    for (const [at, rule] of rules) {
        if (isUnknown(rule)) {
            out.unknown.push(at);
            continue;
        }
        if (!isObject(rule)) {
            out.unknown.push(rejectedShape(at, rule, "a Cilium rule object"));
            continue;
        }
        const egress = rule.egress;
        if (isUnknown(egress)) out.unknown.push(`${at}.egress`);
        else if (egress !== undefined && egress !== null && !Array.isArray(egress)) {
            out.unknown.push(rejectedShape(`${at}.egress`, egress, "a list of egress rules"));
        }
        if (!Array.isArray(egress)) continue;
        egress.forEach((e, i) => ciliumEgressRule(e, `${at}.egress[${i}]`, out, context));
    }
    return out;
}

const L3_FIELDS = [
    "toEntities",
    "toCIDR",
    "toCIDRSet",
    "toEndpoints",
    "toFQDNs",
    "toServices",
    "toGroups",
    "toNodes",
];

function ciliumEgressRule(rule: unknown, at: string, out: CustomEgress, context?: CiliumContext): void {
    if (isUnknown(rule)) return void out.unknown.push(at);
    if (!isObject(rule)) return void out.unknown.push(rejectedShape(at, rule, "an egress rule object"));
    const present = L3_FIELDS.filter((f) => rule[f] !== undefined && rule[f] !== null);
    // Cilium treats a rule without any destination selector as a wildcard: only its ports narrow it.
    if (present.length === 0) {
        return void out.open.push(
            `${at} names no destination (only ports, if any), so it allows every destination`,
        );
    }
    for (const field of present) {
        const value = rule[field];
        if (containsUnknown(value)) {
            out.unknown.push(`${at}.${field}`);
            continue;
        }
        if (!Array.isArray(value)) {
            out.unknown.push(rejectedShape(`${at}.${field}`, value, "a list"));
            continue;
        }
        if (CILIUM_PEER_FIELDS.has(field)) {
            ciliumPeers(field, value, `${at}.${field}`, out, context);
            continue;
        }
        if (field === "toCIDR") {
            out.ipBlocks.push(
                ...readCidrList(value, `${at}.toCIDR`, out.unknown, { bareAddressIsHost: true }),
            );
        } else if (field === "toCIDRSet") {
            value.forEach((set, j) => {
                const setAt = `${at}.toCIDRSet[${j}]`;
                if (!isObject(set))
                    return void out.unknown.push(rejectedShape(setAt, set, "an object (cidr, except)"));
                if (
                    set.cidr === undefined &&
                    (set.cidrGroupRef !== undefined || set.cidrGroupSelector !== undefined)
                ) {
                    return void out.unknown.push(
                        `${setAt} refers to a CiliumCIDRGroup, whose CIDRs are not checked here`,
                    );
                }
                const block = readIpBlockChecked(set.cidr, set.except, setAt, out.unknown);
                if (block !== undefined) out.ipBlocks.push(block);
            });
        } else if (field === "toFQDNs") {
            const found = fqdnBreadthFindings(value, at);
            out.open.push(...found.map((f) => f.text));
            for (const f of found) (f.resolver ? out.resolverNames : out.fqdn)?.push(f.text);
        } else if (field === "toGroups") {
            out.unknown.push(
                `${at}.toGroups selects cloud-provider groups, whose addresses are not checked here`,
            );
        }
    }
}

const CILIUM_PEER_FIELDS = new Set(["toEntities", "toEndpoints", "toServices", "toNodes"]);

/**
 * Cilium entities, and why an agent must not reach them. `world` and `all` are the internet; `host`,
 * `remote-node` and `toNodes` are the nodes (kubelet, host-network pods); `kube-apiserver` the control plane;
 * `cluster` every endpoint of every tenant (plus the nodes); `unmanaged` pods no Cilium policy confines.
 * `init`, `health` and `ingress` (Cilium's own proxy and probes) reach nothing beyond Cilium: accepted.
 */
const ENTITY_REACH: Readonly<Record<string, string | null>> = {
    world: "every address outside the cluster",
    "world-ipv4": "every IPv4 address outside the cluster",
    "world-ipv6": "every IPv6 address outside the cluster",
    all: "every address, inside and outside the cluster",
    cluster: "every pod of every namespace (other tenants and kube-system), the nodes and the API server",
    host: "the local node (kubelet, host-network pods)",
    "remote-node": "every other node (kubelet, host-network pods)",
    "kube-apiserver": "the Kubernetes API server",
    unmanaged: "pods that Cilium does not manage, which no Cilium policy confines",
    init: null,
    health: null,
    ingress: null,
};

function ciliumPeers(
    field: string,
    value: unknown[],
    at: string,
    out: CustomEgress,
    context: CiliumContext | undefined,
): void {
    if (field === "toNodes") {
        return void out.open.push(
            `${at} selects nodes, which lets the pod reach every node it matches (kubelet, host-network pods); nodes are never an agent destination`,
        );
    }
    if (field === "toEntities") {
        for (const entity of value) judgeEntity(entity, at, out);
        return;
    }
    if (field === "toServices") {
        value.forEach((entry, j) => {
            const problem = serviceProblem(entry, context);
            if (problem !== undefined) out.unknown.push(`${at}[${j}] ${problem}`);
        });
        return;
    }
    const clusterwide = context?.clusterwide ?? false;
    value.forEach((selector, j) => {
        if (!isObject(selector)) {
            return void out.unknown.push(
                rejectedShape(`${at}[${j}]`, selector, "an endpoint selector object"),
            );
        }
        const reach = endpointSelectorReach(selector, clusterwide);
        if (reach !== undefined) out.open.push(`${at}[${j}] ${reach}`);
    });
}

function judgeEntity(entity: unknown, at: string, out: CustomEgress): void {
    const name = typeof entity === "string" ? entity.trim().toLowerCase() : undefined;
    const reach = name === undefined ? undefined : ENTITY_REACH[name];
    if (reach === null) return;
    if (reach === undefined) {
        return void out.unknown.push(
            `${at} entity ${JSON.stringify(entity)} is not a Cilium entity this pack knows (allowed for agents: init, health, ingress)`,
        );
    }
    out.open.push(`${at} includes "${String(entity)}", which allows egress to ${reach}`);
}

function serviceProblem(entry: unknown, context: CiliumContext | undefined): string | undefined {
    const named = isObject(entry) ? entry.k8sService : undefined;
    if (!isObject(named) || typeof named.serviceName !== "string") {
        return "selects Services by label (k8sServiceSelector) or by no name, so their backends cannot be checked; name one Service declared in this stack";
    }
    if (!context) return "names a Service whose backends cannot be checked";
    const ns = typeof named.namespace === "string" ? named.namespace : context.namespace;
    return serviceBackendsProblem(context.model, named.serviceName, ns);
}

interface CiliumRequirement {
    readonly source: string;
    readonly key: string;
    readonly operator: string;
    readonly values: string[];
}

const LABEL_SOURCE = /^(k8s|any|reserved|unspec|container|cidr|fqdn|cilium|kvstore):(.*)$/;
const POD_NAMESPACE = "io.kubernetes.pod.namespace";
const NAMESPACE_LABELS = "io.cilium.k8s.namespace.labels.";
// Every endpoint carries these; a test on them narrows nothing.
const UNIVERSAL = new Set([
    "io.cilium.k8s.policy.cluster",
    "io.cilium.k8s.policy.serviceaccount",
    POD_NAMESPACE,
    `${NAMESPACE_LABELS}kubernetes.io/metadata.name`,
]);

function ciliumRequirements(selector: Obj): CiliumRequirement[] {
    const split = (raw: string) => {
        const m = LABEL_SOURCE.exec(raw);
        return m ? { source: m[1], key: m[2] } : { source: "any", key: raw };
    };
    const out: CiliumRequirement[] = [];
    if (isObject(selector.matchLabels)) {
        for (const [raw, value] of Object.entries(selector.matchLabels)) {
            out.push({ ...split(raw), operator: "In", values: [String(value)] });
        }
    }
    if (Array.isArray(selector.matchExpressions)) {
        for (const e of selector.matchExpressions) {
            if (!isObject(e)) continue;
            const values = Array.isArray(e.values) ? e.values.map(String) : [];
            out.push({ ...split(String(e.key)), operator: String(e.operator), values });
        }
    }
    return out;
}

/**
 * Why a `toEndpoints` selector reaches too far, or undefined when it is narrow. In a CiliumNetworkPolicy a
 * selector without a namespace requirement stays in the policy's namespace; in a clusterwide policy it spans
 * the cluster, and `Exists`/`NotIn` on the namespace label spans it anywhere. `reserved:` labels are entities.
 */
function endpointSelectorReach(selector: unknown, clusterwide: boolean): string | undefined {
    if (!isObject(selector)) return undefined;
    const requirements = ciliumRequirements(selector);
    for (const r of requirements) {
        if (r.source !== "reserved" || r.operator === "NotIn" || r.operator === "DoesNotExist") continue;
        const reach = ENTITY_REACH[r.key.toLowerCase()];
        if (reach === null) continue;
        return `selects reserved:${r.key}, which allows egress to ${reach ?? "endpoints outside what the pack can check"}`;
    }
    const isNamespaceKey = (key: string) => key === POD_NAMESPACE || key.startsWith(NAMESPACE_LABELS);
    const positive = (r: CiliumRequirement) =>
        (r.operator === "In" || r.operator === "Exists") &&
        !(r.operator === "Exists" && UNIVERSAL.has(r.key));
    const namespaceReqs = requirements.filter((r) => isNamespaceKey(r.key));
    const everyNamespace = namespaceReqs.length === 0 ? clusterwide : !namespaceReqs.some(positive);
    if (!everyNamespace) return undefined;
    const rest = requirements.filter(
        (r) => !isNamespaceKey(r.key) && r.key !== "io.cilium.k8s.policy.cluster",
    );
    if (rest.some(positive)) return undefined;
    return `(${JSON.stringify(selector)}) selects nearly every endpoint of every namespace, which allows egress to other tenants' pods and kube-system`;
}

/**
 * Whether a CiliumClusterwideNetworkPolicy's endpointSelector can pick pods of an agent namespace. Pod labels
 * are the author's to choose, so only a selector that pins the namespace label to non-agent names excludes them.
 */
export function clusterwideSelectsAgents(policy: ResourceNode, agents: AgentNamespaces): boolean | "unknown" {
    const spec = policy.props.spec;
    if (isUnknown(spec)) return "unknown";
    if (!isObject(spec)) return false;
    if (spec.endpointSelector === undefined && spec.nodeSelector !== undefined) return false; // host policy
    const selector = spec.endpointSelector;
    if (containsUnknown(selector)) return "unknown";
    if (!isObject(selector)) return true;
    const names: string[] = [];
    const labels = isObject(selector.matchLabels) ? selector.matchLabels : {};
    for (const [key, value] of Object.entries(labels)) {
        if (isNamespaceKey(key) && typeof value === "string") names.push(value);
    }
    const expressions = Array.isArray(selector.matchExpressions) ? selector.matchExpressions : [];
    for (const e of expressions) {
        if (isObject(e) && isNamespaceKey(String(e.key)) && e.operator === "In" && Array.isArray(e.values)) {
            names.push(...e.values.map(String));
        }
    }
    if (names.length === 0) return true;
    return names.some((n) => agents.isAgent(n));
}

const isNamespaceKey = (key: string): boolean => /^(k8s:)?io\.kubernetes\.pod\.namespace$/.test(key);

/** The CIDRs that an AdminNetworkPolicy's `Allow` egress rules open (they override NetworkPolicy denies). */
export function analyzeAdminEgress(policy: ResourceNode): CustomEgress {
    const out: CustomEgress = { open: [], unknown: [], ipBlocks: [] };
    const spec = policy.props.spec;
    if (isUnknown(spec)) return { ...out, unknown: ["spec"] };
    if (!isObject(spec)) return out;
    if (isUnknown(spec.egress)) return { ...out, unknown: ["spec.egress"] };
    if (spec.egress === undefined || spec.egress === null) return out;
    if (!Array.isArray(spec.egress)) {
        return { ...out, unknown: [rejectedShape("spec.egress", spec.egress, "a list of egress rules")] };
    }
    spec.egress.forEach((rule, i) => {
        const at = `spec.egress[${i}]`;
        if (containsUnknown(rule)) return void out.unknown.push(at);
        if (!isObject(rule)) return void out.unknown.push(rejectedShape(at, rule, "an egress rule object"));
        if (rule.action === "Deny" || rule.action === "Pass") return;
        if (rule.action !== "Allow") {
            return void out.unknown.push(
                `${at}.action ${JSON.stringify(rule.action)} is not one of Allow, Deny, Pass`,
            );
        }
        if (!Array.isArray(rule.to)) {
            return void out.unknown.push(rejectedShape(`${at}.to`, rule.to, "a list of peers"));
        }
        rule.to.forEach((peer, j) => adminPeer(peer, `${at}.to[${j}]`, out));
    });
    return out;
}

/** One `to` peer of an (Baseline)AdminNetworkPolicy Allow: networks join the CIDR union, the rest are judged here. */
function adminPeer(peer: unknown, at: string, out: CustomEgress): void {
    if (!isObject(peer)) return void out.unknown.push(rejectedShape(at, peer, "a peer object"));
    out.ipBlocks.push(...readCidrList(peer.networks, `${at}.networks`, out.unknown));
    if (peer.nodes !== undefined && peer.nodes !== null) {
        out.open.push(
            `${at}.nodes allows egress to nodes (kubelet, host-network pods); nodes are never an agent destination`,
        );
    }
    if (isObject(peer.namespaces)) {
        // Early v1alpha1 nested the selector (namespaceSelector, sameLabels); read it as it is then.
        const nested = peer.namespaces.namespaceSelector;
        const selector = nested !== undefined ? nested : peer.namespaces;
        if (selectsNearlyEverything(selector) !== false) {
            out.open.push(
                `${at}.namespaces (${JSON.stringify(peer.namespaces)}) selects every (or all but a few) namespaces, which allows egress to every pod of every namespace`,
            );
        }
    }
    if (isObject(peer.pods)) {
        const { namespaceSelector, podSelector } = peer.pods;
        if (
            selectsNearlyEverything(namespaceSelector ?? {}) !== false &&
            selectsNearlyEverything(podSelector ?? {}) !== false
        ) {
            out.open.push(
                `${at}.pods (${JSON.stringify(peer.pods)}) selects every (or all but a few) pods of every namespace, which allows egress to other tenants' pods and kube-system`,
            );
        }
    }
    const known = ["networks", "nodes", "namespaces", "pods", "domainNames"];
    const other = Object.keys(peer).filter((k) => !known.includes(k));
    if (other.length > 0)
        out.unknown.push(`${at} has peer fields ${other.join(", ")} that the pack does not know`);
}

/** Whether an AdminNetworkPolicy's subject (`namespaces` or `pods.namespaceSelector`) can select an agent namespace. */
export function adminSubjectSelectsAgents(
    policy: ResourceNode,
    agents: AgentNamespaces,
): boolean | "unknown" {
    const spec = policy.props.spec;
    if (isUnknown(spec)) return "unknown";
    const subject = isObject(spec) ? spec.subject : undefined;
    if (containsUnknown(subject)) return "unknown";
    if (!isObject(subject)) return false;
    const selector = isObject(subject.pods) ? subject.pods.namespaceSelector : subject.namespaces;
    if (!isObject(selector)) return false;
    return namespaceSelectorReachesAgents(selector, agents);
}

/**
 * A namespace selector reaches agent namespaces when it matches a declared one, or may match one this stack
 * does not declare: no positive requirement, one on the agent label, or a name that is an agent name.
 */
function namespaceSelectorReachesAgents(selector: Obj, agents: AgentNamespaces): boolean {
    for (const { name, node } of agents.declaredAgentNamespaces()) {
        const labels = metadataOf(node)?.labels;
        // Labels unknown during preview may be anything the selector asks for.
        if (isUnknown(node.props.metadata) || containsUnknown(labels)) return true;
        const all = { ...(isObject(labels) ? labels : {}), "kubernetes.io/metadata.name": name };
        if (selectorMatches(selector, all)) return true;
    }
    const requirements = requirementsOf(selector);
    const positive = requirements.filter((r) => r.operator === "In" || r.operator === "Exists");
    if (positive.length === 0) return true;
    return positive.some(
        (r) =>
            r.key === AGENT_LABEL ||
            (r.key === "kubernetes.io/metadata.name" && r.values.some((v) => agents.isAgent(v))),
    );
}
