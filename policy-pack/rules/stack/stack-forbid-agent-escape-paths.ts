import { defineReachRule } from "../../lib/reach-rule";

export const stackForbidAgentEscapePaths = defineReachRule(
    {
        name: "stack-forbid-agent-escape-paths",
        description:
            "An agent identity must not reach, through the reach graph, a way out of its confinement: pods that may use the host (privileged, host namespaces, host paths), GPUs no quota caps, or the cluster plumbing every workload relies on (CoreDNS configuration, Endpoints and EndpointSlices, CustomResourceDefinitions, admission webhooks).",
        enforcementLevel: "mandatory",
        severity: "critical",
        remediationSteps:
            "Follow the printed path and cut it at one edge: do not let the agent create pods outside agent namespaces (or give those namespaces restricted Pod Security and GPU quotas), and keep cluster plumbing out of its RBAC.",
    },
    "escape",
    "Cut one edge of the path, or confine the namespace at its end as an agent namespace.",
);
