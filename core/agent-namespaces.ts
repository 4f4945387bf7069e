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

/**
 * Agent identification is one setting for the whole pack, but Pulumi delivers policy config per rule (the
 * `all` key carries only an enforcement level). So every rule must be given the same agentNamespacePatterns
 * (set none to keep the default everywhere); divergent values are a configuration error naming the rules.
 * Returns that error, or undefined when the configs agree.
 */
export function agentIdentityDivergence(
    patternsByRule: ReadonlyMap<string, readonly string[]>,
): string | undefined {
    const key = (patterns: readonly string[]) => JSON.stringify([...new Set(patterns)].sort());
    const groups = new Map<string, string[]>();
    for (const [rule, patterns] of patternsByRule) {
        groups.set(key(patterns), [...(groups.get(key(patterns)) ?? []), rule]);
    }
    if (groups.size <= 1) return undefined;
    const listed = [...groups].map(([patterns, rules]) => `${rules.join(", ")}: ${patterns}`).join("; ");
    return `agentNamespacePatterns must be the same for every rule, because it decides which namespaces are agent namespaces for the whole pack (and must match AgentGuardrailsBaseline's agentNamespacePatterns); got ${listed}. Set the same list on every rule that sets it.`;
}
