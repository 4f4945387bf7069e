import { posix } from "path";
import type { StackModel } from "../../../core/stack/stack-model";
import { isUnknown } from "../unknowns";
import { kindOfValue } from "../../../core/shape";
import { containersOf } from "../../../core/kubernetes/workloads";
import { claimReferences, type ClaimReference } from "./dra-claims";

/** Env names the NVIDIA container runtime reads to expose GPUs, whatever the pod's resource requests. */
export const NVIDIA_ENV = ["NVIDIA_VISIBLE_DEVICES", "NVIDIA_DRIVER_CAPABILITIES"] as const;
/** Values of NVIDIA_VISIBLE_DEVICES that expose no GPU. */
const NO_DEVICES = new Set(["none", "void", ""]);
const RUNTIME_CLASS_TYPES = ["v1", "v1beta1", "v1alpha1"].flatMap((v) => [
    `kubernetes:node.k8s.io/${v}:RuntimeClass`,
    `kubernetes:node.k8s.io/${v}:RuntimeClassPatch`,
]);
const GPU_RUNTIME = /nvidia|gpu|cuda|rocm|amd/i;

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

/** Ways a pod spec reaches GPUs besides an extended-resource request, each as a phrase; `unknown` when it can't tell. */
export interface GpuRoutes {
    /** Routes no ResourceQuota can cap (the NVIDIA env): always an escape in an agent pod. */
    readonly uncapped: string[];
    /** A runtime class that grants devices: allowed only beside a capped GPU request. */
    readonly runtime: string[];
    /** Dynamic Resource Allocation claims: each named claim or template must be declared and capped. */
    readonly claims: string[];
    readonly claimRefs: ClaimReference[];
    readonly unknown: string[];
}

/** Judges env, envFrom (ConfigMaps and Secrets of this stack), runtimeClassName and resourceClaims. */
export function gpuRoutes(
    podSpec: unknown,
    at: string,
    model: StackModel,
    namespace: string | undefined,
    podMetadata?: unknown,
    metadataAt = "metadata",
): GpuRoutes {
    const out = emptyRoutes();
    if (isUnknown(podMetadata)) out.unknown.push(`${metadataAt} is unknown during preview`);
    else if (isObject(podMetadata))
        checkCdiAnnotations(podMetadata.annotations, `${metadataAt}.annotations`, out);
    if (isUnknown(podSpec)) return { ...out, unknown: [...out.unknown, `${at} is unknown during preview`] };
    if (podSpec === undefined || podSpec === null) return out;
    if (!isObject(podSpec))
        return {
            ...out,
            unknown: [
                ...out.unknown,
                `${at} is ${kindOfValue(podSpec)}, not a pod spec object, so what it asks for cannot be read`,
            ],
        };
    podLevel(podSpec, at, model, out);
    for (const { path, container } of containersOf(podSpec, at)) {
        if (isUnknown(container)) {
            out.unknown.push(`${path} is unknown during preview`);
            continue;
        }
        if (!isObject(container)) continue;
        checkEnv(container.env, `${path}.env`, out);
        checkDeviceMounts(container.volumeMounts, `${path}.volumeMounts`, out);
        checkEnvFrom(container.envFrom, `${path}.envFrom`, model, namespace, out);
    }
    return out;
}

const emptyRoutes = (): GpuRoutes => ({ uncapped: [], runtime: [], claims: [], claimRefs: [], unknown: [] });

function podLevel(podSpec: Obj, at: string, model: StackModel, out: GpuRoutes): void {
    const runtime = podSpec.runtimeClassName;
    if (isUnknown(runtime)) out.unknown.push(`${at}.runtimeClassName is unknown during preview`);
    else if (typeof runtime === "string" && runtime !== "") {
        const why = runtimeGrantsDevices(model, runtime);
        if (why !== undefined) out.runtime.push(`${at}.runtimeClassName ${JSON.stringify(runtime)} ${why}`);
    }
    const claims = podSpec.resourceClaims;
    if (isUnknown(claims)) out.unknown.push(`${at}.resourceClaims is unknown during preview`);
    else if (Array.isArray(claims) && claims.length > 0) {
        out.claims.push(
            `${at}.resourceClaims claims ${claims.length} device(s) through Dynamic Resource Allocation`,
        );
        const { refs, unknown } = claimReferences(claims, `${at}.resourceClaims`);
        out.claimRefs.push(...refs);
        out.unknown.push(...unknown);
    }
}

/**
 * GPU routes a custom resource sets outside its pod specs, in shapes of its own: runtimeClassName,
 * resourceClaims, env and envFrom lists (Spark's driver and executor), and Spark's `envVars` map.
 */
export function looseGpuRoutes(
    objects: readonly { path: string; value: Obj }[],
    model: StackModel,
    namespace: string | undefined,
): GpuRoutes {
    const out = emptyRoutes();
    for (const { path, value } of objects) {
        podLevel(value, path, model, out);
        if ("env" in value) checkEnv(value.env, `${path}.env`, out);
        if ("volumeMounts" in value) checkDeviceMounts(value.volumeMounts, `${path}.volumeMounts`, out);
        if (path.endsWith(".annotations")) checkCdiAnnotations(value, path, out);
        if ("envFrom" in value) checkEnvFrom(value.envFrom, `${path}.envFrom`, model, namespace, out);
        const envVars = value.envVars;
        if (isUnknown(envVars)) out.unknown.push(`${path}.envVars is unknown during preview`);
        else if (isObject(envVars))
            for (const [name, v] of Object.entries(envVars)) nvidiaValue(name, v, `${path}.envVars`, out);
    }
    return out;
}

/** Several route sets as one. */
export function mergeRoutes(...all: GpuRoutes[]): GpuRoutes {
    const out = emptyRoutes();
    for (const r of all) {
        out.uncapped.push(...r.uncapped);
        out.runtime.push(...r.runtime);
        out.claims.push(...r.claims);
        out.claimRefs.push(...r.claimRefs);
        out.unknown.push(...r.unknown);
    }
    return out;
}

/**
 * The directory whose mount paths the NVIDIA toolkit reads as device requests when the device plugin passes
 * devices as volume mounts: any volume mounted at `.../nvidia-container-devices/all` asks for every GPU.
 */
const DEVICE_MOUNT_DIR = /^\/*(var\/)?run\/nvidia-container-devices(\/|$)/;
/** Pod annotations the container runtime turns into devices (Container Device Interface). */
const CDI_ANNOTATION = "cdi.k8s.io/";

function checkDeviceMounts(mounts: unknown, at: string, out: GpuRoutes): void {
    if (isUnknown(mounts)) return void out.unknown.push(`${at} is unknown during preview`);
    if (!Array.isArray(mounts)) return;
    mounts.forEach((mount, i) => {
        const path = isObject(mount) ? mount.mountPath : undefined;
        if (isUnknown(path)) return void out.unknown.push(`${at}[${i}].mountPath is unknown during preview`);
        if (typeof path === "string" && DEVICE_MOUNT_DIR.test(posix.normalize(path)))
            out.uncapped.push(
                `${at}[${i}].mountPath ${JSON.stringify(path)} is where the NVIDIA toolkit reads device requests from volume mounts`,
            );
    });
}

/** CDI annotations on a pod (template): the runtime injects the devices they name, with no resource request. */
export function checkCdiAnnotations(annotations: unknown, at: string, out: GpuRoutes): void {
    if (isUnknown(annotations)) return void out.unknown.push(`${at} is unknown during preview`);
    if (!isObject(annotations)) return;
    for (const [key, value] of Object.entries(annotations))
        if (key.toLowerCase().startsWith(CDI_ANNOTATION))
            out.uncapped.push(
                `${at}["${key}"] asks the container runtime for device ${isUnknown(value) ? "(unknown during preview)" : JSON.stringify(value)} through the Container Device Interface`,
            );
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

/**
 * The data keys (with plain values where known) of a ConfigMap or Secret declared in the stack, merged over
 * every declaration of that name: the object and the Patches that add keys to it (a ConfigMapPatch can add
 * NVIDIA_VISIBLE_DEVICES to a clean ConfigMap). With the namespace unknown, every namespace's counts.
 */
function declaredData(
    model: StackModel,
    kind: "ConfigMap" | "Secret",
    name: string,
    namespace: string | undefined,
): Record<string, unknown> | undefined {
    const nodes = model
        .ofType(`kubernetes:core/v1:${kind}`, `kubernetes:core/v1:${kind}Patch`)
        .filter(
            (n) =>
                isObject(n.props.metadata) &&
                n.props.metadata.name === name &&
                (namespace === undefined || (n.props.metadata.namespace ?? "default") === namespace),
        );
    if (nodes.length === 0) return undefined;
    const merged: Record<string, unknown> = {};
    for (const node of nodes) {
        for (const field of ["data", "stringData", "binaryData"]) {
            const value = node.props[field];
            if (isUnknown(value)) return undefined;
            if (!isObject(value)) continue;
            for (const [key, v] of Object.entries(value)) {
                const plain = field === "data" && kind === "Secret" ? decode(v) : v;
                // Two declarations that disagree: keep the value that exposes devices.
                if (!(key in merged) || NO_DEVICES.has(String(merged[key]).trim().toLowerCase()))
                    merged[key] = plain;
            }
        }
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
