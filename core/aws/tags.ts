import { AGENT_LABEL } from "../stack/agent-namespaces";
import type { ResourceNode } from "../stack/stack-model";
import { isUnknown } from "../unknowns";

export const AGENT_TAG = AGENT_LABEL;
export const AWS_PROVIDER_TYPE = "pulumi:providers:aws";

export type AgentTagState = "tagged" | "untagged" | "unknown";

/** The tag state and, when the provider decides it, which provider (for messages). */
export interface AgentTag {
    readonly state: AgentTagState;
    /** Set when the tag (or the unknown) comes from the aws provider's `defaultTags`. */
    readonly viaProvider?: string;
}

/**
 * Whether `tags`, `tagsAll` or the aws provider's `defaultTags.tags` (which the provider applies to every
 * resource it manages) carries `agentguard.io/agent`. Keys are compared without case, so that a
 * look-alike key cannot dodge the rules; an unknown tag map is reported as such.
 */
export function agentTag(node: ResourceNode): AgentTag {
    let unknown = false;
    for (const key of ["tags", "tagsAll"]) {
        const state = tagMapState(node.props[key]);
        if (state === "tagged") return { state };
        if (state === "unknown") unknown = true;
    }
    const provider = node.provider;
    if (provider?.type === AWS_PROVIDER_TYPE) {
        const state = defaultTagsState(provider.props.defaultTags);
        if (state === "tagged") return { state, viaProvider: provider.name };
        if (state === "unknown" && !unknown) return { state, viaProvider: provider.name };
    }
    return { state: unknown ? "unknown" : "untagged" };
}

export function agentTagState(node: ResourceNode): AgentTagState {
    return agentTag(node).state;
}

/** Why a node is (or may be) agent-tagged, for messages. */
export function describeAgentTag(tag: AgentTag): string {
    const key = AGENT_TAG;
    if (tag.state === "tagged") {
        return tag.viaProvider
            ? `its aws provider ${tag.viaProvider} tags it ${key} through defaultTags`
            : `it is tagged ${key}`;
    }
    return tag.viaProvider
        ? `the defaultTags of its aws provider ${tag.viaProvider} are unknown during preview`
        : "its tags are unknown during preview";
}

function tagMapState(tags: unknown): AgentTagState {
    if (isUnknown(tags)) return "unknown";
    if (tags === null || typeof tags !== "object") return "untagged";
    return Object.keys(tags).some((k) => k.trim().toLowerCase() === AGENT_TAG) ? "tagged" : "untagged";
}

/**
 * The aws provider serialises `defaultTags` as a JSON string (`{"tags":{...}}`); an object is accepted too.
 * Anything unreadable counts as unknown: it may carry the tag.
 */
function defaultTagsState(value: unknown): AgentTagState {
    if (value === undefined || value === null || value === "") return "untagged";
    if (isUnknown(value)) return "unknown";
    let parsed: unknown = value;
    if (typeof value === "string") {
        try {
            parsed = JSON.parse(value);
        } catch {
            return "unknown";
        }
    }
    if (parsed === null || typeof parsed !== "object") return "untagged";
    const tags = (parsed as Record<string, unknown>).tags;
    if (tags === undefined || tags === null) return "untagged";
    return tagMapState(tags);
}
