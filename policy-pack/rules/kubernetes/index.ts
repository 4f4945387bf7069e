import type { Policies } from "@pulumi/policy";
import { kubernetesDisableTokenAutomount } from "./kubernetes-disable-token-automount";
import { kubernetesForbidAgentRbacEscalation } from "./kubernetes-forbid-agent-rbac-escalation";
import { kubernetesForbidHostAccess } from "./kubernetes-forbid-host-access";
import { kubernetesForbidAgentInboundChannels } from "./kubernetes-forbid-agent-inbound-channels";
import { kubernetesForbidDnsTunnelling } from "./kubernetes-forbid-dns-tunnelling";
import { kubernetesForbidOnwardEgressRoutes } from "./kubernetes-forbid-onward-egress-routes";
import { kubernetesForbidOpenEgress } from "./kubernetes-forbid-open-egress";
import { kubernetesMarkAgentWorkloads } from "./kubernetes-mark-agent-workloads";
import { kubernetesRequireDefaultDenyEgress } from "./kubernetes-require-default-deny-egress";
import { kubernetesRequireGpuQuota } from "./kubernetes-require-gpu-quota";
import { kubernetesRequireOwnerLabel } from "./kubernetes-require-owner-label";
import { kubernetesRequireResourceQuota } from "./kubernetes-require-resource-quota";
import { kubernetesRequireRestrictedPodSecurity } from "./kubernetes-require-restricted-pod-security";

export const kubernetesRules: Policies = [
    kubernetesRequireDefaultDenyEgress,
    kubernetesForbidOpenEgress,
    kubernetesForbidDnsTunnelling,
    kubernetesForbidOnwardEgressRoutes,
    kubernetesForbidAgentInboundChannels,
    kubernetesForbidAgentRbacEscalation,
    kubernetesForbidHostAccess,
    kubernetesRequireGpuQuota,
    kubernetesRequireRestrictedPodSecurity,
    kubernetesRequireResourceQuota,
    kubernetesRequireOwnerLabel,
    kubernetesDisableTokenAutomount,
    kubernetesMarkAgentWorkloads,
];
