import type { AgentNamespaces } from "../../../core/stack/agent-namespaces";
import type { ResourceNode, StackModel } from "../../../core/stack/stack-model";
import { placementOf, type Placement } from "../../../core/kubernetes/placement";
import { isUnknown } from "../unknowns";
import { addAmounts, type GpuRequests } from "./quotas";

const LIMIT_RANGE_TYPES = ["kubernetes:core/v1:LimitRange", "kubernetes:core/v1:LimitRangePatch"];

/**
 * A LimitRange in a (possibly) agent namespace whose `default` or `defaultRequest` gives accelerators (or
 * other extended resources) to every container that does not set them: the pods ask for GPUs without a
 * line of their own saying so. `max` and `min` bound one container, never the namespace, so they cap nothing.
 */
export interface LimitRangeGrant {
    readonly node: ResourceNode;
    readonly placement: Placement;
    readonly requests: GpuRequests;
}

export function limitRangeGrants(model: StackModel, agents: AgentNamespaces): LimitRangeGrant[] {
    const grants: LimitRangeGrant[] = [];
    for (const node of model.ofType(...LIMIT_RANGE_TYPES)) {
        const placement = placementOf(node, agents);
        if (placement.known && !placement.agent) continue;
        const requests: GpuRequests = { gpus: [], names: [], unknown: [] };
        const spec = node.props.spec;
        const limits = isUnknown(spec) ? spec : (spec as Record<string, unknown> | undefined)?.limits;
        if (isUnknown(limits)) requests.unknown.push("spec.limits");
        else if (Array.isArray(limits)) {
            limits.forEach((item, i) => {
                const at = `spec.limits[${i}]`;
                if (isUnknown(item)) return void requests.unknown.push(at);
                if (item === null || typeof item !== "object") return;
                for (const key of ["default", "defaultRequest"]) {
                    const amounts = (item as Record<string, unknown>)[key];
                    addAmounts(
                        amounts,
                        `${at}.${key}`,
                        requests,
                        `by default from LimitRange ${node.name}'s ${at}.${key}`,
                    );
                }
            });
        }
        if (requests.names.length > 0 || requests.unknown.length > 0)
            grants.push({ node, placement, requests });
    }
    return grants;
}
