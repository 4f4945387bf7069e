import type { AgentNamespaces } from "../../../core/stack/agent-namespaces";
import type { ResourceNode, StackModel } from "../../../core/stack/stack-model";
import { isUnknown } from "../unknowns";
import { placementOf } from "../../../core/kubernetes/placement";
import { RESOURCE_QUOTA_TYPES } from "../../../core/kubernetes/types";

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

/** Which compute the quotas of one namespace cap. */
export interface QuotaCaps {
    gpu: boolean;
    cpu: boolean;
    memory: boolean;
    /** Every hard-limit key of the unscoped quotas, so a cap can be matched to the resource a pod asks for. */
    keys: Set<string>;
    /** Quotas whose hard limits or scopes are unknown, so they may or may not cap. */
    unknown: string[];
}

const isGpuKey = (key: string) => /^requests\..*gpu/i.test(key);
const CPU_KEYS = new Set(["cpu", "requests.cpu", "limits.cpu"]);
const MEMORY_KEYS = new Set(["memory", "requests.memory", "limits.memory"]);

/** Caps per namespace name, from every unscoped ResourceQuota the stack declares. */
export function quotaCapsByNamespace(model: StackModel, agents: AgentNamespaces): Map<string, QuotaCaps> {
    const caps = new Map<string, QuotaCaps>();
    for (const quota of model.ofType(...RESOURCE_QUOTA_TYPES)) {
        const placement = placementOf(quota, agents);
        if (!placement.known) continue;
        const entry = caps.get(placement.namespace) ?? {
            gpu: false,
            cpu: false,
            memory: false,
            keys: new Set<string>(),
            unknown: [],
        };
        caps.set(placement.namespace, entry);
        addQuota(quota, entry);
    }
    return caps;
}

function addQuota(quota: ResourceNode, caps: QuotaCaps): void {
    const spec = quota.props.spec;
    if (isUnknown(spec)) return void caps.unknown.push(`ResourceQuota ${quota.name}: spec is unknown`);
    if (!isObject(spec)) return;
    if (isUnknown(spec.scopes) || isUnknown(spec.scopeSelector)) {
        return void caps.unknown.push(`ResourceQuota ${quota.name}: scopes are unknown`);
    }
    // A scoped quota (e.g. Terminating only) leaves the other pods uncapped.
    const scoped = (Array.isArray(spec.scopes) && spec.scopes.length > 0) || isObject(spec.scopeSelector);
    if (scoped) return;
    const hard = spec.hard;
    if (isUnknown(hard)) return void caps.unknown.push(`ResourceQuota ${quota.name}: spec.hard is unknown`);
    if (!isObject(hard)) return;
    for (const key of Object.keys(hard)) {
        caps.keys.add(key);
        if (isGpuKey(key)) caps.gpu = true;
        if (CPU_KEYS.has(key)) caps.cpu = true;
        if (MEMORY_KEYS.has(key)) caps.memory = true;
    }
}

/**
 * GPU resource names a pod spec requests or limits (`nvidia.com/gpu`, `amd.com/gpu`…) as "name: amount", the
 * bare names in `names`, or what is unknown.
 */
export function gpuRequests(podSpec: unknown): { gpus: string[]; names: string[]; unknown: string[] } {
    const out = { gpus: [] as string[], names: [] as string[], unknown: [] as string[] };
    if (isUnknown(podSpec)) return { gpus: [], names: [], unknown: ["the pod spec"] };
    if (!isObject(podSpec)) return out;
    for (const list of ["containers", "initContainers"]) {
        const containers = podSpec[list];
        if (isUnknown(containers)) {
            out.unknown.push(list);
            continue;
        }
        if (!Array.isArray(containers)) continue;
        containers.forEach((c, i) => {
            const resources = isObject(c) ? c.resources : c;
            if (isUnknown(resources)) return void out.unknown.push(`${list}[${i}].resources`);
            if (!isObject(resources)) return;
            for (const kind of ["limits", "requests"]) {
                const amounts = resources[kind];
                if (isUnknown(amounts)) out.unknown.push(`${list}[${i}].resources.${kind}`);
                else if (isObject(amounts)) {
                    for (const [key, value] of Object.entries(amounts)) {
                        if (/gpu/i.test(key) && value !== 0 && value !== "0") {
                            out.gpus.push(`${key}: ${String(value)}`);
                            if (!out.names.includes(key)) out.names.push(key);
                        }
                    }
                }
            }
        });
    }
    return out;
}
