import { AGENT_LABEL, type AgentNamespaces } from "../agent-namespaces";
import type { ResourceNode, StackModel } from "../stack-model";
import { containsUnknown, isUnknown } from "../unknowns";
import { fqdnBreadthFindings } from "./cilium-fqdn";
import type { IpBlock } from "./network-policies";
import { metadataOf } from "./placement";

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

/** What a CNI-specific policy lets the pods it selects reach (its allows add to NetworkPolicy allows). */
export interface CustomEgress {
    readonly open: string[];
    readonly unknown: string[];
    readonly ipBlocks: IpBlock[];
}

const CILIUM = /^kubernetes:cilium\.io\/[^:]+:CiliumNetworkPolicy$/;
const CILIUM_CLUSTERWIDE = /^kubernetes:cilium\.io\/[^:]+:CiliumClusterwideNetworkPolicy$/;
const ADMIN = /^kubernetes:policy\.networking\.k8s\.io\/[^:]+:AdminNetworkPolicy$/;

/** Custom resources that widen pod egress beyond NetworkPolicies: Cilium's own policies and AdminNetworkPolicy. */
export function customNetworkPolicies(model: StackModel): {
    cilium: ResourceNode[];
    clusterwide: ResourceNode[];
    admin: ResourceNode[];
} {
    const pick = (re: RegExp) => model.resources.filter((r) => re.test(r.type));
    return { cilium: pick(CILIUM), clusterwide: pick(CILIUM_CLUSTERWIDE), admin: pick(ADMIN) };
}

// Entities outside the cluster: `world` (and its per-family forms) is the internet, `all` everything.
const OPEN_ENTITIES = new Set(["world", "world-ipv4", "world-ipv6", "all"]);

/** The egress allows of a Cilium(Clusterwide)NetworkPolicy, from `spec` and every `specs[]` rule. */
export function analyzeCiliumEgress(policy: ResourceNode): CustomEgress {
    const out: CustomEgress = { open: [], unknown: [], ipBlocks: [] };
    const { spec, specs } = policy.props;
    if (isUnknown(spec) || isUnknown(specs)) return { ...out, unknown: ["spec"] };
    const rules: [string, unknown][] = [];
    if (isObject(spec)) rules.push(["spec", spec]);
    if (Array.isArray(specs)) specs.forEach((s, i) => rules.push([`specs[${i}]`, s]));
    for (const [at, rule] of rules) {
        if (!isObject(rule)) continue;
        if (isUnknown(rule.egress)) out.unknown.push(`${at}.egress`);
        if (!Array.isArray(rule.egress)) continue;
        rule.egress.forEach((e, i) => ciliumEgressRule(e, `${at}.egress[${i}]`, out));
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

function ciliumEgressRule(rule: unknown, at: string, out: CustomEgress): void {
    if (isUnknown(rule)) return void out.unknown.push(at);
    if (!isObject(rule)) return;
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
        if (!Array.isArray(value)) continue;
        if (field === "toEntities") {
            const open = value.filter((v) => typeof v === "string" && OPEN_ENTITIES.has(v.toLowerCase()));
            if (open.length > 0) {
                out.open.push(
                    `${at}.toEntities includes ${open.map((v) => `"${String(v)}"`).join(", ")}, which allows egress to every address outside the cluster`,
                );
            }
        } else if (field === "toCIDR") {
            for (const cidr of value) if (typeof cidr === "string") out.ipBlocks.push({ cidr });
        } else if (field === "toCIDRSet") {
            value.forEach((set, j) => {
                if (!isObject(set)) return;
                if (typeof set.cidr === "string") {
                    const except = Array.isArray(set.except)
                        ? set.except.filter((e) => typeof e === "string")
                        : [];
                    out.ipBlocks.push({ cidr: set.cidr, except });
                } else if (set.cidrGroupRef !== undefined || set.cidrGroupSelector !== undefined) {
                    out.unknown.push(
                        `${at}.toCIDRSet[${j}] refers to a CiliumCIDRGroup, whose CIDRs are not checked here`,
                    );
                }
            });
        } else if (field === "toFQDNs") {
            out.open.push(...fqdnBreadthFindings(value, at));
        } else if (field === "toGroups") {
            out.unknown.push(
                `${at}.toGroups selects cloud-provider groups, whose addresses are not checked here`,
            );
        }
    }
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
    if (!Array.isArray(spec.egress)) return out;
    spec.egress.forEach((rule, i) => {
        const at = `spec.egress[${i}]`;
        if (containsUnknown(rule)) return void out.unknown.push(at);
        if (!isObject(rule) || rule.action !== "Allow" || !Array.isArray(rule.to)) return;
        rule.to.forEach((peer, j) => {
            if (!isObject(peer)) return;
            if (Array.isArray(peer.networks)) {
                for (const cidr of peer.networks) if (typeof cidr === "string") out.ipBlocks.push({ cidr });
            }
            if (isObject(peer.namespaces) && Object.keys(peer.namespaces).length === 0) {
                out.open.push(
                    `${at}.to[${j}].namespaces is {}, which allows egress to every pod of every namespace`,
                );
            }
        });
    });
    return out;
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
        if (matches(selector, all)) return true;
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

interface Requirement {
    readonly key: string;
    readonly operator: string;
    readonly values: string[];
}

function requirementsOf(selector: Obj): Requirement[] {
    const out: Requirement[] = [];
    if (isObject(selector.matchLabels)) {
        for (const [key, value] of Object.entries(selector.matchLabels)) {
            out.push({ key, operator: "In", values: [String(value)] });
        }
    }
    if (Array.isArray(selector.matchExpressions)) {
        for (const e of selector.matchExpressions) {
            if (!isObject(e)) continue;
            const values = Array.isArray(e.values) ? e.values.map(String) : [];
            out.push({ key: String(e.key), operator: String(e.operator), values });
        }
    }
    return out;
}

function matches(selector: Obj, labels: Obj): boolean {
    return requirementsOf(selector).every(({ key, operator, values }) => {
        const has = key in labels;
        const value = String(labels[key]);
        if (operator === "In") return has && values.includes(value);
        if (operator === "NotIn") return !has || !values.includes(value);
        if (operator === "Exists") return has;
        if (operator === "DoesNotExist") return !has;
        return true; // an unknown operator: assume it may match
    });
}
