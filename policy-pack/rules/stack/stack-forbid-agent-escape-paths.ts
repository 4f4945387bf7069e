import { defineReachRule } from "../../lib/reach-rule";

export const stackForbidAgentEscapePaths = defineReachRule(
    {
        name: "stack-forbid-agent-escape-paths",
        description:
            "An agent identity must not reach, through the reach graph, a way out of its confinement: pods that may use the host (privileged, host namespaces, host paths), GPUs no quota caps, or the cluster plumbing every workload relies on (CoreDNS configuration, Endpoints and EndpointSlices, CustomResourceDefinitions, admission webhooks). On Kubernetes: a namespace outside agent namespaces where the agent (or a service account it becomes through RBAC) may create pods must enforce Pod Security baseline or restricted and cap GPU requests with an unscoped ResourceQuota (an undeclared namespace or unknown labels fail closed; a ClusterRoleBinding reaches every namespace, kube-system included); no such identity may write ConfigMaps in kube-system (unless resourceNames exclude DNS and proxy ConfigMaps), Services, Endpoints or EndpointSlices outside agent namespaces, CRDs, or webhook configurations. Webhook writes and unreadable roles bound to the agent itself are reported by kubernetes-forbid-agent-rbac-escalation alone.",
        enforcementLevel: "mandatory",
        severity: "critical",
        remediationSteps:
            "Follow the printed path and cut it at one edge: do not let the agent (or service accounts whose tokens, pods or exec it can obtain) create pods outside agent namespaces, or label those namespaces pod-security.kubernetes.io/enforce: restricted (or baseline) and give them a ResourceQuota capping requests.nvidia.com/gpu; keep ConfigMaps of kube-system, Services, Endpoints, EndpointSlices, CRDs and webhook configurations out of their RBAC.",
    },
    "escape",
    "Cut one edge of the path, or confine the namespace at its end as an agent namespace.",
);
