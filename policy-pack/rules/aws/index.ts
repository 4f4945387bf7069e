import type { Policies } from "@pulumi/policy";

export const awsRules: Policies = [];
