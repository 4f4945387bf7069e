import type { AgentNamespaces } from "../../../core/stack/agent-namespaces";
import type { ResourceNode, StackModel } from "../../../core/stack/stack-model";
import { isUnknown } from "../unknowns";
import { placementOf } from "../../../core/kubernetes/placement";
import { RESOURCE_QUOTA_TYPES } from "../../../core/kubernetes/types";
import { containersOf } from "../../../core/kubernetes/workloads";

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

/** Which compute the quotas of one namespace cap. */
export interface QuotaCaps {
    gpu: boolean;
    cpu: boolean;
    memory: boolean;
    /** Every hard-limit key of the unscoped quotas, so a cap can be matched to the resource a pod asks for. */
    keys: Set<string>;
    /** The hard-limit keys of the unscoped quotas set to zero (`services.loadbalancers: "0"`). */
    zero: Set<string>;
    /** Quotas whose hard limits or scopes are unknown, so they may or may not cap. */
    unknown: string[];
}

const isGpuKey = (key: string) =>
    key.startsWith("requests.") && acceleratorKind(key.slice(9)) === "accelerator";
const CPU_KEYS = new Set(["cpu", "requests.cpu", "limits.cpu"]);
const MEMORY_KEYS = new Set(["memory", "requests.memory", "limits.memory"]);

/**
 * Caps per namespace name, from every unscoped ResourceQuota the stack declares. Declarations of one quota
 * (a ResourceQuota and the ResourceQuotaPatches of its name) are judged together: a Patch that adds scopes
 * or a scopeSelector narrows the quota its sibling declared, so none of them caps.
 */
export function quotaCapsByNamespace(model: StackModel, agents: AgentNamespaces): Map<string, QuotaCaps> {
    const caps = new Map<string, QuotaCaps>();
    const groups = new Map<string, { namespace: string; nodes: ResourceNode[] }>();
    for (const quota of model.ofType(...RESOURCE_QUOTA_TYPES)) {
        const placement = placementOf(quota, agents);
        if (!placement.known) continue;
        const metadata = quota.props.metadata;
        const name = isObject(metadata) && typeof metadata.name === "string" ? metadata.name : quota.urn;
        const key = `${placement.namespace}\u0000${name}`;
        const group = groups.get(key) ?? { namespace: placement.namespace, nodes: [] };
        group.nodes.push(quota);
        groups.set(key, group);
    }
    for (const { namespace, nodes } of groups.values()) {
        const entry = caps.get(namespace) ?? {
            gpu: false,
            cpu: false,
            memory: false,
            keys: new Set<string>(),
            zero: new Set<string>(),
            unknown: [],
        };
        caps.set(namespace, entry);
        const scoping = nodes.map(scopingOf);
        const unknown = nodes.filter((_, i) => scoping[i] === "unknown");
        if (unknown.length > 0) {
            entry.unknown.push(...unknown.map((q) => `ResourceQuota ${q.name}: scopes are unknown`));
            continue;
        }
        // A scoped quota (e.g. Terminating only) leaves the other pods uncapped.
        if (scoping.includes("scoped")) continue;
        for (const quota of nodes) addQuota(quota, entry);
    }
    return caps;
}

function scopingOf(quota: ResourceNode): "scoped" | "unscoped" | "unknown" {
    const spec = quota.props.spec;
    if (!isObject(spec)) return "unscoped";
    if (isUnknown(spec.scopes) || isUnknown(spec.scopeSelector)) return "unknown";
    const scoped = (Array.isArray(spec.scopes) && spec.scopes.length > 0) || isObject(spec.scopeSelector);
    return scoped ? "scoped" : "unscoped";
}

function addQuota(quota: ResourceNode, caps: QuotaCaps): void {
    const spec = quota.props.spec;
    if (isUnknown(spec)) return void caps.unknown.push(`ResourceQuota ${quota.name}: spec is unknown`);
    if (!isObject(spec)) return;
    const hard = spec.hard;
    if (isUnknown(hard)) return void caps.unknown.push(`ResourceQuota ${quota.name}: spec.hard is unknown`);
    if (!isObject(hard)) return;
    for (const key of Object.keys(hard)) {
        caps.keys.add(key);
        if (isZero(hard[key])) caps.zero.add(key);
        if (isGpuKey(key)) caps.gpu = true;
        if (CPU_KEYS.has(key)) caps.cpu = true;
        if (MEMORY_KEYS.has(key)) caps.memory = true;
    }
}

/** Names Kubernetes itself accounts for; every other name is an extended resource some device plugin advertises. */
const STANDARD_RESOURCES = new Set(["cpu", "memory", "ephemeral-storage", "storage", "pods"]);
/**
 * Extended resources known to be accelerators: GPUs of every vendor, NVIDIA MIG profiles and shared or
 * time-sliced names (`nvidia.com/mig-1g.5gb`, `nvidia.com/gpu.shared`), Gaudi, Neuron, TPUs, FPGAs.
 */
const ACCELERATOR =
    /gpu|tpu|mig-|neuron|gaudi|fpga|accelerat|^(nvidia\.com|amd\.com|habana\.ai|xilinx\.com)\//i;

/**
 * How the pack treats a resource name in a container's requests or limits: `accelerator` for a known
 * accelerator name, `extended` for any other extended resource (judged as one: a device plugin can advertise
 * GPUs under any name, so it needs the same quota), undefined for cpu, memory, storage, hugepages and
 * kubernetes.io names.
 */
export function acceleratorKind(name: string): "accelerator" | "extended" | undefined {
    if (STANDARD_RESOURCES.has(name) || /^(hugepages-|attachable-volumes-)/.test(name)) return undefined;
    const domain = name.includes("/") ? name.slice(0, name.indexOf("/")) : "";
    if (domain === "kubernetes.io" || domain.endsWith(".kubernetes.io")) return undefined;
    return ACCELERATOR.test(name) ? "accelerator" : "extended";
}

/** Accelerator requests: "name: amount" entries, the bare names, and what is unknown during preview. */
export interface GpuRequests {
    gpus: string[];
    names: string[];
    unknown: string[];
}

const emptyRequests = (): GpuRequests => ({ gpus: [], names: [], unknown: [] });

/** A quantity that asks for nothing ("0", 0, "0.0", "0m"). */
function isZero(value: unknown): boolean {
    return (
        value === 0 ||
        (typeof value === "string" && /^\s*[+]?0*(\.0*)?[a-zA-Z]*\s*$/.test(value) && /0/.test(value))
    );
}

/** Adds the accelerator (and other extended resource) amounts of one `limits` or `requests` map. */
export function addAmounts(amounts: unknown, at: string, out: GpuRequests, source = ""): void {
    if (isUnknown(amounts)) return void out.unknown.push(at);
    if (!isObject(amounts)) return;
    for (const [key, value] of Object.entries(amounts)) {
        const kind = acceleratorKind(key);
        if (kind === undefined) continue;
        if (isUnknown(value)) {
            out.unknown.push(`${at}.${key}`);
            continue;
        }
        if (isZero(value)) continue;
        const note =
            kind === "extended" ? " (an extended resource not known as an accelerator, judged as one)" : "";
        out.gpus.push(`${key}: ${String(value)}${source ? ` ${source}` : ""}${note}`);
        if (!out.names.includes(key)) out.names.push(key);
    }
}

/**
 * Accelerator resource names a pod spec requests or limits (`nvidia.com/gpu`, `nvidia.com/mig-1g.5gb`,
 * `amd.com/gpu`, any other extended resource…) in every container it runs, as "name: amount", the bare names
 * in `names`, or what is unknown.
 */
export function gpuRequests(podSpec: unknown, at = ""): GpuRequests {
    const out = emptyRequests();
    const prefix = at === "" ? "" : `${at}.`;
    if (isUnknown(podSpec)) return { ...out, unknown: [at === "" ? "the pod spec" : at] };
    if (!isObject(podSpec)) return out;
    for (const { path, container } of containersOf(podSpec, at)) {
        const where = at === "" ? path.replace(/^\./, "") : path;
        if (isUnknown(container)) {
            out.unknown.push(where);
            continue;
        }
        const resources = isObject(container) ? container.resources : undefined;
        if (isUnknown(resources)) {
            out.unknown.push(`${where}.resources`);
            continue;
        }
        if (!isObject(resources)) continue;
        for (const kind of ["limits", "requests"])
            addAmounts(resources[kind], `${where}.resources.${kind}`, out, at === "" ? "" : `at ${where}`);
    }
    // Pod-level resources (spec.resources) count toward quota like a container's.
    const podResources = podSpec.resources;
    if (isUnknown(podResources)) out.unknown.push(`${prefix}resources`);
    else if (isObject(podResources))
        for (const kind of ["limits", "requests"])
            addAmounts(
                podResources[kind],
                `${prefix}resources.${kind}`,
                out,
                `in ${prefix}resources.${kind}`,
            );
    return out;
}

/**
 * Accelerator amounts a custom resource sets outside its pod specs, in shapes of its own: any `limits` or
 * `requests` map (KServe `predictor.model.resources`, TrainJob `trainer.resourcesPerNode`) and Spark's
 * `gpu: {name, quantity}`.
 */
export function looseGpuRequests(objects: readonly { path: string; value: Obj }[]): GpuRequests {
    const out = emptyRequests();
    for (const { path, value } of objects) {
        for (const kind of ["limits", "requests"])
            if (kind in value) addAmounts(value[kind], `${path}.${kind}`, out, `at ${path}.${kind}`);
        const gpu = value.gpu;
        if (isUnknown(gpu)) out.unknown.push(`${path}.gpu`);
        else if (isObject(gpu) && (gpu.name !== undefined || gpu.quantity !== undefined)) {
            if (isUnknown(gpu.name) || typeof gpu.name !== "string") out.unknown.push(`${path}.gpu.name`);
            else addAmounts({ [gpu.name]: gpu.quantity ?? 1 }, `${path}.gpu`, out, `at ${path}.gpu`);
        }
    }
    return out;
}

/** Several request sets as one. */
export function mergeRequests(...all: GpuRequests[]): GpuRequests {
    const out = emptyRequests();
    for (const r of all) {
        out.gpus.push(...r.gpus);
        out.unknown.push(...r.unknown);
        for (const n of r.names) if (!out.names.includes(n)) out.names.push(n);
    }
    return out;
}
