import type { Policies } from "@pulumi/policy";
import { awsForbidAgentEscalationPaths } from "./aws-forbid-agent-escalation-paths";
import { awsRestrictAgentComputeEgress } from "./aws-restrict-agent-compute-egress";
import { awsRestrictAgentResourcePolicies } from "./aws-restrict-agent-resource-policies";
import { awsRequireAgentPermissionsBoundary } from "./aws-require-agent-permissions-boundary";
import { awsRestrictAgentIamGrants } from "./aws-restrict-agent-iam-grants";
import { awsRestrictAgentRoleTrust } from "./aws-restrict-agent-role-trust";
import { awsRestrictAgentSecurityGroupEgress } from "./aws-restrict-agent-security-group-egress";

export const awsRules: Policies = [
    awsRestrictAgentIamGrants,
    awsForbidAgentEscalationPaths,
    awsRestrictAgentRoleTrust,
    awsRequireAgentPermissionsBoundary,
    awsRestrictAgentSecurityGroupEgress,
    awsRestrictAgentComputeEgress,
    awsRestrictAgentResourcePolicies,
];
