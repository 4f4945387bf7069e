import type { AgentNamespaces } from "../agent-namespaces";
import { BUILT_IN_PRIVILEGED_CLUSTER_ROLES, findForbiddenRbacGrants, type RbacPolicyRule } from "../rbac";
import type { ResourceNode, StackModel } from "../stack-model";
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

/** The stack's Roles (by namespace/name) and ClusterRoles (by name), indexed once. */
export class RoleIndex {
    private readonly roles = new Map<string, ResourceNode>();
    private readonly clusterRoles = new Map<string, ResourceNode>();

    constructor(model: StackModel, agents: AgentNamespaces) {
        for (const role of model.ofType(...ROLE_TYPES)) {
            const name = knownName(role);
            const placement = placementOf(role, agents);
            if (name !== undefined && placement.known) this.roles.set(`${placement.namespace}/${name}`, role);
        }
        for (const role of model.ofType(...CLUSTER_ROLE_TYPES)) {
            const name = knownName(role);
            if (name !== undefined) this.clusterRoles.set(name, role);
        }
    }

    /** What the binding's roleRef grants. `bindingNamespace` is undefined for ClusterRoleBindings. */
    judge(binding: ResourceNode, bindingNamespace: string | undefined): RoleVerdict {
        const roleRef = binding.props.roleRef;
        const kind = isObject(roleRef) ? roleRef.kind : roleRef;
        const name = isObject(roleRef) ? roleRef.name : roleRef;
        if (typeof kind !== "string" || typeof name !== "string" || isUnknown(kind) || isUnknown(name)) {
            const declared = (binding.propertyDependencies.roleRef ?? []).find(
                (d) => ROLE_TYPES.includes(d.type) || CLUSTER_ROLE_TYPES.includes(d.type),
            );
            if (declared) return judgeRules(declared, `${kindLabel(declared)} ${declared.name}`);
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
            if (declared) return judgeRules(declared, `ClusterRole ${name}`);
            if (SAFE_BUILT_IN_CLUSTER_ROLES.has(name)) return { kind: "safe" };
            return {
                kind: "unknown",
                role: `ClusterRole ${name}`,
                reason: "it is not declared in this stack nor a known-safe built-in role, so its rules cannot be checked",
            };
        }
        if (kind === "Role") {
            const declared =
                bindingNamespace === undefined ? undefined : this.roles.get(`${bindingNamespace}/${name}`);
            if (declared) return judgeRules(declared, `Role ${name}`);
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
}

function judgeRules(role: ResourceNode, label: string): RoleVerdict {
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
        return { kind: "unknown", role: label, reason: `its rules are ${JSON.stringify(rules)}, not a list` };
    }
    const grants = findForbiddenRbacGrants(rules as RbacPolicyRule[]).map(
        (g) => `the ${g.verb} verb on ${g.resource} (rules[${g.ruleIndex}]: ${g.reason})`,
    );
    return grants.length === 0 ? { kind: "safe" } : { kind: "forbidden", role: label, grants };
}

function knownName(role: ResourceNode): string | undefined {
    const name = metadataOf(role)?.name;
    if (typeof name === "string" && !isUnknown(name)) return name;
    return undefined;
}

function kindLabel(role: ResourceNode): string {
    return CLUSTER_ROLE_TYPES.includes(role.type) ? "ClusterRole" : "Role";
}
