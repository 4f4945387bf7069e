import type { AgentNamespaces } from "../stack/agent-namespaces";
import {
    BUILT_IN_PRIVILEGED_CLUSTER_ROLES,
    findForbiddenRbacGrants,
    podCreatingGrants,
    type RbacGrantScope,
    type RbacPolicyRule,
} from "../rbac";
import { rejectedShape } from "../shape";
import type { ResourceNode, StackModel } from "../stack/stack-model";
import { containsUnknown, isUnknown } from "../unknowns";
import { metadataOf, placementOf } from "./placement";
import { CLUSTER_ROLE_TYPES, ROLE_TYPES } from "./types";

/** Built-in ClusterRoles that grant nothing an agent could escalate with. */
export const SAFE_BUILT_IN_CLUSTER_ROLES: ReadonlySet<string> = new Set([
    "view",
    "system:basic-user",
    "system:discovery",
    "system:public-info-viewer",
]);

export type RoleVerdict =
    | { readonly kind: "safe" }
    | { readonly kind: "forbidden"; readonly role: string; readonly grants: string[] }
    | { readonly kind: "unknown"; readonly role: string; readonly reason: string };

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

const AGGREGATE = "rbac.authorization.k8s.io/aggregate-to-";
/**
 * The labels that fold a ClusterRole's rules into each built-in aggregated role: view is itself labelled
 * aggregate-to-edit and edit aggregate-to-admin, so view's labels flow into edit and admin too.
 */
const AGGREGATION_LABELS: Readonly<Record<string, readonly string[]>> = {
    view: [`${AGGREGATE}view`],
    edit: [`${AGGREGATE}view`, `${AGGREGATE}edit`],
    admin: [`${AGGREGATE}view`, `${AGGREGATE}edit`, `${AGGREGATE}admin`],
};

/** A ClusterRole whose labels may fold its rules into a built-in role. */
interface Aggregating {
    readonly role: ResourceNode;
    /** Label keys set to "true". */
    readonly labels: readonly string[];
    /** Why its labels cannot be read, when they cannot. */
    readonly unknown?: string;
}

/** The stack's Roles (by namespace/name) and ClusterRoles (by name), indexed once. */
export class RoleIndex {
    private readonly roles = new Map<string, ResourceNode>();
    private readonly clusterRoles = new Map<string, ResourceNode>();
    private readonly aggregating: Aggregating[] = [];

    constructor(model: StackModel, agents: AgentNamespaces) {
        for (const role of model.ofType(...ROLE_TYPES)) {
            const name = knownName(role);
            const placement = placementOf(role, agents);
            if (name !== undefined && placement.known) this.roles.set(`${placement.namespace}/${name}`, role);
        }
        for (const role of model.ofType(...CLUSTER_ROLE_TYPES)) {
            const name = knownName(role);
            if (name !== undefined) this.clusterRoles.set(name, role);
            const aggregating = aggregationLabels(role);
            if (aggregating) this.aggregating.push(aggregating);
        }
    }

    /** What the binding's roleRef grants where the binding applies (`scope`). */
    judge(binding: ResourceNode, scope: RbacGrantScope): RoleVerdict {
        const bindingNamespace = scope.kind === "namespace" ? scope.namespace : undefined;
        const roleRef = binding.props.roleRef;
        const malformed =
            !containsUnknown(roleRef) &&
            (!isObject(roleRef) || typeof roleRef.kind !== "string" || typeof roleRef.name !== "string");
        if (malformed) {
            return {
                kind: "unknown",
                role: "its roleRef",
                reason: rejectedShape(
                    "roleRef",
                    roleRef,
                    "an object with kind (Role or ClusterRole) and name strings",
                ),
            };
        }
        const kind = isObject(roleRef) ? roleRef.kind : roleRef;
        const name = isObject(roleRef) ? roleRef.name : roleRef;
        if (typeof kind !== "string" || typeof name !== "string" || isUnknown(kind) || isUnknown(name)) {
            const declared = (binding.propertyDependencies.roleRef ?? []).find(
                (d) => ROLE_TYPES.includes(d.type) || CLUSTER_ROLE_TYPES.includes(d.type),
            );
            if (declared) return judgeRules(declared, `${kindLabel(declared)} ${declared.name}`, scope);
            return {
                kind: "unknown",
                role: "its roleRef",
                reason: "roleRef is unknown during preview and comes from no Role or ClusterRole declared in this stack",
            };
        }
        if (kind === "ClusterRole") {
            if (BUILT_IN_PRIVILEGED_CLUSTER_ROLES.has(name)) {
                return {
                    kind: "forbidden",
                    role: `ClusterRole ${name}`,
                    grants: [`the built-in ${name} ClusterRole`],
                };
            }
            const declared = this.clusterRoles.get(name);
            const own: RoleVerdict = declared
                ? judgeRules(declared, `ClusterRole ${name}`, scope)
                : SAFE_BUILT_IN_CLUSTER_ROLES.has(name)
                  ? { kind: "safe" }
                  : {
                        kind: "unknown",
                        role: `ClusterRole ${name}`,
                        reason: "it is not declared in this stack nor a known-safe built-in role, so its rules cannot be checked",
                    };
            return own.kind === "safe" ? this.judgeAggregated(name, scope) : own;
        }
        if (kind === "Role") {
            const declared =
                bindingNamespace === undefined ? undefined : this.roles.get(`${bindingNamespace}/${name}`);
            if (declared) return judgeRules(declared, `Role ${name}`, scope);
            return {
                kind: "unknown",
                role: `Role ${name}`,
                reason: `it is not declared in this stack in namespace ${bindingNamespace ?? "(unknown)"}, so its rules cannot be checked`,
            };
        }
        return {
            kind: "unknown",
            role: `${kind} ${name}`,
            reason: `roleRef kind ${JSON.stringify(kind)} is neither Role nor ClusterRole`,
        };
    }

    /**
     * The pod-creating grants (pods, pod controllers, wildcards) the binding's role holds, with the role's label;
     * undefined when it holds none or its rules cannot be read (the escalation rule reports those).
     */
    podCreation(binding: ResourceNode, namespace: string): { role: string; grants: string[] } | undefined {
        return this.grantsOf(binding, namespace, podCreatingGrants, POD_CREATING_BUILT_IN_ROLES);
    }

    /**
     * What `select` finds in the rules of the binding's role (a built-in role in `builtIn` counts as granting
     * everything), with the role's label; undefined when nothing, or when the rules cannot be read (the
     * escalation rule reports those).
     */
    grantsOf(
        binding: ResourceNode,
        namespace: string,
        select: (rules: readonly RbacPolicyRule[]) => string[],
        builtIn: ReadonlySet<string> = BUILT_IN_PRIVILEGED_CLUSTER_ROLES_SET,
    ): { role: string; grants: string[] } | undefined {
        const roleRef = binding.props.roleRef;
        const kind = isObject(roleRef) ? roleRef.kind : undefined;
        const name = isObject(roleRef) ? roleRef.name : undefined;
        const of = (r: ResourceNode): string[] => {
            const rules = r.props.rules;
            return Array.isArray(rules) && !containsUnknown(rules) ? select(rules as RbacPolicyRule[]) : [];
        };
        let role: ResourceNode | undefined;
        if (typeof kind !== "string" || typeof name !== "string" || isUnknown(kind) || isUnknown(name)) {
            role = (binding.propertyDependencies.roleRef ?? []).find(
                (d) => ROLE_TYPES.includes(d.type) || CLUSTER_ROLE_TYPES.includes(d.type),
            );
        } else if (kind === "ClusterRole") {
            if (builtIn.has(name))
                return { role: `ClusterRole ${name}`, grants: [`the built-in ${name} ClusterRole`] };
            role = this.clusterRoles.get(name);
            const keys = AGGREGATION_LABELS[name];
            if (role === undefined && keys !== undefined) {
                const grants = this.aggregating
                    .filter((m) => m.labels.some((l) => keys.includes(l)))
                    .flatMap((m) => of(m.role).map((g) => `${g}, aggregated from ${m.role.name}`));
                return grants.length > 0 ? { role: `ClusterRole ${name}`, grants } : undefined;
            }
        } else if (kind === "Role") {
            role = this.roles.get(`${namespace}/${name}`);
        }
        if (role === undefined) return undefined;
        const grants = of(role);
        return grants.length > 0 ? { role: `${kindLabel(role)} ${role.name}`, grants } : undefined;
    }

    /** The stack's ClusterRoles whose labels fold their rules into the built-in `name` (view, edit, admin). */
    private judgeAggregated(name: string, scope: RbacGrantScope): RoleVerdict {
        const keys = AGGREGATION_LABELS[name];
        if (keys === undefined) return { kind: "safe" };
        const role = `ClusterRole ${name}`;
        const grants: string[] = [];
        const unknown: string[] = [];
        for (const member of this.aggregating) {
            const via = member.labels.find((l) => keys.includes(l));
            if (via === undefined && member.unknown === undefined) continue;
            const label = `${kindLabel(member.role)} ${member.role.name}`;
            const verdict = CLUSTER_ROLE_PATCH_TYPES.has(member.role.type)
                ? patchVerdict(member.role, label)
                : judgeRules(member.role, label, scope);
            if (verdict.kind === "safe") continue;
            const detail = verdict.kind === "forbidden" ? verdict.grants.join(", ") : verdict.reason;
            if (via !== undefined && verdict.kind === "forbidden") {
                grants.push(`${detail}, aggregated from ${label} by its label ${via}`);
            } else {
                const why = via !== undefined ? `its label ${via}` : `its labels (${member.unknown})`;
                unknown.push(`${label} may fold into ${name} by ${why} and ${detail}`);
            }
        }
        if (grants.length > 0) return { kind: "forbidden", role, grants };
        if (unknown.length > 0) return { kind: "unknown", role, reason: unknown.join("; ") };
        return { kind: "safe" };
    }
}

const CLUSTER_ROLE_PATCH_TYPES: ReadonlySet<string> = new Set(
    CLUSTER_ROLE_TYPES.filter((t) => t.endsWith("Patch")),
);

/** A patch labels an existing ClusterRole whose rules this stack may not hold. */
function patchVerdict(patch: ResourceNode, label: string): RoleVerdict {
    const name = knownName(patch);
    if (name !== undefined && BUILT_IN_PRIVILEGED_CLUSTER_ROLES.has(name)) {
        return { kind: "forbidden", role: label, grants: [`the built-in ${name} ClusterRole`] };
    }
    return {
        kind: "unknown",
        role: label,
        reason: `it patches the existing ClusterRole ${name ?? "(name unknown)"}, whose rules are not in this stack`,
    };
}

/** The aggregate-to-* labels set to "true", or why the labels can't be read; undefined when there are none. */
function aggregationLabels(role: ResourceNode): Aggregating | undefined {
    const metadata = role.props.metadata;
    const labels = isObject(metadata) ? metadata.labels : metadata;
    if (isUnknown(labels)) {
        return {
            role,
            labels: [],
            unknown: `metadata${isUnknown(metadata) ? "" : ".labels"} is unknown during preview`,
        };
    }
    if (labels === undefined || labels === null) return undefined;
    // Labels of the wrong shape may be meant to aggregate: judged as possibly folding in.
    if (!isObject(labels)) {
        return {
            role,
            labels: [],
            unknown: rejectedShape("metadata.labels", labels, "an object of label values"),
        };
    }
    const keys = Object.keys(labels).filter((k) => k.startsWith(AGGREGATE));
    const unknownKeys = keys.filter((k) => isUnknown(labels[k]));
    const set = keys.filter((k) => labels[k] === "true");
    if (set.length === 0 && unknownKeys.length === 0) return undefined;
    const unknown =
        unknownKeys.length > 0 ? `label ${unknownKeys.join(", ")} is unknown during preview` : undefined;
    return { role, labels: set, unknown };
}

function judgeRules(role: ResourceNode, label: string, scope: RbacGrantScope): RoleVerdict {
    const aggregation = role.props.aggregationRule;
    if (aggregation !== undefined && aggregation !== null) {
        return {
            kind: "unknown",
            role: label,
            reason: "it has an aggregationRule, so its rules come from other ClusterRoles selected by label and cannot be checked",
        };
    }
    const rules = role.props.rules;
    if (containsUnknown(rules)) {
        return { kind: "unknown", role: label, reason: "its rules are unknown during preview" };
    }
    if (rules === undefined || rules === null) return { kind: "safe" };
    if (!Array.isArray(rules)) {
        return {
            kind: "unknown",
            role: label,
            reason: rejectedShape("its rules", rules, "a list of PolicyRules"),
        };
    }
    const grants = findForbiddenRbacGrants(rules as RbacPolicyRule[], scope).map(
        (g) => `the ${g.verb} verb on ${g.resource} (rules[${g.ruleIndex}]: ${g.reason})`,
    );
    return grants.length === 0 ? { kind: "safe" } : { kind: "forbidden", role: label, grants };
}

/** Built-in ClusterRoles that may create pods in the namespace they are bound in. */
const POD_CREATING_BUILT_IN_ROLES: ReadonlySet<string> = new Set(["cluster-admin", "admin", "edit"]);

const BUILT_IN_PRIVILEGED_CLUSTER_ROLES_SET: ReadonlySet<string> = new Set(BUILT_IN_PRIVILEGED_CLUSTER_ROLES);

function knownName(role: ResourceNode): string | undefined {
    const name = metadataOf(role)?.name;
    if (typeof name === "string" && !isUnknown(name)) return name;
    return undefined;
}

function kindLabel(role: ResourceNode): string {
    return CLUSTER_ROLE_TYPES.includes(role.type) ? "ClusterRole" : "Role";
}
