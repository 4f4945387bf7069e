import type { AgentNamespaces } from "../../../core/stack/agent-namespaces";
import {
    accessPolicyProblem,
    AgentPrincipals,
    eksIdentityMappings,
    type KubeIdentityMapping,
} from "../../../core/aws/eks-identity";
import type { AgentguardConfig } from "../../../core/stack/config";
import type { RbacGrantScope } from "../../../core/rbac";
import type { Finding } from "../rule";
import type { ResourceNode, StackModel } from "../../../core/stack/stack-model";
import { isUnknown } from "../unknowns";
import { placementOf } from "../../../core/kubernetes/placement";
import type { RoleIndex } from "../../../core/kubernetes/rbac-roles";
import { CLUSTER_ROLE_BINDING_TYPES, ROLE_BINDING_TYPES } from "../../../core/kubernetes/types";

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

/** Groups Kubernetes itself gives powers the stack cannot narrow. */
const BUILT_IN_POWERFUL_GROUPS: Readonly<Record<string, string>> = {
    "system:masters": "which bypasses RBAC altogether (cluster-admin on everything)",
    "system:nodes": "the node identity (reads the Secrets and volumes of pods on a node, edits node objects)",
    "system:bootstrappers": "the node bootstrap identity (requests node client certificates)",
};
/** Groups every authenticated caller is in anyway: mapping to them adds nothing. */
const IMPLICIT_GROUPS = new Set(["system:authenticated"]);

interface Binding {
    readonly node: ResourceNode;
    readonly scope: RbacGrantScope;
    readonly label: string;
}

/**
 * Judges every IAM-to-Kubernetes mapping of an agent IAM principal (or one that may be): its groups, user
 * name, access-entry type and access policy must not grant more than a narrow Role bound in this stack.
 */
export function judgeEksIdentities(
    model: StackModel,
    config: AgentguardConfig,
    agents: AgentNamespaces,
    roles: RoleIndex,
): Finding[] {
    const { mappings, unreadable } = eksIdentityMappings(model, agents);
    const findings: Finding[] = unreadable.map(({ node, why }) => ({
        urn: node.urn,
        name: node.name,
        message: `${kindOf(node)} ${node.name}: ${why}. It maps IAM principals to Kubernetes groups (system:masters included), so it must be readable: write plain YAML (a list of rolearn/username/groups mappings) without duplicate keys.`,
    }));
    if (mappings.length === 0) return findings;
    const principals = new AgentPrincipals(model, config, agents);
    const bindings = subjectBindings(model, agents);
    for (const mapping of mappings) {
        const verdict = principals.classify(mapping.node, mapping.principalKey, mapping.principal);
        if (verdict.kind === "not") continue;
        const problems = mappingProblems(mapping, bindings, roles);
        if (problems.length === 0) continue;
        const who =
            verdict.kind === "agent"
                ? `an agent IAM principal (${verdict.why})`
                : `an IAM principal that may be an agent (${verdict.why})`;
        const where = mapping.at === "" ? "" : ` ${mapping.at}`;
        findings.push({
            urn: mapping.node.urn,
            name: mapping.node.name,
            message: `${kindOf(mapping.node)} ${mapping.node.name}${where} gives ${who} ${problems.join("; ")}. Map agent IAM roles only to a group of their own that this stack binds to a narrow Role, or associate only AmazonEKSViewPolicy.`,
        });
    }
    return findings;
}

function mappingProblems(
    mapping: KubeIdentityMapping,
    bindings: { groups: Map<string, Binding[]>; users: Map<string, Binding[]> },
    roles: RoleIndex,
): string[] {
    const problems: string[] = [];
    if (typeof mapping.groups === "string") {
        problems.push(`Kubernetes groups that cannot be read (${mapping.groups})`);
    } else {
        for (const raw of mapping.groups) {
            const group = raw.trim();
            const builtIn = BUILT_IN_POWERFUL_GROUPS[group];
            if (builtIn !== undefined) {
                problems.push(`group ${group}, ${builtIn}`);
                continue;
            }
            if (IMPLICIT_GROUPS.has(group)) continue;
            const bound = bindings.groups.get(group) ?? [];
            if (bound.length === 0) {
                problems.push(
                    `group ${JSON.stringify(raw)}, which no RoleBinding or ClusterRoleBinding of this stack binds, so its rights cannot be checked`,
                );
            }
            problems.push(...bindingProblems(`group ${group}`, bound, roles));
        }
    }
    const username = mapping.username;
    if (username !== undefined && username !== null) {
        if (typeof username !== "string" || isUnknown(username)) {
            problems.push("a Kubernetes user name that is unknown during preview");
        } else {
            const name = username.trim();
            if (name.toLowerCase().startsWith("system:")) {
                problems.push(
                    `user name ${JSON.stringify(username)}, a system identity (nodes, controllers and service accounts hold their rights by such names)`,
                );
            } else if (/\{\{\s*SessionName/i.test(name)) {
                problems.push(
                    `user name ${JSON.stringify(username)}, which embeds the session name the caller picks, so the agent chooses its own Kubernetes user`,
                );
            }
            problems.push(...bindingProblems(`user ${name}`, bindings.users.get(name) ?? [], roles));
        }
    }
    const type = mapping.entryType;
    if (type !== undefined && type !== null) {
        if (typeof type !== "string" || isUnknown(type)) {
            problems.push("an access entry type that is unknown during preview");
        } else if (type.trim().toUpperCase() !== "STANDARD") {
            problems.push(`access entry type ${type}, which makes it a node (system:nodes)`);
        }
    }
    if (mapping.accessPolicy !== undefined) {
        const problem = accessPolicyProblem(mapping.accessPolicy.arn);
        if (problem !== undefined)
            problems.push(`access policy ${problem}${scopeNote(mapping.accessPolicy.scope)}`);
    }
    return problems;
}

function scopeNote(scope: unknown): string {
    if (!isObject(scope)) return "";
    if (scope.type === "namespace" && Array.isArray(scope.namespaces)) {
        return ` in namespaces ${scope.namespaces.map(String).join(", ")} (a namespace scope still grants those rights there, as a RoleBinding to the same role would)`;
    }
    return typeof scope.type === "string" ? ` at ${scope.type} scope` : "";
}

function bindingProblems(subject: string, bound: readonly Binding[], roles: RoleIndex): string[] {
    const out: string[] = [];
    for (const binding of bound) {
        const role = roles.judge(binding.node, binding.scope);
        if (role.kind === "forbidden") {
            out.push(`${subject}, which ${binding.label} binds to ${role.role} (${role.grants.join(", ")})`);
        } else if (role.kind === "unknown") {
            out.push(
                `${subject}, which ${binding.label} binds to ${role.role}, whose grants cannot be checked because ${role.reason}`,
            );
        }
    }
    return out;
}

/** The stack's bindings, by the Group and User subjects they name. */
function subjectBindings(
    model: StackModel,
    agents: AgentNamespaces,
): { groups: Map<string, Binding[]>; users: Map<string, Binding[]> } {
    const groups = new Map<string, Binding[]>();
    const users = new Map<string, Binding[]>();
    const add = (node: ResourceNode, scope: RbacGrantScope, label: string) => {
        const subjects = node.props.subjects;
        if (!Array.isArray(subjects)) return;
        for (const s of subjects) {
            if (!isObject(s) || typeof s.name !== "string") continue;
            const index = s.kind === "Group" ? groups : s.kind === "User" ? users : undefined;
            if (!index) continue;
            const list = index.get(s.name) ?? [];
            list.push({ node, scope, label });
            index.set(s.name, list);
        }
    };
    for (const node of model.ofType(...ROLE_BINDING_TYPES)) {
        const placement = placementOf(node, agents);
        const scope: RbacGrantScope = placement.known
            ? { kind: "namespace", namespace: placement.namespace, agent: placement.agent }
            : { kind: "unknown", reason: placement.reason };
        add(node, scope, `RoleBinding ${node.name}`);
    }
    for (const node of model.ofType(...CLUSTER_ROLE_BINDING_TYPES)) {
        add(node, { kind: "cluster" }, `ClusterRoleBinding ${node.name}`);
    }
    return { groups, users };
}

function kindOf(node: ResourceNode): string {
    if (node.type === "eks:index:Cluster") return "@pulumi/eks Cluster";
    return node.type.slice(node.type.lastIndexOf(":") + 1);
}
