import type { Policies } from "@pulumi/policy";
import { kubernetesForbidHostAccess } from "./kubernetes-forbid-host-access";
import { kubernetesRequireDefaultDenyEgress } from "./kubernetes-require-default-deny-egress";

export const kubernetesRules: Policies = [kubernetesRequireDefaultDenyEgress, kubernetesForbidHostAccess];
