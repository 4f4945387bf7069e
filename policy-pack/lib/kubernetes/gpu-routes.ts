import type { ResourceNode, StackModel } from "../../../core/stack/stack-model";
import { isUnknown } from "../unknowns";
import { placementOf, type Placement } from "../../../core/kubernetes/placement";
import type { AgentNamespaces } from "../../../core/stack/agent-namespaces";

/** Env names the NVIDIA container runtime reads to expose GPUs, whatever the pod's resource requests. */
export const NVIDIA_ENV = ["NVIDIA_VISIBLE_DEVICES", "NVIDIA_DRIVER_CAPABILITIES"] as const;
/** Values of NVIDIA_VISIBLE_DEVICES that expose no GPU. */
const NO_DEVICES = new Set(["none", "void", ""]);
const CONTAINER_LISTS = ["containers", "initContainers", "ephemeralContainers"] as const;
const RUNTIME_CLASS_TYPES = ["v1", "v1beta1", "v1alpha1"].flatMap((v) => [
    `kubernetes:node.k8s.io/${v}:RuntimeClass`,
    `kubernetes:node.k8s.io/${v}:RuntimeClassPatch`,
]);
const GPU_RUNTIME = /nvidia|gpu|cuda|rocm|amd/i;
/** Quota keys that cap Dynamic Resource Allocation claims. */
const DRA_QUOTA = /(^count\/resourceclaims\.resource\.k8s\.io$|\.deviceclass\.resource\.k8s\.io\/devices$)/;

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

/** Ways a pod spec reaches GPUs besides an extended-resource request, each as a phrase; `unknown` when it can't tell. */
export interface GpuRoutes {
    /** Routes no ResourceQuota can cap (the NVIDIA env): always an escape in an agent pod. */
    readonly uncapped: string[];
    /** A runtime class that grants devices: allowed only beside a capped GPU request. */
    readonly runtime: string[];
    /** Dynamic Resource Allocation claims: need a DRA quota in the namespace. */
    readonly claims: string[];
    readonly unknown: string[];
}

/** Judges env, envFrom (ConfigMaps and Secrets of this stack), runtimeClassName and resourceClaims. */
export function gpuRoutes(
    podSpec: unknown,
    at: string,
    model: StackModel,
    namespace: string | undefined,
): GpuRoutes {
    const out: GpuRoutes = { uncapped: [], runtime: [], claims: [], unknown: [] };
    if (isUnknown(podSpec)) return { ...out, unknown: [`${at} is unknown during preview`] };
    if (!isObject(podSpec)) return out;
    const runtime = podSpec.runtimeClassName;
    if (isUnknown(runtime)) out.unknown.push(`${at}.runtimeClassName is unknown during preview`);
    else if (typeof runtime === "string" && runtime !== "") {
        const why = runtimeGrantsDevices(model, runtime);
        if (why !== undefined) out.runtime.push(`${at}.runtimeClassName ${JSON.stringify(runtime)} ${why}`);
    }
    const claims = podSpec.resourceClaims;
    if (isUnknown(claims)) out.unknown.push(`${at}.resourceClaims is unknown during preview`);
    else if (Array.isArray(claims) && claims.length > 0)
        out.claims.push(
            `${at}.resourceClaims claims ${claims.length} device(s) through Dynamic Resource Allocation`,
        );
    for (const list of CONTAINER_LISTS) {
        const containers = podSpec[list];
        if (isUnknown(containers)) {
            out.unknown.push(`${at}.${list} is unknown during preview`);
            continue;
        }
        if (!Array.isArray(containers)) continue;
        containers.forEach((c, i) => {
            const where = `${at}.${list}[${i}]`;
            if (isUnknown(c)) return void out.unknown.push(`${where} is unknown during preview`);
            if (!isObject(c)) return;
            checkEnv(c.env, `${where}.env`, out);
            checkEnvFrom(c.envFrom, `${where}.envFrom`, model, namespace, out);
        });
    }
    return out;
}

function nvidiaValue(name: string, value: unknown, field: string, out: GpuRoutes): void {
    if (!(NVIDIA_ENV as readonly string[]).includes(name)) return;
    if (isUnknown(value)) return void out.unknown.push(`${field} (${name}) is unknown during preview`);
    if (
        name === "NVIDIA_VISIBLE_DEVICES" &&
        typeof value === "string" &&
        NO_DEVICES.has(value.trim().toLowerCase())
    )
        return;
    out.uncapped.push(`${field} sets ${name}=${JSON.stringify(value ?? "(from a reference)")}`);
}

function checkEnv(env: unknown, at: string, out: GpuRoutes): void {
    if (isUnknown(env)) return void out.unknown.push(`${at} is unknown during preview`);
    if (!Array.isArray(env)) return;
    env.forEach((e, i) => {
        if (isUnknown(e)) return void out.unknown.push(`${at}[${i}] is unknown during preview`);
        if (!isObject(e)) return;
        if (isUnknown(e.name)) return void out.unknown.push(`${at}[${i}].name is unknown during preview`);
        if (typeof e.name !== "string") return;
        // A valueFrom reference resolves to a value the pack cannot see: any value but none/void exposes GPUs.
        nvidiaValue(
            e.name,
            e.value === undefined && e.valueFrom !== undefined ? null : e.value,
            `${at}[${i}]`,
            out,
        );
    });
}

function checkEnvFrom(
    envFrom: unknown,
    at: string,
    model: StackModel,
    namespace: string | undefined,
    out: GpuRoutes,
): void {
    if (isUnknown(envFrom)) return void out.unknown.push(`${at} is unknown during preview`);
    if (!Array.isArray(envFrom)) return;
    envFrom.forEach((source, i) => {
        const field = `${at}[${i}]`;
        if (isUnknown(source)) return void out.unknown.push(`${field} is unknown during preview`);
        if (!isObject(source)) return;
        const prefix = source.prefix;
        if (isUnknown(prefix)) return void out.unknown.push(`${field}.prefix is unknown during preview`);
        for (const [refKey, kind] of [
            ["configMapRef", "ConfigMap"],
            ["secretRef", "Secret"],
        ] as const) {
            const ref = source[refKey];
            if (ref === undefined || ref === null) continue;
            const name = isObject(ref) ? ref.name : ref;
            if (isUnknown(name) || typeof name !== "string") {
                out.unknown.push(`${field}.${refKey}.name is unknown during preview`);
                continue;
            }
            const data = declaredData(model, kind, name, namespace);
            if (data === undefined) {
                out.unknown.push(
                    `${field}.${refKey} names ${kind} ${name}, which this stack does not declare with known data, so it may set ${NVIDIA_ENV.join(" or ")}`,
                );
                continue;
            }
            for (const [key, value] of Object.entries(data))
                nvidiaValue(
                    `${typeof prefix === "string" ? prefix : ""}${key}`,
                    value,
                    `${field} (${kind} ${name})`,
                    out,
                );
        }
    });
}

/** The data keys (with plain values where known) of a ConfigMap or Secret declared in the stack. */
function declaredData(
    model: StackModel,
    kind: "ConfigMap" | "Secret",
    name: string,
    namespace: string | undefined,
): Record<string, unknown> | undefined {
    const node = model
        .ofType(`kubernetes:core/v1:${kind}`)
        .find(
            (n) =>
                isObject(n.props.metadata) &&
                n.props.metadata.name === name &&
                (namespace === undefined || (n.props.metadata.namespace ?? "default") === namespace),
        );
    if (node === undefined) return undefined;
    const merged: Record<string, unknown> = {};
    for (const field of ["data", "stringData", "binaryData"]) {
        const value = node.props[field];
        if (isUnknown(value)) return undefined;
        if (!isObject(value)) continue;
        for (const [key, v] of Object.entries(value))
            merged[key] = field === "data" && kind === "Secret" ? decode(v) : v;
    }
    return merged;
}

function decode(value: unknown): unknown {
    return typeof value === "string" ? Buffer.from(value, "base64").toString("utf8") : value;
}

/**
 * Why a runtime class grants devices, or undefined. A RuntimeClass declared in the stack is judged by its
 * handler; one the stack does not declare is judged by its name (nvidia, gpu, cuda, rocm, amd), as the
 * GPU operators name theirs, so gVisor or Kata classes from elsewhere stay usable.
 */
function runtimeGrantsDevices(model: StackModel, name: string): string | undefined {
    const declared = model
        .ofType(...RUNTIME_CLASS_TYPES)
        .filter((n) => isObject(n.props.metadata) && n.props.metadata.name === name);
    for (const node of declared) {
        const handler = node.props.handler;
        if (isUnknown(handler))
            return `is RuntimeClass ${node.name}, whose handler is unknown during preview`;
        if (typeof handler === "string" && GPU_RUNTIME.test(handler))
            return `is RuntimeClass ${node.name} with handler ${JSON.stringify(handler)}, which hands the node's GPUs to containers`;
    }
    if (declared.length === 0 && GPU_RUNTIME.test(name))
        return "names a GPU container runtime, which hands the node's GPUs to containers";
    return undefined;
}

/** Whether the quota keys cap Dynamic Resource Allocation claims. */
export function capsClaims(keys: ReadonlySet<string>): boolean {
    return [...keys].some((k) => DRA_QUOTA.test(k));
}

const DRA_TYPES = ["v1", "v1beta1", "v1beta2", "v1alpha3", "v1alpha2"].flatMap((v) =>
    ["ResourceClaim", "ResourceClaimTemplate"].flatMap((k) => [
        `kubernetes:resource.k8s.io/${v}:${k}`,
        `kubernetes:resource.k8s.io/${v}:${k}Patch`,
    ]),
);

/** ResourceClaims and ResourceClaimTemplates the stack places in (possibly) agent namespaces. */
export function agentResourceClaims(
    model: StackModel,
    agents: AgentNamespaces,
): { node: ResourceNode; placement: Placement }[] {
    return model
        .ofType(...DRA_TYPES)
        .map((node) => ({ node, placement: placementOf(node, agents) }))
        .filter(({ placement }) => !placement.known || placement.agent);
}
