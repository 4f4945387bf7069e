import type { ResourceNode, StackModel } from "../stack-model";
import { isUnknown } from "../unknowns";
import type { RoleLookup } from "./agent-roles";
import { agentTagState } from "./tags";

export const INSTANCE_PROFILE_TYPE = "aws:iam/instanceProfile:InstanceProfile";

/** Agent-tagged workloads and the property that names the role their code runs as. */
const WORKLOAD_ROLE_PROPERTIES: Readonly<Record<string, { key: string; viaInstanceProfile: boolean }>> = {
    "aws:ec2/instance:Instance": { key: "iamInstanceProfile", viaInstanceProfile: true },
    "aws:ecs/taskDefinition:TaskDefinition": { key: "taskRoleArn", viaInstanceProfile: false },
    "aws:lambda/function:Function": { key: "role", viaInstanceProfile: false },
};

/** A role an agent-tagged workload runs as, with the workload that makes it an agent role. */
export interface WorkloadRoleBinding {
    readonly role: ResourceNode;
    readonly workload: ResourceNode;
}

/**
 * Roles that agent-tagged EC2 instances (through their instance profile), ECS task definitions and Lambda
 * functions run as: the agent's code holds those credentials, so they are agent roles whatever their tags.
 */
export function workloadRoleBindings(model: StackModel, roles: RoleLookup): WorkloadRoleBinding[] {
    const profiles = new ProfileLookup(model.ofType(INSTANCE_PROFILE_TYPE));
    const out: WorkloadRoleBinding[] = [];
    for (const [type, { key, viaInstanceProfile }] of Object.entries(WORKLOAD_ROLE_PROPERTIES)) {
        for (const workload of model.ofType(type)) {
            if (agentTagState(workload) !== "tagged") continue;
            const value = workload.props[key];
            if (value === undefined || value === null) continue;
            const bound = viaInstanceProfile
                ? profiles
                      .resolve(workload, key, value)
                      .flatMap((p) => roles.resolve(p, "role", p.props.role))
                : roles.resolve(workload, key, value);
            for (const role of bound) out.push({ role, workload });
        }
    }
    return out;
}

class ProfileLookup {
    private readonly byName = new Map<string, ResourceNode>();

    constructor(profiles: readonly ResourceNode[]) {
        for (const profile of profiles) {
            const name = profile.props.name;
            if (typeof name === "string" && !isUnknown(name)) this.byName.set(name, profile);
        }
    }

    resolve(node: ResourceNode, key: string, value: unknown): ResourceNode[] {
        const linked = (node.propertyDependencies[key] ?? []).filter((n) => n.type === INSTANCE_PROFILE_TYPE);
        if (linked.length > 0) return linked;
        const known = typeof value === "string" ? this.byName.get(value) : undefined;
        return known ? [known] : [];
    }
}
