import { AgentNamespaces } from "../../lib/agent-namespaces";
import { placementOf } from "../../lib/kubernetes/placement";
import { gpuRequests, quotaCapsByNamespace } from "../../lib/kubernetes/quotas";
import { WORKLOAD_TYPES } from "../../lib/kubernetes/types";
import { kindOf, podSpecOf } from "../../lib/kubernetes/workloads";
import { defineStackRule, type Finding } from "../../lib/rule";

export const kubernetesRequireGpuQuota = defineStackRule(
    {
        name: "kubernetes-require-gpu-quota",
        description:
            "A workload that requests GPUs in an agent namespace must be capped by an unscoped ResourceQuota on GPU requests in that namespace.",
        enforcementLevel: "mandatory",
        severity: "high",
        remediationSteps:
            "Add a ResourceQuota without scopes to the agent namespace with a `requests.nvidia.com/gpu` (or the matching `requests.<vendor>/gpu`) hard limit sized for the agent, alongside cpu and memory limits.",
    },
    (model, config) => {
        const agents = new AgentNamespaces(model, config.agentNamespacePatterns);
        const caps = quotaCapsByNamespace(model, agents);
        const findings: Finding[] = [];
        for (const workload of model.ofType(...WORKLOAD_TYPES)) {
            const pod = podSpecOf(workload);
            if (pod === undefined) continue;
            const requests = gpuRequests(pod.spec);
            if (requests.gpus.length === 0 && requests.unknown.length === 0) continue;
            const placement = placementOf(workload, agents);
            if (placement.known && !placement.agent) continue;
            const cap = placement.known ? caps.get(placement.namespace) : undefined;
            if (cap?.gpu) continue;
            const asked =
                requests.gpus.length > 0
                    ? `requests GPUs (${requests.gpus.join(", ")})`
                    : `may request GPUs (${requests.unknown.join(", ")} unknown during preview)`;
            const where = placement.known
                ? `agent namespace ${placement.namespace}`
                : `a namespace that could not be determined (${placement.reason})`;
            const quotaNote = cap?.unknown.length ? ` (${cap.unknown.join("; ")})` : "";
            findings.push({
                urn: workload.urn,
                name: workload.name,
                message: `${kindOf(workload.type)} ${workload.name} ${asked} in ${where}, which has no ResourceQuota capping GPU requests${quotaNote}: GPU access without quota. Add a ResourceQuota with a requests.nvidia.com/gpu hard limit.`,
            });
        }
        return findings;
    },
);
