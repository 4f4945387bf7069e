/**
 * The label and tag keys agentguard's contract names (DESIGN.md), one definition for the components that
 * write them and the pack and CLI that read them.
 */

/** Marks an agent namespace (label, any value) or an agent AWS resource (tag). */
export const AGENT_KEY = "agentguard.io/agent";
/** The owning team's id, label-safe. */
export const OWNER_KEY = "agentguard.io/owner";
/** `1`, `2` or `3`. */
export const RISK_TIER_KEY = "agentguard.io/risk-tier";
