import * as yaml from "js-yaml";
import { POD_RUNNING_KINDS } from "./pod-running-kinds";
import type { ResourceNode, StackModel } from "../stack/stack-model";
import { isUnknown } from "../unknowns";
import { customResourceGroup, WORKLOAD_POD_SPEC_PATHS, WORKLOAD_TYPES } from "./types";

/**
 * The pod spec a workload runs, and its path. The value is the unknown sentinel when any object on the path
 * is unknown during preview, and undefined when the workload declares no pod spec (e.g. a patch without one).
 */
export function podSpecOf(workload: ResourceNode): { path: string; spec: unknown } | undefined {
    return builtInPodSpec(workload.type, workload.props);
}

function builtInPodSpec(type: string, props: unknown): { path: string; spec: unknown } | undefined {
    const path = WORKLOAD_POD_SPEC_PATHS.get(type);
    if (path === undefined) return undefined;
    let value: unknown = props;
    let walked = "";
    for (const key of path.split(".")) {
        walked = walked ? `${walked}.${key}` : key;
        if (value === null || typeof value !== "object") return { path, spec: undefined };
        value = (value as Record<string, unknown>)[key];
        if (isUnknown(value)) return { path: walked, spec: value };
    }
    return { path, spec: value };
}

/** The kind of a type token: `kubernetes:apps/v1:Deployment` → `Deployment`. */
export function kindOf(type: string): string {
    return type.slice(type.lastIndexOf(":") + 1);
}

/** One pod spec a resource runs (or stamps pods from), where it sits, and the pod metadata beside it. */
export interface PodSpecAt {
    /** Path inside the resource, e.g. `spec.rayClusterSpec.workerGroupSpecs[0].template.spec`. */
    readonly path: string;
    /** The pod spec (or pod-spec-like template), or the unknown sentinel during preview. */
    readonly spec: unknown;
    /** The pod (template) metadata, whose annotations matter (AppArmor), and its path. */
    readonly metadata?: unknown;
    readonly metadataPath: string;
}

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

const TYPE_TOKEN = /^kubernetes:[^:]+\/[^:/]+:([^:]+)$/;

/**
 * Whether a Kubernetes type token is a custom resource that may run pods: a kind common controllers turn
 * into pods (in any API group, as the reach graph matches them), or any kind of a custom API group.
 */
export function isCustomWorkloadType(type: string): boolean {
    if (WORKLOAD_POD_SPEC_PATHS.has(type)) return false;
    const match = TYPE_TOKEN.exec(type);
    if (match === null) return false;
    return POD_RUNNING_KINDS.has(match[1].replace(/Patch$/, "")) || customResourceGroup(type) !== undefined;
}

/**
 * Whether a resource certainly makes pods: a built-in workload, a kind the reach graph lists as pod-running,
 * or a custom resource in which pod specs were found. Other custom resources are only swept for loose fields.
 */
export function makesPods(node: ResourceNode, specs: readonly PodSpecAt[]): boolean {
    if (specs.length > 0 || WORKLOAD_POD_SPEC_PATHS.has(node.type)) return true;
    const match = TYPE_TOKEN.exec(node.type);
    return match !== null && POD_RUNNING_KINDS.has(match[1].replace(/Patch$/, ""));
}

/** Every resource of the stack that runs pods: the built-in workloads, then the custom resources that may. */
export function podRunningResources(model: StackModel): ResourceNode[] {
    return [
        ...model.ofType(...WORKLOAD_TYPES),
        ...model.resources.filter((node) => isCustomWorkloadType(node.type)),
    ];
}

/** Fields that make an object a pod spec, or a pod-like template (Argo's `container`, `script`, `containerSet`). */
const CONTAINER_HOLDERS = [
    "containers",
    "initContainers",
    "ephemeralContainers",
    "sidecars",
    "container",
    "script",
    "containerSet",
];
/** Strings that hold a (partial) pod spec or a whole manifest a controller applies: Argo's podSpecPatch and resource templates. */
const EMBEDDED_YAML = ["podSpecPatch", "resource"];
const SKIPPED_TOP_LEVEL = new Set(["apiVersion", "kind", "metadata", "status"]);

/**
 * Every pod spec a resource runs, with its path: the one pod spec of a built-in workload, or, for a custom
 * resource (Argo, Ray, Kubeflow, Spark, JobSet, KServe, LeaderWorkerSet, Volcano, or a kind nobody listed),
 * every object inside it that holds containers, wherever its CRD nests it. YAML strings a controller merges
 * into pods (Argo `podSpecPatch`, resource-template `manifest`) are parsed and judged too; one that cannot be
 * parsed is returned as the raw string, which readers report as a malformed pod spec. Empty for other resources.
 */
export function podSpecsOf(node: ResourceNode): PodSpecAt[] {
    return podSpecsOfProps(node.type, node.props, "");
}

function podSpecsOfProps(type: string, props: unknown, prefix: string): PodSpecAt[] {
    const builtIn = builtInPodSpec(type, props);
    if (builtIn !== undefined) {
        const metadataPath = builtIn.path.replace(/(^|\.)spec$/, "$1metadata");
        return [
            {
                path: `${prefix}${builtIn.path}`,
                spec: builtIn.spec,
                metadata: valueAt(props, metadataPath),
                metadataPath: `${prefix}${metadataPath}`,
            },
        ];
    }
    if (!isCustomWorkloadType(type) || !isObject(props)) return [];
    const found: PodSpecAt[] = [];
    for (const [key, value] of Object.entries(props))
        if (!SKIPPED_TOP_LEVEL.has(key)) walk(value, `${prefix}${key}`, props, found);
    return found;
}

/** Whether an object holds containers, so it is a pod spec or a pod template of some controller's making. */
function holdsContainers(value: Obj): boolean {
    return CONTAINER_HOLDERS.some((key) => value[key] !== undefined && value[key] !== null);
}

function walk(value: unknown, path: string, parent: Obj, found: PodSpecAt[]): void {
    const key = path.slice(path.lastIndexOf(".") + 1).replace(/\[\d+\]$/, "");
    if (isUnknown(value)) {
        // An unknown template could hold any pod: judge it as an unknown pod spec.
        if (/template|spec|container|pod|worker|head|driver|executor|replica|predictor|leader/i.test(key))
            found.push({ path, spec: value, metadataPath: siblingMetadataPath(path) });
        return;
    }
    if (typeof value === "string" && (key === "podSpecPatch" || path.endsWith("resource.manifest")))
        return embedded(value, path, found);
    if (Array.isArray(value)) {
        value.forEach((item, i) => walk(item, `${path}[${i}]`, parent, found));
        return;
    }
    if (!isObject(value)) return;
    if (holdsContainers(value)) {
        // A template's metadata sits beside its `spec` (Ray, Kubeflow) or inside it (Argo templates).
        const beside = key === "spec" && isObject(parent) && parent.metadata !== undefined;
        found.push({
            path,
            spec: value,
            metadata: beside ? parent.metadata : value.metadata,
            metadataPath: beside ? siblingMetadataPath(path) : `${path}.metadata`,
        });
        // An Argo template also carries YAML the controller merges into its pod or applies as a manifest.
        for (const k of EMBEDDED_YAML)
            if (value[k] !== undefined) walk(value[k], `${path}.${k}`, value, found);
        return;
    }
    for (const [k, child] of Object.entries(value)) walk(child, `${path}.${k}`, value, found);
}

function siblingMetadataPath(path: string): string {
    return path.replace(/(^|\.)[^.]+$/, "$1metadata");
}

/** A podSpecPatch (a partial pod spec) or a resource manifest (a whole object, judged by its own kind). */
function embedded(text: string, path: string, found: PodSpecAt[]): void {
    let parsed: unknown;
    try {
        parsed = yaml.load(text, { schema: yaml.YAML11_SCHEMA });
    } catch {
        parsed = undefined;
    }
    if (!isObject(parsed)) {
        found.push({ path, spec: text, metadataPath: `${path}.metadata` });
        return;
    }
    if (path.endsWith("podSpecPatch")) {
        found.push({ path, spec: parsed, metadataPath: `${path}.metadata` });
        return;
    }
    const apiVersion = typeof parsed.apiVersion === "string" ? parsed.apiVersion : "";
    const kind = typeof parsed.kind === "string" ? parsed.kind : "";
    const version = apiVersion.includes("/") ? apiVersion : `core/${apiVersion}`;
    found.push(
        ...podSpecsOfProps(`kubernetes:${version}:${kind}`, parsed, `${path}(${kind || "manifest"}).`),
    );
}

/** The value at a dotted path of plain keys, or the unknown sentinel met on the way. */
function valueAt(props: unknown, path: string): unknown {
    let value = props;
    for (const key of path.split(".")) {
        if (isUnknown(value) || !isObject(value)) return value;
        value = value[key];
    }
    return value;
}

/**
 * Every object inside a custom resource outside the pod specs `podSpecsOf` found, with its path: where a
 * CRD keeps pod fields in shapes of its own (Spark's `driver.securityContext`, `executor.gpu`, `spec.volumes`;
 * Kubeflow TrainJob's `trainer.resourcesPerNode`; KServe's `predictor.model.resources`), for rules to sweep
 * for the fields they judge. Empty for built-in kinds.
 */
export function looseObjectsOf(
    node: ResourceNode,
    specs: readonly PodSpecAt[],
): { path: string; value: Obj }[] {
    if (!isCustomWorkloadType(node.type) || !isObject(node.props)) return [];
    const skip = new Set(specs.map((s) => s.path));
    const out: { path: string; value: Obj }[] = [];
    const visit = (value: unknown, path: string): void => {
        if (skip.has(path)) return;
        if (Array.isArray(value)) return value.forEach((v, i) => visit(v, `${path}[${i}]`));
        if (!isObject(value) || isUnknown(value)) return;
        out.push({ path, value });
        for (const [k, child] of Object.entries(value)) visit(child, `${path}.${k}`);
    };
    for (const [key, value] of Object.entries(node.props)) if (!SKIPPED_TOP_LEVEL.has(key)) visit(value, key);
    return out;
}

/** One container of a pod spec (or pod-like template) and its path. */
export interface ContainerAt {
    readonly path: string;
    readonly container: unknown;
}

/**
 * Every container a pod spec runs, with its path: containers, initContainers, ephemeralContainers, and the
 * shapes controllers add (Argo's `container`, `script`, `sidecars`, `containerSet.containers`). A list that
 * is unknown during preview (or not a list) is returned as one entry holding that value.
 */
export function containersOf(podSpec: Obj, at: string): ContainerAt[] {
    const out: ContainerAt[] = [];
    const list = (value: unknown, path: string) => {
        if (value === undefined || value === null) return;
        if (!Array.isArray(value)) return void out.push({ path, container: value });
        value.forEach((c, i) => out.push({ path: `${path}[${i}]`, container: c }));
    };
    for (const key of ["containers", "initContainers", "ephemeralContainers", "sidecars"])
        list(podSpec[key], `${at}.${key}`);
    for (const key of ["container", "script"]) {
        const single = podSpec[key];
        if (single !== undefined && single !== null) out.push({ path: `${at}.${key}`, container: single });
    }
    const set = podSpec.containerSet;
    if (isUnknown(set)) out.push({ path: `${at}.containerSet`, container: set });
    else if (isObject(set)) list(set.containers, `${at}.containerSet.containers`);
    return out;
}
