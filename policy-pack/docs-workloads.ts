import { POD_RUNNING_KINDS } from "../core/kubernetes/pod-running-kinds";

/** Pod-running kinds that are also built-in workloads: the list below names only the custom ones. */
const BUILT_IN_KINDS = new Set([
    "Pod",
    "PodTemplate",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "CronJob",
]);

/** Where the GPU and host-access rules find pods, how they name accelerators, and what they still accept. */
export function renderWorkloadSection(): string[] {
    return [
        "",
        "## Pods, GPUs and the host: where the rules look, what is still accepted",
        "",
        "**Where pods are found.** `kubernetes-forbid-host-access` and `kubernetes-require-gpu-quota` read the same",
        "pod specs (`podSpecsOf` in `core/kubernetes/workloads.ts`): the pod spec of each built-in workload, and in a",
        "custom resource every object that holds containers (`containers`, `initContainers`, `ephemeralContainers`,",
        "`sidecars`, Argo's `container`, `script` and `containerSet`), wherever its CRD nests it; findings name the",
        "path (`spec.rayClusterSpec.workerGroupSpecs[0].template.spec`). Custom resources are the kinds the reach",
        `graph treats as pod-running, in any API group (${[...POD_RUNNING_KINDS].filter((k) => !BUILT_IN_KINDS.has(k)).join(", ")}), and every kind of an API group Kubernetes does not serve (KServe, LeaderWorkerSet, Volcano, unlisted kinds).`,
        "Argo's `podSpecPatch` and resource-template `manifest` strings are parsed as YAML and judged as pod specs or",
        "objects of their own kind; one that does not parse is a finding. Outside those pod specs, the objects of a",
        "custom resource are swept for the fields a CRD keeps in its own shape: host namespaces, `hostPath`,",
        "`hostPort`, security contexts (judged as a container's), `limits`/`requests` maps, Spark's",
        "`gpu: {name, quantity}` and `envVars`, `env`, `envFrom`, `runtimeClassName` and `resourceClaims`.",
        "A custom resource of such a group that carries whole manifests for its controller to apply (Crossplane's",
        "Object `spec.forProvider.manifest`, ManifestWork) is judged as sitting in an agent namespace when one of",
        "those manifests names one in `metadata.namespace`, wherever the custom resource itself sits.",
        "",
        "**Accelerator names.** Every extended resource needs a quota on `requests.<its exact name>`: the known",
        "accelerator names (any vendor's GPU, NVIDIA MIG profiles such as `nvidia.com/mig-1g.5gb`, shared or",
        "time-sliced names such as `nvidia.com/gpu.shared`, Gaudi, Neuron, TPU, FPGA) and any other `<domain>/<name>`,",
        "which is reported as an extended resource judged as an accelerator, since a device plugin may advertise GPUs",
        "under any name. Not counted: cpu, memory, ephemeral-storage, storage, hugepages-*, kubernetes.io names, zero",
        "amounts. A LimitRange `default` or `defaultRequest` of such a resource is a request of every pod in its",
        "namespace; its `max` caps one container, never the namespace, so it is no quota.",
        "",
        "**Still accepted, and why.**",
        "",
        "- An image whose own `ENV` sets `NVIDIA_VISIBLE_DEVICES` (the CUDA base images do) on a node whose default",
        "  runtime is NVIDIA's: the pack cannot read image layers. Nodes should run the NVIDIA toolkit with",
        "  `accept-nvidia-visible-devices-envvar-when-unprivileged = false`, so only the device plugin hands out GPUs.",
        "- Pods a controller builds from objects this stack does not declare (an Argo `workflowTemplateRef` to a",
        "  template elsewhere) are not judged here; agents that may create such objects at run time are judged by",
        "  their RBAC and the namespace's Pod Security, and their GPUs by the namespace's quota.",
        "- DeviceClass selectors and configuration are not read: a claim is capped by the quota on each class it",
        "  names, whatever devices the class selects. Quota amounts are not compared: any hard limit caps.",
    ];
}
