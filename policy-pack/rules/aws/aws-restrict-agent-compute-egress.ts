import { identifyAgentRoles } from "../../../core/aws/agent-roles";
import { agentComputeReason, DIRECT_EGRESS_KINDS } from "../../../core/aws/compute-egress";
import { defineStackRule, type Finding } from "../../lib/rule";

/** The compute kinds this rule judges, for tests and docs. */
export const DIRECT_EGRESS_COMPUTE_TYPES: readonly string[] = Object.keys(DIRECT_EGRESS_KINDS);

export const awsRestrictAgentComputeEgress = defineStackRule(
    {
        name: "aws-restrict-agent-compute-egress",
        description:
            "Agent compute that AWS runs outside the stack's VPC unless configured otherwise (a Lambda function without vpcConfig, a SageMaker notebook with directInternetAccess Enabled or no subnet, a SageMaker domain with PublicInternetOnly, an App Runner service with DEFAULT egress, a CodeBuild project without vpcConfig, a Glue job without connections or a Glue dev endpoint without subnet) reaches the internet with no security group in the way and is rejected; it is agent compute when agent-tagged (also through the provider's defaultTags) or when it runs as an agent role.",
        enforcementLevel: "mandatory",
        severity: "high",
        remediationSteps:
            "Put the agent's compute in the VPC (Lambda and CodeBuild vpcConfig, SageMaker directInternetAccess: Disabled with a subnetId, appNetworkAccessType: VpcOnly, App Runner egressType: VPC, Glue NETWORK connections or subnetId) so that its security groups, judged by aws-restrict-agent-security-group-egress, decide what it reaches.",
    },
    (model, config): Finding[] => {
        const agentRoles = identifyAgentRoles(model, config).roles;
        const findings: Finding[] = [];
        for (const [type, kind] of Object.entries(DIRECT_EGRESS_KINDS)) {
            for (const node of model.ofType(type)) {
                const why = agentComputeReason(node, kind, agentRoles, model);
                if (!why) continue;
                const egress = kind.egress(node.props);
                if (!egress) continue;
                const subject = `${kind.label} ${node.name} (${why.reason})`;
                const verdict =
                    "open" in egress
                        ? `reaches the internet directly: ${egress.open}`
                        : `egress cannot be checked: ${egress.unknown}`;
                const maybe = why.certain ? "" : "may be agent compute and ";
                findings.push({
                    urn: node.urn,
                    name: node.name,
                    message: `${subject} ${maybe}${verdict}. Run it in the VPC so its security groups decide what it reaches.`,
                });
            }
        }
        return findings;
    },
);
