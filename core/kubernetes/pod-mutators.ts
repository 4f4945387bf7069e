import type { AgentNamespaces } from "../stack/agent-namespaces";
import type { ResourceNode, StackModel } from "../stack/stack-model";
import { isUnknown } from "../unknowns";
import { selectorMatches } from "./label-selectors";

/**
 * Admission objects of the stack that rewrite pods (or the workloads and custom resources that stamp them)
 * before they run: what they add is not in any pod spec the rules read. MutatingAdmissionPolicies carry
 * their mutations as CEL text; MutatingWebhookConfigurations send pods to a service nobody here can read.
 */
export interface PodMutator {
    readonly node: ResourceNode;
    readonly kind: "MutatingAdmissionPolicy" | "MutatingWebhookConfiguration";
    /** Why it may reach pods of agent namespaces. */
    readonly reach: string;
    /** The mutation expressions by path (policies only), or why they cannot be read. */
    readonly mutations: readonly { path: string; text: string }[];
    readonly unknown: readonly string[];
}

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);
const versions = (kind: string, list: string[]) =>
    list.flatMap((v) => [
        `kubernetes:admissionregistration.k8s.io/${v}:${kind}`,
        `kubernetes:admissionregistration.k8s.io/${v}:${kind}Patch`,
    ]);
const POLICY_TYPES = versions("MutatingAdmissionPolicy", ["v1", "v1beta1", "v1alpha1"]);
const WEBHOOK_TYPES = versions("MutatingWebhookConfiguration", ["v1", "v1beta1"]);
/** Resources whose objects become pods: pods and the built-in controllers' kinds. */
const POD_RESOURCES = new Set([
    "pods",
    "podtemplates",
    "deployments",
    "statefulsets",
    "daemonsets",
    "replicasets",
    "replicationcontrollers",
    "jobs",
    "cronjobs",
]);
const BUILT_IN_GROUPS = new Set(["", "apps", "batch", "extensions"]);

/** Every mutating policy or webhook that may rewrite pods in an agent namespace this stack declares. */
export function podMutators(model: StackModel, agents: AgentNamespaces): PodMutator[] {
    const agentNamespaces = agents.declaredAgentNamespaces();
    if (agentNamespaces.length === 0) return [];
    const out: PodMutator[] = [];
    for (const node of model.ofType(...POLICY_TYPES)) {
        const spec = node.props.spec;
        const unknown: string[] = [];
        if (isUnknown(spec)) unknown.push("spec is unknown during preview");
        const constraints = isObject(spec) ? spec.matchConstraints : undefined;
        const reach = coversAgentPods(constraints, "spec.matchConstraints", agentNamespaces, unknown);
        if (reach === undefined) continue;
        const mutations: { path: string; text: string }[] = [];
        const list = isObject(spec) ? spec.mutations : undefined;
        if (isUnknown(list)) unknown.push("spec.mutations is unknown during preview");
        else if (Array.isArray(list))
            list.forEach((m, i) => {
                for (const key of ["applyConfiguration", "jsonPatch"]) {
                    const holder = isObject(m) ? m[key] : undefined;
                    const expression = isObject(holder) ? holder.expression : undefined;
                    const path = `spec.mutations[${i}].${key}.expression`;
                    if (isUnknown(expression)) unknown.push(`${path} is unknown during preview`);
                    else if (typeof expression === "string") mutations.push({ path, text: expression });
                }
            });
        out.push({ node, kind: "MutatingAdmissionPolicy", reach, mutations, unknown });
    }
    for (const node of model.ofType(...WEBHOOK_TYPES)) {
        const webhooks = node.props.webhooks;
        const unknown: string[] = [];
        if (isUnknown(webhooks)) {
            out.push({
                node,
                kind: "MutatingWebhookConfiguration",
                reach: "its webhooks are unknown during preview",
                mutations: [],
                unknown: ["webhooks are unknown during preview"],
            });
            continue;
        }
        if (!Array.isArray(webhooks)) continue;
        const reaches = webhooks.flatMap((w, i) => {
            const reach = coversAgentPods(w, `webhooks[${i}]`, agentNamespaces, unknown);
            return reach === undefined ? [] : [reach];
        });
        if (reaches.length > 0)
            out.push({
                node,
                kind: "MutatingWebhookConfiguration",
                reach: reaches.join("; "),
                mutations: [],
                unknown,
            });
    }
    return out;
}

/**
 * Why a policy's matchConstraints (or a webhook) may reach pods in a declared agent namespace, or undefined:
 * a rule on pods, pod controllers, any resource or a custom group (custom resources stamp pods too), and a
 * namespaceSelector that matches at least one declared agent namespace (or cannot be read).
 */
function coversAgentPods(
    holder: unknown,
    at: string,
    agentNamespaces: readonly { name: string; node: ResourceNode }[],
    unknown: string[],
): string | undefined {
    if (isUnknown(holder)) {
        unknown.push(`${at} is unknown during preview`);
        return `${at} is unknown during preview`;
    }
    if (!isObject(holder)) return undefined;
    const rules = holder.resourceRules ?? holder.rules;
    let podRule: string | undefined;
    if (isUnknown(rules)) podRule = `${at} rules are unknown during preview`;
    else if (Array.isArray(rules))
        rules.forEach((rule, i) => {
            if (podRule !== undefined) return;
            if (isUnknown(rule) || !isObject(rule)) return void (podRule = `${at} rule ${i} cannot be read`);
            const groups = Array.isArray(rule.apiGroups) ? rule.apiGroups : [];
            const resources = Array.isArray(rule.resources) ? rule.resources : [];
            const group = groups.find((g) => typeof g !== "string" || g === "*" || !BUILT_IN_GROUPS.has(g));
            const resource = resources.find(
                (r) =>
                    typeof r !== "string" ||
                    r === "*" ||
                    r.startsWith("*/") ||
                    POD_RESOURCES.has(r.split("/")[0]),
            );
            if (resource !== undefined && groups.some((g) => g === "*" || BUILT_IN_GROUPS.has(String(g))))
                podRule = `it matches ${JSON.stringify(resource)}`;
            else if (group !== undefined && resources.length > 0)
                podRule = `it matches resources of API group ${JSON.stringify(group)}, whose custom resources may run pods`;
        });
    if (podRule === undefined) return undefined;
    const selector = holder.namespaceSelector;
    if (isUnknown(selector)) return `${podRule}, and its namespaceSelector is unknown during preview`;
    if (!isObject(selector)) return `${podRule} in every namespace`;
    const reached = agentNamespaces.filter(({ name, node }) => {
        const metadata = node.props.metadata;
        const labels = isObject(metadata) ? metadata.labels : undefined;
        if (isUnknown(labels)) return true;
        return selectorMatches(selector, {
            ...(isObject(labels) ? labels : {}),
            "kubernetes.io/metadata.name": name,
        });
    });
    if (reached.length === 0) return undefined;
    return `${podRule} in agent namespace ${reached.map((n) => n.name).join(", ")}`;
}

/** Pod fields that reach the host, as a mutation's CEL would name them. */
export const HOST_FIELDS =
    /\b(hostNetwork|hostPID|hostIPC|hostPath|hostPort|hostProcess|privileged|allowPrivilegeEscalation|capabilities|seccompProfile|appArmorProfile|procMount|sysctls|seLinuxOptions)\b/g;
/** What a mutation would write to hand a pod GPUs: accelerator names, claims, runtime classes, NVIDIA env, CDI. */
export const GPU_FIELDS =
    /(nvidia|gpu|mig-|neuron|gaudi|habana|tpu|amd\.com|resourceClaims|runtimeClassName|cdi\.k8s\.io)/gi;

/**
 * What a mutator may add that `fields` names: each mutation expression that mentions such a field, with
 * the fields, and what could not be read; for a webhook, that its mutations are a service's to choose.
 */
export function mutatorFindings(mutator: PodMutator, fields: RegExp): string[] {
    if (mutator.kind === "MutatingWebhookConfiguration")
        return ["its mutations are made by a webhook service at admission, which no policy can read"];
    const found = mutator.mutations.flatMap(({ path, text }) => {
        const words = [...new Set([...text.matchAll(fields)].map((m) => m[0]))];
        return words.length > 0 ? [`${path} writes ${words.join(", ")}`] : [];
    });
    return [...found, ...mutator.unknown.map((u) => `${u}, so what it writes cannot be read`)];
}
