import { AgentNamespaces } from "../../../core/stack/agent-namespaces";
import { quotaCapsByNamespace } from "../../lib/kubernetes/quotas";
import { defineStackRule, type Finding } from "../../lib/rule";

export const kubernetesRequireResourceQuota = defineStackRule(
    {
        name: "kubernetes-require-resource-quota",
        description:
            "Agent namespaces declared in the stack should have an unscoped ResourceQuota capping GPU requests, CPU and memory, so a runaway agent cannot take the cluster's compute.",
        enforcementLevel: "advisory",
        severity: "medium",
        remediationSteps:
            'Add a ResourceQuota without scopes to the agent namespace with hard limits on `requests.nvidia.com/gpu` ("0" when the agent needs none), `limits.cpu` or `requests.cpu`, and `limits.memory` or `requests.memory`.',
    },
    (model, config) => {
        const agents = AgentNamespaces.of(model, config.agentNamespacePatterns);
        const caps = quotaCapsByNamespace(model, agents);
        const findings: Finding[] = [];
        for (const { name, node } of agents.declaredAgentNamespaces()) {
            const cap = caps.get(name);
            const missing = (["gpu", "cpu", "memory"] as const).filter((k) => !cap?.[k]);
            if (missing.length === 0) continue;
            const unknown = cap?.unknown.length ? ` (${cap.unknown.join("; ")})` : "";
            findings.push({
                urn: node.urn,
                name: node.name,
                message: `Agent namespace ${name} has no ResourceQuota capping ${missing.join(", ")}${unknown}. Add an unscoped ResourceQuota with hard limits for them.`,
            });
        }
        return findings;
    },
);
