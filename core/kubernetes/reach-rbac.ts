import type { EdgeKind } from "../reach/actions";
import type { AgentSeed, GraphNode, NodeOutcome, ReachLink } from "../reach/graph";
import type { ReachResource } from "../reach/resource";
import { grantsCovering, type RbacGrantScope, type RbacPolicyRule } from "../rbac";
import { AgentNamespaces } from "../stack/agent-namespaces";
import type { AgentguardConfig } from "../stack/config";
import type { ResourceNode, StackModel } from "../stack/stack-model";
import { isUnknown } from "../unknowns";
import { placementOf } from "./placement";
import { RoleIndex } from "./rbac-roles";
import { agentSubjects } from "./rbac-subjects";
import { PodNamespaceOutcomes } from "./reach-namespaces";
import { CLUSTER_ROLE_BINDING_TYPES, ROLE_BINDING_TYPES } from "./types";

/** The Kubernetes part of the reach graph: RBAC edges (and their seeds) and the outcomes of their targets. */
export interface KubernetesReach {
    readonly links: readonly ReachLink[];
    outcomesOf(node: GraphNode): readonly NodeOutcome[];
}

const READ_VERBS = new Set(["get", "list", "watch"]);
const WRITE_VERBS = new Set(["create", "update", "patch", "delete", "deletecollection"]);
/** Built-in ClusterRoles that read secrets, exec into pods, impersonate service accounts and write services. */
const EDIT_LIKE: ReadonlySet<string> = new Set([
    "cluster-admin",
    "admin",
    "edit",
    "system:aggregate-to-admin",
    "system:aggregate-to-edit",
]);
/** Minting a token (create), exec and attach (create, or get over websockets), injecting containers (patch). */
const ACT_AS_VERBS = new Set(["create", "get", "impersonate", "patch", "update"]);
const CLUSTER_ADMIN: ReadonlySet<string> = new Set(["cluster-admin"]);

/** Where a binding applies: a namespace, or every namespace (a ClusterRoleBinding). */
type Where = string | undefined;

interface Power {
    readonly to: GraphNode;
    readonly kind: EdgeKind;
    /** What it does (`read secrets`), and the role's grants that let it. */
    readonly verb: string;
    readonly detail: string;
    readonly certain: boolean;
    /** kubernetes-forbid-agent-rbac-escalation rejects this grant of an agent for the same harm. */
    readonly judgedForAgent: boolean;
    /** Set when the target is service accounts (pods or tokens) whose own bindings are expanded in turn. */
    readonly becomes?: { readonly where: Where };
}

/** A binding of service accounts that are not agents: what their pods (or tokens) may do, reached in two hops. */
interface OtherBinding {
    readonly binding: ResourceNode;
    readonly kind: string;
    readonly where: Where;
    /** Namespaces whose service accounts it binds; `*`: every service account. */
    readonly covers: ReadonlySet<string>;
}

/**
 * From the bindings of agent service accounts, through RBAC: Secrets outside agent namespaces (read-secret),
 * other namespaces' service accounts (tokens, impersonation, exec: run-as, then their IAM roles and their
 * own bindings), and cluster plumbing (write-cluster-plumbing). The service accounts an agent can run as
 * (pods it creates elsewhere, tokens it mints) bring their own bindings' powers: the second hop.
 */
export function kubernetesReach(
    model: StackModel,
    config: AgentguardConfig,
    namespaceRoles: (namespace: string | undefined) => readonly ReachResource[],
): KubernetesReach {
    const agents = AgentNamespaces.of(model, config.agentNamespacePatterns);
    const roles = new RoleIndex(model, agents);
    const pods = new PodNamespaceOutcomes(model, agents, config);
    const outcomes = new Map<string, NodeOutcome[]>();
    const links: ReachLink[] = [];
    const targets = new Targets(outcomes);
    const others: OtherBinding[] = [];
    /** Identity nodes (pods or tokens of a namespace's service accounts) the links reach, to expand once. */
    const identities: { id: string; where: Where }[] = [];
    const seen = new Set<string>();
    const reachIdentity = (id: string, where: Where) => {
        if (seen.has(id)) return;
        seen.add(id);
        identities.push({ id, where });
    };

    const bindings: { binding: ResourceNode; where: Where; kind: string }[] = [];
    for (const binding of model.ofType(...ROLE_BINDING_TYPES)) {
        const placement = placementOf(binding, agents);
        // Unknown placement is the escalation rule's to report; agent namespaces run agent identities.
        if (!placement.known || placement.agent) continue;
        bindings.push({ binding, where: placement.namespace, kind: "RoleBinding" });
    }
    for (const binding of model.ofType(...CLUSTER_ROLE_BINDING_TYPES))
        bindings.push({ binding, where: undefined, kind: "ClusterRoleBinding" });

    for (const { binding, where, kind } of bindings) {
        const covers = serviceAccountNamespaces(binding, where, agents);
        if (covers.size > 0) others.push({ binding, kind, where, covers });
        const seed = bindingSeed(binding, where, agents, kind);
        if (!seed) continue;
        // Pods the agent creates elsewhere are podCreators' edges (core/aws/reach.ts); their accounts' bindings
        // are expanded below.
        if (roles.podCreation(binding, where ?? "") !== undefined) reachIdentity(podsId(where), where);
        for (const power of powersOf(roles, targets, binding, where, true)) {
            links.push({
                seed,
                to: power.to,
                edge: {
                    from: binding.urn,
                    to: power.to.id,
                    kind: power.kind,
                    permission: `${power.verb} (${power.detail})`,
                    certain: power.certain,
                    judgedDirectly: power.judgedForAgent,
                },
            });
            if (power.becomes) reachIdentity(power.to.id, power.becomes.where);
        }
    }

    // The second hop (and on): what the service accounts an agent can run as may do through their own bindings.
    const powerCache = new Map<ResourceNode, Power[]>();
    for (let i = 0; i < identities.length; i++) {
        const { id, where } = identities[i];
        for (const role of namespaceRoles(where)) {
            links.push({
                to: { id: role.urn, label: role.name },
                edge: { from: id, to: role.urn, kind: "assume", certain: true },
            });
        }
        for (const other of others) {
            if (!(where === undefined || other.covers.has("*") || other.covers.has(where))) continue;
            let powers = powerCache.get(other.binding);
            if (!powers) {
                powers = powersOf(roles, targets, other.binding, other.where, false);
                const creation = roles.podCreation(other.binding, other.where ?? "");
                if (creation && (other.where === undefined || !agents.isAgent(other.where))) {
                    powers.push({
                        to: targets.pods(other.where),
                        kind: "run-as",
                        verb: "create pods",
                        detail: `${creation.role}: ${creation.grants.join(", ")}`,
                        certain: true,
                        judgedForAgent: false,
                        becomes: { where: other.where },
                    });
                }
                powerCache.set(other.binding, powers);
            }
            for (const power of powers) {
                if (power.to.id === id) continue;
                links.push({
                    to: power.to,
                    edge: {
                        from: id,
                        to: power.to.id,
                        kind: power.kind,
                        permission: `${power.verb} (through ${other.kind} ${other.binding.name}, ${power.detail})`,
                        certain: power.certain,
                    },
                });
                if (power.becomes) reachIdentity(power.to.id, power.becomes.where);
            }
        }
    }

    return {
        links,
        outcomesOf: (node) => (node.podsOf !== undefined ? pods.of(node) : (outcomes.get(node.id) ?? [])),
    };
}

/**
 * The walk's start for a RoleBinding or ClusterRoleBinding whose subjects are (or may be) agent service
 * accounts: the binding itself, named by whom it binds. `undefined` when it binds no agent.
 */
export function bindingSeed(
    binding: ResourceNode,
    where: Where,
    agents: AgentNamespaces,
    kind: string,
): AgentSeed | undefined {
    const subjects = agentSubjects(binding, where, agents);
    if (subjects.agents.length === 0 && subjects.unknown.length === 0) return undefined;
    const who = subjects.agents.length > 0 ? subjects.agents : subjects.unknown;
    return {
        resource: binding,
        certainty: subjects.agents.length > 0 ? "agent" : "possible",
        reasons: who,
        label: `${who.join(", ")} (through ${kind} ${binding.name})`,
    };
}

/** The node podCreators make for pods created in a namespace (core/reach/graph.ts linkPodCreator). */
function podsId(where: Where): string {
    return `serviceaccount:${where ?? "*"}/*`;
}

const inNamespace = (where: Where) => (where === undefined ? "of every namespace" : `of namespace ${where}`);

/** The graph nodes RBAC edges lead to, each created once with the outcomes it holds. */
class Targets {
    private readonly nodes = new Map<string, GraphNode>();

    constructor(private readonly outcomes: Map<string, NodeOutcome[]>) {}

    private node(id: string, label: string, held: NodeOutcome[], podsOf?: GraphNode["podsOf"]): GraphNode {
        let node = this.nodes.get(id);
        if (!node) {
            node = { id, label, ...(podsOf && { podsOf }) };
            this.nodes.set(id, node);
            if (held.length > 0) this.outcomes.set(id, held);
        }
        return node;
    }

    pods(where: Where): GraphNode {
        const label =
            where === undefined
                ? "any service account of any namespace"
                : `any service account of namespace ${where}`;
        return this.node(podsId(where), label, [], { namespace: where });
    }

    tokens(where: Where): GraphNode {
        const label =
            where === undefined
                ? "any service account of any namespace (with its token)"
                : `any service account of namespace ${where} (with its token)`;
        // The `serviceaccount:` prefix makes the path read "→ run as <label>" (core/reach/format.ts).
        return this.node(`serviceaccount:${where ?? "*"}/*?token`, label, []);
    }

    secrets(where: Where): GraphNode {
        return this.node(`k8s-secrets:${where ?? "*"}`, `Secrets ${inNamespace(where)}`, [
            {
                outcome: {
                    kind: "credentials",
                    why: "they hold other identities' credentials (service account tokens, passwords, keys)",
                },
                certain: true,
                unlessJudgedDirectly: true,
            },
        ]);
    }

    plumbing(key: string, label: string, why: string, unlessJudgedDirectly = false): GraphNode {
        return this.node(`k8s-plumbing:${key}`, label, [
            { outcome: { kind: "cluster-plumbing", why }, certain: true, unlessJudgedDirectly },
        ]);
    }

    unknown(binding: ResourceNode, role: string, reason: string): GraphNode {
        const why = `what ${role} grants cannot be read (${reason})`;
        return this.node(`k8s-rbac-unknown:${binding.urn}`, `whatever ${role} grants`, [
            {
                outcome: { kind: "credentials", why: `it may read Secrets: ${why}` },
                certain: false,
                unlessJudgedDirectly: true,
            },
            {
                outcome: { kind: "cluster-plumbing", why: `it may rewrite cluster plumbing: ${why}` },
                certain: false,
                unlessJudgedDirectly: true,
            },
        ]);
    }
}

/**
 * What a binding's role lets its subjects do beyond pod creation, where it applies. `forAgent`: the subjects
 * are agents (their bindings outside agent namespaces); otherwise they are reached in a second hop.
 */
function powersOf(
    roles: RoleIndex,
    targets: Targets,
    binding: ResourceNode,
    where: Where,
    forAgent: boolean,
): Power[] {
    const out: Power[] = [];
    const ns = where ?? "";
    const add = (
        to: GraphNode,
        kind: EdgeKind,
        verb: string,
        found: { role: string; grants: string[] } | undefined,
        judged: boolean,
        becomes = false,
    ) => {
        if (found)
            out.push({
                to,
                kind,
                verb,
                detail: `${found.role}: ${found.grants.join(", ")}`,
                certain: true,
                judgedForAgent: forAgent && judged,
                ...(becomes && { becomes: { where } }),
            });
    };
    const grants = (
        verbOk: (verb: string) => boolean,
        resources: readonly string[],
        builtIn: ReadonlySet<string> = EDIT_LIKE,
        named?: (names: readonly string[]) => boolean,
    ) =>
        roles.grantsOf(
            binding,
            ns,
            (rules: readonly RbacPolicyRule[]) => grantsCovering(rules, verbOk, resources, named),
            builtIn,
        );
    const scope: RbacGrantScope =
        where === undefined ? { kind: "cluster" } : { kind: "namespace", namespace: where, agent: false };
    const verdict = roles.judge(binding, scope);
    if (verdict.kind === "unknown") {
        out.push({
            to: targets.unknown(binding, verdict.role, verdict.reason),
            kind: "write-cluster-plumbing",
            verb: "any grant",
            detail: `${verdict.role}, whose rules cannot be read`,
            // The binding certainly holds whatever it holds; the outcomes it may lead to are uncertain.
            certain: true,
            judgedForAgent: forAgent,
        });
    }
    // The escalation rule forbids every verb on secrets: an agent's own grant is its finding, not a path.
    add(
        targets.secrets(where),
        "read-secret",
        "read secrets",
        grants((v) => READ_VERBS.has(v), ["secrets"]),
        true,
    );
    const actAs = grants(
        (v) => ACT_AS_VERBS.has(v),
        [
            "serviceaccounts/token",
            "pods/exec",
            "pods/attach",
            "pods/ephemeralcontainers",
            ...(where === undefined ? ["users", "groups"] : []),
        ],
    );
    const impersonate = grants((v) => v === "impersonate", ["serviceaccounts"]);
    const identity = actAs ?? impersonate;
    if (actAs && impersonate) actAs.grants.push(...impersonate.grants);
    add(
        targets.tokens(where),
        "run-as",
        "act as its service accounts (tokens, impersonation, exec)",
        identity,
        true,
        true,
    );
    if (where === undefined || where === "kube-system") {
        add(
            targets.plumbing(
                "kube-system/configmaps",
                "ConfigMaps of namespace kube-system",
                "they hold the CoreDNS and kube-proxy configuration every pod's name resolution and service routing rely on",
            ),
            "write-cluster-plumbing",
            "write configmaps",
            grants(
                (v) => WRITE_VERBS.has(v),
                ["configmaps"],
                EDIT_LIKE,
                (names) => names.some((n) => n.includes("*") || /dns|proxy/.test(n)),
            ),
            false,
        );
    }
    add(
        targets.plumbing(
            `${where ?? "*"}/services`,
            `Services, Endpoints and EndpointSlices ${inNamespace(where)}`,
            "other workloads send their traffic to them, so rewriting them redirects it to an address the agent chooses",
        ),
        "write-cluster-plumbing",
        "write services or endpoints",
        grants((v) => WRITE_VERBS.has(v), ["services", "endpoints", "endpointslices"]),
        false,
    );
    // Cluster-scoped kinds: only a ClusterRoleBinding grants them.
    if (where === undefined) {
        add(
            targets.plumbing(
                "customresourcedefinitions",
                "CustomResourceDefinitions",
                "they define every custom resource, the network policies and controllers guardrails rely on included",
            ),
            "write-cluster-plumbing",
            "write customresourcedefinitions",
            grants((v) => WRITE_VERBS.has(v), ["customresourcedefinitions"], CLUSTER_ADMIN),
            false,
        );
        add(
            targets.plumbing(
                "admission-webhooks",
                "admission webhook configurations",
                "admission webhooks see and may rewrite or refuse every object the API server admits",
                true,
            ),
            "write-cluster-plumbing",
            "write admission webhooks",
            grants(
                (v) => WRITE_VERBS.has(v),
                ["mutatingwebhookconfigurations", "validatingwebhookconfigurations"],
                CLUSTER_ADMIN,
            ),
            true,
        );
    }
    return out;
}

/**
 * Namespaces whose service accounts a binding names (not agent namespaces: those are agents, walked from
 * their own bindings); `*` for groups holding every service account. Unknown subjects are the escalation
 * rule's to report.
 */
function serviceAccountNamespaces(binding: ResourceNode, where: Where, agents: AgentNamespaces): Set<string> {
    const out = new Set<string>();
    const subjects = binding.props.subjects;
    if (!Array.isArray(subjects)) return out;
    for (const subject of subjects) {
        if (subject === null || typeof subject !== "object" || isUnknown(subject)) continue;
        const { kind, name, namespace } = subject as Record<string, unknown>;
        if (typeof name !== "string" || isUnknown(name)) continue;
        let ns: string | undefined;
        if (kind === "ServiceAccount") {
            const own = typeof namespace === "string" && !isUnknown(namespace) ? namespace : undefined;
            ns = own ?? where;
        } else if (kind === "User") {
            ns = /^system:serviceaccount:([^:]+):[^:]+$/.exec(name)?.[1];
        } else if (kind === "Group") {
            if (["system:serviceaccounts", "system:authenticated", "system:unauthenticated"].includes(name)) {
                out.add("*");
                continue;
            }
            ns = /^system:serviceaccounts:([^:]+)$/.exec(name)?.[1];
        }
        if (ns !== undefined && !agents.isAgent(ns)) out.add(ns);
    }
    return out;
}
