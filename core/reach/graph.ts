import { CONTAINMENT_METRIC_NAMESPACE } from "../containment";
import { iamGlobMatches, iamGlobsIntersect } from "../glob";
import { classifyAction } from "../iam/families";
import { IamDocumentError, normalizePolicyDocument, type NormalizedStatement } from "../iam";
import type { SourcedDocument } from "../iam/types";
import { hasWildcard } from "../iam/wildcard";
import { type ConditionAnswer, evaluateCondition, type RequestingPrincipal } from "../iam/conditions";
import {
    type EdgeKind,
    launchActionsWithPassRole,
    PASS_ROLE,
    patternCovers,
    RUN_AS_ON_TARGET,
    TARGET_ACTIONS,
    type TargetAction,
} from "./actions";
import {
    type ComputeKind,
    type DecodedNode,
    type DecodedResourcePolicy,
    decodeResource,
    decodeResourcePolicy,
    INSTANCE_PROFILE_TYPE,
    REPOSITORY_TYPE,
    ROLE_TYPE,
    USER_TYPE,
} from "./decode";
import { type ContainmentMark, containmentMarks } from "./containment";
import { agentTagLimit, mayWriteSecretTags } from "./abac";
import { agentIdsOf, requestingPrincipal } from "./principal-context";
import { AGENT_KEY } from "../metadata-keys";
import { type PolicyTarget, resourcePolicyGrants } from "./resource-policies";
import { type ReachResource, stringAt } from "./resource";
import { certainlyCovers, type TargetEntry, TargetIndex, type TargetKind } from "./targets";
import { judgePrincipal, type PrincipalPermissions, type PrincipalVerdict } from "./verdict";

export type { PrincipalPermissions } from "./verdict";

/** An agent identity the walk starts from (the pack's agent roles and users). */
export interface AgentSeed {
    readonly resource: ReachResource;
    /** `possible`: something that decides it is unknown during preview; its findings say "may". */
    readonly certainty: "agent" | "possible";
    readonly reasons: readonly string[];
    /** How messages name the start when it is not a role or user (a Kubernetes binding of agent accounts). */
    readonly label?: string;
    /**
     * URNs of the agent identities whose role chaining alone makes this one an agent: walks from them go on
     * through it, and its findings are printed from them.
     */
    readonly chainedFrom?: readonly string[];
}

/**
 * Kubernetes identities that may create pods (or controllers, or custom resources that become pods) in a
 * namespace: their pods may run as any service account there, hence as the IAM roles those accounts map to.
 */
export interface PodCreator {
    readonly seed: AgentSeed;
    /** `undefined`: every namespace (a ClusterRoleBinding). */
    readonly namespace: string | undefined;
    /** What grants it, for the path (e.g. `create pods (ClusterRole edit)`). */
    readonly permission: string;
}

/**
 * A Kubernetes agent identity's RBAC grant that removes or rewrites automated containment's hold: its
 * RoleBinding or ClusterRole, or the ResourceQuotas of a namespace it holds at pods=0.
 */
export interface KubernetesTamper {
    readonly seed: AgentSeed;
    readonly target: { readonly resource: ReachResource } | { readonly quotaNamespace: string };
    /** What grants it, for the path (e.g. `delete on rolebindings (rules[0]) (Role ops)`). */
    readonly permission: string;
}

/**
 * A forbidden outcome a node holds for whoever reaches it (compute with open egress, a namespace whose pods
 * may use the host, a secret that is not the agent's own). `via`: the edge kinds that give the reacher that
 * power (default: any edge that reaches the node).
 */
export interface NodeOutcome {
    readonly outcome: ReachOutcome;
    /** False when the outcome is a guess (an unknown value that may open it). */
    readonly certain: boolean;
    readonly via?: readonly EdgeKind[];
    /**
     * The outcome is the very harm a direct rule rejects the reaching grant for (Kubernetes secrets, webhooks):
     * not reported when the edge that reaches the node is `judgedDirectly`.
     */
    readonly unlessJudgedDirectly?: boolean;
    /** The outcome does not hold for this agent (a secret that is its own). */
    readonly exempt?: (agent: AgentSeed) => boolean;
}

/**
 * An edge the graph cannot derive from IAM alone (Kubernetes RBAC, routes): from a node (or a new seed) to a
 * node it creates when absent.
 */
export interface ReachLink {
    /** A seed the edge starts from; it becomes a start of the walk. Absent: `edge.from` must be a node. */
    readonly seed?: AgentSeed;
    readonly to: GraphNode;
    readonly edge: ReachEdge;
}

export interface ReachOptions {
    readonly agents: readonly AgentSeed[];
    /** Every permissions document that reaches a role or user (the pack's RolePermissionIndex). */
    readonly permissionsOf: (principal: ReachResource) => PrincipalPermissions;
    /** IAM roles the pods of a Kubernetes service account run as (IRSA trust, Pod Identity). */
    readonly serviceAccountRoles?: (namespace: string, serviceAccount: string) => readonly ReachResource[];
    /** IAM roles any service account of a namespace (`undefined`: of any namespace) runs as. */
    readonly namespaceRoles?: (namespace: string | undefined) => readonly ReachResource[];
    /** Kubernetes agent identities that may create pods somewhere: extra seeds with their run-as edges. */
    readonly podCreators?: readonly PodCreator[];
    /** Kubernetes agent identities whose RBAC reaches containment's hold: extra seeds with tamper edges. */
    readonly kubernetesTamper?: readonly KubernetesTamper[];
    /** Further edges (and the seeds they start from): RBAC secret reads, cluster plumbing, routes. */
    readonly links?: readonly ReachLink[];
    /** Outcomes a node holds beyond what the graph derives itself (namespaces' egress, host access, GPUs). */
    readonly outcomesOf?: (node: GraphNode) => readonly NodeOutcome[];
}

/** A node of the graph: a stack resource, a Kubernetes service account, or something outside the stack. */
export interface GraphNode {
    readonly id: string;
    readonly label: string;
    readonly decoded?: DecodedNode;
    /** Set on nodes that stand for resources outside the stack: why they cannot be judged. */
    readonly outside?: string;
    /** Pods the reacher may create there choose their service account and spec (`undefined`: any namespace). */
    readonly podsOf?: { readonly namespace: string | undefined };
}

export interface ReachEdge {
    readonly from: string;
    readonly to: string;
    readonly kind: EdgeKind;
    /** The permission that creates the edge (absent on structural edges such as runs-as). */
    readonly permission?: string;
    /** Where the permission is granted (policy and statement), for messages. */
    readonly grantedBy?: string;
    /** False when the edge is a guess (an unknown name or ARN that may be this resource). */
    readonly certain: boolean;
    /** The permission is already forbidden on its own (a direct rule judges it): the walk does not report it. */
    readonly judgedDirectly?: boolean;
}

/** What the path ends in, and why that is a finding. */
export type ReachOutcome =
    | { readonly kind: "privileged-principal"; readonly verdict: PrincipalVerdict }
    | { readonly kind: "unjudged-principal"; readonly verdict: PrincipalVerdict }
    | { readonly kind: "unknown-role"; readonly why: string }
    | { readonly kind: "outside-stack"; readonly why: string }
    | { readonly kind: "tamper"; readonly why: string }
    /** The reached compute or pods can open connections to the internet (or cannot be shown not to). */
    | { readonly kind: "open-egress"; readonly why: string }
    /** The internet can open connections to what the agent controls. */
    | { readonly kind: "inbound-channel"; readonly why: string }
    /** Credentials or secrets that are not the agent's own. */
    | { readonly kind: "credentials"; readonly why: string }
    /** Pods that may use the node: host namespaces, host paths, privileged containers. */
    | { readonly kind: "host-access"; readonly why: string }
    /** GPUs (or other accelerators) no quota caps. */
    | { readonly kind: "uncapped-gpu"; readonly why: string }
    /** Cluster plumbing every workload relies on: DNS, endpoints, CRDs, admission webhooks. */
    | { readonly kind: "cluster-plumbing"; readonly why: string };

export interface ReachFinding {
    readonly agent: AgentSeed;
    readonly start: GraphNode;
    /** Edges from the agent to the node the outcome is about, in order. */
    readonly path: readonly ReachEdge[];
    readonly end: GraphNode;
    readonly outcome: ReachOutcome;
    /** Every edge is certain and the agent is certainly an agent. */
    readonly certain: boolean;
}

export interface Closure {
    readonly agent: AgentSeed;
    readonly start: GraphNode;
    /** Every node reached, with the path that reached it first (shortest). */
    readonly reached: ReadonlyMap<string, readonly ReachEdge[]>;
    readonly findings: readonly ReachFinding[];
}

export interface ReachGraph {
    readonly nodes: ReadonlyMap<string, GraphNode>;
    node(id: string): GraphNode | undefined;
    /** Edges out of a node (permission edges of principals are computed on first use). */
    edgesFrom(id: string): readonly ReachEdge[];
    closureOf(agent: AgentSeed): Closure;
    /** The agents the graph was built for, each with its closure. */
    closures(): readonly Closure[];
}

const COMPUTE_LABEL: Readonly<Record<ComputeKind, string>> = {
    "lambda-function": "Lambda function",
    "ec2-instance": "EC2 instance",
    "launch-template": "launch template",
    "ecs-task-definition": "ECS task definition",
    "batch-job-definition": "Batch job definition",
    "codebuild-project": "CodeBuild project",
    "glue-job": "Glue job",
    "sagemaker-notebook": "SageMaker notebook",
    "sagemaker-lifecycle-config": "SageMaker lifecycle configuration",
    "apprunner-service": "App Runner service",
    "agentcore-runtime": "AgentCore runtime",
    "cloudformation-stack": "CloudFormation stack",
    "state-machine": "Step Functions state machine",
    "kubernetes-workload": "Kubernetes workload",
};

function labelOf(decoded: DecodedNode): string {
    const name = decoded.cloudName.state === "known" ? decoded.cloudName.value : decoded.resource.name;
    const what = decoded.what;
    switch (what.kind) {
        case "principal":
            return `${what.principal} ${name}`;
        case "compute":
            if (what.compute === "kubernetes-workload") {
                return `${decoded.resource.type.slice(decoded.resource.type.lastIndexOf(":") + 1)} ${name}`;
            }
            return `${COMPUTE_LABEL[what.compute]} ${name}`;
        case "image-repository":
            return `ECR repository ${name}`;
        case "secret":
            return `${what.secret.replace(/-/g, " ")} ${name}`;
        case "audit":
            if (what.audit === "eks-access-entry") {
                return `EKS access entry ${decoded.resource.name}`;
            }
            return `${what.audit.replace(/-/g, " ")} ${name}`;
        case "service-account":
            return `service account ${name}`;
    }
}

function targetKindOf(decoded: DecodedNode): TargetKind | undefined {
    const what = decoded.what;
    if (what.kind === "principal") return what.principal === "role" ? "role" : undefined;
    if (what.kind === "compute") return what.compute === "kubernetes-workload" ? undefined : what.compute;
    if (what.kind === "secret") return what.secret === "kubernetes-secret" ? undefined : what.secret;
    if (what.kind === "audit") return what.audit;
    if (what.kind === "image-repository") return "image-repository";
    return undefined;
}

/** Builds the reach graph of one stack: decode once, index once, structural edges in one pass. */
export function buildReachGraph(resources: readonly ReachResource[], options: ReachOptions): ReachGraph {
    return new Graph(resources, options);
}

class Graph implements ReachGraph {
    readonly nodes = new Map<string, GraphNode>();
    private readonly structural = new Map<string, ReachEdge[]>();
    private readonly granted = new Map<string, readonly ReachEdge[]>();
    private readonly verdicts = new Map<string, PrincipalVerdict>();
    /** Compute whose role cannot be resolved: id → why. */
    private readonly unknownRoles = new Map<string, string>();
    private readonly targets = new TargetIndex();
    private readonly agentIds: ReadonlySet<string>;
    private readonly chainedOnly: ReadonlySet<string>;
    private readonly byUrn = new Map<string, DecodedNode>();
    private readonly roleByName = new Map<string, DecodedNode>();
    private readonly roleByArn = new Map<string, DecodedNode>();
    private readonly principalByRef = new Map<string, DecodedNode>();
    /** S3 objects compute runs, by bucket (`*` when only a pattern is known): what s3:PutObject rewrites. */
    private readonly codeByBucket = new Map<
        string,
        { pattern: string; compute: DecodedNode; certain: boolean }[]
    >();
    /** Edges resource policies grant, by principal URN; `*` for every principal (each with its Condition). */
    private readonly resourceGrants = new Map<string, { edge: ReachEdge; condition?: unknown }[]>();
    private readonly requesters = new Map<string, RequestingPrincipal>();
    /** Automated containment resources by URN, with why (core/reach/containment.ts). */
    private readonly containment: Map<string, ContainmentMark>;
    private readonly nodeOutcomes = new Map<string, readonly NodeOutcome[]>();

    constructor(
        resources: readonly ReachResource[],
        private readonly options: ReachOptions,
    ) {
        this.agentIds = new Set(this.seeds().map((a) => a.resource.urn));
        this.chainedOnly = new Set(
            this.seeds()
                .filter((a) => a.chainedFrom !== undefined)
                .map((a) => a.resource.urn),
        );
        this.containment = containmentMarks(resources, new Set(options.agents.map((a) => a.resource.urn)));
        const profiles: ReachResource[] = [];
        const resourcePolicies: DecodedResourcePolicy[] = [];
        for (const resource of resources) {
            if (resource.type === INSTANCE_PROFILE_TYPE) profiles.push(resource);
            const resourcePolicy = decodeResourcePolicy(resource);
            if (resourcePolicy) resourcePolicies.push(resourcePolicy);
            const decoded = decodeResource(resource);
            if (!decoded) continue;
            this.byUrn.set(resource.urn, decoded);
            this.nodes.set(resource.urn, { id: resource.urn, label: labelOf(decoded), decoded });
            const kind = targetKindOf(decoded);
            if (kind) this.targets.add(kind, decoded);
            if (decoded.what.kind === "principal") this.indexPrincipal(decoded);
        }
        const profileRoles = this.indexProfiles(profiles);
        const repositories = this.indexRepositories();
        const lifecycleConfigs = new Map<string, string>();
        for (const decoded of this.byUrn.values()) {
            if (decoded.what.kind === "compute" && decoded.what.compute === "sagemaker-lifecycle-config") {
                if (decoded.cloudName.state === "known") {
                    lifecycleConfigs.set(decoded.cloudName.value, decoded.resource.urn);
                }
            }
        }
        for (const decoded of this.byUrn.values()) {
            if (decoded.what.kind === "compute") {
                this.linkCompute(decoded, profileRoles, repositories, lifecycleConfigs);
            }
            if (decoded.what.kind === "principal" && decoded.what.principal === "role")
                this.linkTrust(decoded);
        }
        for (const policy of resourcePolicies) this.linkResourcePolicy(policy, repositories);
        for (const creator of options.podCreators ?? []) this.linkPodCreator(creator);
        for (const tamper of options.kubernetesTamper ?? []) this.linkKubernetesTamper(tamper);
        for (const link of options.links ?? []) this.addLink(link);
        this.linkOwnCompute();
    }

    /**
     * AWS compute that runs as an agent identity is where the agent's code already runs: an edge from the
     * agent to it, so the routes judged on the closure (function URLs, invoke permissions, API routes, public
     * IPs, onward VPC endpoints) also hold for the agent's own compute, which no direct rule judges for
     * inbound channels. Its VPC placement and its agent-tagged groups stay with the direct rules.
     */
    private linkOwnCompute(): void {
        for (const decoded of this.byUrn.values()) {
            if (decoded.what.kind !== "compute" || !decoded.resource.type.startsWith("aws:")) continue;
            const id = decoded.resource.urn;
            for (const edge of this.structural.get(id) ?? []) {
                if (edge.kind !== "runs-as" || !this.agentIds.has(edge.to)) continue;
                this.addEdge({
                    from: edge.to,
                    to: id,
                    kind: "run-as",
                    permission: "runs its own code (its compute runs as it)",
                    certain: true,
                });
            }
        }
    }

    private addLink(link: ReachLink): void {
        const from = link.edge.from;
        if (link.seed && !this.nodes.has(from)) {
            this.nodes.set(from, { id: from, label: link.seed.label ?? link.seed.resource.name });
        }
        if (!this.nodes.has(link.to.id)) this.nodes.set(link.to.id, link.to);
        this.addEdge(link.edge);
    }

    /** Outcomes of a node, computed once: the options' provider (namespaces, routes...). */
    private outcomesAt(node: GraphNode): readonly NodeOutcome[] {
        let list = this.nodeOutcomes.get(node.id);
        if (!list) this.nodeOutcomes.set(node.id, (list = this.options.outcomesOf?.(node) ?? []));
        return list;
    }

    /** Seeds: the agent roles and users, then the Kubernetes agent bindings (each once). */
    private seeds(): readonly AgentSeed[] {
        const seeds = new Map<string, AgentSeed>();
        for (const seed of [
            ...this.options.agents,
            ...(this.options.podCreators ?? []).map((c) => c.seed),
            ...(this.options.kubernetesTamper ?? []).map((t) => t.seed),
            ...(this.options.links ?? []).flatMap((l) => (l.seed ? [l.seed] : [])),
        ]) {
            if (!seeds.has(seed.resource.urn)) seeds.set(seed.resource.urn, seed);
        }
        return [...seeds.values()];
    }

    private linkKubernetesTamper(tamper: KubernetesTamper): void {
        const start = tamper.seed.resource.urn;
        if (!this.nodes.has(start)) {
            this.nodes.set(start, { id: start, label: tamper.seed.label ?? tamper.seed.resource.name });
        }
        let id: string;
        if ("quotaNamespace" in tamper.target) {
            const namespace = tamper.target.quotaNamespace;
            id = `resourcequotas:${namespace}`;
            this.nodes.set(id, { id, label: `ResourceQuotas of namespace ${namespace}` });
            this.containment.set(id, {
                certain: true,
                why: `it holds the pods of namespace ${namespace} at zero with a ResourceQuota`,
            });
        } else {
            const resource = tamper.target.resource;
            id = resource.urn;
            if (!this.nodes.has(id)) {
                const kind = resource.type.slice(resource.type.lastIndexOf(":") + 1).replace(/Patch$/, "");
                this.nodes.set(id, { id, label: `${kind} ${resource.name}` });
            }
        }
        // kubernetes-forbid-agent-rbac-escalation rejects these writes on its own: shown, not reported twice.
        this.addEdge({
            from: start,
            to: id,
            kind: "tamper",
            permission: tamper.permission,
            certain: tamper.seed.certainty === "agent",
            judgedDirectly: true,
        });
    }

    private linkPodCreator(creator: PodCreator): void {
        const namespace = creator.namespace;
        const id = `serviceaccount:${namespace ?? "*"}/*`;
        if (!this.nodes.has(id)) {
            const label =
                namespace === undefined
                    ? "any service account of any namespace"
                    : `any service account of namespace ${namespace}`;
            this.nodes.set(id, { id, label, podsOf: { namespace } });
            for (const role of this.options.namespaceRoles?.(namespace) ?? []) {
                this.addEdge({ from: id, to: role.urn, kind: "assume", certain: true });
            }
        }
        const start = creator.seed.resource.urn;
        if (!this.nodes.has(start)) {
            this.nodes.set(start, { id: start, label: creator.seed.label ?? creator.seed.resource.name });
        }
        this.addEdge({ from: start, to: id, kind: "run-as", permission: creator.permission, certain: true });
    }

    node(id: string): GraphNode | undefined {
        return this.nodes.get(id);
    }

    edgesFrom(id: string): readonly ReachEdge[] {
        const structural = this.structural.get(id) ?? [];
        const decoded = this.byUrn.get(id);
        if (decoded?.what.kind !== "principal") return structural;
        let granted = this.granted.get(id);
        if (!granted) this.granted.set(id, (granted = this.grantEdges(decoded)));
        return [...structural, ...granted];
    }

    closures(): readonly Closure[] {
        const closures = this.seeds().map((agent) => this.closureOf(agent));
        // A role that is an agent only because another agent may assume it: that agent's walk went through
        // it and found the same ends, with the path from the agent that holds the grant.
        const reachedBy = (urn: string, sources: readonly string[]) =>
            closures.some((c) => sources.includes(c.agent.resource.urn) && c.reached.has(urn));
        return closures.map((closure) => {
            const sources = closure.agent.chainedFrom;
            if (!sources || !reachedBy(closure.agent.resource.urn, sources)) return closure;
            return { ...closure, findings: [] };
        });
    }

    closureOf(agent: AgentSeed): Closure {
        const startId = agent.resource.urn;
        const start = this.nodes.get(startId) ?? {
            id: startId,
            label:
                agent.label ??
                `${agent.resource.type === USER_TYPE ? "user" : "role"} ${agent.resource.name}`,
        };
        const reached = new Map<string, readonly ReachEdge[]>([[startId, []]]);
        const findings: ReachFinding[] = [];
        const finding = (path: readonly ReachEdge[], end: GraphNode, outcome: ReachOutcome) =>
            findings.push({
                agent,
                start,
                path,
                end,
                outcome,
                certain: agent.certainty === "agent" && path.every((e) => e.certain),
            });
        const queue: string[] = [startId];
        // Agent-tagged compute that runs as no role is a seed of its own: its routes hold at the start.
        if (start.decoded?.what.kind === "compute") {
            for (const held of this.outcomesAt(start)) {
                if ((held.via && !held.via.includes("run-as")) || held.exempt?.(agent)) continue;
                findings.push({
                    agent,
                    start,
                    path: [],
                    end: start,
                    outcome: held.outcome,
                    certain: held.certain && agent.certainty === "agent",
                });
            }
        }
        // A tamper edge ends its path: a finding on its own, whether or not its target is reached another way
        // (run-as on the containment function goes on to the role it runs as).
        const tampered = new Map<string, readonly ReachEdge[]>();
        for (let i = 0; i < queue.length; i++) {
            const id = queue[i];
            const path = reached.get(id) ?? [];
            for (const edge of this.edgesFrom(id)) {
                const inStack = this.nodes.get(edge.to);
                if (edge.kind === "tamper" && inStack?.outside === undefined) {
                    if (tampered.has(edge.to) || !inStack) continue;
                    tampered.set(edge.to, [...path, edge]);
                    if (!edge.judgedDirectly) {
                        finding([...path, edge], inStack, { kind: "tamper", why: this.tamperWhy(inStack) });
                    }
                    continue;
                }
                if (reached.has(edge.to)) continue;
                const next = [...path, edge];
                reached.set(edge.to, next);
                const target = this.nodes.get(edge.to);
                if (!target) continue;
                for (const held of this.outcomesAt(target)) {
                    if (held.via && !held.via.includes(edge.kind)) continue;
                    if (held.unlessJudgedDirectly && edge.judgedDirectly) continue;
                    if (held.exempt?.(agent)) continue;
                    findings.push({
                        agent,
                        start,
                        path: next,
                        end: target,
                        outcome: held.outcome,
                        certain: held.certain && agent.certainty === "agent" && next.every((e) => e.certain),
                    });
                }
                if (target.outside !== undefined) {
                    // A secret outside the stack is a credentials outcome (credentials.ts), not an unjudged role.
                    if (!edge.judgedDirectly && edge.kind !== "read-secret")
                        finding(next, target, { kind: "outside-stack", why: target.outside });
                    continue;
                }
                if (edge.kind === "tamper") continue;
                if (edge.kind === "read-secret") continue;
                const unknownRole = this.unknownRoles.get(edge.to);
                if (unknownRole !== undefined && (edge.kind === "run-as" || edge.kind === "pulled-by")) {
                    finding(next, target, { kind: "unknown-role", why: unknownRole });
                }
                const decoded = target.decoded;
                if (decoded?.what.kind === "principal") {
                    // Another agent identity is judged by the direct rules and walked from itself; one that only
                    // role chaining makes an agent is walked through, so paths start at the agent holding the grant.
                    if (this.agentIds.has(edge.to)) {
                        if (this.chainedOnly.has(edge.to)) queue.push(edge.to);
                        continue;
                    }
                    const verdict = this.verdictOf(decoded);
                    if (verdict.grants.length > 0) {
                        finding(next, target, { kind: "privileged-principal", verdict });
                        continue;
                    }
                    if (verdict.unknown.length > 0) {
                        finding(next, target, { kind: "unjudged-principal", verdict });
                        continue;
                    }
                }
                queue.push(edge.to);
            }
        }
        for (const [id, path] of tampered) if (!reached.has(id)) reached.set(id, path);
        return { agent, start, reached, findings };
    }

    private verdictOf(decoded: DecodedNode): PrincipalVerdict {
        let verdict = this.verdicts.get(decoded.resource.urn);
        if (!verdict) {
            verdict = judgePrincipal(this.options.permissionsOf(decoded.resource));
            this.verdicts.set(decoded.resource.urn, verdict);
        }
        return verdict;
    }

    private addEdge(edge: ReachEdge): void {
        const list = this.structural.get(edge.from);
        if (list) list.push(edge);
        else this.structural.set(edge.from, [edge]);
    }

    private indexPrincipal(decoded: DecodedNode): void {
        const { cloudName, arn } = decoded;
        if (arn.state === "known") this.principalByRef.set(arn.value, decoded);
        if (decoded.what.kind === "principal" && decoded.what.principal === "role") {
            if (cloudName.state === "known") this.roleByName.set(cloudName.value, decoded);
            if (arn.state === "known") this.roleByArn.set(arn.value, decoded);
        }
        if (cloudName.state === "known") {
            const kind = decoded.resource.type === ROLE_TYPE ? "role" : "user";
            this.principalByRef.set(`${kind}/${cloudName.value}`, decoded);
        }
    }

    /** A stack role or user named by an ARN (any path) or, for roles, by name. */
    private principalByReference(reference: string): DecodedNode | undefined {
        const direct = this.principalByRef.get(reference);
        if (direct) return direct;
        const match = /^arn:[^:]+:iam::[^:]*:(role|user)\/(?:.*\/)?([^/]+)$/.exec(reference);
        // An assumed-role session's ARN names its role (a resource policy may name the session).
        const session = /^arn:[^:]+:sts::[^:]*:assumed-role\/([^/]+)\/[^/]*$/.exec(reference);
        const key = match ? `${match[1]}/${match[2]}` : session ? `role/${session[1]}` : undefined;
        if (key === undefined) return undefined;
        // IAM names are unique without regard to case: a policy may spell them in another case.
        return this.principalByRef.get(key) ?? this.principalByLowerRef().get(key.toLowerCase());
    }

    private lowerRefs: Map<string, DecodedNode> | undefined;

    private principalByLowerRef(): Map<string, DecodedNode> {
        if (!this.lowerRefs) {
            this.lowerRefs = new Map();
            for (const [key, node] of this.principalByRef) {
                if (!key.startsWith("arn:")) this.lowerRefs.set(key.toLowerCase(), node);
            }
        }
        return this.lowerRefs;
    }

    private roleByReference(reference: string): DecodedNode | undefined {
        const hit = this.roleByArn.get(reference) ?? this.roleByName.get(reference);
        if (hit) return hit;
        const found = this.principalByReference(reference);
        return found?.resource.type === ROLE_TYPE ? found : undefined;
    }

    /** Instance profile URN, name or ARN → the roles it holds. */
    private indexProfiles(profiles: readonly ReachResource[]): Map<string, DecodedNode[]> {
        const out = new Map<string, DecodedNode[]>();
        for (const profile of profiles) {
            const roles = new Set<DecodedNode>();
            for (const linked of profile.propertyDependencies.role ?? []) {
                const decoded = this.byUrn.get(linked.urn);
                if (decoded && linked.type === ROLE_TYPE) roles.add(decoded);
            }
            const value = stringAt(profile, "role");
            if (value.state === "known") {
                const role = this.roleByReference(value.value);
                if (role) roles.add(role);
            }
            const list = [...roles];
            out.set(profile.urn, list);
            const name = stringAt(profile, "name");
            if (name.state === "known") out.set(`name:${name.value}`, list);
            const arn = stringAt(profile, "arn");
            if (arn.state === "known") out.set(`arn:${arn.value}`, list);
        }
        return out;
    }

    /** ECR repositories by URN and name (image URIs name the repository after the registry host). */
    private indexRepositories(): Map<string, DecodedNode> {
        const out = new Map<string, DecodedNode>();
        for (const decoded of this.byUrn.values()) {
            if (decoded.what.kind !== "image-repository") continue;
            out.set(decoded.resource.urn, decoded);
            if (decoded.cloudName.state === "known") out.set(`name:${decoded.cloudName.value}`, decoded);
        }
        return out;
    }

    private linkCompute(
        decoded: DecodedNode,
        profileRoles: Map<string, DecodedNode[]>,
        repositories: Map<string, DecodedNode>,
        lifecycleConfigs: Map<string, string>,
    ): void {
        const id = decoded.resource.urn;
        const roles = new Set<DecodedNode>();
        const unresolved: string[] = [];
        for (const reference of decoded.runsAs) {
            const linked = decoded.resource.propertyDependencies[reference.property] ?? [];
            let found = 0;
            for (const dep of linked) {
                if (reference.viaInstanceProfile && dep.type === INSTANCE_PROFILE_TYPE) {
                    for (const role of profileRoles.get(dep.urn) ?? []) roles.add(role);
                    found++;
                } else if (!reference.viaInstanceProfile && dep.type === ROLE_TYPE) {
                    const role = this.byUrn.get(dep.urn);
                    if (role) roles.add(role);
                    found++;
                }
            }
            if (reference.value.state === "known") {
                for (const value of reference.value.value) {
                    const hit = reference.viaInstanceProfile
                        ? (profileRoles.get(`arn:${value}`) ??
                          profileRoles.get(`name:${value}`) ??
                          profileRoles.get(`name:${value.slice(value.lastIndexOf("/") + 1)}`))
                        : this.roleByReference(value);
                    if (hit === undefined && found === 0) {
                        unresolved.push(`${reference.property} "${value}" is not declared in this stack`);
                    }
                    for (const role of Array.isArray(hit) ? hit : hit ? [hit] : []) roles.add(role);
                }
            } else if (reference.value.state === "unknown" && found === 0) {
                unresolved.push(`${reference.value.why} and not linked to a role in this stack`);
            }
        }
        for (const role of roles) {
            this.addEdge({ from: id, to: role.resource.urn, kind: "runs-as", certain: true });
        }
        if (unresolved.length > 0) {
            this.unknownRoles.set(id, `the role it runs as cannot be judged: ${unresolved.join("; ")}`);
        }
        this.linkServiceAccounts(decoded);
        this.indexCode(decoded);
        for (const image of decoded.images) {
            const repos = new Set<DecodedNode>();
            for (const dep of decoded.resource.propertyDependencies[image.property] ?? []) {
                const repo = dep.type === REPOSITORY_TYPE ? repositories.get(dep.urn) : undefined;
                if (repo) repos.add(repo);
            }
            if (image.uri.state === "known") {
                const name = ecrRepositoryName(image.uri.value);
                const repo = name === undefined ? undefined : repositories.get(`name:${name}`);
                if (repo) repos.add(repo);
            }
            for (const repo of repos) {
                this.addEdge({ from: repo.resource.urn, to: id, kind: "pulled-by", certain: true });
            }
        }
        if (decoded.lifecycleConfig?.state === "known") {
            const config = lifecycleConfigs.get(decoded.lifecycleConfig.value);
            if (config) this.addEdge({ from: config, to: id, kind: "configures", certain: true });
        }
        for (const dep of decoded.resource.propertyDependencies.lifecycleConfigName ?? []) {
            if (this.byUrn.get(dep.urn)?.what.kind === "compute") {
                this.addEdge({ from: dep.urn, to: id, kind: "configures", certain: true });
            }
        }
    }

    /**
     * Code a compute resource loads from S3: a known location is indexed by bucket; an unknown one through the
     * bucket its property was computed from (any key of it). An unknown location with no bucket of the stack
     * behind it is not followed (see docs: still accepted).
     */
    private indexCode(decoded: DecodedNode): void {
        const add = (bucket: string, pattern: string, certain: boolean) => {
            const list = this.codeByBucket.get(bucket);
            const entry = { pattern, compute: decoded, certain };
            if (list) list.push(entry);
            else this.codeByBucket.set(bucket, [entry]);
        };
        for (const code of decoded.code) {
            if (code.arn.state === "known") {
                const bucket = code.arn.value.replace(/^arn:[^:]*:s3:::/, "").split("/")[0];
                add(hasWildcard(bucket) ? "*" : bucket, code.arn.value, !hasWildcard(code.arn.value));
                continue;
            }
            for (const dep of decoded.resource.propertyDependencies[code.property] ?? []) {
                if (!BUCKET_TYPES.includes(dep.type)) continue;
                const name = stringAt(dep, "bucket");
                if (name.state === "known") add(name.value, `arn:aws:s3:::${name.value}/*`, false);
            }
        }
    }

    /** Kubernetes workloads run as service accounts; a service account may be an IAM role (IRSA, Pod Identity). */
    private linkServiceAccounts(decoded: DecodedNode): void {
        const k8s = decoded.kubernetes;
        if (!k8s) return;
        const id = decoded.resource.urn;
        const namespace = k8s.namespace.state === "known" ? k8s.namespace.value : "default";
        if (k8s.namespace.state === "unknown" || k8s.serviceAccounts.state !== "known") {
            const why = k8s.namespace.state === "unknown" ? k8s.namespace.why : k8s.serviceAccounts;
            this.unknownRoles.set(
                id,
                `the service account it runs as cannot be judged: ${typeof why === "string" ? why : "unknown during preview"}`,
            );
            return;
        }
        for (const account of k8s.serviceAccounts.value) {
            const saId = `serviceaccount:${namespace}/${account}`;
            if (!this.nodes.has(saId)) {
                this.nodes.set(saId, { id: saId, label: `service account ${namespace}/${account}` });
                for (const role of this.options.serviceAccountRoles?.(namespace, account) ?? []) {
                    this.addEdge({ from: saId, to: role.urn, kind: "assume", certain: true });
                }
            }
            this.addEdge({ from: id, to: saId, kind: "runs-as", certain: true });
        }
    }

    /**
     * Trust policies that name a stack role or user (by ARN, or by the dependency the engine records when the
     * ARN is unknown) let that principal assume the role without any grant of its own in the same account.
     */
    private linkTrust(role: DecodedNode): void {
        // Principal → whether some statement certainly admits it (its Condition holds, or there is none).
        const trusted = new Map<DecodedNode, boolean>();
        const note = (principal: DecodedNode, certain: boolean) =>
            trusted.set(principal, (trusted.get(principal) ?? false) || certain);
        if (role.trust?.state === "known") {
            for (const statement of allowStatementsOf(role.trust.value)) {
                for (const reference of principalValues(statement, "AWS")) {
                    if (typeof reference !== "string") continue;
                    const principal = this.principalByReference(reference);
                    if (!principal) continue;
                    const admits = evaluateCondition(statement.Condition, this.requesterOf(principal));
                    if (admits !== false) note(principal, admits === true);
                }
            }
        } else {
            // An unknown trust computed from a principal: it may name that principal, unconditionally.
            for (const dep of role.resource.propertyDependencies.assumeRolePolicy ?? []) {
                const principal = this.byUrn.get(dep.urn);
                if (principal?.what.kind === "principal") note(principal, true);
            }
        }
        for (const [principal, certain] of trusted) {
            if (principal === role) continue;
            this.addEdge({
                from: principal.resource.urn,
                to: role.resource.urn,
                kind: "assume",
                permission: `trust policy of ${role.resource.name}`,
                certain,
            });
        }
    }

    /** Edges a principal's own grants create: run-as, push-image, read-secret, tamper, PassRole, AssumeRole. */
    private grantEdges(principal: DecodedNode): ReachEdge[] {
        const permissions = this.options.permissionsOf(principal.resource);
        const edges = new Map<string, ReachEdge>();
        const add = (edge: ReachEdge) => {
            const key = `${edge.to}|${edge.kind}`;
            const existing = edges.get(key);
            // Keep one edge per target and kind: a certain, undirectly judged one wins.
            if (!existing || rank(edge) > rank(existing)) edges.set(key, edge);
        };
        const from = principal.resource.urn;
        const passRoles: { statement: NormalizedStatement; source: string }[] = [];
        const launches = new Map<string, string>();
        const parsed = parseAll(permissions.documents);
        // Unconditional Denies on Resource lists remove the edges they certainly cover (conditional ones may not apply).
        const denies = parsed.flatMap((doc) =>
            doc.statements.filter(
                (st) => st.effect === "Deny" && st.condition === undefined && st.resources !== undefined,
            ),
        );
        // Account-wide actions: Denies on `*`, conditional ones only when the condition is read (metrics).
        const accountDenies = parsed.flatMap((doc) =>
            doc.statements.filter((st) => st.effect === "Deny" && st.resources !== undefined),
        );
        // Denied when every Allow pattern that reached the entry is certainly covered by some Deny. An
        // account-wide action is requested on `*`: only a Deny on `*` covers it.
        const denied = (action: string, entry: TargetEntry, via: readonly string[]): boolean =>
            via.every((allowed) =>
                denies.some(
                    (st) =>
                        statementCovers(st, action) &&
                        (st.resources ?? []).some((pattern) => certainlyCovers(pattern, entry, allowed)),
                ),
            );
        const writesTags = mayWriteSecretTags(parsed.flatMap((doc) => doc.statements));
        for (const { source, statements } of parsed) {
            for (const statement of statements) {
                if (statement.effect !== "Allow") continue;
                // A Condition that certainly excludes the principal itself (its ARN, tags, type) grants it nothing.
                const holds = evaluateCondition(statement.condition, this.requesterOf(principal));
                if (holds === false) continue;
                // Reads limited to resources tagged with given agent ids (ABAC), unless the reader may retag.
                const limit = writesTags
                    ? undefined
                    : agentTagLimit(statement.condition, this.requesterOf(principal));
                const reads = { limit, conditional: holds !== true };
                const grantedBy = `${source} statement ${statement.sid ?? statement.index}`;
                const covers = (action: string) => statementCovers(statement, action);
                for (const action of targetActionsFor(statement)) {
                    if (!covers(action.action)) continue;
                    if (action.accountWide) {
                        const deniedOnStar = accountDenies.some(
                            (st) =>
                                statementCovers(st, action.action) &&
                                (st.resources ?? []).some(isStar) &&
                                (st.condition === undefined || deniesContainmentNamespace(st, action.action)),
                        );
                        if (!deniedOnStar) this.accountWideEdges(from, action, statement, grantedBy, add);
                        continue;
                    }
                    this.targetEdges(from, action, statement, grantedBy, add, denied, reads);
                }
                if (covers(PASS_ROLE)) passRoles.push({ statement, source: grantedBy });
                for (const launch of launchActionsWithPassRole()) {
                    if (covers(launch.action) && !launches.has(launch.action)) {
                        launches.set(launch.action, launch.service ?? "");
                    }
                }
                if (covers("sts:AssumeRole")) this.assumeEdges(from, statement, grantedBy, add);
                if (covers("s3:PutObject") && this.codeByBucket.size > 0) {
                    this.codeEdges(from, statement, grantedBy, add);
                }
            }
        }
        if (launches.size > 0) {
            for (const { statement, source } of passRoles)
                this.passRoleEdges(from, statement, source, launches, add);
        }
        for (const { edge, condition } of [
            ...(this.resourceGrants.get("*") ?? []),
            ...(this.resourceGrants.get(from) ?? []),
        ]) {
            // Only a Condition that certainly excludes this principal removes the grant.
            const admits = evaluateCondition(condition, this.requesterOf(principal));
            if (admits === false) continue;
            add({ ...edge, from, certain: edge.certain && admits === true });
        }
        return [...edges.values()];
    }

    private requesterOf(principal: DecodedNode): RequestingPrincipal {
        let who = this.requesters.get(principal.resource.urn);
        if (!who) this.requesters.set(principal.resource.urn, (who = requestingPrincipal(principal)));
        return who;
    }

    /**
     * A resource policy (core/reach/resource-policies.ts) that names a stack principal or everyone is an edge
     * without any grant of the principal's own: push to a repository, read a secret or key, write code a
     * compute resource runs from a bucket.
     */
    private linkResourcePolicy(policy: DecodedResourcePolicy, repositories: Map<string, DecodedNode>): void {
        const grants = resourcePolicyGrants(policy, {
            targets: (p) => this.policyTargets(p, repositories),
            principal: (reference) => this.principalByReference(reference)?.resource.urn,
            principalResource: (resource) =>
                this.byUrn.get(resource.urn)?.what.kind === "principal" ? resource.urn : undefined,
        });
        for (const { principal, condition, ...rest } of grants) {
            const entry = { edge: { ...rest, from: principal }, condition };
            const list = this.resourceGrants.get(principal);
            if (list) list.push(entry);
            else this.resourceGrants.set(principal, [entry]);
        }
    }

    /**
     * What a resource policy guards: the resource holding it, the one its target property was computed from,
     * or the one its known name, ARN or id names. A policy whose target cannot be resolved may guard any
     * resource of its kind (a guess). For buckets, the code compute runs from that bucket.
     */
    private policyTargets(
        policy: DecodedResourcePolicy,
        repositories: Map<string, DecodedNode>,
    ): PolicyTarget[] {
        if (policy.kind === "s3-bucket") return this.bucketCode(policy);
        const kind = policy.kind;
        const ofKind = (d: DecodedNode | undefined) =>
            d !== undefined &&
            (kind === "image-repository"
                ? d.what.kind === "image-repository"
                : d.what.kind === "secret" && d.what.secret === kind);
        if (policy.self) return [{ urn: policy.resource.urn, certain: true }];
        const found = new Set<string>();
        for (const dep of policy.resource.propertyDependencies[policy.targetProperty] ?? []) {
            if (ofKind(this.byUrn.get(dep.urn))) found.add(dep.urn);
        }
        if (policy.target.state === "known") {
            const value = policy.target.value;
            if (kind === "image-repository") {
                const repo = repositories.get(`name:${value}`);
                if (repo) found.add(repo.resource.urn);
            } else {
                // A secret's ARN ends in `<name>-<6 random characters>`, a key's in `key/<id>`.
                const names = [
                    value,
                    /:secret:(.+)-[A-Za-z0-9]{6}$/.exec(value)?.[1],
                    /:key\/([^/]+)$/.exec(value)?.[1],
                ];
                for (const name of names) {
                    if (name === undefined) continue;
                    for (const urn of this.secretsByReference().get(`${kind}|${name}`) ?? []) found.add(urn);
                }
            }
        }
        if (found.size > 0) return [...found].map((urn) => ({ urn, certain: true }));
        if (policy.target.state === "known") return [];
        return [...this.byUrn.values()].filter(ofKind).map((d) => ({ urn: d.resource.urn, certain: false }));
    }

    private secretRefs: Map<string, string[]> | undefined;

    /** Secrets and keys by `<kind>|<ARN, name or key id>`: what a policy's target property may name. */
    private secretsByReference(): Map<string, string[]> {
        if (this.secretRefs) return this.secretRefs;
        const refs = new Map<string, string[]>();
        for (const d of this.byUrn.values()) {
            if (d.what.kind !== "secret") continue;
            const keyId = stringAt(d.resource, "keyId");
            for (const field of [d.arn, d.cloudName, keyId]) {
                if (field.state !== "known") continue;
                const key = `${d.what.secret}|${field.value}`;
                const list = refs.get(key);
                if (list) list.push(d.resource.urn);
                else refs.set(key, [d.resource.urn]);
            }
        }
        return (this.secretRefs = refs);
    }

    /** The code compute runs from a bucket policy's bucket (any bucket's when it cannot be resolved). */
    private bucketCode(policy: DecodedResourcePolicy): PolicyTarget[] {
        const names = new Set<string>();
        if (policy.self) {
            const own = stringAt(policy.resource, "bucket");
            if (own.state === "known") names.add(own.value);
        } else {
            if (policy.target.state === "known") names.add(policy.target.value);
            for (const dep of policy.resource.propertyDependencies[policy.targetProperty] ?? []) {
                const name = BUCKET_TYPES.includes(dep.type) ? stringAt(dep, "bucket") : undefined;
                if (name?.state === "known") names.add(name.value);
            }
        }
        const resolved = names.size > 0;
        const code = resolved
            ? [...names].flatMap((n) => [
                  ...(this.codeByBucket.get(n) ?? []),
                  ...(this.codeByBucket.get("*") ?? []),
              ])
            : [...this.codeByBucket.values()].flat();
        return code.map((c) => ({
            urn: c.compute.resource.urn,
            certain: resolved && c.certain,
            object: c.pattern,
        }));
    }

    private targetEdges(
        from: string,
        action: TargetAction,
        statement: NormalizedStatement,
        grantedBy: string,
        add: (edge: ReachEdge) => void,
        denied: (action: string, entry: TargetEntry, via: readonly string[]) => boolean,
        reads: { limit: ReadonlySet<string> | undefined; conditional: boolean },
    ): void {
        const secret = action.edge === "read-secret";
        const limit = secret ? reads.limit : undefined;
        // A read under a Condition that may not hold (a request key) is a guess, unless ABAC limits it.
        const sure = !secret || !reads.conditional || limit !== undefined;
        const match = this.targets.match(
            action.target,
            statement.notResources ? undefined : statement.resources,
        );
        const scoped = statement.resources !== undefined && !statement.resources.some(hasWildcard);
        const judgedDirectly =
            action.edge === "read-secret"
                ? grantsEverything(statement)
                : classifyAction(action.action).length > 0 &&
                  !(scoped && RUN_AS_ON_TARGET.has(action.action.toLowerCase()));
        for (const { entry, certain, via } of match.targets) {
            if (denied(action.action, entry, via)) continue;
            // EventBridge rules matter only when they feed automated response (by pattern, tag, name...).
            const mark = this.containment.get(entry.node.resource.urn);
            if ((action.containmentOnly || action.target === "event-rule") && !mark) continue;
            if (limit !== undefined) {
                const owners = agentIdsOf(entry.node.resource);
                if (owners !== undefined && !owners.some((id) => limit.has(id))) continue;
            }
            add({
                from,
                to: entry.node.resource.urn,
                kind: action.edge,
                permission: action.action,
                grantedBy,
                certain: sure && certain && (action.edge !== "tamper" || mark?.certain !== false),
                judgedDirectly,
            });
        }
        // Containment outside the stack is guarded by the agent role's guardrail (by name prefix), not here.
        if (action.containmentOnly) return;
        // ABAC on the reader's untagged identity: the Condition never holds, nothing outside is read.
        if (limit !== undefined && limit.size === 0) return;
        for (const pattern of match.outside) {
            // ABAC-limited reads reach only resources tagged with those ids (credentials.ts reads the suffix).
            const tagged = limit === undefined ? "" : [...limit].sort().join(",");
            const id = `outside:${action.target}:${pattern}${tagged ? `#${tagged}` : ""}`;
            if (!this.nodes.has(id)) {
                const wild = hasWildcard(pattern);
                const which = tagged ? ` tagged ${AGENT_KEY}=${tagged}` : "";
                this.nodes.set(id, {
                    id,
                    label: wild
                        ? `any ${action.target.replace(/-/g, " ")}${which} matching ${pattern}`
                        : `${pattern}${which}`,
                    outside: wild
                        ? `it also covers ${action.target.replace(/-/g, " ")}s outside this stack, which cannot be judged`
                        : "not declared in this stack, so what it runs as or guards cannot be judged",
                });
            }
            add({
                from,
                to: id,
                kind: action.edge,
                permission: action.action,
                grantedBy,
                certain: false,
                judgedDirectly,
            });
        }
    }

    /**
     * An action IAM checks against `*` (logs:PutResourcePolicy, cloudwatch:PutMetricData): granted on `*` or
     * through NotResource, it reaches every containment resource of its kind in the stack.
     */
    private accountWideEdges(
        from: string,
        action: TargetAction,
        statement: NormalizedStatement,
        grantedBy: string,
        add: (edge: ReachEdge) => void,
    ): void {
        const onStar = statement.notResources
            ? !statement.notResources.some(isStar)
            : (statement.resources ?? ["*"]).some(isStar);
        if (!onStar) return;
        if (action.action === "cloudwatch:PutMetricData" && !mayWriteNamespace(statement)) return;
        for (const { entry } of this.targets.match(action.target, undefined).targets) {
            const mark = this.containment.get(entry.node.resource.urn);
            if (!mark) continue;
            add({
                from,
                to: entry.node.resource.urn,
                kind: action.edge,
                permission: action.action,
                grantedBy,
                certain: mark.certain,
                judgedDirectly: classifyAction(action.action).length > 0,
            });
        }
    }

    private tamperWhy(target: GraphNode): string {
        const mark = this.containment.get(target.id);
        if (mark) {
            return mark.certain
                ? `it is automated containment (${mark.why})`
                : `it may be automated containment (${mark.why})`;
        }
        return "it holds the audit record";
    }

    /** s3:PutObject on an object a compute resource runs: the next run executes the writer's code as its role. */
    private codeEdges(
        from: string,
        statement: NormalizedStatement,
        grantedBy: string,
        add: (edge: ReachEdge) => void,
    ): void {
        const patterns = statement.notResources || !statement.resources ? ["*"] : statement.resources;
        for (const pattern of patterns) {
            const bucket = pattern === "*" ? "*" : pattern.replace(/^arn:[^:]*:s3:::/, "").split("/")[0];
            const candidates = hasWildcard(bucket)
                ? [...this.codeByBucket.values()].flat()
                : [...(this.codeByBucket.get(bucket) ?? []), ...(this.codeByBucket.get("*") ?? [])];
            for (const code of candidates) {
                if (!iamGlobsIntersect(pattern, code.pattern)) continue;
                add({
                    from,
                    to: code.compute.resource.urn,
                    kind: "run-as",
                    permission: `s3:PutObject (on its code ${code.pattern})`,
                    grantedBy,
                    certain: code.certain && iamGlobMatches(pattern, code.pattern),
                });
            }
        }
    }

    private passRoleEdges(
        from: string,
        statement: NormalizedStatement,
        grantedBy: string,
        launches: ReadonlyMap<string, string>,
        add: (edge: ReachEdge) => void,
    ): void {
        const match = this.targets.match("role", statement.notResources ? undefined : statement.resources);
        for (const { entry, certain } of match.targets) {
            const launch = [...launches].find(
                ([, service]) => service === "" || trustsService(entry.node, service),
            );
            if (!launch) continue;
            add({
                from,
                to: entry.node.resource.urn,
                kind: "run-as",
                permission: `${PASS_ROLE} + ${launch[0]}`,
                grantedBy,
                certain,
                // iam:PassRole is IAM write on its own: the direct rule reports the agent's own grant.
                judgedDirectly: true,
            });
        }
    }

    private assumeEdges(
        from: string,
        statement: NormalizedStatement,
        grantedBy: string,
        add: (edge: ReachEdge) => void,
    ): void {
        const match = this.targets.match("role", statement.notResources ? undefined : statement.resources);
        const self = this.byUrn.get(from);
        for (const { entry, certain } of match.targets) {
            const admits = trustAdmits(
                entry.node,
                (value) =>
                    self !== undefined &&
                    (this.principalByReference(value) === self ||
                        (self.arn.state === "known" && iamGlobsIntersect(value, self.arn.value))),
                (condition) => (self ? evaluateCondition(condition, this.requesterOf(self)) : "unknown"),
            );
            if (admits === "no") continue;
            add({
                from,
                to: entry.node.resource.urn,
                kind: "assume",
                permission: "sts:AssumeRole",
                grantedBy,
                certain: certain && admits === "yes",
            });
        }
    }
}

const BUCKET_TYPES = ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"];

function rank(edge: ReachEdge): number {
    return (edge.certain ? 2 : 0) + (edge.judgedDirectly ? 0 : 1);
}

function parseAll(
    documents: readonly SourcedDocument[],
): { source: string; statements: NormalizedStatement[] }[] {
    return documents.flatMap((doc) => {
        try {
            return [{ source: doc.source, statements: normalizePolicyDocument(doc.document) }];
        } catch (err) {
            // An invalid document is reported by the grants rule and leaves the principal unjudged (verdict.ts).
            if (err instanceof IamDocumentError) return [];
            throw err;
        }
    });
}

function statementCovers(statement: NormalizedStatement, action: string): boolean {
    if (statement.notActions) return !statement.notActions.some((p) => patternCovers(p, action));
    return (statement.actions ?? []).some((p) => patternCovers(p, action));
}

/** `<account>.dkr.ecr.<region>.amazonaws.com/<repository>[:tag|@digest]` → repository name. */
function ecrRepositoryName(uri: string): string | undefined {
    const match = /^[0-9]{12}\.dkr\.ecr(?:-fips)?\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?\/([^:@]+)/.exec(uri);
    return match?.[1];
}

function trustStatements(role: DecodedNode): Record<string, unknown>[] | undefined {
    // Unknown: it may admit anyone (fail closed). Absent: IAM requires one, so nothing is admitted.
    if (role.trust?.state === "unknown") return undefined;
    return role.trust?.state === "known" ? allowStatementsOf(role.trust.value) : [];
}

function allowStatementsOf(doc: unknown): Record<string, unknown>[] {
    if (doc === null || typeof doc !== "object") return [];
    const raw = (doc as Record<string, unknown>).Statement;
    const list = Array.isArray(raw) ? raw : [raw];
    return list.filter(
        (s): s is Record<string, unknown> =>
            s !== null && typeof s === "object" && (s as Record<string, unknown>).Effect === "Allow",
    );
}

function principalValues(statement: Record<string, unknown>, key: string): unknown[] {
    const principal = statement.Principal;
    if (principal === "*") return ["*"];
    if (principal === null || typeof principal !== "object") return [];
    const value = (principal as Record<string, unknown>)[key];
    return Array.isArray(value) ? value : value === undefined ? [] : [value];
}

/** Whether the role's trust admits a service principal; an unknown trust may (fail closed). */
function trustsService(role: DecodedNode, service: string): boolean {
    const statements = trustStatements(role);
    if (statements === undefined) return true;
    return statements.some((s) =>
        principalValues(s, "Service").some((v) => v === "*" || v === service || typeof v !== "string"),
    );
}

/**
 * Whether a role's trust admits a principal that holds sts:AssumeRole on it: named (by ARN), its whole
 * account (`:root`, an account id), or everyone. A statement whose Condition certainly excludes the
 * principal is skipped; one that may hold admits it only "maybe" (core/iam/conditions.ts).
 */
function trustAdmits(
    role: DecodedNode,
    names: (value: string) => boolean,
    holds: (condition: unknown) => ConditionAnswer,
): "yes" | "maybe" | "no" {
    const statements = trustStatements(role);
    if (statements === undefined) return "maybe";
    let maybe = false;
    for (const statement of statements) {
        let admits: "yes" | "maybe" | "no" = "no";
        if (statement.NotPrincipal !== undefined) admits = "yes";
        for (const value of principalValues(statement, "AWS")) {
            if (admits === "yes") break;
            if (
                value === "*" ||
                (typeof value === "string" && /^(\d{12}|arn:[^:]+:iam::\d{12}:root)$/.test(value))
            ) {
                admits = "yes";
            } else if (typeof value !== "string") admits = "maybe";
            else if (names(value)) admits = "yes";
        }
        if (admits === "no") continue;
        const condition = holds(statement.Condition);
        if (condition === false) continue;
        if (admits === "yes" && condition === true) return "yes";
        maybe = true;
    }
    return maybe ? "maybe" : "no";
}

let actionsByService: Map<string, TargetAction[]> | undefined;

/** The target actions a statement may cover: those of the services its actions name (all for NotAction). */
function targetActionsFor(statement: NormalizedStatement): readonly TargetAction[] {
    if (statement.notActions || !statement.actions) return TARGET_ACTIONS;
    if (!actionsByService) {
        actionsByService = new Map();
        for (const action of TARGET_ACTIONS) {
            const service = action.action.slice(0, action.action.indexOf(":")).toLowerCase();
            const list = actionsByService.get(service);
            if (list) list.push(action);
            else actionsByService.set(service, [action]);
        }
    }
    const out: TargetAction[] = [];
    const seen = new Set<string>();
    for (const pattern of statement.actions) {
        const colon = pattern.indexOf(":");
        const service = colon < 0 ? pattern : pattern.slice(0, colon);
        if (colon < 0 || /[*?]/.test(service)) return TARGET_ACTIONS;
        const key = service.toLowerCase();
        if (seen.has(key)) continue;
        seen.add(key);
        out.push(...(actionsByService.get(key) ?? []));
    }
    // Keep TARGET_ACTIONS' order: the first edge to a target decides nothing, but paths stay stable.
    return out.length === 0 ? out : TARGET_ACTIONS.filter((a) => out.includes(a));
}

/** Every action, or everything but a few: aws-restrict-agent-iam-grants rejects the statement on its own. */
function grantsEverything(statement: NormalizedStatement): boolean {
    return statement.notActions !== undefined || (statement.actions ?? []).some((a) => /^\*(:\*)?$/.test(a));
}

function isStar(pattern: string): boolean {
    return /^\*+$/.test(pattern);
}

/**
 * Whether a conditional Deny of PutMetricData certainly covers containment's namespace: its only condition is
 * StringEquals / StringLike on `cloudwatch:namespace` with a value that matches it.
 */
function deniesContainmentNamespace(statement: NormalizedStatement, action: string): boolean {
    if (action !== "cloudwatch:PutMetricData" || statement.condition === undefined) return false;
    const entries = Object.entries(statement.condition);
    if (entries.length !== 1) return false;
    const [operator, block] = entries[0];
    if (!/^(StringEquals|StringLike)$/.test(operator) || block === null || typeof block !== "object")
        return false;
    const keys = Object.entries(block as Record<string, unknown>);
    if (keys.length !== 1 || keys[0][0].toLowerCase() !== "cloudwatch:namespace") return false;
    const value = keys[0][1];
    const values = (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === "string");
    return values.some((v) =>
        operator === "StringLike"
            ? stringLike(v, CONTAINMENT_METRIC_NAMESPACE)
            : v === CONTAINMENT_METRIC_NAMESPACE,
    );
}

/** IAM's StringLike: case-sensitive, `*` any run, `?` one character. */
function stringLike(pattern: string, value: string): boolean {
    const body = pattern
        .replace(/[.+^${}()|[\]\\/]/g, "\\$&")
        .replace(/\*/g, ".*")
        .replace(/\?/g, ".");
    return new RegExp(`^${body}$`).test(value);
}

/**
 * Whether a PutMetricData grant may write the containment namespace: only a `cloudwatch:namespace` condition
 * (StringEquals / StringLike, without IfExists) that names other namespaces rules it out; any other condition
 * is not evaluated (fail closed).
 */
function mayWriteNamespace(statement: NormalizedStatement): boolean {
    const condition = statement.condition;
    if (condition === undefined) return true;
    for (const [operator, block] of Object.entries(condition)) {
        if (!/^(StringEquals|StringLike)$/.test(operator) || block === null || typeof block !== "object")
            continue;
        for (const [key, value] of Object.entries(block as Record<string, unknown>)) {
            if (key.toLowerCase() !== "cloudwatch:namespace") continue;
            const values = (Array.isArray(value) ? value : [value]).filter(
                (v): v is string => typeof v === "string",
            );
            const like = operator === "StringLike";
            if (
                !values.some((v) =>
                    like
                        ? iamGlobMatches(v, CONTAINMENT_METRIC_NAMESPACE)
                        : v === CONTAINMENT_METRIC_NAMESPACE,
                )
            )
                return false;
        }
    }
    return true;
}
