import { rejectedShape, shapeProblem } from "../shape";
/**
 * Kubernetes identity granted outside RBAC on EKS: the `kube-system/aws-auth` ConfigMap (`mapRoles`,
 * `mapUsers`), EKS access entries and access-policy associations, and the same mappings given to a
 * `@pulumi/eks` Cluster. Each maps an IAM principal to Kubernetes groups, a user name or an EKS access policy.
 */
import * as yaml from "js-yaml";
import type { AgentNamespaces } from "../stack/agent-namespaces";
import type { AgentguardConfig } from "../stack/config";
import { placementOf } from "../kubernetes/placement";
import { SERVICE_ACCOUNT_TYPES } from "../kubernetes/types";
import type { ResourceNode, StackModel } from "../stack/stack-model";
import { containsUnknown, isUnknown } from "../unknowns";
import { identifyAgentRoles, POD_IDENTITY_TYPE, ROLE_TYPE } from "./agent-roles";
import { USER_TYPE } from "./iam-entity-lookup";
import { identifyAgentUsers } from "./user-documents";

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

export const ACCESS_ENTRY_TYPE = "aws:eks/accessEntry:AccessEntry";
export const ACCESS_POLICY_ASSOCIATION_TYPE = "aws:eks/accessPolicyAssociation:AccessPolicyAssociation";
const CONFIG_MAP_TYPES = new Set(["kubernetes:core/v1:ConfigMap", "kubernetes:core/v1:ConfigMapPatch"]);
const PULUMI_EKS_CLUSTER = "eks:index:Cluster";

/** One IAM principal given a Kubernetes identity. */
export interface KubeIdentityMapping {
    readonly node: ResourceNode;
    /** Where in the resource, e.g. `data.mapRoles[1]`. */
    readonly at: string;
    /** The principal ARN as written (a string, or unknown), and the property its dependencies are recorded on. */
    readonly principal: unknown;
    readonly principalKey: string;
    /** Kubernetes groups; a string when they cannot be read (why). */
    readonly groups: readonly string[] | string;
    readonly username?: unknown;
    /** An EKS access policy association. */
    readonly accessPolicy?: { readonly arn: unknown; readonly scope: unknown };
    /** An access entry type other than STANDARD makes the principal a node. */
    readonly entryType?: unknown;
}

/** Every IAM-to-Kubernetes identity mapping this stack declares, and the mappings that cannot be read. */
export function eksIdentityMappings(
    model: StackModel,
    agents: AgentNamespaces,
): { mappings: KubeIdentityMapping[]; unreadable: { node: ResourceNode; why: string }[] } {
    const mappings: KubeIdentityMapping[] = [];
    const unreadable: { node: ResourceNode; why: string }[] = [];
    for (const node of model.resources) {
        if (CONFIG_MAP_TYPES.has(node.type)) awsAuth(node, agents, mappings, unreadable);
    }
    // Access entries and their policy associations name the principal the same way (`principalArn`).
    const byArn = (node: ResourceNode) =>
        ({ node, at: "", principal: node.props.principalArn, principalKey: "principalArn" }) as const;
    for (const node of model.ofType(ACCESS_ENTRY_TYPE)) {
        const p = node.props;
        mappings.push({
            ...byArn(node),
            groups: groupList(p.kubernetesGroups, "kubernetesGroups"),
            username: p.userName,
            entryType: p.type,
        });
    }
    for (const node of model.ofType(ACCESS_POLICY_ASSOCIATION_TYPE)) {
        const p = node.props;
        mappings.push({
            ...byArn(node),
            groups: [],
            accessPolicy: { arn: p.policyArn, scope: p.accessScope },
        });
    }
    for (const node of model.ofType(PULUMI_EKS_CLUSTER)) pulumiEksCluster(node, mappings, unreadable);
    return { mappings, unreadable };
}

function groupList(value: unknown, at: string): readonly string[] | string {
    if (value === undefined || value === null) return [];
    if (containsUnknown(value)) return `${at} is unknown during preview`;
    if (!Array.isArray(value) || value.some((g) => typeof g !== "string")) {
        return `${at} is ${JSON.stringify(value)}, not a list of group names`;
    }
    return value as string[];
}

/** aws-auth is read from kube-system only; a ConfigMap whose name or namespace is unknown may be it. */
function awsAuth(
    node: ResourceNode,
    agents: AgentNamespaces,
    mappings: KubeIdentityMapping[],
    unreadable: { node: ResourceNode; why: string }[],
): void {
    const metadata = node.props.metadata;
    const name = isObject(metadata) ? metadata.name : metadata;
    const data = node.props.data;
    const mentions = isUnknown(data) || (isObject(data) && ("mapRoles" in data || "mapUsers" in data));
    if (typeof name === "string" && !isUnknown(name)) {
        if (name !== "aws-auth") return;
    } else if (!mentions) return;
    const placement = placementOf(node, agents);
    if (placement.known && placement.namespace !== "kube-system") return;
    if (isUnknown(data)) {
        return void mappings.push({
            node,
            at: "data",
            principal: data,
            principalKey: "data",
            groups: "data is unknown during preview",
        });
    }
    if (data === undefined || data === null) return;
    // A wrong shape would read as "maps nobody": said instead (the mappings it hides may be agents').
    if (!isObject(data)) {
        return void unreadable.push({
            node,
            why: rejectedShape("data", data, "an object of strings (mapRoles, mapUsers)"),
        });
    }
    for (const key of ["mapRoles", "mapUsers"]) {
        const text = data[key];
        if (text === undefined || text === null) continue;
        if (isUnknown(text) || typeof text !== "string") {
            mappings.push({
                node,
                at: `data.${key}`,
                principal: text,
                principalKey: "data",
                groups: `data.${key} is unknown during preview`,
            });
            continue;
        }
        const entries = parseMappings(text);
        if (typeof entries === "string") {
            unreadable.push({ node, why: `data.${key} ${entries}` });
            continue;
        }
        const arnField = key === "mapRoles" ? "rolearn" : "userarn";
        entries.forEach((entry, i) => {
            const at = `data.${key}[${i}]`;
            // aws-iam-authenticator decodes through JSON, whose field names match case-insensitively.
            const field = (name: string): unknown => {
                const keys = Object.keys(entry).filter((k) => k.toLowerCase() === name);
                return keys.length === 1 ? entry[keys[0]] : keys.length > 1 ? AMBIGUOUS : undefined;
            };
            const arn = field(arnField);
            const groups = field("groups");
            const username = field("username");
            if ([arn, groups, username].includes(AMBIGUOUS)) {
                return void unreadable.push({
                    node,
                    why: `${at} spells a field twice in different cases, so which one aws-iam-authenticator reads is unknown`,
                });
            }
            mappings.push({
                node,
                at,
                principal: typeof arn === "string" ? arn : JSON.stringify(arn),
                principalKey: "data",
                groups: groupList(groups, `${at}.groups`),
                username,
            });
        });
    }
}

const AMBIGUOUS = Symbol("ambiguous");

/** The list inside mapRoles/mapUsers (YAML, anchors and merge keys resolved; duplicate keys refused). */
function parseMappings(text: string): Obj[] | string {
    let parsed: unknown;
    try {
        // go-yaml (aws-iam-authenticator's parser) reads YAML 1.1: merge keys (`<<`) included.
        parsed = yaml.load(text, { schema: yaml.YAML11_SCHEMA });
    } catch (e) {
        return `is not YAML this pack can read (${(e as Error).message.split("\n")[0]}), so its mappings cannot be checked`;
    }
    if (parsed === undefined || parsed === null) return [];
    if (!Array.isArray(parsed)) return "is not a YAML list of mappings, so its mappings cannot be checked";
    if (parsed.some((e) => !isObject(e)))
        return "has list items that are not mappings, so they cannot be checked";
    return parsed as Obj[];
}

/** `@pulumi/eks` Cluster inputs: roleMappings, userMappings and accessEntries (with their accessPolicies). */
function pulumiEksCluster(
    node: ResourceNode,
    mappings: KubeIdentityMapping[],
    unreadable: { node: ResourceNode; why: string }[],
): void {
    const p = node.props;
    for (const [key, arnField] of [
        ["roleMappings", "roleArn"],
        ["userMappings", "userArn"],
    ] as const) {
        const list = p[key];
        if (list === undefined || list === null) continue;
        if (!Array.isArray(list)) {
            unreadable.push({
                node,
                why: `${key} is ${isUnknown(list) ? "unknown during preview" : "not a list"}`,
            });
            continue;
        }
        list.forEach((m, i) => {
            const entry = isObject(m) ? m : {};
            mappings.push({
                node,
                at: `${key}[${i}]`,
                principal: isUnknown(m) ? m : entry[arnField],
                principalKey: key,
                groups: isUnknown(m)
                    ? `${key}[${i}] is unknown during preview`
                    : groupList(entry.groups, `${key}[${i}].groups`),
                username: entry.username,
            });
        });
    }
    const entries = p.accessEntries;
    if (entries === undefined || entries === null) return;
    if (!isObject(entries)) {
        return void unreadable.push({
            node,
            why: `accessEntries is ${isUnknown(entries) ? "unknown during preview" : "not a map"}`,
        });
    }
    for (const [name, e] of Object.entries(entries)) {
        const entry = isObject(e) ? e : {};
        const at = `accessEntries.${name}`;
        mappings.push({
            node,
            at,
            principal: isUnknown(e) ? e : entry.principalArn,
            principalKey: "accessEntries",
            groups: isUnknown(e)
                ? `${at} is unknown during preview`
                : groupList(entry.kubernetesGroups, `${at}.kubernetesGroups`),
            username: entry.username,
            entryType: entry.type,
        });
        const policies = entry.accessPolicies;
        if (policies === undefined || policies === null || isUnknown(e)) continue;
        if (!isObject(policies)) {
            unreadable.push({
                node,
                why: shapeProblem(`${at}.accessPolicies`, policies, "a map of policy associations"),
            });
            continue;
        }
        for (const [policyName, a] of Object.entries(policies)) {
            const association = isObject(a) ? a : {};
            mappings.push({
                node,
                at: `${at}.accessPolicies.${policyName}`,
                principal: entry.principalArn,
                principalKey: "accessEntries",
                groups: [],
                accessPolicy: {
                    arn: isUnknown(a) ? a : association.policyArn,
                    scope: association.accessScope,
                },
            });
        }
    }
}

export type PrincipalVerdict =
    { readonly kind: "agent" | "possible"; readonly why: string } | { readonly kind: "not" };

const PRINCIPAL_ARN = /^arn:[^:]+:(iam|sts)::[^:]*:(role|assumed-role|user)\/(.+)$/i;

/**
 * Which IAM principals are agents: the stack's agent roles and users (agent-roles.ts), and roles that an agent
 * namespace's service accounts or Pod Identity associations name by ARN. ARNs match by name, case-insensitively,
 * whatever their path (aws-auth wants it stripped, access entries keep it) or assumed-role session.
 */
export class AgentPrincipals {
    private readonly agentRoles = new Map<string, { certainty: "agent" | "possible"; why: string }>();
    private readonly agentUsers = new Map<string, { certainty: "agent" | "possible"; why: string }>();
    private readonly agentNodes = new Map<string, { certainty: "agent" | "possible"; why: string }>();
    /** Agent roles named by the provider from a prefix: an ARN whose name starts with it may be theirs. */
    private readonly agentPrefixes: {
        prefix: string;
        entry: { certainty: "agent" | "possible"; why: string };
    }[] = [];

    constructor(model: StackModel, config: AgentguardConfig, agents: AgentNamespaces) {
        for (const role of identifyAgentRoles(model, config).roles.values()) {
            const entry = {
                certainty: role.certainty,
                why: `${role.node.name} is an agent role because ${role.reasons.join("; ")}`,
            };
            this.agentNodes.set(role.node.urn, entry);
            const { name, namePrefix } = role.node.props;
            if (typeof name === "string" && !isUnknown(name)) this.agentRoles.set(name.toLowerCase(), entry);
            else if (typeof namePrefix === "string" && !isUnknown(namePrefix))
                this.agentPrefixes.push({ prefix: namePrefix.toLowerCase(), entry });
        }
        for (const user of identifyAgentUsers(model)) {
            const entry = {
                certainty: user.certainty,
                why: `${user.node.name} is an agent user because ${user.reasons.join("; ")}`,
            };
            this.agentNodes.set(user.node.urn, entry);
            const name = user.node.props.name;
            if (typeof name === "string" && !isUnknown(name)) this.agentUsers.set(name.toLowerCase(), entry);
        }
        // Roles this stack does not declare but hands to agent pods by ARN.
        const bindArn = (arn: unknown, why: string) => {
            const parsed = typeof arn === "string" ? parsePrincipal(arn) : undefined;
            if (parsed?.kind === "role" && !this.agentRoles.has(parsed.name))
                this.agentRoles.set(parsed.name, { certainty: "agent", why });
        };
        for (const sa of model.ofType(...SERVICE_ACCOUNT_TYPES)) {
            const placement = placementOf(sa, agents);
            if (placement.known && !placement.agent) continue;
            const metadata = sa.props.metadata;
            const annotations = isObject(metadata) ? metadata.annotations : undefined;
            const arn = isObject(annotations) ? annotations["eks.amazonaws.com/role-arn"] : undefined;
            bindArn(
                arn,
                `service account ${sa.name} of an agent namespace uses it (eks.amazonaws.com/role-arn)`,
            );
        }
        for (const association of model.ofType(POD_IDENTITY_TYPE)) {
            const ns = association.props.namespace;
            if (typeof ns === "string" && !isUnknown(ns) && !agents.isAgent(ns)) continue;
            for (const key of ["roleArn", "targetRoleArn"]) {
                bindArn(
                    association.props[key],
                    `Pod Identity association ${association.name} gives it to agent pods`,
                );
            }
        }
    }

    classify(node: ResourceNode, key: string, value: unknown): PrincipalVerdict {
        if (typeof value === "string" && !isUnknown(value)) {
            const parsed = parsePrincipal(value);
            if (parsed === undefined) {
                return {
                    kind: "possible",
                    why: `principal ${JSON.stringify(value)} is not an IAM role or user ARN, so whether it is an agent cannot be told`,
                };
            }
            const found =
                (parsed.kind === "user" ? this.agentUsers : this.agentRoles).get(parsed.name) ??
                (parsed.kind === "role"
                    ? this.agentPrefixes.find((p) => parsed.name.startsWith(p.prefix))?.entry
                    : undefined);
            if (found) return { kind: found.certainty, why: found.why };
            return { kind: "not" };
        }
        // Unknown during preview: the resources it was computed from decide.
        const deps = node.propertyDependencies[key] ?? [];
        // An association usually takes its principal from the access entry: that entry's principal decides.
        for (const entry of deps.filter((d) => d.type === ACCESS_ENTRY_TYPE && d !== node)) {
            const verdict = this.classify(entry, "principalArn", entry.props.principalArn);
            if (verdict.kind !== "not") return verdict;
        }
        const agent = deps.map((d) => this.agentNodes.get(d.urn)).filter((x) => x !== undefined);
        const sure = agent.find((a) => a.certainty === "agent") ?? agent[0];
        if (sure) return { kind: sure.certainty, why: `the principal is computed from ${sure.why}` };
        if (deps.length > 0 && deps.every((d) => d.type === ROLE_TYPE || d.type === USER_TYPE))
            return { kind: "not" };
        return {
            kind: "possible",
            why: `the principal is unknown during preview and not computed from an IAM role or user of this stack, so it may be an agent role`,
        };
    }
}

function parsePrincipal(arn: string): { kind: "role" | "user"; name: string } | undefined {
    const m = PRINCIPAL_ARN.exec(arn.trim());
    if (!m) return undefined;
    const parts = m[3].split("/").filter((s) => s !== "");
    if (parts.length === 0 || parts.some((s) => /[*?]/.test(s))) return undefined;
    const type = m[2].toLowerCase();
    // assumed-role/<role>/<session>; role/<path...>/<name>; user/<path...>/<name>.
    const name = type === "assumed-role" ? parts[0] : parts[parts.length - 1];
    return { kind: type === "user" ? "user" : "role", name: name.toLowerCase() };
}

/**
 * What an EKS access policy grants, as the pack judges it: only AmazonEKSViewPolicy (the `view` role, no
 * Secrets) is harmless. ClusterAdmin is cluster-admin, Admin and Edit are `admin`/`edit` (Secrets, pods,
 * service-account impersonation; Admin also RBAC in the namespace), AdminView reads every Secret, and the
 * others carry node, controller or add-on rights: forbidden whatever the scope, as a RoleBinding to them is.
 */
export function accessPolicyProblem(arn: unknown): string | undefined {
    if (typeof arn !== "string" || isUnknown(arn))
        return "an access policy whose ARN is unknown during preview";
    const m = /^arn:[^:]+:eks::aws:cluster-access-policy\/(.+)$/i.exec(arn.trim());
    const name = m ? m[1] : undefined;
    if (name === "AmazonEKSViewPolicy") return undefined;
    const known: Record<string, string> = {
        AmazonEKSClusterAdminPolicy: "cluster-admin (every verb on every resource)",
        AmazonEKSAdminPolicy: "the admin role (Secrets, pods, RBAC roles and bindings in scope)",
        AmazonEKSEditPolicy: "the edit role (Secrets, pods, service-account impersonation in scope)",
        AmazonEKSAdminViewPolicy: "read access to every resource, Secrets included",
    };
    if (name !== undefined && known[name]) return `${name}, which grants ${known[name]}`;
    return `${name ?? JSON.stringify(arn)}, which this pack does not know to be read-only (only AmazonEKSViewPolicy is)`;
}
