import { AgentNamespaces, declaredNamespaceName, NAMESPACE_TYPE } from "../stack/agent-namespaces";
import { kubernetesAgentPresence } from "../kubernetes/agent-looking";
import { placementOf } from "../kubernetes/placement";
import { NAMESPACE_TYPES, SERVICE_ACCOUNT_TYPES } from "../kubernetes/types";
import type { AgentguardConfig } from "../stack/config";
import type { Finding } from "../stack/finding";
import type { ResourceNode, StackModel } from "../stack/stack-model";
import { isUnknown } from "../unknowns";
import { valueSources } from "../stack/value-sources";
import { workloadRoleBindings } from "./agent-workload-roles";
import { iamGlobsIntersect } from "./iam-glob";
import { RoleLookup, ROLE_TYPE } from "./iam-entity-lookup";
import { readJsonDocument } from "./json-document";
import { RolePermissionIndex } from "./role-documents";
import { propagateThroughRoleChaining, type ChainSource, type Found } from "./role-chaining";
import { agentTag, describeAgentTag } from "./tags";
import { admittedSubjects, allowStatements, isOidcCapable, type SubjectPattern } from "./trust-policy";
import { identifyAgentUsers, UserPermissionIndex } from "./user-documents";

export { RoleLookup, ROLE_TYPE } from "./iam-entity-lookup";
export const POD_IDENTITY_TYPE = "aws:eks/podIdentityAssociation:PodIdentityAssociation";

/**
 * `agent`: the DESIGN.md contract says so (tag, trust of an agent namespace, Pod Identity binding).
 * `possible`: something that decides it is unknown; rules fail closed on such roles only when they also
 * carry forbidden permissions.
 */
export type AgentRoleCertainty = "agent" | "possible";

export interface AgentRole {
    readonly node: ResourceNode;
    readonly certainty: AgentRoleCertainty;
    /** Why the role is (or may be) an agent role, for messages. */
    readonly reasons: readonly string[];
    /**
     * Set when only role chaining makes it an agent role: the agent identities that may assume it. Paths
     * through it are printed from them.
     */
    readonly chainedFrom?: readonly ResourceNode[];
}

export interface AgentRoleIndex {
    /** By role URN. */
    readonly roles: ReadonlyMap<string, AgentRole>;
    /** Pod Identity associations of agent namespaces whose role cannot be found in the stack. */
    readonly unresolvedBindings: readonly Finding[];
}

/** What the role-chaining step reads: built here unless the caller already has them. */
export interface GrantIndexes {
    readonly roles: RolePermissionIndex;
    readonly users: UserPermissionIndex;
}

/** Finds every agent role of the stack in one pass over roles and Pod Identity associations. */
export function identifyAgentRoles(
    model: StackModel,
    config: AgentguardConfig,
    grants: GrantIndexes = { roles: RolePermissionIndex.of(model), users: UserPermissionIndex.of(model) },
): AgentRoleIndex {
    // Every AWS rule asks; the answer depends on the stack and the agent namespace patterns only.
    return model.derived(`agent-roles:${JSON.stringify(config.agentNamespacePatterns)}`, () =>
        findAgentRoles(model, config, grants),
    );
}

function findAgentRoles(model: StackModel, config: AgentguardConfig, grants: GrantIndexes): AgentRoleIndex {
    const namespaces = AgentNamespaces.of(model, config.agentNamespacePatterns);
    const subjectTargets = agentSubjectGlobs(namespaces, config.agentNamespacePatterns);
    const found: Found = new Map();
    const note = (node: ResourceNode, certainty: AgentRoleCertainty, reason: string) => {
        let entry = found.get(node.urn);
        if (!entry) found.set(node.urn, (entry = { node, agent: [], possible: [] }));
        (certainty === "agent" ? entry.agent : entry.possible).push(reason);
        entry.direct = true;
    };

    const roles = model.ofType(ROLE_TYPE);
    // Roles whose trust is unknown only through values computed from resources of this stack: decided once
    // every other agent identity is known (below).
    const deferred: { role: ResourceNode; unknown: string }[] = [];
    for (const role of roles) {
        const tag = agentTag(role);
        if (tag.state !== "untagged") {
            note(role, tag.state === "tagged" ? "agent" : "possible", describeAgentTag(tag));
        }
        const trust = trustVerdict(role, namespaces, subjectTargets);
        if (!trust) continue;
        const linked = (role.propertyDependencies.assumeRolePolicy ?? []).length > 0;
        if (trust.unknown && linked) deferred.push({ role, unknown: trust.reason });
        else if (trust.unknown)
            note(role, trust.certainty, `${trust.reason} and computed from no resource of this stack`);
        else note(role, trust.certainty, trust.reason);
    }

    const unresolvedBindings: Finding[] = [];
    const lookup = new RoleLookup(roles);
    for (const association of model.ofType(POD_IDENTITY_TYPE)) {
        const ns = associationNamespace(association, namespaces);
        if (ns.verdict === "not-agent") continue;
        for (const key of ["roleArn", "targetRoleArn"]) {
            const value = association.props[key];
            if (value === undefined || value === null) continue;
            const bound = lookup.resolve(association, key, value);
            const certainty: AgentRoleCertainty = ns.verdict === "agent" ? "agent" : "possible";
            for (const role of bound) {
                note(
                    role,
                    certainty,
                    `Pod Identity association ${association.name} binds it to ${ns.description}`,
                );
            }
            if (bound.length === 0 && isUnknown(value)) {
                unresolvedBindings.push({
                    urn: association.urn,
                    name: association.name,
                    message:
                        `Pod Identity association ${association.name} binds ${ns.description} to a role whose ${key} is ` +
                        `unknown and not linked to a Role in this stack, so that role's IAM permissions cannot be ` +
                        `checked. Pass the Role resource's arn output (so the dependency is recorded).`,
                });
            }
        }
    }

    for (const { role, workload, tag } of workloadRoleBindings(model, lookup)) {
        const kind = workload.type.split(":").pop();
        if (tag === "tagged") note(role, "agent", `agent-tagged ${kind} ${workload.name} runs as it`);
        else
            note(
                role,
                "possible",
                `${kind} ${workload.name}, whose tags are unknown during preview, runs as it`,
            );
    }
    // Agent users assume roles too: they seed the chaining walk without being roles themselves.
    const users: ChainSource[] = identifyAgentUsers(model).map((user) => ({
        node: user.node,
        agent: user.certainty === "agent" ? user.reasons : [],
        possible: user.certainty === "possible" ? user.reasons : [],
        permissions: grants.users.of(user.node),
    }));
    const chain = () =>
        propagateThroughRoleChaining(roles, lookup, found, users, (role) => grants.roles.of(role));
    chain();
    // An unknown trust computed from this stack's resources may hide an agent subject or ARN only where the
    // stack has agent identities (its literal text is not visible during preview): there it fails closed,
    // naming the agent identity among its sources when there is one; in a stack without any, it is not an
    // agent role.
    if (deferred.length > 0) {
        const agentUsers = new Map(users.map((u) => [u.node.urn, u]));
        const identity = (n: ResourceNode) => found.get(n.urn) ?? agentUsers.get(n.urn);
        const signal = stackAgentSignal(model, namespaces, found, users);
        if (signal !== undefined) {
            for (const { role, unknown } of deferred) {
                const source = agentSource(
                    valueSources(model, role, "assumeRolePolicy"),
                    namespaces,
                    identity,
                );
                const why = source
                    ? `it is computed from ${source}`
                    : `an agent identity could be behind it, as this stack has ${signal}`;
                note(role, "possible", `${unknown}; ${why}`);
            }
            chain();
        }
    }

    const result = new Map<string, AgentRole>();
    for (const [urn, entry] of found) {
        const certainty = entry.agent.length > 0 ? "agent" : "possible";
        result.set(urn, {
            node: entry.node,
            certainty,
            reasons: certainty === "agent" ? entry.agent : entry.possible,
            ...(!entry.direct && entry.chainedFrom && { chainedFrom: entry.chainedFrom }),
        });
    }
    return { roles: result, unresolvedBindings };
}

/**
 * Globs of every `:sub` an agent namespace's service accounts present: the name patterns, plus declared
 * agent namespaces (labelled) that no pattern covers.
 */
export function agentSubjectGlobs(namespaces: AgentNamespaces, patterns: readonly string[]): string[] {
    const labelledOnly = namespaces
        .declaredAgentNamespaces()
        .map((ns) => ns.name)
        .filter((name) => !namespaces.matchesPattern(name));
    return [...patterns, ...labelledOnly].map((ns) => `system:serviceaccount:${ns}:*`);
}

/** True when the subject (exact or wildcard) can be an agent namespace's service account. */
export function subjectAdmitsAgent(
    pattern: SubjectPattern,
    namespaces: AgentNamespaces,
    subjectTargets: readonly string[],
): boolean {
    // A literal namespace part settles it without glob work, whatever follows.
    const literalNamespace = (
        pattern.wildcard ? /^system:serviceaccount:([^:*?]+):/ : /^system:serviceaccount:([^:]+):/
    ).exec(pattern.text);
    if (literalNamespace) return namespaces.isAgent(literalNamespace[1]);
    if (!pattern.wildcard) return false;
    return subjectTargets.some((target) => iamGlobsIntersect(pattern.text, target));
}

const OIDC_PROVIDER_TYPE = "aws:iam/openIdConnectProvider:OpenIdConnectProvider";
const IDENTITY_SOURCE_TYPES =
    /^aws:(?:eks\/|cognito\/identityPool|iam\/openIdConnectProvider|iam\/samlProvider)/;

/**
 * Why one of the resources an unknown trust policy is computed from may put an agent identity into it,
 * or undefined when none can: agent (or possibly agent) roles and users, agent-tagged resources, identity
 * providers and EKS resources (the trust may admit any service account through them), and namespaces and
 * service accounts that are (or may be) an agent namespace's.
 */
function agentSource(
    sources: Iterable<ResourceNode>,
    namespaces: AgentNamespaces,
    identity: (node: ResourceNode) => { agent: readonly string[]; possible: readonly string[] } | undefined,
): string | undefined {
    for (const source of sources) {
        const label = `${source.type.split(":").pop()} ${source.name}`;
        const known = identity(source);
        if (known) {
            const agent = known.agent.length > 0;
            return `${agent ? "agent" : "possible agent"} identity ${label} (${(agent ? known.agent : known.possible)[0]})`;
        }
        const tag = agentTag(source);
        if (tag.state !== "untagged") return `${label}, as ${describeAgentTag(tag)}`;
        if (source.type === OIDC_PROVIDER_TYPE || IDENTITY_SOURCE_TYPES.test(source.type)) {
            return `${label}, through which service accounts (of agent namespaces too) can be admitted`;
        }
        if (NAMESPACE_TYPES.includes(source.type)) {
            const name = declaredNamespaceName(source);
            if (name === undefined) return `${label}, a namespace whose name is unknown during preview`;
            if (namespaces.isAgent(name)) return `${label}, agent namespace "${name}"`;
        }
        if (SERVICE_ACCOUNT_TYPES.includes(source.type)) {
            const placement = placementOf(source, namespaces);
            if (!placement.known) return `${label}, a service account whose namespace cannot be told`;
            if (placement.agent)
                return `${label}, a service account of agent namespace "${placement.namespace}"`;
        }
    }
    return undefined;
}

/**
 * The first agent identity, or resource agent identities come through, the stack declares (besides roles
 * whose trust is still undecided), or undefined when it has none.
 */
function stackAgentSignal(
    model: StackModel,
    namespaces: AgentNamespaces,
    found: Found,
    users: readonly ChainSource[],
): string | undefined {
    const identity = [...found.values()][0] ?? users[0];
    if (identity) {
        const kind = identity.agent.length > 0 ? "agent" : "possible agent";
        return `${kind} identity ${identity.node.name} (${[...identity.agent, ...identity.possible][0]})`;
    }
    const agentNamespace = namespaces.declaredAgentNamespaces()[0];
    if (agentNamespace) return `agent namespace "${agentNamespace.name}"`;
    return (
        agentSource(model.resources, namespaces, () => undefined) ??
        kubernetesAgentPresence(model, namespaces)
    );
}

function trustVerdict(
    role: ResourceNode,
    namespaces: AgentNamespaces,
    subjectTargets: readonly string[],
): { certainty: AgentRoleCertainty; reason: string; unknown?: true } | undefined {
    const trust = readJsonDocument(role.props.assumeRolePolicy);
    if (trust.kind === "unknown") {
        return {
            certainty: "possible",
            reason: "its trust policy (assumeRolePolicy) is unknown during preview",
            unknown: true,
        };
    }
    if (trust.kind === "invalid") {
        return { certainty: "possible", reason: `its trust policy (assumeRolePolicy) is ${trust.error}` };
    }
    let possible: string | undefined;
    for (const statement of allowStatements(trust.document)) {
        if (!statement.notPrincipal && !statement.principals.some(isOidcCapable)) continue;
        const where = `trust statement ${statement.sid ?? statement.index}`;
        const subjects = admittedSubjects(statement);
        if (subjects.kind === "any") {
            return {
                certainty: "agent",
                reason: `its ${where} admits any service account (${subjects.why})`,
            };
        }
        if (subjects.kind === "unknown") {
            possible = `its ${where} has an unknown subject (${subjects.why})`;
            continue;
        }
        const admitted = subjects.patterns.find((p) => subjectAdmitsAgent(p, namespaces, subjectTargets));
        if (admitted) {
            return {
                certainty: "agent",
                reason: `its ${where} admits service account "${admitted.text}" of an agent namespace`,
            };
        }
    }
    return possible ? { certainty: "possible", reason: possible, unknown: true } : undefined;
}

function associationNamespace(
    association: ResourceNode,
    namespaces: AgentNamespaces,
): { verdict: "agent" | "not-agent" | "unknown"; description: string } {
    const value = association.props.namespace;
    if (typeof value === "string" && !isUnknown(value)) {
        return namespaces.isAgent(value)
            ? { verdict: "agent", description: `agent namespace "${value}"` }
            : { verdict: "not-agent", description: `namespace "${value}"` };
    }
    const linked = (association.propertyDependencies.namespace ?? []).filter(
        (n) => n.type === NAMESPACE_TYPE,
    );
    const names = linked.map(declaredNamespaceName);
    if (names.length > 0 && names.every((n): n is string => n !== undefined)) {
        const agentName = names.find((n) => namespaces.isAgent(n));
        return agentName
            ? { verdict: "agent", description: `agent namespace "${agentName}"` }
            : { verdict: "not-agent", description: `namespace "${names[0]}"` };
    }
    return { verdict: "unknown", description: "a namespace that is unknown during preview" };
}
