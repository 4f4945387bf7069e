/** The ResourceQuota and LimitRange of an AgentRuntime: compute, GPU and object caps. */
import type * as k8s from "@pulumi/kubernetes";
import { checkInteger, fail, isPlainObject } from "../args";
import { quantityValue, requireQuantity } from "./runtime-quantities";

/** Per-container amounts; each may be a quantity string or (for cpu) a number of cores. */
export interface ContainerResources {
    readonly cpu?: string | number;
    readonly memory?: string;
    readonly ephemeralStorage?: string;
}

/** What every container gets when it declares nothing. */
export interface ContainerDefaults {
    /** @default { cpu: "500m", memory: "512Mi", ephemeralStorage: "1Gi" } */
    readonly limits?: ContainerResources;
    /** @default { cpu: "100m", memory: "128Mi", ephemeralStorage: "256Mi" } */
    readonly requests?: ContainerResources;
}

export interface ResourceArgs {
    readonly cpu?: string | number;
    readonly memory?: string;
    readonly ephemeralStorage?: string;
    readonly storage?: string;
    readonly pods?: number;
    readonly gpu?: number;
    readonly gpuResourceName?: string;
    readonly objectCounts?: Readonly<Record<string, number>>;
    readonly containerDefaults?: ContainerDefaults;
}

export const DEFAULT_CPU = "4";
export const DEFAULT_MEMORY = "8Gi";
export const DEFAULT_EPHEMERAL_STORAGE = "20Gi";
export const DEFAULT_STORAGE = "50Gi";
export const DEFAULT_PODS = 10;
export const DEFAULT_GPU_RESOURCE_NAME = "nvidia.com/gpu";
export const DEFAULT_CONTAINER_LIMITS = { cpu: "500m", memory: "512Mi", ephemeralStorage: "1Gi" } as const;
export const DEFAULT_CONTAINER_REQUESTS = {
    cpu: "100m",
    memory: "128Mi",
    ephemeralStorage: "256Mi",
} as const;
export const DEFAULT_OBJECT_COUNTS: Readonly<Record<string, number>> = {
    "count/configmaps": 50,
    "count/secrets": 20,
    "count/services": 10,
    "count/persistentvolumeclaims": 10,
    "count/deployments.apps": 20,
    "count/statefulsets.apps": 10,
    "count/jobs.batch": 50,
    "count/cronjobs.batch": 10,
};

/**
 * Accelerators capped at 0 unless named by `gpuResourceName`, so an agent can't take a second vendor's
 * GPUs that the chosen quota key does not cover. Quota keys for resources a cluster lacks are harmless.
 */
export const KNOWN_ACCELERATOR_RESOURCES: readonly string[] = [
    "nvidia.com/gpu",
    "amd.com/gpu",
    "gpu.intel.com/i915",
    "gpu.intel.com/xe",
    "habana.ai/gaudi",
    "aws.amazon.com/neuron",
    "aws.amazon.com/neuroncore",
    "aws.amazon.com/neurondevice",
    "google.com/tpu",
];

const EXTENDED_RESOURCE = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?\/[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const COUNT_KEY = /^count\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const MAX_COUNT = 1_000_000;

/** Kubernetes reserves *.kubernetes.io names; they are never extended resources. */
function isKubernetesDomain(resourceName: string): boolean {
    const domain = resourceName.slice(0, resourceName.indexOf("/"));
    return domain === "kubernetes.io" || domain.endsWith(".kubernetes.io");
}

type Amounts = { cpu: string; memory: string; ephemeralStorage: string };

export interface ResourcePlan {
    /** ResourceQuota `spec.hard` while running; `suspendedHard` adds `pods: "0"`. */
    readonly hard: Readonly<Record<string, string>>;
    readonly suspendedHard: Readonly<Record<string, string>>;
    readonly containerLimits: Amounts;
    readonly containerRequests: Amounts;
}

function containerAmounts(component: string, arg: string, value: unknown, defaults: Amounts): Amounts {
    if (value === undefined) return { ...defaults };
    if (!isPlainObject(value)) fail(component, arg, value, "expected { cpu?, memory?, ephemeralStorage? }");
    const unknownKey = Object.keys(value).find((k) => !["cpu", "memory", "ephemeralStorage"].includes(k));
    if (unknownKey !== undefined)
        fail(
            component,
            `${arg}.${unknownKey}`,
            value[unknownKey],
            "expected cpu, memory or ephemeralStorage",
        );
    return {
        cpu: value.cpu === undefined ? defaults.cpu : requireQuantity(component, `${arg}.cpu`, value.cpu),
        memory:
            value.memory === undefined
                ? defaults.memory
                : requireQuantity(component, `${arg}.memory`, value.memory),
        ephemeralStorage:
            value.ephemeralStorage === undefined
                ? defaults.ephemeralStorage
                : requireQuantity(component, `${arg}.ephemeralStorage`, value.ephemeralStorage),
    };
}

function objectCounts(component: string, value: unknown): Record<string, string> {
    const counts: Record<string, number> = { ...DEFAULT_OBJECT_COUNTS };
    if (value !== undefined) {
        if (!isPlainObject(value))
            fail(component, "objectCounts", value, 'expected { "count/<resource>[.<group>]": integer }');
        for (const [key, count] of Object.entries(value)) {
            if (!COUNT_KEY.test(key)) {
                fail(
                    component,
                    "objectCounts key",
                    key,
                    'expected "count/<resource>[.<group>]", e.g. count/configmaps or count/jobs.batch',
                );
            }
            counts[key] = checkInteger(component, `objectCounts["${key}"]`, count, 0, MAX_COUNT);
        }
    }
    return Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, String(v)]));
}

/** The quota and container defaults; rejects defaults that no pod could satisfy within the quota. */
export function planResources(component: string, args: ResourceArgs): ResourcePlan {
    const namespace: Amounts = {
        cpu: requireQuantity(component, "cpu", args.cpu ?? DEFAULT_CPU),
        memory: requireQuantity(component, "memory", args.memory ?? DEFAULT_MEMORY),
        ephemeralStorage: requireQuantity(
            component,
            "ephemeralStorage",
            args.ephemeralStorage ?? DEFAULT_EPHEMERAL_STORAGE,
        ),
    };
    const storage = requireQuantity(component, "storage", args.storage ?? DEFAULT_STORAGE);
    const pods = checkInteger(component, "pods", args.pods ?? DEFAULT_PODS, 0, MAX_COUNT);
    const gpu = checkInteger(component, "gpu", args.gpu ?? 0, 0, 1024);
    const gpuResourceName = args.gpuResourceName ?? DEFAULT_GPU_RESOURCE_NAME;
    if (
        typeof gpuResourceName !== "string" ||
        !EXTENDED_RESOURCE.test(gpuResourceName) ||
        isKubernetesDomain(gpuResourceName)
    ) {
        fail(
            component,
            "gpuResourceName",
            gpuResourceName,
            "expected an extended resource name such as nvidia.com/gpu or amd.com/gpu",
        );
    }
    const defaults: unknown = args.containerDefaults;
    if (defaults !== undefined && !isPlainObject(defaults))
        fail(component, "containerDefaults", defaults, "expected { limits?, requests? }");
    const containerLimits = containerAmounts(
        component,
        "containerDefaults.limits",
        defaults?.limits,
        DEFAULT_CONTAINER_LIMITS,
    );
    const containerRequests = containerAmounts(
        component,
        "containerDefaults.requests",
        defaults?.requests,
        DEFAULT_CONTAINER_REQUESTS,
    );
    for (const key of ["cpu", "memory", "ephemeralStorage"] as const) {
        if (quantityValue(containerRequests[key]) > quantityValue(containerLimits[key])) {
            fail(
                component,
                `containerDefaults.requests.${key}`,
                containerRequests[key],
                `it must not exceed containerDefaults.limits.${key} (${containerLimits[key]}); Kubernetes rejects such a LimitRange`,
            );
        }
        if (quantityValue(containerLimits[key]) > quantityValue(namespace[key])) {
            fail(
                component,
                `containerDefaults.limits.${key}`,
                containerLimits[key],
                `it must not exceed the namespace quota ${key} (${namespace[key]}), or no default container would fit`,
            );
        }
    }
    // Kubernetes accepts only `requests.` quota keys for extended resources (they can't be overcommitted).
    const accelerators = Object.fromEntries(KNOWN_ACCELERATOR_RESOURCES.map((r) => [`requests.${r}`, "0"]));
    const hard: Record<string, string> = {
        ...objectCounts(component, args.objectCounts),
        ...accelerators,
        [`requests.${gpuResourceName}`]: String(gpu),
        "requests.cpu": namespace.cpu,
        "limits.cpu": namespace.cpu,
        "requests.memory": namespace.memory,
        "limits.memory": namespace.memory,
        "requests.ephemeral-storage": namespace.ephemeralStorage,
        "limits.ephemeral-storage": namespace.ephemeralStorage,
        "requests.storage": storage,
        pods: String(pods),
        "services.loadbalancers": "0",
        "services.nodeports": "0",
    };
    return { hard, suspendedHard: { ...hard, pods: "0" }, containerLimits, containerRequests };
}

/** LimitRange `spec.limits`: every container gets limits and requests even when it declares none. */
export function limitRangeLimits(plan: ResourcePlan): k8s.types.input.core.v1.LimitRangeItem[] {
    const toKubernetes = (a: Amounts) => ({
        cpu: a.cpu,
        memory: a.memory,
        "ephemeral-storage": a.ephemeralStorage,
    });
    return [
        {
            type: "Container",
            default: toKubernetes(plan.containerLimits),
            defaultRequest: toKubernetes(plan.containerRequests),
        },
    ];
}
