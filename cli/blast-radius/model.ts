import { OWNER_KEY, RISK_TIER_KEY } from "../../core/metadata-keys";
import { AGENT_LABEL, AgentNamespaces } from "../../core/stack/agent-namespaces";
import { identifyAgentRoles } from "../../core/aws/agent-roles";
import { stackReachGraph } from "../../core/aws/reach";
import { POLICY_TYPE, PolicyLookup } from "../../core/aws/policy-lookup";
import { RolePermissionIndex } from "../../core/aws/role-documents";
import { identifyAgentUsers, UserPermissionIndex } from "../../core/aws/user-documents";
import type { AgentguardConfig } from "../../core/stack/config";
import { findHostAccess, findLooseHostAccess } from "../../core/kubernetes/host-access";
import { placementOf } from "../../core/kubernetes/placement";
import { RoleIndex } from "../../core/kubernetes/rbac-roles";
import { agentSubjects } from "../../core/kubernetes/rbac-subjects";
import {
    CLUSTER_ROLE_BINDING_TYPES,
    RESOURCE_QUOTA_TYPES,
    ROLE_BINDING_TYPES,
    SERVICE_ACCOUNT_TYPES,
} from "../../core/kubernetes/types";
import {
    isCustomWorkloadType,
    kindOf,
    looseObjectsOf,
    podRunningResources,
    podSpecsOf,
} from "../../core/kubernetes/workloads";
import type { RbacGrantScope } from "../../core/rbac";
import { closureData, type ClosureData } from "../../core/reach";
import type { ResourceNode, StackModel } from "../../core/stack/stack-model";
import { isUnknown } from "../../core/unknowns";
import {
    containmentNamespaces,
    coverageOf,
    tripwiresByIdentity,
    type ContainmentCoverage,
} from "./containment";
import { egressByNamespace, type EgressSummary } from "./egress";
import { effectivePermissions, type EffectivePermissions } from "./permissions";
import {
    kubernetesIdentities,
    principalName,
    proxyEgressByNamespace,
    secretsByNamespace,
    type ReachEdge,
} from "./reach-extras";

export { OWNER_KEY, RISK_TIER_KEY };
export const SUSPENDED_ANNOTATION = "agentguard.io/suspended";
export const AUDIT_TRAIL_TAG = "agentguard.io/audit-trail";
const CLOUDTRAIL_TYPE = "aws:cloudtrail/trail:Trail";

/** One IAM role or user that acts for the agent, with what it may effectively do. */
export interface AwsIdentity {
    readonly kind: "role" | "user";
    readonly name: string;
    readonly urn: string;
    readonly certainty: "agent" | "possible";
    readonly reasons: readonly string[];
    readonly permissions: EffectivePermissions;
    /** Kill switch: a Deny-everything policy reaches it. */
    readonly suspended: boolean;
    /** `aws:TokenIssueTime` revocation cut-offs found in its Deny statements. */
    readonly revokedBefore: readonly string[];
}

export interface RbacGrant {
    readonly binding: string;
    readonly bindingKind: string;
    readonly scope: string;
    readonly role: string;
    readonly verdict: "safe" | "forbidden" | "unknown";
    readonly detail: string;
    readonly subjects: readonly string[];
}

export interface AgentBlastRadius {
    /** The `agentguard.io/agent` value, else the namespace or IAM principal name. */
    readonly id: string;
    readonly owner: string;
    /** `1`, `2`, `3`, or `unset`; `conflict: a, b` when resources disagree. */
    readonly riskTier: string;
    readonly namespaces: readonly string[];
    readonly serviceAccounts: readonly string[];
    readonly aws: readonly AwsIdentity[];
    readonly egress: EgressSummary | undefined;
    /** Pod host access that bypasses NetworkPolicies (hostNetwork...), per workload. */
    readonly hostAccess: readonly string[];
    /** ResourceQuota hard limits (unscoped quotas), merged per key. */
    readonly quota: Readonly<Record<string, string>>;
    readonly gpuCapped: boolean;
    readonly rbac: readonly RbacGrant[];
    /** Secrets the agent's pods read (env valueFrom, envFrom, secret/projected volumes, CSI stores). */
    readonly secrets: readonly ReachEdge[];
    /** Kubernetes identities its IAM principals are given (aws-auth, EKS access entries and policies). */
    readonly kubernetesIdentities: readonly ReachEdge[];
    /** True when the namespace is annotated suspended, or its quota allows 0 pods, or every AWS identity is. */
    readonly suspended: boolean;
    readonly suspendedBy: readonly string[];
    /** Automated containment: the tripwires that watch its AWS identities, and where its pods can be held. */
    readonly containment: ContainmentCoverage;
    /**
     * What each of its identities reaches transitively (the reach graph the pack's rules read): every path,
     * and the forbidden outcomes on them.
     */
    readonly reach: readonly ClosureData[];
}

export interface AuditTrailSummary {
    readonly name: string;
    readonly logging: string;
    readonly multiRegion: string;
    readonly logValidation: string;
}

export interface BlastRadiusReport {
    readonly agents: readonly AgentBlastRadius[];
    readonly auditTrails: readonly AuditTrailSummary[];
    /** True when at least one CloudTrail trail with logging on covers the account (all regions). */
    readonly auditCovered: boolean;
}

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

function labelOrTag(node: ResourceNode, key: string): string | undefined {
    const md = node.props.metadata;
    const fromLabels = isObject(md) && isObject(md.labels) ? md.labels[key] : undefined;
    const fromTags = isObject(node.props.tags) ? node.props.tags[key] : undefined;
    const value = fromLabels ?? fromTags;
    if (isUnknown(value)) return "unknown";
    return typeof value === "string" ? value : undefined;
}

interface Builder {
    id: string;
    owners: Set<string>;
    tiers: Set<string>;
    namespaces: Set<string>;
    serviceAccounts: Set<string>;
    aws: AwsIdentity[];
    hostAccess: string[];
    quota: Record<string, string>;
    rbac: RbacGrant[];
    secrets: ReachEdge[];
    kubernetesIdentities: ReachEdge[];
    suspendedBy: string[];
    reach: ClosureData[];
}

/**
 * Each agent's blast radius as the stack declares it. Identification, IAM, CIDR and RBAC judgement are
 * the ones the pack's rules read (core/); this only groups their answers per agent.
 */
export function computeBlastRadius(model: StackModel, config: AgentguardConfig): BlastRadiusReport {
    const agents = new AgentNamespaces(model, config.agentNamespacePatterns);
    const builders = new Map<string, Builder>();
    const builder = (id: string): Builder => {
        let b = builders.get(id);
        if (!b) {
            builders.set(
                id,
                (b = {
                    id,
                    owners: new Set(),
                    tiers: new Set(),
                    namespaces: new Set(),
                    serviceAccounts: new Set(),
                    aws: [],
                    hostAccess: [],
                    quota: {},
                    rbac: [],
                    secrets: [],
                    kubernetesIdentities: [],
                    suspendedBy: [],
                    reach: [],
                }),
            );
        }
        return b;
    };
    const note = (b: Builder, node: ResourceNode) => {
        const owner = labelOrTag(node, OWNER_KEY);
        const tier = labelOrTag(node, RISK_TIER_KEY);
        if (owner !== undefined) b.owners.add(owner);
        if (tier !== undefined) b.tiers.add(tier);
    };

    const agentOfNamespace = new Map<string, Builder>();
    for (const { name, node } of agents.declaredAgentNamespaces()) {
        const b = builder(labelOrTag(node, AGENT_LABEL) ?? name);
        b.namespaces.add(name);
        note(b, node);
        agentOfNamespace.set(name, b);
        const md = node.props.metadata;
        const annotations = isObject(md) && isObject(md.annotations) ? md.annotations : {};
        if (annotations[SUSPENDED_ANNOTATION] === "true")
            b.suspendedBy.push(`namespace ${name} is annotated ${SUSPENDED_ANNOTATION}=true`);
    }
    // Resources placed in an agent namespace this stack does not declare still belong to that namespace.
    const forNamespace = (ns: string): Builder => {
        let b = agentOfNamespace.get(ns);
        if (!b) {
            b = builder(ns);
            b.namespaces.add(ns);
            agentOfNamespace.set(ns, b);
        }
        return b;
    };

    for (const sa of model.ofType(...SERVICE_ACCOUNT_TYPES)) {
        const placement = placementOf(sa, agents);
        if (!placement.known || !placement.agent) continue;
        const md = sa.props.metadata;
        const name = isObject(md) && typeof md.name === "string" ? md.name : `${sa.name} (autonamed)`;
        forNamespace(placement.namespace).serviceAccounts.add(`${placement.namespace}/${name}`);
    }
    for (const quota of model.ofType(...RESOURCE_QUOTA_TYPES)) {
        const placement = placementOf(quota, agents);
        if (!placement.known || !placement.agent) continue;
        const spec = quota.props.spec;
        if (!isObject(spec) || !isObject(spec.hard) || (Array.isArray(spec.scopes) && spec.scopes.length > 0))
            continue;
        const b = forNamespace(placement.namespace);
        for (const [key, value] of Object.entries(spec.hard)) b.quota[key] = String(value);
        if (spec.hard.pods === "0" || spec.hard.pods === 0)
            b.suspendedBy.push(`ResourceQuota ${quota.name} allows 0 pods`);
    }
    // The same pod specs the host-access rule reads, custom resources' templates included.
    for (const workload of podRunningResources(model)) {
        const placement = placementOf(workload, agents);
        if (!placement.known || !placement.agent) continue;
        const pods = podSpecsOf(workload);
        const custom = isCustomWorkloadType(workload.type);
        const found = [
            ...pods.flatMap((pod) =>
                findHostAccess(pod.spec, pod.path, pod.metadata, pod.metadataPath, custom),
            ),
            ...findLooseHostAccess(looseObjectsOf(workload, pods)),
        ];
        for (const access of found) {
            forNamespace(placement.namespace).hostAccess.push(
                `${kindOf(workload.type)} ${workload.name}: ${access.field}${access.unknown ? " (unknown)" : ""}`,
            );
        }
    }
    const egress = egressByNamespace(model, agents, config.maxPublicEgressAddresses);
    for (const [ns, e] of proxyEgressByNamespace(model, agents)) {
        const summary = egress.get(ns);
        if (!summary) continue;
        egress.set(ns, {
            ...summary,
            destinations: [
                ...summary.destinations,
                ...e.hosts.map((h) => ({ fqdn: h.target, ports: ["through the proxy"], via: h.via })),
            ],
            unknown: [...summary.unknown, ...e.problems],
        });
    }
    for (const ns of egress.keys()) forNamespace(ns);
    for (const [ns, edges] of secretsByNamespace(model, agents))
        if (edges.length > 0) forNamespace(ns).secrets.push(...edges);

    const bindings = addRbac(model, agents, forNamespace, [...agentOfNamespace.keys()]);
    const identities = addAws(model, config, builder, note, (ns) =>
        agents.isAgent(ns) ? forNamespace(ns) : undefined,
    );
    for (const edge of kubernetesIdentities(model, config, agents)) {
        const name = principalName(edge.principal);
        const owner =
            (name !== undefined ? identities.byName.get(name) : undefined) ??
            edge.principalUrns.map((u) => identities.byUrn.get(u)).find((b) => b !== undefined) ??
            builder(`IAM principal ${edge.principal}`);
        owner.kubernetesIdentities.push({
            target: `${edge.principal} → ${edge.target}${edge.certainty === "possible" ? " (possibly an agent principal)" : ""}`,
            via: edge.via,
        });
    }

    // One graph per report, the one the pack's aws-forbid-agent-escalation-paths reads.
    const graph = stackReachGraph(model, config);
    for (const closure of graph.closures()) {
        const urn = closure.agent.resource.urn;
        const owners = identities.byUrn.get(urn) ?? bindings.get(urn);
        const data = closureData(closure, graph);
        const list = owners === undefined ? [] : Array.isArray(owners) ? owners : [owners];
        // A start no agent is grouped under is still shown, under its own name (never hidden).
        for (const b of list.length > 0 ? list : [builder(data.agent)]) b.reach.push(data);
    }

    const auditTrails = model.ofType(CLOUDTRAIL_TYPE).map((trail) => ({
        name: trail.name,
        logging: flag(trail.props.enableLogging, true),
        multiRegion: flag(trail.props.isMultiRegionTrail, false),
        logValidation: flag(trail.props.enableLogFileValidation, false),
    }));
    const tripwires = tripwiresByIdentity(
        model,
        [...builders.values()].flatMap((b) => b.aws),
    );
    const held = containmentNamespaces(model);
    const result: AgentBlastRadius[] = [...builders.values()]
        .map((b) => {
            const namespaces = [...b.namespaces].sort();
            const nsEgress = namespaces.map((ns) => egress.get(ns)).find((e) => e !== undefined);
            const awsSuspended = b.aws.length > 0 && b.aws.every((a) => a.suspended);
            const suspendedBy = [
                ...b.suspendedBy,
                ...b.aws
                    .filter((a) => a.suspended)
                    .map((a) => `${a.kind} ${a.name} has a Deny-everything policy`),
            ];
            return {
                id: b.id,
                owner: oneOf(b.owners, "unset"),
                riskTier: oneOf(b.tiers, "unset"),
                namespaces,
                serviceAccounts: [...b.serviceAccounts].sort(),
                aws: b.aws,
                egress: nsEgress,
                hostAccess: b.hostAccess,
                quota: b.quota,
                gpuCapped: Object.keys(b.quota).some((k) => /^requests\..*gpu/i.test(k)),
                rbac: b.rbac,
                secrets: b.secrets,
                kubernetesIdentities: b.kubernetesIdentities,
                suspended: b.suspendedBy.length > 0 || awsSuspended,
                suspendedBy,
                containment: coverageOf(b.aws, tripwires, namespaces, held),
                reach: b.reach,
            };
        })
        .sort((a, b) => a.id.localeCompare(b.id));
    return {
        agents: result,
        auditTrails,
        auditCovered: auditTrails.some((t) => t.logging === "on" && t.multiRegion === "on"),
    };
}

function flag(value: unknown, fallback: boolean): string {
    if (isUnknown(value)) return "unknown";
    if (value === undefined || value === null) return fallback ? "on" : "off";
    return value === true ? "on" : "off";
}

function oneOf(values: Set<string>, fallback: string): string {
    if (values.size === 0) return fallback;
    if (values.size === 1) return [...values][0];
    return `conflict: ${[...values].sort().join(", ")}`;
}

function addRbac(
    model: StackModel,
    agents: AgentNamespaces,
    forNamespace: (ns: string) => Builder,
    namespaces: readonly string[],
): Map<string, Builder[]> {
    const byBinding = new Map<string, Builder[]>();
    const roles = new RoleIndex(model, agents);
    const judge = (binding: ResourceNode, kind: string, scope: RbacGrantScope) => {
        const namespace = scope.kind === "namespace" ? scope.namespace : undefined;
        const subjects = agentSubjects(binding, namespace, agents);
        if (subjects.agents.length === 0 && subjects.unknown.length === 0) return;
        const verdict = roles.judge(binding, scope);
        const roleRef = binding.props.roleRef;
        const role = isObject(roleRef) ? `${String(roleRef.kind)} ${String(roleRef.name)}` : "unknown";
        const grant: RbacGrant = {
            binding: binding.name,
            bindingKind: kind,
            scope:
                scope.kind === "namespace"
                    ? `namespace ${scope.namespace}`
                    : scope.kind === "cluster"
                      ? "cluster"
                      : "unknown",
            role: isUnknown(isObject(roleRef) ? roleRef.name : roleRef) ? "unknown" : role,
            verdict: verdict.kind,
            detail:
                verdict.kind === "forbidden"
                    ? verdict.grants.join(", ")
                    : verdict.kind === "unknown"
                      ? verdict.reason
                      : "no escalation",
            subjects: [...subjects.agents, ...subjects.unknown.map((u) => `possibly: ${u}`)],
        };
        const reached = namespaces.filter((ns) =>
            subjects.agents.some(
                (s) =>
                    s.includes(` ${ns}/`) ||
                    s.includes(` of ${ns})`) ||
                    s.includes("every agent service account"),
            ),
        );
        for (const ns of reached.length > 0
            ? reached
            : namespace && agents.isAgent(namespace)
              ? [namespace]
              : []) {
            const b = forNamespace(ns);
            b.rbac.push(grant);
            const list = byBinding.get(binding.urn);
            if (list) list.push(b);
            else byBinding.set(binding.urn, [b]);
        }
    };
    for (const binding of model.ofType(...ROLE_BINDING_TYPES)) {
        const p = placementOf(binding, agents);
        judge(
            binding,
            "RoleBinding",
            p.known
                ? { kind: "namespace", namespace: p.namespace, agent: p.agent }
                : { kind: "unknown", reason: p.reason },
        );
    }
    for (const binding of model.ofType(...CLUSTER_ROLE_BINDING_TYPES))
        judge(binding, "ClusterRoleBinding", { kind: "cluster" });
    return byBinding;
}

function sessionControls(docs: readonly { document: Record<string, unknown> }[]): {
    suspended: boolean;
    revokedBefore: string[];
} {
    let suspended = false;
    const revokedBefore: string[] = [];
    for (const { document } of docs) {
        const statements = Array.isArray(document.Statement) ? document.Statement : [document.Statement];
        for (const s of statements) {
            if (!isObject(s) || s.Effect !== "Deny") continue;
            const actions = Array.isArray(s.Action) ? s.Action : [s.Action];
            const resources = Array.isArray(s.Resource) ? s.Resource : [s.Resource];
            const cond = isObject(s.Condition) ? s.Condition : undefined;
            const everything = actions.includes("*") && resources.includes("*");
            if (everything && !cond) suspended = true;
            const before =
                cond && isObject(cond.DateLessThan) ? cond.DateLessThan["aws:TokenIssueTime"] : undefined;
            if (everything && typeof before === "string") revokedBefore.push(before);
        }
    }
    return { suspended, revokedBefore };
}

function addAws(
    model: StackModel,
    config: AgentguardConfig,
    builder: (id: string) => Builder,
    note: (b: Builder, node: ResourceNode) => void,
    agentOfNamespace: (ns: string) => Builder | undefined,
): { byUrn: Map<string, Builder>; byName: Map<string, Builder> } {
    const byUrn = new Map<string, Builder>();
    const byName = new Map<string, Builder>();
    const policies = new PolicyLookup(model.ofType(POLICY_TYPE));
    const roleGrants = new RolePermissionIndex(model, policies);
    const userGrants = new UserPermissionIndex(model, policies);
    const roles = identifyAgentRoles(model, config, { roles: roleGrants, users: userGrants });
    const boundaryOf = (node: ResourceNode) => {
        const value = node.props.permissionsBoundary;
        if (value === undefined || value === null || value === "") return "none" as const;
        return policies.resolve(node, "permissionsBoundary", `permissions boundary of ${node.name}`);
    };
    const add = (
        kind: "role" | "user",
        node: ResourceNode,
        certainty: "agent" | "possible",
        reasons: readonly string[],
        grants: ReturnType<RolePermissionIndex["of"]>,
    ) => {
        const tagged = labelOrTag(node, AGENT_LABEL);
        // Untagged, a role belongs to the agent whose namespace's service accounts assume it (IRSA, Pod Identity).
        const viaNamespace =
            tagged === undefined
                ? reasons
                      .map((r) => /system:serviceaccount:([^:"*?]+):|agent namespace "([^"]+)"/.exec(r))
                      .map((m) => (m ? agentOfNamespace(m[1] ?? m[2]) : undefined))
                      .find((x) => x !== undefined)
                : undefined;
        const b = viaNamespace ?? builder(tagged ?? `${kind} ${node.name}`);
        note(b, node);
        byUrn.set(node.urn, b);
        const iamName = node.props.name;
        if (typeof iamName === "string" && !isUnknown(iamName)) byName.set(iamName.toLowerCase(), b);
        const controls = sessionControls(grants.documents);
        b.aws.push({
            kind,
            name: node.name,
            urn: node.urn,
            certainty,
            reasons,
            permissions: effectivePermissions(grants, boundaryOf(node)),
            suspended: controls.suspended,
            revokedBefore: controls.revokedBefore,
        });
    };
    for (const role of roles.roles.values())
        add("role", role.node, role.certainty, role.reasons, roleGrants.of(role.node));
    for (const user of identifyAgentUsers(model))
        add("user", user.node, user.certainty, user.reasons, userGrants.of(user.node));
    return { byUrn, byName };
}
