import {
    buildReachGraph,
    containmentNamespaces,
    containmentResources,
    type AgentSeed,
    type KubernetesTamper,
    type PodCreator,
    type ReachGraph,
} from "../reach";
import { credentialOutcomes } from "../reach/credentials";
import { containmentTamperGrants } from "../rbac";
import { iamGlobMatches, iamGlobsIntersect } from "../glob";
import { AgentNamespaces } from "../stack/agent-namespaces";
import { RoleIndex } from "../kubernetes/rbac-roles";
import { placementOf } from "../kubernetes/placement";
import { bindingSeed, kubernetesReach } from "../kubernetes/reach-rbac";
import { CLUSTER_ROLE_BINDING_TYPES, CLUSTER_ROLE_TYPES, ROLE_BINDING_TYPES } from "../kubernetes/types";
import type { AgentguardConfig } from "../stack/config";
import type { ResourceNode, StackModel } from "../stack/stack-model";
import { isUnknown } from "../unknowns";
import { identifyAgentRoles, POD_IDENTITY_TYPE, ROLE_TYPE } from "./agent-roles";
import { readJsonDocument } from "./json-document";
import { RolePermissionIndex } from "./role-documents";
import { admittedSubjects, allowStatements, isOidcCapable } from "./trust-policy";
import { identifyAgentUsers, UserPermissionIndex } from "./user-documents";
import { USER_TYPE } from "./iam-entity-lookup";
import { channelGrantLinks } from "./channel-grants";
import { ComputeRoutes, computeRouteOutcomes } from "./compute-routes";
import { endpointRouteLinks } from "./endpoint-routes";
import { decodeResource } from "../reach/decode";
import { agentTag, describeAgentTag } from "./tags";

/**
 * The stack's reach graph for the pack: built once per stack and agent identity setting (StackModel's
 * derived cache), from the agent roles and users and the permission indexes the other AWS rules use.
 */
export function stackReachGraph(model: StackModel, config: AgentguardConfig): ReachGraph {
    const key = [config.agentNamespacePatterns, config.maxPublicEgressAddresses, config.allowedEgressCidrs];
    return model.derived(`reach-graph:${JSON.stringify(key)}`, () => {
        const roles = RolePermissionIndex.of(model);
        const users = UserPermissionIndex.of(model);
        const agentRoles = identifyAgentRoles(model, config, { roles, users });
        const agents: AgentSeed[] = [
            ...[...agentRoles.roles.values()].map((role) => ({
                resource: role.node,
                certainty: role.certainty,
                reasons: role.reasons,
                ...(role.chainedFrom && { chainedFrom: role.chainedFrom.map((n) => n.urn) }),
            })),
            ...identifyAgentUsers(model).map((user) => ({
                resource: user.node,
                certainty: user.certainty,
                reasons: user.reasons,
            })),
        ];
        agents.push(...rolelessAgentCompute(model));
        const serviceAccounts = new ServiceAccountRoles(model);
        const kubernetes = kubernetesReach(model, config, (ns) => serviceAccounts.inNamespace(ns));
        const permissionsOf = (principal: { readonly urn: string }) => {
            const node = model.byUrn(principal.urn);
            if (!node) return { documents: [], managed: [], unresolved: [] };
            return node.type === USER_TYPE ? users.of(node) : roles.of(node);
        };
        const computeRoutes = new ComputeRoutes(model, config, agentRoles.roles);
        const routes = computeRouteOutcomes(computeRoutes);
        const endpoints = endpointRouteLinks(model, computeRoutes);
        const channels = channelGrantLinks(model, agents, permissionsOf, agentRoles.roles);
        return buildReachGraph(model.resources, {
            agents,
            permissionsOf,
            serviceAccountRoles: (namespace, account) => serviceAccounts.of(namespace, account),
            namespaceRoles: (namespace) => serviceAccounts.inNamespace(namespace),
            podCreators: podCreators(model, config),
            kubernetesTamper: kubernetesTamper(model, config, new Set(agents.map((a) => a.resource.urn))),
            links: [...kubernetes.links, ...channels.links, ...endpoints.links],
            outcomesOf: (node) => [
                ...kubernetes.outcomesOf(node),
                ...routes(node),
                ...channels.outcomesOf(node),
                ...endpoints.outcomesOf(node),
                ...credentialOutcomes(node),
            ],
        });
    });
}

/**
 * Agent-tagged AWS compute that runs as no role (an instance without a profile): no agent principal reaches
 * it, so it is a seed itself, and the inbound channels of the agent's code there are judged from it.
 */
function rolelessAgentCompute(model: StackModel): AgentSeed[] {
    const out: AgentSeed[] = [];
    for (const node of model.resources) {
        if (!node.type.startsWith("aws:")) continue;
        const decoded = decodeResource(node);
        if (decoded?.what.kind !== "compute") continue;
        if (agentTag(node).state !== "tagged") continue;
        const hasRole = decoded.runsAs.some(
            (r) => r.value.state !== "absent" || (node.propertyDependencies[r.property] ?? []).length > 0,
        );
        if (hasRole) continue;
        out.push({
            resource: node,
            certainty: "agent",
            reasons: [describeAgentTag(agentTag(node))],
            label: `${decoded.what.compute} ${node.name} (agent-tagged, running as no role)`,
        });
    }
    return out;
}

/**
 * RoleBindings (outside agent namespaces) and ClusterRoleBindings that let agent service accounts create
 * pods, pod controllers or pod-creating custom resources: their pods may run as any service account where
 * the binding applies. Bindings in agent namespaces only reach agent identities, judged on their own.
 */
function podCreators(model: StackModel, config: AgentguardConfig): PodCreator[] {
    const namespaces = AgentNamespaces.of(model, config.agentNamespacePatterns);
    const roles = new RoleIndex(model, namespaces);
    const out: PodCreator[] = [];
    const add = (binding: ResourceNode, namespace: string | undefined, kind: string) => {
        const creation = roles.podCreation(binding, namespace ?? "");
        if (creation === undefined) return;
        const seed = bindingSeed(binding, namespace, namespaces, kind);
        if (!seed) return;
        out.push({
            seed,
            namespace,
            permission: `create pods (${creation.role}: ${creation.grants.join(", ")})`,
        });
    };
    for (const binding of model.ofType(...ROLE_BINDING_TYPES)) {
        const placement = placementOf(binding, namespaces);
        // Unknown placement is the escalation rule's to report; agent namespaces run agent identities.
        if (!placement.known || placement.agent) continue;
        add(binding, placement.namespace, "RoleBinding");
    }
    for (const binding of model.ofType(...CLUSTER_ROLE_BINDING_TYPES))
        add(binding, undefined, "ClusterRoleBinding");
    return out;
}

/**
 * Bindings of agent service accounts (in any namespace) whose role may delete or rewrite automated
 * containment's RoleBinding or ClusterRole, or the ResourceQuotas of a namespace containment holds at pods=0.
 */
function kubernetesTamper(
    model: StackModel,
    config: AgentguardConfig,
    agentRoleUrns: ReadonlySet<string>,
): KubernetesTamper[] {
    const containment = containmentResources(model.resources, agentRoleUrns);
    const namespaces = AgentNamespaces.of(model, config.agentNamespacePatterns);
    const held = containmentNamespaces(model.resources);
    const nameOf = (node: ResourceNode): string | undefined => {
        const md = node.props.metadata;
        const name = md !== null && typeof md === "object" ? (md as Record<string, unknown>).name : undefined;
        return typeof name === "string" && !isUnknown(name) ? name : undefined;
    };
    const bindings = model
        .ofType(...ROLE_BINDING_TYPES)
        .filter((b) => containment.has(b.urn))
        .map((node) => ({ node, placement: placementOf(node, namespaces) }));
    const clusterRoles = model.ofType(...CLUSTER_ROLE_TYPES).filter((r) => containment.has(r.urn));
    if (bindings.length === 0 && clusterRoles.length === 0 && held.size === 0) return [];
    const roles = new RoleIndex(model, namespaces);
    const out: KubernetesTamper[] = [];
    const judge = (binding: ResourceNode, namespace: string | undefined, kind: string) => {
        if (containment.has(binding.urn)) return;
        const seed = bindingSeed(binding, namespace, namespaces, kind);
        if (!seed) return;
        const add = (
            target: KubernetesTamper["target"],
            resource: "rolebindings" | "clusterroles" | "resourcequotas",
            name?: string,
        ) => {
            const found = roles.grantsOf(binding, namespace ?? "", (rules) =>
                containmentTamperGrants(rules, resource, name),
            );
            if (found) out.push({ seed, target, permission: `${found.grants.join(", ")} (${found.role})` });
        };
        for (const { node, placement } of bindings) {
            if (namespace !== undefined && (!placement.known || placement.namespace !== namespace)) continue;
            add({ resource: node }, "rolebindings", nameOf(node));
        }
        if (namespace === undefined) {
            for (const role of clusterRoles) add({ resource: role }, "clusterroles", nameOf(role));
        }
        for (const ns of held) {
            if (namespace === undefined || ns === namespace) add({ quotaNamespace: ns }, "resourcequotas");
        }
    };
    for (const binding of model.ofType(...ROLE_BINDING_TYPES)) {
        const placement = placementOf(binding, namespaces);
        if (placement.known) judge(binding, placement.namespace, "RoleBinding");
    }
    for (const binding of model.ofType(...CLUSTER_ROLE_BINDING_TYPES))
        judge(binding, undefined, "ClusterRoleBinding");
    return out;
}

/**
 * IAM roles a service account's pods run as: IRSA trust subjects (exact ones indexed, wildcards tried in
 * turn), trusts that admit any or an unknown subject, and Pod Identity associations.
 */
class ServiceAccountRoles {
    private readonly exact = new Map<string, ResourceNode[]>();
    private readonly patterns: { pattern: string; role: ResourceNode }[] = [];
    private readonly any: ResourceNode[] = [];
    private readonly associations: { namespace: string; account: string; roles: ResourceNode[] }[] = [];

    constructor(model: StackModel) {
        for (const role of model.ofType(ROLE_TYPE)) {
            const trust = readJsonDocument(role.props.assumeRolePolicy);
            if (trust.kind !== "known") continue;
            for (const statement of allowStatements(trust.document)) {
                if (!statement.notPrincipal && !statement.principals.some(isOidcCapable)) continue;
                const subjects = admittedSubjects(statement);
                if (subjects.kind !== "patterns") {
                    this.any.push(role);
                    continue;
                }
                for (const p of subjects.patterns) {
                    if (p.wildcard) this.patterns.push({ pattern: p.text, role });
                    else this.add(p.text, role);
                }
            }
        }
        const byRef = new Map<string, ResourceNode>();
        for (const role of model.ofType(ROLE_TYPE)) {
            for (const key of ["arn", "name"]) {
                const value = role.props[key];
                if (typeof value === "string" && !isUnknown(value)) byRef.set(value, role);
            }
        }
        for (const association of model.ofType(POD_IDENTITY_TYPE)) {
            const { namespace, serviceAccount } = association.props;
            const bound = new Set<ResourceNode>();
            for (const key of ["roleArn", "targetRoleArn"]) {
                for (const dep of association.propertyDependencies[key] ?? []) {
                    if (dep.type === ROLE_TYPE) bound.add(dep);
                }
                const value = association.props[key];
                if (typeof value !== "string" || isUnknown(value)) continue;
                const role = byRef.get(value) ?? byRef.get(value.slice(value.lastIndexOf("/") + 1));
                if (role) bound.add(role);
            }
            this.associations.push({
                namespace: knownOr(namespace, "*"),
                account: knownOr(serviceAccount, "*"),
                roles: [...bound],
            });
        }
    }

    private add(subject: string, role: ResourceNode): void {
        const list = this.exact.get(subject);
        if (list) list.push(role);
        else this.exact.set(subject, [role]);
    }

    /** Roles any service account of the namespace (`undefined`: of any namespace) may run as. */
    inNamespace(namespace: string | undefined): ResourceNode[] {
        const prefix = `system:serviceaccount:${namespace ?? ""}`;
        const out = new Set<ResourceNode>(this.any);
        for (const [subject, roles] of this.exact) {
            if (namespace === undefined || subject.startsWith(`${prefix}:`))
                for (const r of roles) out.add(r);
        }
        for (const { pattern, role } of this.patterns) {
            if (namespace === undefined || iamGlobsIntersect(pattern, `${prefix}:*`)) out.add(role);
        }
        for (const a of this.associations) {
            if (namespace === undefined || a.namespace === "*" || a.namespace === namespace) {
                for (const role of a.roles) out.add(role);
            }
        }
        return [...out];
    }

    of(namespace: string, account: string): ResourceNode[] {
        const subject = `system:serviceaccount:${namespace}:${account}`;
        const out = new Set<ResourceNode>([...(this.exact.get(subject) ?? []), ...this.any]);
        for (const { pattern, role } of this.patterns) if (iamGlobMatches(pattern, subject)) out.add(role);
        for (const a of this.associations) {
            if (
                (a.namespace === "*" || a.namespace === namespace) &&
                (a.account === "*" || a.account === account)
            ) {
                for (const role of a.roles) out.add(role);
            }
        }
        return [...out];
    }
}

/** A known string, or the fallback (an unknown namespace or account may be any). */
function knownOr(value: unknown, fallback: string): string {
    return typeof value === "string" && !isUnknown(value) ? value : fallback;
}
