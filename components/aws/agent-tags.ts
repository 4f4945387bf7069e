import { AGENT_KEY, OWNER_KEY, RISK_TIER_KEY } from "../../core/metadata-keys";
import { type RiskTier, fail } from "../args";

/** As AgentRuntime's (`agent-<agentId>` is a namespace name), so one id names an agent on both platforms. */
export const AGENT_ID_MAX_LENGTH = 57;

export const AGENT_TAG = AGENT_KEY;
export const OWNER_TAG = OWNER_KEY;
export const RISK_TIER_TAG = RISK_TIER_KEY;
const RESERVED_PREFIXES = ["agentguard.io/", "aws:"];

/**
 * The agent identification tags (a contract with the policy pack) merged over the caller's extra tags.
 * Extra tags may not use agentguard.io/ (they would forge or hide identification) nor aws: (reserved).
 */
export function agentTags(
    component: string,
    identity: { agentId: string; owner: string; riskTier: RiskTier },
    extra: unknown,
): Record<string, string> {
    const tags: Record<string, string> = {};
    if (extra !== undefined) {
        if (extra === null || typeof extra !== "object" || Array.isArray(extra)) {
            fail(component, "tags", extra, "expected a map of tag keys to string values");
        }
        for (const [key, value] of Object.entries(extra as Record<string, unknown>)) {
            if (RESERVED_PREFIXES.some((p) => key.toLowerCase().startsWith(p))) {
                fail(
                    component,
                    `tags["${key}"]`,
                    value,
                    `tag keys under ${RESERVED_PREFIXES.join(" and ")} are reserved`,
                );
            }
            if (typeof value !== "string")
                fail(component, `tags["${key}"]`, value, "tag values must be strings");
            tags[key] = value;
        }
    }
    tags[AGENT_TAG] = identity.agentId;
    tags[OWNER_TAG] = identity.owner;
    tags[RISK_TIER_TAG] = String(identity.riskTier);
    return tags;
}
