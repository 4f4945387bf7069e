import type { Policies } from "@pulumi/policy";
import { awsRules } from "./aws";
import { kubernetesRules } from "./kubernetes";
import { stackRules } from "./stack";

/** The pack, in one explicit list: no rule registers itself by being imported. */
export const allRules: Policies = [...kubernetesRules, ...awsRules, ...stackRules];
