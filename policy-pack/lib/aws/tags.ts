import { AGENT_LABEL } from "../agent-namespaces";
import type { ResourceNode } from "../stack-model";
import { isUnknown } from "../unknowns";

export const AGENT_TAG = AGENT_LABEL;

export type AgentTagState = "tagged" | "untagged" | "unknown";

/**
 * Whether `tags` or `tagsAll` carries `agentguard.io/agent`. Keys are compared without case, so that a
 * look-alike key cannot dodge the rules; an unknown tag map is reported as such.
 */
export function agentTagState(node: ResourceNode): AgentTagState {
    let unknown = false;
    for (const key of ["tags", "tagsAll"]) {
        const tags = node.props[key];
        if (isUnknown(tags)) {
            unknown = true;
            continue;
        }
        if (tags === null || typeof tags !== "object") continue;
        if (Object.keys(tags).some((k) => k.trim().toLowerCase() === AGENT_TAG)) return "tagged";
    }
    return unknown ? "unknown" : "untagged";
}
