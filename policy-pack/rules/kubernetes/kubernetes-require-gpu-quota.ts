import { AgentNamespaces } from "../../../core/stack/agent-namespaces";
import { agentResourceClaims, capsClaims, gpuRoutes } from "../../lib/kubernetes/gpu-routes";
import { agentPlacementPhrase, placementOf } from "../../../core/kubernetes/placement";
import { gpuRequests, quotaCapsByNamespace, type QuotaCaps } from "../../lib/kubernetes/quotas";
import { WORKLOAD_TYPES } from "../../../core/kubernetes/types";
import { kindOf, podSpecOf } from "../../../core/kubernetes/workloads";
import { defineStackRule, type Finding } from "../../lib/rule";

export const kubernetesRequireGpuQuota = defineStackRule(
    {
        name: "kubernetes-require-gpu-quota",
        description:
            "A workload that requests GPUs in an agent namespace must be capped by an unscoped ResourceQuota on the very resource it requests (`requests.nvidia.com/gpu` caps nvidia.com/gpu, not amd.com/gpu). Agent pods must not reach GPUs around quota: no NVIDIA_VISIBLE_DEVICES or NVIDIA_DRIVER_CAPABILITIES in env or in envFrom ConfigMaps/Secrets (a source not declared in the stack fails closed), no runtimeClassName that grants devices (a RuntimeClass of the stack with an nvidia/gpu/cuda/rocm/amd handler, or an undeclared class so named) unless the pod also requests a capped GPU, and no Dynamic Resource Allocation (pod resourceClaims, ResourceClaim, ResourceClaimTemplate) unless a quota caps `count/resourceclaims.resource.k8s.io` or `<class>.deviceclass.resource.k8s.io/devices`.",
        enforcementLevel: "mandatory",
        severity: "high",
        remediationSteps:
            "Add a ResourceQuota without scopes to the agent namespace with a `requests.<resource>` hard limit for each GPU resource its pods request (e.g. `requests.nvidia.com/gpu`), alongside cpu and memory limits. Remove NVIDIA_* env from agent containers (and from the ConfigMaps or Secrets they load), request GPUs only through resources.limits, use a GPU runtime class only together with a capped GPU request, and cap DRA claims with `count/resourceclaims.resource.k8s.io` or `<device-class>.deviceclass.resource.k8s.io/devices`.",
    },
    (model, config) => {
        const agents = AgentNamespaces.of(model, config.agentNamespacePatterns);
        const caps = quotaCapsByNamespace(model, agents);
        const findings: Finding[] = [];
        for (const workload of model.ofType(...WORKLOAD_TYPES)) {
            const pod = podSpecOf(workload);
            if (pod === undefined) continue;
            const placement = placementOf(workload, agents);
            if (placement.known && !placement.agent) continue;
            const cap: QuotaCaps | undefined = placement.known ? caps.get(placement.namespace) : undefined;
            const requests = gpuRequests(pod.spec);
            const routes = gpuRoutes(
                pod.spec,
                pod.path,
                model,
                placement.known ? placement.namespace : undefined,
            );
            const uncappedNames = requests.names.filter((n) => !cap?.keys.has(`requests.${n}`));
            const problems: string[] = [];
            if (uncappedNames.length > 0)
                problems.push(
                    `requests GPUs (${requests.gpus.filter((g) => uncappedNames.some((n) => g.startsWith(`${n}:`))).join(", ")}) with no ResourceQuota capping ${uncappedNames.map((n) => `requests.${n}`).join(", ")}`,
                );
            if (requests.unknown.length > 0)
                problems.push(`may request GPUs (${requests.unknown.join(", ")} unknown during preview)`);
            for (const route of routes.uncapped)
                problems.push(
                    `${route}, which exposes GPUs without any resource request a quota could count`,
                );
            if (routes.runtime.length > 0 && (requests.names.length === 0 || uncappedNames.length > 0))
                problems.push(`${routes.runtime.join("; ")}, without a quota-capped GPU request`);
            if (routes.claims.length > 0 && !(cap !== undefined && capsClaims(cap.keys)))
                problems.push(
                    `${routes.claims.join("; ")}, with no quota on count/resourceclaims.resource.k8s.io or <class>.deviceclass.resource.k8s.io/devices`,
                );
            for (const u of routes.unknown) problems.push(`may reach GPUs (${u})`);
            if (problems.length === 0) continue;
            const quotaNote = cap?.unknown.length ? ` (quotas unknown: ${cap.unknown.join("; ")})` : "";
            findings.push({
                urn: workload.urn,
                name: workload.name,
                message: `${kindOf(workload.type)} ${workload.name} ${agentPlacementPhrase(placement)} has GPU access without quota: it ${problems.join("; ")}${quotaNote}. Request GPUs only through resources.limits, capped by a ResourceQuota on requests.<that resource>; no NVIDIA_* env, GPU runtime class alone, or uncapped resource claims.`,
            });
        }
        for (const { node, placement } of agentResourceClaims(model, agents)) {
            const cap = placement.known ? caps.get(placement.namespace) : undefined;
            if (cap !== undefined && capsClaims(cap.keys)) continue;
            findings.push({
                urn: node.urn,
                name: node.name,
                message: `${kindOf(node.type)} ${node.name} ${agentPlacementPhrase(placement)} allocates devices (GPUs included) through Dynamic Resource Allocation, and no ResourceQuota there caps count/resourceclaims.resource.k8s.io or <class>.deviceclass.resource.k8s.io/devices. Add such a quota, or do not give agents resource claims.`,
            });
        }
        return findings;
    },
);
