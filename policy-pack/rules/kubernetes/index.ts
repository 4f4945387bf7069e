import type { Policies } from "@pulumi/policy";
import { kubernetesForbidHostAccess } from "./kubernetes-forbid-host-access";

export const kubernetesRules: Policies = [kubernetesForbidHostAccess];
