import { readAgentguardConfig, type AgentguardConfig } from "../../policy-pack/lib/config";
import type { PolicyConfig } from "../pack/policy-config";

/**
 * The agent identification the pack would use under a policy config (`--config`, as for check): the
 * `agentNamespacePatterns` of every policy that sets them. Policies that disagree are merged (the union
 * identifies more agents: a report must not miss one that some rule treats as an agent).
 */
export function agentConfigFrom(
    configs: Readonly<Record<string, PolicyConfig>> | undefined,
): AgentguardConfig {
    const patterns = new Set<string>();
    for (const config of Object.values(configs ?? {})) {
        const value = config.properties?.agentNamespacePatterns;
        if (value === undefined) continue;
        const checked = readAgentguardConfig({ agentNamespacePatterns: value });
        checked.agentNamespacePatterns.forEach((p) => patterns.add(p));
    }
    return readAgentguardConfig(patterns.size > 0 ? { agentNamespacePatterns: [...patterns] } : {});
}
