import { egressProblems } from "../../../core/aws/compute-egress";
import {
    indexSecurityGroupEgress,
    type AgentGroupEgress,
    type EgressCidr,
} from "../../../core/aws/network/security-group-egress";
import { defineStackRule, type Finding } from "../../lib/rule";
import type { ResourceNode } from "../../../core/stack/stack-model";

export const awsRestrictAgentSecurityGroupEgress = defineStackRule(
    {
        name: "aws-restrict-agent-security-group-egress",
        description:
            "An agent security group (agent-tagged, including an adopted default group, or used by an agent-tagged instance, launch template, Lambda function or ECS service, or given to the pods of an agent namespace by an EKS SecurityGroupPolicy) must not allow egress to 0.0.0.0/0 or ::/0 (also when split across rules or hidden in prefix lists) nor to more public addresses than the configured budget.",
        enforcementLevel: "mandatory",
        severity: "high",
        remediationSteps:
            "Replace open egress CIDRs and prefix lists on the agent security group (inline egress, SecurityGroupRule, SecurityGroupEgressRule) with the specific ranges the agent needs, or route it through an egress proxy; list approved ranges in allowedEgressCidrs. Use prefix lists declared in the same stack (ManagedPrefixList) so their entries can be checked.",
    },
    (model, config): Finding[] => {
        const index = indexSecurityGroupEgress(model, config.agentNamespacePatterns);
        const findings: Finding[] = [];
        for (const entry of index.agentGroups.values()) {
            const subject = subjectOf(entry);
            const problems = egressProblems(entry.cidrs, config);
            if (problems.length > 0) {
                findings.push(
                    finding(
                        entry.group,
                        `${subject} egress is too open: ${problems.join("; ")} (${list(entry.cidrs)}). Narrow the egress CIDRs to the services the agent needs.`,
                    ),
                );
            }
            if (!entry.possible) {
                for (const what of entry.unknown) {
                    findings.push(
                        finding(
                            entry.group,
                            `${subject} egress cannot be checked: ${what}. Use known CIDRs, or a ManagedPrefixList declared in this stack, so the egress can be verified (or exempt the group with a reason).`,
                        ),
                    );
                }
            }
        }
        if (index.agentGroups.size > 0) {
            for (const rule of index.unresolvedRules) {
                const problems = egressProblems(rule.cidrs, config, true);
                if (problems.length === 0) continue;
                findings.push(
                    finding(
                        rule.node,
                        `Egress rule ${rule.node.name} may open an agent security group (${rule.why}): ${problems.join("; ")} (${list(rule.cidrs)}). Pass the SecurityGroup's id output so the rule can be joined to its group.`,
                    ),
                );
            }
        }
        for (const { workload, why } of index.unjoinedWorkloads) {
            findings.push(
                finding(
                    workload,
                    `Agent workload ${workload.name} runs in security groups that cannot be checked: ${why}. Pass the SecurityGroup's id output (or a known id) so its egress can be judged.`,
                ),
            );
        }
        return findings;
    },
);

function subjectOf(entry: AgentGroupEgress): string {
    const name = entry.group.name;
    if (entry.possible) return `Security group ${name} (its tags are unknown, so it may be an agent group)`;
    if (entry.tagged) return `Agent security group ${name}`;
    const users = entry.usedBy.map((w) => `${w.type.split(":").pop()} ${w.name}`).join(", ");
    return `Security group ${name} (an agent group because agent workload ${users} runs in it)`;
}

function list(cidrs: readonly EgressCidr[]): string {
    return cidrs.map((c) => `${c.cidr} in ${c.source}`).join(", ");
}

function finding(node: ResourceNode, message: string): Finding {
    return { urn: node.urn, name: node.name, message };
}
