import type { ResourceNode, StackModel } from "../stack/stack-model";
import { isUnknown } from "../unknowns";
import { rawAt } from "../reach/resource";
import type { RoleLookup } from "./iam-entity-lookup";
import { agentTagState } from "./tags";

export const INSTANCE_PROFILE_TYPE = "aws:iam/instanceProfile:InstanceProfile";

/**
 * How a workload names the role its code runs as: a property path (`a.b`, nested objects or one-element
 * lists), whether it names an instance profile, and whether the value is a JSON string holding the key.
 */
interface RoleProperty {
    readonly path: string;
    readonly viaInstanceProfile?: boolean;
    /** The property is a JSON string (Batch container properties); the role is its `jsonKey`. */
    readonly jsonKey?: string;
}

/** Agent-tagged workloads and the properties that name the role their code runs as. */
const WORKLOAD_ROLE_PROPERTIES: Readonly<Record<string, readonly RoleProperty[]>> = {
    "aws:ec2/instance:Instance": [{ path: "iamInstanceProfile", viaInstanceProfile: true }],
    "aws:ec2/launchTemplate:LaunchTemplate": [
        { path: "iamInstanceProfile.arn", viaInstanceProfile: true },
        { path: "iamInstanceProfile.name", viaInstanceProfile: true },
    ],
    "aws:ecs/taskDefinition:TaskDefinition": [{ path: "taskRoleArn" }],
    "aws:lambda/function:Function": [{ path: "role" }],
    "aws:codebuild/project:Project": [{ path: "serviceRole" }],
    "aws:bedrock/agentAgent:AgentAgent": [{ path: "agentResourceRoleArn" }],
    "aws:sfn/stateMachine:StateMachine": [{ path: "roleArn" }],
    "aws:batch/jobDefinition:JobDefinition": [
        { path: "containerProperties", jsonKey: "jobRoleArn" },
        { path: "ecsProperties", jsonKey: "taskProperties" },
    ],
    "aws:sagemaker/notebookInstance:NotebookInstance": [{ path: "roleArn" }],
    "aws:apprunner/service:Service": [{ path: "instanceConfiguration.instanceRoleArn" }],
    "aws:glue/job:Job": [{ path: "roleArn" }],
    "aws:glue/devEndpoint:DevEndpoint": [{ path: "roleArn" }],
    "aws:sagemaker/domain:Domain": [{ path: "defaultUserSettings.executionRole" }],
    "aws:emr/cluster:Cluster": [{ path: "ec2Attributes.instanceProfile", viaInstanceProfile: true }],
    "aws:batch/computeEnvironment:ComputeEnvironment": [
        { path: "computeResources.instanceRole", viaInstanceProfile: true },
    ],
};

/** A role an agent-tagged workload runs as, with the workload that makes it an agent role. */
export interface WorkloadRoleBinding {
    readonly role: ResourceNode;
    readonly workload: ResourceNode;
    /** `unknown`: the workload's tags (or its provider's defaultTags) are unknown during preview. */
    readonly tag: "tagged" | "unknown";
}

/**
 * Roles that agent-tagged workloads (EC2 instances and launch templates through their instance profile,
 * ECS tasks, Lambda functions, CodeBuild projects, Bedrock agents, Step Functions, Batch jobs, SageMaker
 * notebooks, App Runner services) run as: the agent's code holds those credentials, so they are agent
 * roles whatever their tags. Roles are joined by property dependency (top-level property: that is where
 * the engine records it) or by known ARN or name.
 */
export function workloadRoleBindings(model: StackModel, roles: RoleLookup): WorkloadRoleBinding[] {
    const profiles = new ProfileLookup(model.ofType(INSTANCE_PROFILE_TYPE));
    const out: WorkloadRoleBinding[] = [];
    for (const [type, properties] of Object.entries(WORKLOAD_ROLE_PROPERTIES)) {
        for (const workload of model.ofType(type)) {
            const tag = agentTagState(workload);
            if (tag === "untagged") continue;
            const bound = new Set<ResourceNode>();
            for (const property of properties) {
                const top = property.path.split(".")[0];
                const value = property.jsonKey
                    ? jsonRoleValues(workload.props[top], property.jsonKey)
                    : rawAt(workload.props, property.path);
                const linkedOnly = value === undefined || value === null;
                // The dependency is recorded on the top-level property, so it joins even when the value is unknown.
                if (property.viaInstanceProfile) {
                    for (const profile of profiles.resolve(workload, top, linkedOnly ? undefined : value)) {
                        for (const role of roles.resolve(profile, "role", profile.props.role))
                            bound.add(role);
                    }
                } else {
                    for (const role of roles.resolve(workload, top, linkedOnly ? [] : value)) bound.add(role);
                }
            }
            for (const role of bound) out.push({ role, workload, tag });
        }
    }
    return out;
}

/**
 * Role references inside a JSON string property: `jobRoleArn` (and `executionRoleArn` is not the
 * code's role) of container properties, or the `taskRoleArn`s of ECS properties' task list.
 */
function jsonRoleValues(raw: unknown, key: string): string[] | undefined {
    if (typeof raw !== "string" || isUnknown(raw)) return undefined;
    let parsed: unknown;
    try {
        parsed = JSON.parse(raw);
    } catch {
        return undefined;
    }
    if (parsed === null || typeof parsed !== "object") return undefined;
    const record = parsed as Record<string, unknown>;
    if (key === "taskProperties") {
        const tasks = Array.isArray(record.taskProperties) ? record.taskProperties : [];
        return tasks.flatMap((t: unknown) => {
            const arn = t && typeof t === "object" ? (t as Record<string, unknown>).taskRoleArn : undefined;
            return typeof arn === "string" ? [arn] : [];
        });
    }
    const value = record[key];
    return typeof value === "string" ? [value] : undefined;
}

class ProfileLookup {
    private readonly byName = new Map<string, ResourceNode>();
    private readonly byArn = new Map<string, ResourceNode>();

    constructor(profiles: readonly ResourceNode[]) {
        for (const profile of profiles) {
            const { name, arn } = profile.props;
            if (typeof name === "string" && !isUnknown(name)) this.byName.set(name, profile);
            if (typeof arn === "string" && !isUnknown(arn)) this.byArn.set(arn, profile);
        }
    }

    resolve(node: ResourceNode, key: string, value: unknown): ResourceNode[] {
        const linked = (node.propertyDependencies[key] ?? []).filter((n) => n.type === INSTANCE_PROFILE_TYPE);
        if (linked.length > 0) return linked;
        if (typeof value !== "string") return [];
        const name = /^arn:[^:]+:iam::[^:]*:instance-profile\/(?:.*\/)?([^/]+)$/.exec(value)?.[1];
        const known = this.byArn.get(value) ?? this.byName.get(name ?? value);
        return known ? [known] : [];
    }
}
