/**
 * The reference platform stack: one confined runtime and one scoped AWS role per agent listed in stack
 * config, the cluster's admission baseline, and one audit trail that no agent can erase. `agentguard check .` passes it with no mandatory
 * violation; copy it as the starting point of your own platform stack.
 */
import * as pulumi from "@pulumi/pulumi";
import { AgentAuditTrail, AgentGuardrailsBaseline, AgentRole, AgentRuntime } from "../../components";
import { parsePlatformConfig } from "./config";

const config = new pulumi.Config();
const platform = parsePlatformConfig((key) => config.getObject<unknown>(key));

// The cluster's admission baseline: an agent holding live credentials can neither edit its guardrails
// nor start an unconfined pod, whatever the deploy-time checks saw.
const baseline = new AgentGuardrailsBaseline("agentguard", { owner: "platform-security" });

// One trail for the platform; every agent role's boundary denies writes and deletes on it.
const auditTrail = new AgentAuditTrail("agents", {
    agentId: "platform",
    owner: "platform-security",
    retentionDays: platform.audit.retentionDays,
});

export const auditBucket = auditTrail.bucketName;

export const agents = platform.agents.map((agent) => {
    const runtime = new AgentRuntime(agent.id, {
        agentId: agent.id,
        owner: agent.owner,
        riskTier: agent.riskTier,
        gpu: agent.gpu,
        egress: agent.egress,
        egressHosts: agent.egressHosts,
        egressEnforcement: agent.egressEnforcement,
        suspended: agent.suspended,
        admissionBaseline: baseline,
    });
    const role = new AgentRole(agent.id, {
        agentId: agent.id,
        owner: agent.owner,
        riskTier: agent.riskTier,
        runtime,
        trust: {
            kind: "irsa",
            oidcProviderArn: platform.cluster.oidcProviderArn,
            oidcProviderUrl: platform.cluster.oidcIssuer,
        },
        statements: agent.permissions,
        suspended: agent.suspended,
        revokeSessionsIssuedBefore: agent.revokeSessionsIssuedBefore,
        auditTrail,
    });
    return { id: agent.id, namespace: runtime.namespaceName, roleArn: role.roleArn };
});
