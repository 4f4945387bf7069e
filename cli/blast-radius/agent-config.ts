import { readAgentguardConfig, type AgentguardConfig } from "../../core/stack/config";
import type { PolicyConfig } from "../pack/policy-config";

/**
 * The agent identification the pack would use under a policy config (`--config`, as for check): the
 * `agentNamespacePatterns` of every policy that sets them. Policies that disagree are merged (the union
 * identifies more agents: a report must not miss one that some rule treats as an agent); the public
 * egress budget is the smallest any policy sets.
 */
export function agentConfigFrom(
    configs: Readonly<Record<string, PolicyConfig>> | undefined,
): AgentguardConfig {
    const patterns = new Set<string>();
    const budgets: number[] = [];
    for (const config of Object.values(configs ?? {})) {
        const { agentNamespacePatterns, maxPublicEgressAddresses } = config.properties ?? {};
        // Read through the pack's own reader, so a bad value fails with the pack's message.
        const checked = readAgentguardConfig({ agentNamespacePatterns, maxPublicEgressAddresses });
        if (agentNamespacePatterns !== undefined)
            checked.agentNamespacePatterns.forEach((p) => patterns.add(p));
        if (maxPublicEgressAddresses !== undefined) budgets.push(checked.maxPublicEgressAddresses);
    }
    return readAgentguardConfig({
        ...(patterns.size > 0 && { agentNamespacePatterns: [...patterns] }),
        ...(budgets.length > 0 && { maxPublicEgressAddresses: Math.min(...budgets) }),
    });
}
