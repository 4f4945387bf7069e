import { AgentNamespaces, declaredNamespaceName } from "../../../core/stack/agent-namespaces";
import { NAMESPACE_TYPES } from "../../../core/kubernetes/types";
import { GPU_FIELDS, mutatorFindings, podMutators } from "../../../core/kubernetes/pod-mutators";
import type { ResourceNode, StackModel } from "../../../core/stack/stack-model";
import {
    agentResourceClaims,
    claimDemand,
    declaredClaim,
    uncappedClaim,
} from "../../lib/kubernetes/dra-claims";
import { gpuRoutes, looseGpuRoutes, mergeRoutes, type GpuRoutes } from "../../lib/kubernetes/gpu-routes";
import { limitRangeGrants } from "../../lib/kubernetes/limit-ranges";
import { agentPlacementPhrase, placementOf, type Placement } from "../../../core/kubernetes/placement";
import {
    gpuRequests,
    looseGpuRequests,
    mergeRequests,
    quotaCapsByNamespace,
    type GpuRequests,
    type QuotaCaps,
} from "../../lib/kubernetes/quotas";
import {
    isCustomWorkloadType,
    kindOf,
    looseObjectsOf,
    makesPods,
    podRunningResources,
    podSpecsOf,
} from "../../../core/kubernetes/workloads";
import { defineStackRule, type Finding } from "../../lib/rule";
import { isUnknown } from "../../lib/unknowns";

export const kubernetesRequireGpuQuota = defineStackRule(
    {
        name: "kubernetes-require-gpu-quota",
        description:
            "A workload that requests GPUs in an agent namespace must be capped by an unscoped ResourceQuota on the very resource it requests (`requests.nvidia.com/gpu` caps nvidia.com/gpu, not amd.com/gpu nor the MIG profile `nvidia.com/mig-1g.5gb` nor `nvidia.com/gpu.shared`). Every extended resource counts: known accelerator names (GPUs of any vendor, MIG and shared profiles, Gaudi, Neuron, TPU, FPGA) and any other `<domain>/<name>` resource, since a device plugin may advertise GPUs under any name. Workloads include the pod templates inside custom resources (Argo, Ray, Kubeflow, Spark, JobSet, KServe, LeaderWorkerSet, Volcano and unlisted kinds, with Spark's `gpu` and TrainJob's `resourcesPerNode`), and a LimitRange `default`/`defaultRequest` of such a resource counts as a request of every pod in its namespace (the LimitRange is rejected too). Agent pods must not reach GPUs around quota: no NVIDIA_VISIBLE_DEVICES or NVIDIA_DRIVER_CAPABILITIES in env or in envFrom ConfigMaps/Secrets (a source not declared in the stack fails closed; ConfigMapPatches and SecretPatches count), no volume mounted under /var/run/nvidia-container-devices (read by the NVIDIA toolkit as device requests), no Container Device Interface annotation (`cdi.k8s.io/*`) on the pod template, no runtimeClassName that grants devices (a RuntimeClass of the stack with an nvidia/gpu/cuda/rocm/amd handler, or an undeclared class so named) unless the pod also requests a capped GPU, and no Dynamic Resource Allocation claim (pod resourceClaims, ResourceClaim, ResourceClaimTemplate, any resource.k8s.io version) unless a quota caps `<class>.deviceclass.resource.k8s.io/devices` for each device class it names, or `count/resourceclaims.resource.k8s.io` when no request takes all devices (allocationMode All); a pod's claim must be declared in the stack, no claim may set adminAccess, and no agent namespace may carry the label resource.kubernetes.io/admin-access. A MutatingAdmissionPolicy whose mutations write accelerator names, claims, runtime classes or CDI annotations, or a MutatingWebhookConfiguration, that matches pods, pod controllers or custom resources in a declared agent namespace is rejected too. Quota declarations are judged together: a ResourceQuotaPatch that adds scopes to a quota of the same name leaves it uncapping.",
        enforcementLevel: "mandatory",
        severity: "high",
        remediationSteps:
            "Add a ResourceQuota without scopes to the agent namespace with a `requests.<resource>` hard limit for each GPU or other extended resource its pods request, by its exact name (e.g. `requests.nvidia.com/gpu`, `requests.nvidia.com/mig-1g.5gb`), alongside cpu and memory limits. Do not give accelerators through a LimitRange default. Remove NVIDIA_* env from agent containers (and from the ConfigMaps or Secrets they load), volume mounts under /var/run/nvidia-container-devices and cdi.k8s.io annotations, request GPUs only through resources.limits, use a GPU runtime class only together with a capped GPU request, declare the ResourceClaims and ResourceClaimTemplates agent pods use in the stack, cap them with `<device-class>.deviceclass.resource.k8s.io/devices` per device class (or `count/resourceclaims.resource.k8s.io` without allocationMode All), and never set adminAccess in an agent's claims.",
    },
    (model, config) => {
        const agents = AgentNamespaces.of(model, config.agentNamespacePatterns);
        const caps = quotaCapsByNamespace(model, agents);
        const grants = limitRangeGrants(model, agents);
        const defaults = new Map<string, GpuRequests>();
        for (const { placement, requests } of grants)
            if (placement.known)
                defaults.set(
                    placement.namespace,
                    mergeRequests(defaults.get(placement.namespace) ?? emptyRequests(), {
                        ...requests,
                        unknown: [],
                    }),
                );
        const findings: Finding[] = [];
        for (const workload of podRunningResources(model)) {
            const placement = placementOf(workload, agents);
            if (placement.known && !placement.agent) continue;
            const pods = podSpecsOf(workload);
            const loose = looseObjectsOf(workload, pods);
            if (pods.length === 0 && loose.length === 0) continue;
            const namespace = placement.known ? placement.namespace : undefined;
            const cap: QuotaCaps | undefined = namespace !== undefined ? caps.get(namespace) : undefined;
            const custom = isCustomWorkloadType(workload.type);
            const requests = mergeRequests(
                ...pods.map((pod) => gpuRequests(pod.spec, custom ? pod.path : "")),
                looseGpuRequests(loose),
                // A LimitRange default reaches every container of the namespace's pods, not other objects.
                ...(namespace !== undefined && defaults.has(namespace) && makesPods(workload, pods)
                    ? [defaults.get(namespace)!]
                    : []),
            );
            const routes = mergeRoutes(
                ...pods.map((pod) =>
                    gpuRoutes(pod.spec, pod.path, model, namespace, pod.metadata, pod.metadataPath),
                ),
                looseGpuRoutes(loose, model, namespace),
            );
            const problems = [
                ...requestProblems(requests, cap),
                ...routeProblems(routes, requests, cap, model, agents, placement),
            ];
            if (problems.length === 0) continue;
            const quotaNote = cap?.unknown.length ? ` (quotas unknown: ${cap.unknown.join("; ")})` : "";
            findings.push({
                urn: workload.urn,
                name: workload.name,
                message: `${kindOf(workload.type)} ${workload.name} ${agentPlacementPhrase(placement)} has GPU access without quota: it ${problems.join("; ")}${quotaNote}. Request GPUs only through resources.limits, capped by a ResourceQuota on requests.<that resource>; no NVIDIA_* env, GPU runtime class alone, or uncapped resource claims.`,
            });
        }
        for (const { node, placement, requests } of grants) {
            const cap = placement.known ? caps.get(placement.namespace) : undefined;
            const problems = requestProblems(requests, cap);
            if (problems.length === 0) continue;
            findings.push({
                urn: node.urn,
                name: node.name,
                message: `LimitRange ${node.name} ${agentPlacementPhrase(placement)} gives every container of the namespace GPUs it never asked for (GPU quota missing): it ${problems.join("; ")}. Remove accelerators and other extended resources from the LimitRange's default and defaultRequest, or cap each by a ResourceQuota on requests.<that resource>.`,
            });
        }
        for (const { node, placement } of agentResourceClaims(model, agents)) {
            const cap = placement.known ? caps.get(placement.namespace) : undefined;
            const demand = claimDemand(node);
            const problems = [
                ...demand.admin.map(
                    (at) =>
                        `${at} is true, which grants access to devices already in use by other pods (admin access is forbidden for agents)`,
                ),
            ];
            const uncapped = uncappedClaim(demand, cap?.keys);
            if (uncapped !== undefined) problems.push(uncapped);
            if (problems.length === 0) continue;
            findings.push({
                urn: node.urn,
                name: node.name,
                message: `${kindOf(node.type)} ${node.name} ${agentPlacementPhrase(placement)} allocates devices (GPUs included) through Dynamic Resource Allocation without a GPU quota: ${problems.join("; ")}. Cap it by a ResourceQuota on <class>.deviceclass.resource.k8s.io/devices for each device class it names (or count/resourceclaims.resource.k8s.io when no request uses allocationMode All), and never set adminAccess.`,
            });
        }
        for (const mutator of podMutators(model, agents)) {
            const writes = mutatorFindings(mutator, GPU_FIELDS);
            if (writes.length === 0) continue;
            findings.push({
                urn: mutator.node.urn,
                name: mutator.node.name,
                message: `${mutator.kind} ${mutator.node.name} may give agent pods GPUs that no pod spec of this stack asks for, past the GPU quota check (${mutator.reach}): ${writes.join("; ")}. Exclude agent namespaces with its namespaceSelector (e.g. agentguard.io/agent DoesNotExist), or do not write accelerator requests, claims, runtime classes or device annotations.`,
            });
        }
        findings.push(...adminAccessNamespaces(model, agents));
        return findings;
    },
);

/** The namespace label without which Kubernetes refuses adminAccess claims: an agent namespace must not carry it. */
const ADMIN_ACCESS_LABEL = "resource.kubernetes.io/admin-access";

function adminAccessNamespaces(model: StackModel, agents: AgentNamespaces): Finding[] {
    return model.ofType(...NAMESPACE_TYPES).flatMap((ns): Finding[] => {
        const name = declaredNamespaceName(ns);
        if (name === undefined || !agents.isAgent(name)) return [];
        const metadata = ns.props.metadata;
        const labels =
            metadata !== null && typeof metadata === "object"
                ? (metadata as Record<string, unknown>).labels
                : undefined;
        const value =
            labels !== null && typeof labels === "object"
                ? (labels as Record<string, unknown>)[ADMIN_ACCESS_LABEL]
                : undefined;
        if (value === undefined || value === null || value === "false") return [];
        return [
            {
                urn: ns.urn,
                name: ns.name,
                message: `${kindOf(ns.type)} ${ns.name} (agent namespace ${name}) sets label ${ADMIN_ACCESS_LABEL}=${isUnknown(value) ? "(unknown during preview)" : JSON.stringify(value)}, which lets its ResourceClaims take admin access to devices (GPUs included) in use by other pods, past any GPU quota. Remove the label from agent namespaces.`,
            },
        ];
    });
}

const emptyRequests = (): GpuRequests => ({ gpus: [], names: [], unknown: [] });

function requestProblems(requests: GpuRequests, cap: QuotaCaps | undefined): string[] {
    const problems: string[] = [];
    const uncapped = requests.names.filter((n) => !cap?.keys.has(`requests.${n}`));
    if (uncapped.length > 0)
        problems.push(
            `requests GPUs (${requests.gpus.filter((g) => uncapped.some((n) => g.startsWith(`${n}:`))).join(", ")}) with no ResourceQuota capping ${uncapped.map((n) => `requests.${n}`).join(", ")}`,
        );
    if (requests.unknown.length > 0)
        problems.push(`may request GPUs (${requests.unknown.join(", ")} unknown during preview)`);
    return problems;
}

function routeProblems(
    routes: GpuRoutes,
    requests: GpuRequests,
    cap: QuotaCaps | undefined,
    model: StackModel,
    agents: AgentNamespaces,
    placement: Placement,
): string[] {
    const problems: string[] = [];
    for (const route of routes.uncapped)
        problems.push(`${route}, which exposes GPUs without any resource request a quota could count`);
    const cappedRequest =
        requests.names.length > 0 && requests.names.every((n) => cap?.keys.has(`requests.${n}`));
    if (routes.runtime.length > 0 && !cappedRequest)
        problems.push(`${routes.runtime.join("; ")}, without a quota-capped GPU request`);
    if (routes.claims.length > 0) {
        const claimProblems = routes.claimRefs.flatMap((ref) => {
            if (!placement.known)
                return [`${ref.field} names ${ref.kind} ${ref.name} in a namespace that cannot be told`];
            const declared: ResourceNode | undefined = declaredClaim(model, agents, ref, placement.namespace);
            if (declared === undefined)
                return [
                    `${ref.field} names ${ref.kind} ${ref.name}, which this stack does not declare in namespace ${placement.namespace}, so the devices it claims cannot be read`,
                ];
            const demand = claimDemand(declared);
            const why = [
                ...demand.admin.map((at) => `its ${at} is true (admin access to devices in use by others)`),
                ...[uncappedClaim(demand, cap?.keys)].filter((w): w is string => w !== undefined),
            ];
            return why.length > 0 ? [`${ref.field} names ${ref.kind} ${ref.name}: ${why.join("; ")}`] : [];
        });
        if (claimProblems.length > 0)
            problems.push(`${routes.claims.join("; ")}: ${claimProblems.join("; ")}`);
    }
    for (const u of routes.unknown) problems.push(`may reach GPUs (${u})`);
    return problems;
}
