import type { Policies } from "@pulumi/policy";

export const kubernetesRules: Policies = [];
