import type { Policies } from "@pulumi/policy";
import { awsRequireAgentPermissionsBoundary } from "./aws-require-agent-permissions-boundary";
import { awsRestrictAgentRoleTrust } from "./aws-restrict-agent-role-trust";

export const awsRules: Policies = [awsRestrictAgentRoleTrust, awsRequireAgentPermissionsBoundary];
