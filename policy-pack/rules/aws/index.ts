import type { Policies } from "@pulumi/policy";
import { awsRequireAgentPermissionsBoundary } from "./aws-require-agent-permissions-boundary";
import { awsRestrictAgentIamGrants } from "./aws-restrict-agent-iam-grants";
import { awsRestrictAgentRoleTrust } from "./aws-restrict-agent-role-trust";
import { awsRestrictAgentSecurityGroupEgress } from "./aws-restrict-agent-security-group-egress";

export const awsRules: Policies = [
    awsRestrictAgentIamGrants,
    awsRestrictAgentRoleTrust,
    awsRequireAgentPermissionsBoundary,
    awsRestrictAgentSecurityGroupEgress,
];
