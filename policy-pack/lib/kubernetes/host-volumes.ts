import { shapeProblem } from "../../../core/shape";
import type { AgentNamespaces } from "../../../core/stack/agent-namespaces";
import type { ResourceNode, StackModel } from "../../../core/stack/stack-model";
import { isUnknown } from "../unknowns";
import { metadataOf, type Placement } from "../../../core/kubernetes/placement";
import {
    PERSISTENT_VOLUME_CLAIM_TYPES,
    PERSISTENT_VOLUME_TYPES,
    STATEFUL_SET_TYPES,
} from "../../../core/kubernetes/types";
import { kindOf } from "../../../core/kubernetes/workloads";

/**
 * PersistentVolumes that put a node's disk (hostPath or local) behind a PersistentVolumeClaim, and the claims
 * and pods that are or may be bound to them. A claim binds to a volume when its spec.volumeName names the
 * volume, when the volume's spec.claimRef names the claim, or, for a claim without volumeName and a volume
 * without claimRef, when both have the same storage class (the binder pairs them; a claim with no class gets
 * the cluster's default, which may be the volume's). Claims come from PersistentVolumeClaims, pods'
 * persistentVolumeClaim and ephemeral volumes, and StatefulSet volumeClaimTemplates. Unknown values count as a
 * possible binding. Only volumes declared in the stack are judged: a dynamically provisioned or external
 * volume is not visible here.
 */

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

/** A name as far as the rule can know it: exact, generated from a known pattern, or unknown during preview. */
export type NameRef =
    | { readonly kind: "exact"; readonly value: string }
    | { readonly kind: "generated"; readonly regex: string; readonly shown: string }
    | { readonly kind: "unknown"; readonly why: string };

/** A storage class: exact (`""` is no class), unset on a claim (the cluster default applies), or unknown. */
type ClassRef =
    | { readonly kind: "exact"; readonly value: string }
    | { readonly kind: "unset" }
    | { readonly kind: "unknown"; readonly why: string };

type ClaimRef =
    | { readonly kind: "none" }
    | { readonly kind: "unknown"; readonly why: string }
    /** A claimRef without namespace or name binds no claim, but keeps the binder from pairing the volume. */
    | { readonly kind: "inert" }
    | { readonly kind: "set"; readonly namespace: NameRef; readonly name: NameRef };

/** A hostPath or local PersistentVolume declared in the stack (or one whose source is unknown). */
export interface HostVolume {
    readonly node: ResourceNode;
    readonly name: NameRef;
    /** E.g. `hostPath "/"` or `local path "/mnt/disks/ssd1"`. */
    readonly source: string;
    /** Set when the source is unknown during preview, so the volume only may be on a node's disk. */
    readonly sourceUnknown?: string;
    readonly claimRef: ClaimRef;
    readonly storageClass: ClassRef;
}

/** How a claim is or may be bound to a host volume. */
export interface HostVolumeBinding {
    readonly volume: HostVolume;
    /** False when the binding rests on an unknown value, a generated name, or the binder's choice. */
    readonly certain: boolean;
    readonly via: string;
}

/** A claim a workload's pod mounts that is or may be bound to host volumes. */
export interface HostClaimUse {
    /** Field path in the workload, e.g. `spec.volumes[0].persistentVolumeClaim.claimName`. */
    readonly field: string;
    /** The field with what it names, e.g. `spec.volumes[0].persistentVolumeClaim.claimName "data"`. */
    readonly subject: string;
    readonly bindings: readonly HostVolumeBinding[];
}

/** The spec fields of a claim that decide binding. */
interface ClaimSpec {
    /** Prefix of the claim's fields, e.g. `spec` or `spec.volumeClaimTemplates[0].spec`. */
    readonly at: string;
    /** Who owns the fields, e.g. `PersistentVolumeClaim data`; empty for the workload being judged. */
    readonly owner: string;
    readonly volumeName?: NameRef;
    readonly storageClass: ClassRef;
    /**
     * Resources the claim's spec is computed from. A volumeName taken from a volume's generated name arrives
     * absent while that name is not resolved yet (offline runs), so a spec computed from a host volume may
     * name it.
     */
    readonly computedFrom: readonly ResourceNode[];
}

interface Claim {
    readonly namespace: NameRef;
    readonly name: NameRef;
    /** Absent when the claim is only referenced by name, so only a volume's claimRef can be judged. */
    readonly spec?: ClaimSpec;
}

interface Path {
    readonly via: string;
    readonly certain: boolean;
}

// The pre-storageClassName way of naming the class; the binder still reads it first.
const BETA_CLASS_ANNOTATION = "volume.beta.kubernetes.io/storage-class";

const exact = (value: string): NameRef => ({ kind: "exact", value });
const generated = (regex: string, shown: string): NameRef => ({ kind: "generated", regex, shown });
const unknownName = (why: string): NameRef => ({ kind: "unknown", why });
const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const join = (at: string, key: string) => (at ? `${at}.${key}` : key);
const of = (owner: string) => (owner ? ` of ${owner}` : "");

function showName(name: NameRef): string {
    if (name.kind === "exact") return JSON.stringify(name.value);
    return name.kind === "generated" ? name.shown : "(unknown)";
}

/** Whether two names can be the same: undefined when not, else the doubts (none when they are equal). */
function sameName(a: NameRef, b: NameRef): string[] | undefined {
    if (a.kind === "unknown" || b.kind === "unknown") {
        return [a, b].flatMap((n) => (n.kind === "unknown" ? [n.why] : []));
    }
    if (a.kind === "exact" && b.kind === "exact") return a.value === b.value ? [] : undefined;
    if (a.kind === "generated" && b.kind === "generated") {
        return [`the generated names ${a.shown} and ${b.shown} may coincide`];
    }
    const [value, generated] = a.kind === "exact" ? [a, b] : [b, a];
    if (value.kind !== "exact" || generated.kind !== "generated") return undefined;
    return new RegExp(`^(?:${generated.regex})$`).test(value.value)
        ? [`the generated name ${generated.shown} may be ${JSON.stringify(value.value)}`]
        : undefined;
}

/** Joins name parts (`<template>-<statefulset>-<ordinal>`) into one name. */
function joinNames(parts: readonly NameRef[]): NameRef {
    const values: { regex: string; shown: string; value?: string }[] = [];
    for (const part of parts) {
        if (part.kind === "unknown") return part;
        values.push(
            part.kind === "exact"
                ? { regex: escapeRegex(part.value), shown: part.value, value: part.value }
                : part,
        );
    }
    const shown = values.map((v) => v.shown).join("-");
    return values.every((v) => v.value !== undefined)
        ? exact(shown)
        : { kind: "generated", regex: values.map((v) => v.regex).join("-"), shown };
}

/** `metadata.name`, or the name Pulumi generates (`<resource name>-<suffix>`) when it is absent. */
function metadataName(metadata: unknown, at: string, owner: string, resourceName?: string): NameRef {
    if (isUnknown(metadata))
        return unknownName(`${join(at, "metadata")}${of(owner)} is unknown during preview`);
    const md = isObject(metadata) ? metadata : {};
    if (isUnknown(md.name))
        return unknownName(`${join(at, "metadata.name")}${of(owner)} is unknown during preview`);
    if (typeof md.name === "string" && md.name !== "") return exact(md.name);
    if (typeof md.generateName === "string" && md.generateName !== "") {
        return {
            kind: "generated",
            regex: `${escapeRegex(md.generateName)}.+`,
            shown: `${md.generateName}*`,
        };
    }
    if (isUnknown(md.generateName)) {
        return unknownName(`${join(at, "metadata.generateName")}${of(owner)} is unknown during preview`);
    }
    if (resourceName === undefined) return unknownName(`${join(at, "metadata.name")}${of(owner)} is not set`);
    return { kind: "generated", regex: `${escapeRegex(resourceName)}-.+`, shown: `${resourceName}-*` };
}

/** The storage class the binder reads: the beta annotation first, then spec.storageClassName. */
function storageClassOf(
    metadata: unknown,
    spec: unknown,
    at: string,
    owner: string,
    isClaim: boolean,
): ClassRef {
    const unknown = (field: string): ClassRef => ({
        kind: "unknown",
        why: `${join(at, field)}${of(owner)} is unknown during preview`,
    });
    if (isUnknown(metadata)) return unknown("metadata");
    const annotations = isObject(metadata) ? metadata.annotations : undefined;
    if (isUnknown(annotations)) return unknown("metadata.annotations");
    const annotated = isObject(annotations) ? annotations[BETA_CLASS_ANNOTATION] : undefined;
    if (isUnknown(annotated)) return unknown(`metadata.annotations["${BETA_CLASS_ANNOTATION}"]`);
    if (typeof annotated === "string") return { kind: "exact", value: annotated };
    if (isUnknown(spec)) return unknown("spec");
    const value = isObject(spec) ? spec.storageClassName : undefined;
    if (isUnknown(value)) return unknown("spec.storageClassName");
    if (typeof value === "string") return { kind: "exact", value };
    return isClaim ? { kind: "unset" } : { kind: "exact", value: "" };
}

/** The binding fields of a claim object (a PersistentVolumeClaim's props, or a claim template). */
function claimSpecOf(
    claim: unknown,
    at: string,
    owner: string,
    computedFrom: readonly ResourceNode[] = [],
): ClaimSpec {
    if (isUnknown(claim)) {
        const why = `${at}${of(owner)} is unknown during preview`;
        return {
            at,
            owner,
            volumeName: unknownName(why),
            storageClass: { kind: "unknown", why },
            computedFrom,
        };
    }
    const obj = isObject(claim) ? claim : {};
    const spec = obj.spec;
    const storageClass = storageClassOf(obj.metadata, spec, at, owner, true);
    if (isUnknown(spec)) {
        return {
            at,
            owner,
            volumeName: unknownName(`${join(at, "spec")}${of(owner)} is unknown during preview`),
            storageClass,
            computedFrom,
        };
    }
    const volumeName = isObject(spec) ? spec.volumeName : undefined;
    if (isUnknown(volumeName)) {
        return {
            at,
            owner,
            volumeName: unknownName(`${join(at, "spec.volumeName")}${of(owner)} is unknown during preview`),
            storageClass,
            computedFrom,
        };
    }
    return {
        at,
        owner,
        volumeName: typeof volumeName === "string" && volumeName !== "" ? exact(volumeName) : undefined,
        storageClass,
        computedFrom,
    };
}

function hostVolumeOf(pv: ResourceNode): HostVolume | undefined {
    const owner = `PersistentVolume ${pv.name}`;
    const name = metadataName(pv.props.metadata, "", owner, pv.name);
    const spec = pv.props.spec;
    if (isUnknown(spec)) {
        const why = `spec of ${owner} is unknown during preview`;
        return {
            node: pv,
            name,
            source: "an unknown source",
            sourceUnknown: why,
            claimRef: { kind: "unknown", why },
            storageClass: { kind: "unknown", why },
        };
    }
    if (!isObject(spec)) return undefined;
    let source: string | undefined;
    let sourceUnknown: string | undefined;
    for (const [key, label] of [
        ["hostPath", "hostPath"],
        ["local", "local path"],
    ] as const) {
        const value = spec[key];
        if (isUnknown(value)) sourceUnknown ??= `spec.${key} of ${owner} is unknown during preview`;
        else if (value !== undefined && value !== null) {
            const path = isObject(value) ? value.path : undefined;
            source ??= isUnknown(path)
                ? `${label} (spec.${key}.path unknown during preview)`
                : typeof path === "string"
                  ? `${label} ${JSON.stringify(path)}`
                  : label;
        }
    }
    if (source === undefined && sourceUnknown === undefined) return undefined;
    return {
        node: pv,
        name,
        source: source ?? "an unknown source",
        sourceUnknown: source === undefined ? sourceUnknown : undefined,
        claimRef: claimRefOf(spec.claimRef, owner),
        storageClass: storageClassOf(pv.props.metadata, spec, "", owner, false),
    };
}

function claimRefOf(ref: unknown, owner: string): ClaimRef {
    if (ref === undefined || ref === null) return { kind: "none" };
    if (isUnknown(ref))
        return { kind: "unknown", why: `spec.claimRef of ${owner} is unknown during preview` };
    // A wrong shape would read as "reserved for nobody": it may name an agent claim.
    if (!isObject(ref))
        return {
            kind: "unknown",
            why: shapeProblem(`spec.claimRef of ${owner}`, ref, "an object reference (namespace, name)"),
        };
    const part = (key: "namespace" | "name"): NameRef | undefined => {
        const value = ref[key];
        if (isUnknown(value))
            return unknownName(`spec.claimRef.${key} of ${owner} is unknown during preview`);
        return typeof value === "string" && value !== "" ? exact(value) : undefined;
    };
    const namespace = part("namespace");
    const name = part("name");
    return namespace && name ? { kind: "set", namespace, name } : { kind: "inert" };
}

function describeClaimRef(ref: ClaimRef & { kind: "set" }): string {
    const show = (n: NameRef) => (n.kind === "exact" ? n.value : "(unknown)");
    return `${show(ref.namespace)}/${show(ref.name)}`;
}

/** The namespace a placement names, as a NameRef (a Namespace's generated or unknown name included). */
export function namespaceRefOf(placement: Placement): NameRef {
    if (!placement.known) return unknownName(placement.reason);
    const ns = placement.namespaceNode;
    if (ns !== undefined && placement.namespace !== metadataOf(ns)?.name) {
        return metadataName(ns.props.metadata, "", `Namespace ${ns.name}`, ns.name);
    }
    return exact(placement.namespace);
}

/** `PersistentVolume host-root, which mounts hostPath "/" of a node`. */
export function describeHostVolume(volume: HostVolume): string {
    const pv = `PersistentVolume ${volume.node.name}`;
    return volume.sourceUnknown
        ? `${pv}, which may mount a node's disk (${volume.sourceUnknown})`
        : `${pv}, which mounts ${volume.source} of a node`;
}

/** `... is bound to PersistentVolume x, which mounts hostPath "/" of a node (spec.volumeName names it)`. */
export function describeBinding(binding: HostVolumeBinding): string {
    const certain = binding.certain && binding.volume.sourceUnknown === undefined;
    return `${certain ? "is" : "may be"} bound to ${describeHostVolume(binding.volume)} (${binding.via})`;
}

/** The host volumes in a stack, and which claims are or may be bound to them. */
export class HostVolumes {
    readonly volumes: readonly HostVolume[];
    /** Declared PersistentVolumeClaims that are or may be bound to a host volume. */
    private declaredClaims?: Map<ResourceNode, { claim: Claim; bindings: HostVolumeBinding[] }>;

    constructor(
        private readonly model: StackModel,
        private readonly placement: (node: ResourceNode) => Placement,
    ) {
        this.volumes = model
            .ofType(...PERSISTENT_VOLUME_TYPES)
            .map(hostVolumeOf)
            .filter((v): v is HostVolume => v !== undefined);
    }

    /** The host volumes a declared PersistentVolumeClaim is or may be bound to. */
    claimBindings(pvc: ResourceNode): readonly HostVolumeBinding[] {
        return this.claims().get(pvc)?.bindings ?? [];
    }

    /** Why a host volume's claimRef reserves it for a claim in an agent namespace, if it does or may. */
    agentReservation(volume: HostVolume, agents: AgentNamespaces): Path | undefined {
        const ref = volume.claimRef;
        if (ref.kind === "unknown") {
            return { certain: false, via: `${ref.why}, so it may reserve the volume for an agent claim` };
        }
        if (ref.kind !== "set") return undefined;
        if (ref.namespace.kind === "unknown") {
            return {
                certain: false,
                via: `${ref.namespace.why}, so its claim ${describeClaimRef(ref)} may be in an agent namespace`,
            };
        }
        if (ref.namespace.kind !== "exact" || !agents.isAgent(ref.namespace.value)) return undefined;
        return {
            certain: true,
            via: `its spec.claimRef reserves it for claim ${describeClaimRef(ref)} in agent namespace ${ref.namespace.value}`,
        };
    }

    /** The claims a workload's pod mounts that are or may be bound to host volumes. */
    claimUses(
        workload: ResourceNode,
        pod: { path: string; spec: unknown },
        placement: Placement,
    ): HostClaimUse[] {
        if (this.volumes.length === 0) return [];
        const namespace = namespaceRefOf(placement);
        const uses: HostClaimUse[] = [];
        const add = (field: string, subject: string, claim: Claim) => {
            const bindings = this.bindingsOf(claim, true);
            if (bindings.length > 0) uses.push({ field, subject, bindings });
        };
        const computedFrom = workload.propertyDependencies[pod.path.split(".")[0]] ?? [];
        const podSpec = pod.spec;
        const volumes = isObject(podSpec) ? podSpec.volumes : undefined;
        // Unknown volume lists and items are reported by findHostAccess already.
        if (Array.isArray(volumes)) {
            volumes.forEach((volume, i) => {
                if (!isObject(volume)) return;
                const at = `${pod.path}.volumes[${i}]`;
                const pvc = volume.persistentVolumeClaim;
                if (isUnknown(pvc) || isObject(pvc)) {
                    const claimName = isUnknown(pvc) ? pvc : (pvc as Obj).claimName;
                    const field = isUnknown(pvc)
                        ? `${at}.persistentVolumeClaim`
                        : `${at}.persistentVolumeClaim.claimName`;
                    if (isUnknown(claimName)) {
                        const name = unknownName(`${field} is unknown during preview`);
                        add(field, `${field} (unknown during preview)`, { namespace, name });
                    } else if (claimName === undefined || claimName === null || claimName === "") {
                        // A claim's generated name arrives absent while it is not resolved yet (offline runs).
                        const name = unknownName(`${field} is not set (a claim's name not resolved yet?)`);
                        add(field, `${field} (not set)`, { namespace, name });
                    } else if (typeof claimName === "string") {
                        add(field, `${field} ${JSON.stringify(claimName)}`, {
                            namespace,
                            name: exact(claimName),
                        });
                    }
                }
                const ephemeral = volume.ephemeral;
                if (isUnknown(ephemeral) || isObject(ephemeral)) {
                    const template = isUnknown(ephemeral)
                        ? ephemeral
                        : (ephemeral as Obj).volumeClaimTemplate;
                    const field = isUnknown(ephemeral)
                        ? `${at}.ephemeral`
                        : `${at}.ephemeral.volumeClaimTemplate`;
                    if (template === undefined || template === null) return;
                    // The claim is named `<pod name>-<volume name>`.
                    const podName =
                        kindOf(workload.type) === "Pod"
                            ? metadataName(workload.props.metadata, "", "", workload.name)
                            : generated(".+", "<pod>");
                    const volumeName = isUnknown(volume.name)
                        ? unknownName(`${at}.name is unknown during preview`)
                        : exact(typeof volume.name === "string" ? volume.name : "");
                    const name = joinNames([podName, volumeName]);
                    add(field, `${field} (claim ${showName(name)})`, {
                        namespace,
                        name,
                        spec: claimSpecOf(template, field, "", computedFrom),
                    });
                }
            });
        }
        if (STATEFUL_SET_TYPES.includes(workload.type)) {
            const spec = workload.props.spec;
            // An unknown spec is reported by findHostAccess as an unknown pod template.
            const templates = isObject(spec) ? spec.volumeClaimTemplates : undefined;
            const setName = metadataName(workload.props.metadata, "", "", workload.name);
            const ordinal = generated("[0-9]+", "<ordinal>");
            const eachTemplate = (template: unknown, field: string) => {
                // A StatefulSet's claims are named `<template name>-<statefulset name>-<ordinal>`, and an
                // existing claim of that name is used as is.
                const templateName = isUnknown(template)
                    ? unknownName(`${field} is unknown during preview`)
                    : metadataName(isObject(template) ? template.metadata : undefined, field, "");
                const name = joinNames([templateName, setName, ordinal]);
                add(field, `${field} (claims ${showName(name)})`, {
                    namespace,
                    name,
                    spec: claimSpecOf(template, field, "", workload.propertyDependencies.spec),
                });
            };
            if (isUnknown(templates)) eachTemplate(templates, "spec.volumeClaimTemplates");
            else if (Array.isArray(templates)) {
                templates.forEach((t, i) => eachTemplate(t, `spec.volumeClaimTemplates[${i}]`));
            }
        }
        return uses;
    }

    /**
     * The host volumes a claim is or may be bound to: directly, and (for claims a pod mounts) through a
     * declared PersistentVolumeClaim of the same namespace and name.
     */
    private bindingsOf(claim: Claim, throughDeclared: boolean): HostVolumeBinding[] {
        const best = new Map<HostVolume, HostVolumeBinding>();
        const keep = (b: HostVolumeBinding) => {
            const seen = best.get(b.volume);
            if (seen === undefined || (b.certain && !seen.certain)) best.set(b.volume, b);
        };
        for (const volume of this.volumes) {
            const path = bindingPath(claim, volume);
            if (path) keep({ volume, ...path });
        }
        if (throughDeclared) {
            for (const [node, declared] of this.claims()) {
                const sameNamespace = sameName(claim.namespace, declared.claim.namespace);
                const sameClaim = sameNamespace && sameName(claim.name, declared.claim.name);
                if (!sameNamespace || !sameClaim) continue;
                const doubts = [...sameNamespace, ...sameClaim];
                for (const b of declared.bindings) {
                    keep({
                        volume: b.volume,
                        certain: b.certain && doubts.length === 0,
                        via: `through PersistentVolumeClaim ${node.name}: ${b.via}${
                            doubts.length > 0 ? `; it may be that claim: ${doubts.join("; ")}` : ""
                        }`,
                    });
                }
            }
        }
        return [...best.values()];
    }

    private claims() {
        if (this.declaredClaims === undefined) {
            this.declaredClaims = new Map();
            if (this.volumes.length > 0) {
                for (const node of this.model.ofType(...PERSISTENT_VOLUME_CLAIM_TYPES)) {
                    const owner = `PersistentVolumeClaim ${node.name}`;
                    const claim: Claim = {
                        namespace: namespaceRefOf(this.placement(node)),
                        name: metadataName(node.props.metadata, "", owner, node.name),
                        spec: claimSpecOf(node.props, "", owner, node.propertyDependencies.spec),
                    };
                    const bindings = this.bindingsOf(claim, false);
                    if (bindings.length > 0) this.declaredClaims.set(node, { claim, bindings });
                }
            }
        }
        return this.declaredClaims;
    }
}

/** The surest way a claim is or may be bound to a volume, if any. */
function bindingPath(claim: Claim, volume: HostVolume): Path | undefined {
    const paths: Path[] = [];
    const pv = `PersistentVolume ${volume.node.name}`;
    const spec = claim.spec;
    if (spec?.volumeName) {
        const doubts = sameName(spec.volumeName, volume.name);
        const field = `${join(spec.at, "spec.volumeName")}${of(spec.owner)}`;
        if (doubts) paths.push(doubt(`${field} names it`, `${field} may name it`, doubts));
    } else if (spec?.computedFrom.includes(volume.node)) {
        paths.push({
            certain: false,
            via: `${join(spec.at, "spec")}${of(spec.owner)} is computed from ${pv} and sets no volumeName, so its volumeName may be that volume's name, not resolved yet`,
        });
    }
    const ref = volume.claimRef;
    if (ref.kind === "unknown") {
        paths.push({ certain: false, via: `${ref.why}, so it may name this claim` });
    } else if (ref.kind === "set") {
        const namespace = sameName(claim.namespace, ref.namespace);
        const name = namespace && sameName(claim.name, ref.name);
        if (namespace && name) {
            const field = `spec.claimRef of ${pv}`;
            paths.push(
                doubt(
                    `${field} names ${describeClaimRef(ref)}`,
                    `${field} (${describeClaimRef(ref)}) may name this claim`,
                    [...namespace, ...name],
                ),
            );
        }
    }
    if (spec && spec.volumeName === undefined && ref.kind === "none") {
        const paired = classPairing(spec, volume, pv);
        if (paired) paths.push(paired);
    }
    return paths.find((p) => p.certain) ?? paths[0];
}

function doubt(sure: string, unsure: string, doubts: readonly string[]): Path {
    return doubts.length === 0
        ? { certain: true, via: sure }
        : { certain: false, via: `${unsure}: ${doubts.join("; ")}` };
}

/** A claim without volumeName and a volume without claimRef: the binder pairs them by storage class. */
function classPairing(spec: ClaimSpec, volume: HostVolume, pv: string): Path | undefined {
    const claimClass = spec.storageClass;
    const volumeClass = volume.storageClass;
    const field = `${join(spec.at, "spec.storageClassName")}${of(spec.owner)}`;
    const unpaired = `${pv} has no spec.claimRef and`;
    if (claimClass.kind === "unknown" || volumeClass.kind === "unknown") {
        const doubts = [claimClass, volumeClass].flatMap((c) => (c.kind === "unknown" ? [c.why] : []));
        return {
            certain: false,
            via: `${unpaired} the binder may pair them by storage class: ${doubts.join("; ")}`,
        };
    }
    if (volumeClass.kind !== "exact") return undefined;
    if (claimClass.kind === "exact") {
        if (claimClass.value !== volumeClass.value) return undefined;
        return {
            certain: false,
            via: `${unpaired} both have storage class ${JSON.stringify(claimClass.value)}, so the binder may pair them`,
        };
    }
    return {
        certain: false,
        via:
            volumeClass.value === ""
                ? `${unpaired} no storage class, and ${field} is unset, so without a default StorageClass the binder may pair them`
                : `${unpaired} storage class ${JSON.stringify(volumeClass.value)}, and ${field} is unset, so if that is the cluster's default StorageClass the binder may pair them`,
    };
}
