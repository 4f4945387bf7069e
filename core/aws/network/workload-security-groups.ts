import type { ResourceNode, StackModel } from "../../stack/stack-model";
import { isUnknown } from "../../unknowns";
import { AGENT_TAG, agentTagState, type AgentTagState } from "../tags";
import { DEFAULT_AGENT_NAMESPACE_PATTERNS } from "../../agent-namespaces";
import { AgentNamespaces } from "../../stack/agent-namespaces";
import { placementOf } from "../../kubernetes/placement";

/** EKS security groups for pods: the pods a SecurityGroupPolicy selects run in the groups it names. */
const SECURITY_GROUP_POLICY = /^kubernetes:vpcresources\.k8s\.aws\/[^:]+:SecurityGroupPolicy$/;

const TASK_DEFINITION_TYPE = "aws:ecs/taskDefinition:TaskDefinition";

/** Where a workload names its security groups: top-level property, path below it, and id or name. */
interface GroupField {
    readonly path: readonly string[];
    readonly by: "id" | "name" | "id-or-name";
}

/** Workloads whose code runs inside the security groups they name (`[]` steps into an array). */
export const WORKLOAD_GROUP_FIELDS: Readonly<Record<string, readonly GroupField[]>> = {
    "aws:ec2/instance:Instance": [
        { path: ["vpcSecurityGroupIds"], by: "id" },
        { path: ["securityGroups"], by: "id-or-name" },
    ],
    "aws:lambda/function:Function": [{ path: ["vpcConfig", "securityGroupIds"], by: "id" }],
    "aws:ecs/service:Service": [{ path: ["networkConfiguration", "securityGroups"], by: "id" }],
    "aws:ec2/launchTemplate:LaunchTemplate": [
        { path: ["vpcSecurityGroupIds"], by: "id" },
        { path: ["securityGroupNames"], by: "name" },
        { path: ["networkInterfaces", "[]", "securityGroups"], by: "id" },
    ],
    // Other compute that runs the agent's code (or carries its traffic) in the stack's subnets.
    "aws:ec2/networkInterface:NetworkInterface": [{ path: ["securityGroups"], by: "id" }],
    "aws:ecs/taskSet:TaskSet": [{ path: ["networkConfiguration", "securityGroups"], by: "id" }],
    "aws:batch/computeEnvironment:ComputeEnvironment": [
        { path: ["computeResources", "securityGroupIds"], by: "id" },
    ],
    "aws:emr/cluster:Cluster": [
        { path: ["ec2Attributes", "emrManagedMasterSecurityGroup"], by: "id" },
        { path: ["ec2Attributes", "emrManagedSlaveSecurityGroup"], by: "id" },
        { path: ["ec2Attributes", "serviceAccessSecurityGroup"], by: "id" },
    ],
    "aws:glue/connection:Connection": [
        { path: ["physicalConnectionRequirements", "securityGroupIdLists"], by: "id" },
    ],
    "aws:glue/devEndpoint:DevEndpoint": [{ path: ["securityGroupIds"], by: "id" }],
    "aws:sagemaker/notebookInstance:NotebookInstance": [{ path: ["securityGroups"], by: "id" }],
    "aws:sagemaker/domain:Domain": [{ path: ["defaultUserSettings", "securityGroups"], by: "id" }],
    "aws:codebuild/project:Project": [{ path: ["vpcConfig", "securityGroupIds"], by: "id" }],
    "aws:apprunner/vpcConnector:VpcConnector": [{ path: ["securityGroups"], by: "id" }],
    "aws:bedrock/agentcoreAgentRuntime:AgentcoreAgentRuntime": [
        { path: ["networkConfiguration", "networkModeConfig", "securityGroups"], by: "id" },
    ],
};

/** Finds security groups of this stack by their id or name (ids are unknown during preview). */
export interface GroupFinder {
    readonly groupTypes: ReadonlySet<string>;
    byId(id: string): ResourceNode | undefined;
    byName(name: string): ResourceNode | undefined;
}

export interface WorkloadUse {
    readonly workload: ResourceNode;
    /** True when the workload's own tags are unknown, so it is only possibly an agent workload. */
    readonly possible: boolean;
}

export interface WorkloadGroups {
    /** Agent (or possibly agent) workloads using each security group, by the group's URN. */
    readonly usedBy: ReadonlyMap<string, WorkloadUse[]>;
    /** References of agent workloads that cannot be joined to a group of this stack. */
    readonly unjoined: readonly { readonly workload: ResourceNode; readonly why: string }[];
}

/**
 * The security groups agent workloads run in: those groups guard the agent's traffic whatever their own
 * tags say. Joined through property dependencies (the group ids are unknown during preview), then by id or
 * name; an unknown reference that no dependency explains is reported, so that it cannot hide a group.
 */
export function workloadSecurityGroups(
    model: StackModel,
    groups: GroupFinder,
    agentNamespacePatterns: readonly string[] = DEFAULT_AGENT_NAMESPACE_PATTERNS,
): WorkloadGroups {
    const usedBy = new Map<string, WorkloadUse[]>();
    const unjoined: { workload: ResourceNode; why: string }[] = [];
    const agents = AgentNamespaces.of(model, agentNamespacePatterns);
    // A SecurityGroupPolicy of an agent namespace puts agent pods in its groups (a namespace unknown may be one).
    for (const policy of model.resources.filter((r) => SECURITY_GROUP_POLICY.test(r.type))) {
        const placement = placementOf(policy, agents);
        if (placement.known && !placement.agent) continue;
        const refs = podPolicyGroups(policy, groups);
        for (const why of refs.unjoined) unjoined.push({ workload: policy, why });
        for (const group of refs.groups) {
            const uses = usedBy.get(group.urn) ?? [];
            uses.push({ workload: policy, possible: !placement.known });
            usedBy.set(group.urn, uses);
        }
    }
    for (const type of Object.keys(WORKLOAD_GROUP_FIELDS)) {
        for (const workload of model.ofType(type)) {
            const state = workloadAgentState(workload);
            if (state === "untagged") continue;
            const refs = groupsOfWorkload(workload, groups);
            if (refs === undefined) continue;
            if (state === "tagged") for (const why of refs.unjoined) unjoined.push({ workload, why });
            for (const group of refs.groups) {
                const uses = usedBy.get(group.urn) ?? [];
                uses.push({ workload, possible: state === "unknown" });
                usedBy.set(group.urn, uses);
            }
        }
    }
    return { usedBy, unjoined };
}

/** The groups a SecurityGroupPolicy names in spec.securityGroups.groupIds, joined by dependency or id. */
function podPolicyGroups(
    policy: ResourceNode,
    groups: GroupFinder,
): { groups: ResourceNode[]; unjoined: string[] } {
    const spec = policy.props.spec;
    const values = collect(spec, ["securityGroups", "groupIds"]);
    const found = new Set<ResourceNode>();
    let unknown = 0;
    for (const v of values) {
        const group = typeof v === "string" && !isUnknown(v) ? groups.byId(v) : undefined;
        if (group) found.add(group);
        else if (typeof v !== "string" || isUnknown(v)) unknown++;
    }
    const linked = (policy.propertyDependencies.spec ?? []).filter((n) => groups.groupTypes.has(n.type));
    for (const group of linked) found.add(group);
    const unjoined =
        unknown > linked.length
            ? [
                  `${unknown - linked.length} security group reference(s) in spec.securityGroups.groupIds are unknown and not linked to a SecurityGroup in this stack`,
              ]
            : [];
    return { groups: [...found], unjoined };
}

/** The security groups one workload names, and why some references cannot be joined. */
export interface WorkloadGroupRefs {
    /** Groups of this stack, joined by property dependency, id or name. */
    readonly groups: readonly ResourceNode[];
    /** Known ids or names of groups that are not declared in this stack (judged where they are). */
    readonly outside: readonly string[];
    /** Unknown references no property dependency explains, one text per field. */
    readonly unjoined: readonly string[];
    /** Whether the workload names any group at all. */
    readonly named: boolean;
}

/**
 * The security groups a workload of a kind in WORKLOAD_GROUP_FIELDS names (undefined for other kinds).
 * Joined through property dependencies (the group ids are unknown during preview), then by id or name.
 */
export function groupsOfWorkload(workload: ResourceNode, groups: GroupFinder): WorkloadGroupRefs | undefined {
    const fields = WORKLOAD_GROUP_FIELDS[workload.type];
    if (!fields) return undefined;
    const found = new Set<ResourceNode>();
    const outside: string[] = [];
    const unjoined: string[] = [];
    let named = false;
    for (const field of fields) {
        const values = collect(workload.props[field.path[0]], field.path.slice(1));
        if (values.length > 0) named = true;
        const unknown = values.filter((v) => typeof v !== "string" || isUnknown(v)).length;
        for (const v of values) {
            if (typeof v !== "string" || isUnknown(v)) continue;
            const group =
                (field.by !== "name" ? groups.byId(v) : undefined) ??
                (field.by !== "id" ? groups.byName(v) : undefined);
            if (group) found.add(group);
            else outside.push(v); // a group of another stack, judged there
        }
        if (unknown === 0) continue;
        const linked = (workload.propertyDependencies[field.path[0]] ?? []).filter((n) =>
            groups.groupTypes.has(n.type),
        );
        for (const group of linked) found.add(group);
        if (linked.length < unknown) {
            unjoined.push(
                `${unknown - linked.length} security group reference(s) in ${field.path.filter((p) => p !== "[]").join(".")} are unknown and not linked to a SecurityGroup in this stack`,
            );
        }
    }
    return { groups: [...found], outside, unjoined, named };
}

/**
 * A workload's own agent tag; a launch template also marks what it launches through tagSpecifications, and
 * an ECS service runs the agent when its task definition is agent-tagged.
 */
export function workloadAgentState(workload: ResourceNode): AgentTagState {
    const own = agentTagState(workload);
    if (own === "tagged") return own;
    const specs = workload.props.tagSpecifications;
    if (Array.isArray(specs)) {
        for (const spec of specs) {
            const tags = ((spec ?? {}) as Record<string, unknown>).tags;
            if (tags && typeof tags === "object" && Object.keys(tags).some(isAgentKey)) return "tagged";
        }
    }
    const tasks = (workload.propertyDependencies.taskDefinition ?? []).filter(
        (n) => n.type === TASK_DEFINITION_TYPE,
    );
    if (tasks.some((t) => agentTagState(t) === "tagged")) return "tagged";
    const unknownSpecs = isUnknown(specs) || (Array.isArray(specs) && specs.some(isUnknownTags));
    return own === "unknown" || unknownSpecs ? "unknown" : "untagged";
}

function isAgentKey(key: string): boolean {
    return key.trim().toLowerCase() === AGENT_TAG;
}

function isUnknownTags(spec: unknown): boolean {
    return isUnknown(spec) || isUnknown(((spec ?? {}) as Record<string, unknown>).tags);
}

/** The leaf values under `path`; an unknown container counts as one unknown leaf. */
function collect(value: unknown, path: readonly string[]): unknown[] {
    if (value === undefined || value === null) return [];
    if (isUnknown(value)) return [value];
    if (path.length === 0)
        return Array.isArray(value) ? value.filter((v) => v !== null && v !== undefined) : [value];
    const [step, ...rest] = path;
    if (step === "[]") return Array.isArray(value) ? value.flatMap((v) => collect(v, rest)) : [];
    if (typeof value !== "object" || Array.isArray(value)) return [];
    return collect((value as Record<string, unknown>)[step], rest);
}
