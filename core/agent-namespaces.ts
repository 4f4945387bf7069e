import { AGENT_KEY } from "./metadata-keys";

/** The label (any value) that makes a Namespace an agent namespace, for the pack and the baseline alike. */
export const AGENT_LABEL = AGENT_KEY;

/**
 * Namespace-name globs (`*` = any run of characters) that make a namespace an agent namespace when nothing
 * is configured, besides the `agentguard.io/agent` label. The policy pack's `agentNamespacePatterns` and
 * AgentGuardrailsBaseline's both default to this one list, so the deploy-time and the admission view of
 * who is an agent cannot drift apart; AgentRuntime's `agent-<agentId>` namespaces match it.
 */
export const DEFAULT_AGENT_NAMESPACE_PATTERNS: readonly string[] = Object.freeze(["agent-*"]);
