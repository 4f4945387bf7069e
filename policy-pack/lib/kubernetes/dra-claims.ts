import type { AgentNamespaces } from "../../../core/stack/agent-namespaces";
import type { ResourceNode, StackModel } from "../../../core/stack/stack-model";
import { placementOf, type Placement } from "../../../core/kubernetes/placement";
import { isUnknown } from "../unknowns";

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

const DRA_VERSIONS = ["v1", "v1beta2", "v1beta1", "v1alpha3", "v1alpha2"];
const draTypes = (kind: string): string[] =>
    DRA_VERSIONS.flatMap((v) => [
        `kubernetes:resource.k8s.io/${v}:${kind}`,
        `kubernetes:resource.k8s.io/${v}:${kind}Patch`,
    ]);
export const RESOURCE_CLAIM_TYPES = draTypes("ResourceClaim");
export const RESOURCE_CLAIM_TEMPLATE_TYPES = draTypes("ResourceClaimTemplate");
export const COUNT_CLAIMS_KEY = "count/resourceclaims.resource.k8s.io";
export const deviceClassKey = (deviceClass: string): string =>
    `${deviceClass}.deviceclass.resource.k8s.io/devices`;

/** What one ResourceClaim or ResourceClaimTemplate asks for, in every API version's shape. */
export interface ClaimDemand {
    /** Device classes its requests (and `firstAvailable` alternatives) name. */
    readonly classes: string[];
    /** Whether a request takes every matching device (allocationMode All). */
    readonly all: boolean;
    /** Paths of requests that set adminAccess: true. */
    readonly admin: string[];
    readonly unknown: string[];
}

/** Reads deviceClassName, allocationMode and adminAccess wherever the claim's version nests them. */
export function claimDemand(node: ResourceNode): ClaimDemand {
    const demand = { classes: [] as string[], all: false, admin: [] as string[], unknown: [] as string[] };
    const visit = (value: unknown, path: string): void => {
        if (isUnknown(value)) return void demand.unknown.push(`${path} is unknown during preview`);
        if (Array.isArray(value)) return value.forEach((v, i) => visit(v, `${path}[${i}]`));
        if (!isObject(value)) return;
        for (const [key, child] of Object.entries(value)) {
            const at = `${path}.${key}`;
            if (key === "deviceClassName") {
                if (typeof child === "string" && !isUnknown(child)) {
                    if (!demand.classes.includes(child)) demand.classes.push(child);
                } else
                    demand.unknown.push(
                        `${at} is ${isUnknown(child) ? "unknown during preview" : JSON.stringify(child)}`,
                    );
            } else if (key === "allocationMode") {
                if (isUnknown(child)) demand.unknown.push(`${at} is unknown during preview`);
                else if (child === "All") demand.all = true;
            } else if (key === "adminAccess") {
                if (isUnknown(child)) demand.unknown.push(`${at} is unknown during preview`);
                else if (child === true) demand.admin.push(at);
            } else visit(child, at);
        }
    };
    visit(node.props.spec, "spec");
    return demand;
}

/**
 * Why the quota keys of a namespace do not cap a claim's devices, or undefined when they do: every class it
 * names has a `<class>.deviceclass.resource.k8s.io/devices` cap, or `count/resourceclaims.resource.k8s.io`
 * bounds the claims and none takes all matching devices.
 */
export function uncappedClaim(
    demand: ClaimDemand,
    keys: ReadonlySet<string> | undefined,
): string | undefined {
    if (demand.unknown.length > 0)
        return `${demand.unknown.join("; ")}, so the devices it claims cannot be capped`;
    const uncovered = demand.classes.filter((c) => !keys?.has(deviceClassKey(c)));
    if (uncovered.length === 0) return undefined;
    if (keys?.has(COUNT_CLAIMS_KEY) && !demand.all) return undefined;
    const classKeys = uncovered.map(deviceClassKey).join(", ");
    return demand.all
        ? `it takes every matching device (allocationMode All), and no ResourceQuota caps ${classKeys} (count/resourceclaims.resource.k8s.io does not bound an All claim)`
        : `no ResourceQuota caps ${classKeys} or ${COUNT_CLAIMS_KEY}`;
}

/** ResourceClaims and ResourceClaimTemplates the stack places in (possibly) agent namespaces. */
export function agentResourceClaims(
    model: StackModel,
    agents: AgentNamespaces,
): { node: ResourceNode; placement: Placement }[] {
    return model
        .ofType(...RESOURCE_CLAIM_TYPES, ...RESOURCE_CLAIM_TEMPLATE_TYPES)
        .map((node) => ({ node, placement: placementOf(node, agents) }))
        .filter(({ placement }) => !placement.known || placement.agent);
}

/** A pod's reference to a claim (`resourceClaimName`) or a claim template (`resourceClaimTemplateName`). */
export interface ClaimReference {
    readonly field: string;
    readonly kind: "ResourceClaim" | "ResourceClaimTemplate";
    readonly name: string;
}

/** The claim references of a pod spec's `resourceClaims`, current and pre-1.31 (`source.…`) shapes. */
export function claimReferences(
    claims: unknown[],
    at: string,
): { refs: ClaimReference[]; unknown: string[] } {
    const refs: ClaimReference[] = [];
    const unknown: string[] = [];
    claims.forEach((claim, i) => {
        const field = `${at}[${i}]`;
        const holder = isObject(claim) && isObject(claim.source) ? claim.source : claim;
        if (!isObject(holder))
            return void unknown.push(
                `${field} is ${isUnknown(holder) ? "unknown during preview" : "not an object"}`,
            );
        let named = false;
        for (const [key, kind] of [
            ["resourceClaimName", "ResourceClaim"],
            ["resourceClaimTemplateName", "ResourceClaimTemplate"],
        ] as const) {
            const name = holder[key];
            if (name === undefined || name === null) continue;
            named = true;
            if (typeof name === "string" && !isUnknown(name))
                refs.push({ field: `${field}.${key}`, kind, name });
            else unknown.push(`${field}.${key} is unknown during preview`);
        }
        if (!named) unknown.push(`${field} names no resourceClaimName or resourceClaimTemplateName`);
    });
    return { refs, unknown };
}

/** The declared claim or claim template a reference names in a namespace, if this stack declares it. */
export function declaredClaim(
    model: StackModel,
    agents: AgentNamespaces,
    ref: ClaimReference,
    namespace: string,
): ResourceNode | undefined {
    const types = ref.kind === "ResourceClaim" ? RESOURCE_CLAIM_TYPES : RESOURCE_CLAIM_TEMPLATE_TYPES;
    return model.ofType(...types).find((node) => {
        const placement = placementOf(node, agents);
        const metadata = node.props.metadata;
        return (
            placement.known &&
            placement.namespace === namespace &&
            isObject(metadata) &&
            metadata.name === ref.name
        );
    });
}
