import type { Policies } from "@pulumi/policy";
import { stackForbidOpaqueResources } from "./stack-forbid-opaque-resources";

export const stackRules: Policies = [stackForbidOpaqueResources];
