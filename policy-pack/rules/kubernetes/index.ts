import type { Policies } from "@pulumi/policy";
import { kubernetesForbidHostAccess } from "./kubernetes-forbid-host-access";
import { kubernetesRequireDefaultDenyEgress } from "./kubernetes-require-default-deny-egress";
import { kubernetesRequireGpuQuota } from "./kubernetes-require-gpu-quota";

export const kubernetesRules: Policies = [
    kubernetesRequireDefaultDenyEgress,
    kubernetesForbidHostAccess,
    kubernetesRequireGpuQuota,
];
