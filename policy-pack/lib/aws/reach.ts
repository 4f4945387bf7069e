import { buildReachGraph, type AgentSeed, type ReachGraph } from "../../../core/reach";
import { iamGlobMatches } from "../../../core/glob";
import type { AgentguardConfig } from "../config";
import type { ResourceNode, StackModel } from "../stack-model";
import { isUnknown } from "../unknowns";
import { identifyAgentRoles, POD_IDENTITY_TYPE, ROLE_TYPE } from "./agent-roles";
import { readJsonDocument } from "./json-document";
import { RolePermissionIndex } from "./role-documents";
import { admittedSubjects, allowStatements, isOidcCapable } from "./trust-policy";
import { identifyAgentUsers, UserPermissionIndex } from "./user-documents";
import { USER_TYPE } from "./iam-entity-lookup";

/**
 * The stack's reach graph for the pack: built once per stack and agent identity setting (StackModel's
 * derived cache), from the agent roles and users and the permission indexes the other AWS rules use.
 */
export function stackReachGraph(model: StackModel, config: AgentguardConfig): ReachGraph {
    return model.derived(`reach-graph:${JSON.stringify(config.agentNamespacePatterns)}`, () => {
        const roles = RolePermissionIndex.of(model);
        const users = UserPermissionIndex.of(model);
        const agentRoles = identifyAgentRoles(model, config, { roles, users });
        const agents: AgentSeed[] = [
            ...[...agentRoles.roles.values()].map((role) => ({
                resource: role.node,
                certainty: role.certainty,
                reasons: role.reasons,
            })),
            ...identifyAgentUsers(model).map((user) => ({
                resource: user.node,
                certainty: user.certainty,
                reasons: user.reasons,
            })),
        ];
        const serviceAccounts = new ServiceAccountRoles(model);
        return buildReachGraph(model.resources, {
            agents,
            permissionsOf: (principal) => {
                const node = model.byUrn(principal.urn);
                if (!node) return { documents: [], managed: [], unresolved: [] };
                return node.type === USER_TYPE ? users.of(node) : roles.of(node);
            },
            serviceAccountRoles: (namespace, account) => serviceAccounts.of(namespace, account),
        });
    });
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
