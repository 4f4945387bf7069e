import { AGENT_LABEL, AgentNamespaces } from "../../../core/stack/agent-namespaces";
import { agentLookingReason } from "../../../core/kubernetes/agent-looking";
import { placementOf } from "../../../core/kubernetes/placement";
import { kindOf } from "../../../core/kubernetes/workloads";
import { defineStackRule, type Finding } from "../../lib/rule";

export const kubernetesMarkAgentWorkloads = defineStackRule(
    {
        name: "kubernetes-mark-agent-workloads",
        description:
            "Workloads that look like agents (agent sandbox custom resources, images naming an agent runtime) must run in an agent namespace, where the agent rules judge them; outside one no agent rule does, so each is named with how to mark it.",
        enforcementLevel: "advisory",
        severity: "medium",
        remediationSteps: `Run the agent in an agent namespace: one labelled \`${AGENT_LABEL}\` (any value; for an existing namespace such as \`default\`, a NamespacePatch adding the label), or one whose name matches agentNamespacePatterns (default \`agent-*\`). If the workload is not an agent, exempt it by name with a reason in this policy's config. What looks like an agent (heuristics; identification itself stays labels and name patterns): custom resources of API group agents.x-k8s.io (the agent-sandbox project's Sandbox, SandboxClaim, SandboxTemplate, SandboxWarmPool); custom resources of kind Sandbox, SandboxClaim, SandboxTemplate, SandboxWarmPool, Agent, AgentRuntime or AgentSandbox in any group; workloads and custom resources whose container image repository names an agent runtime (claude, claude-code, codex, openhands, opendevin, aider, swe-agent, autogen, crewai, langgraph, gpt-engineer, open-interpreter, browser-use, computer-use, or agent joined to ai, llm, coding, code, dev, autonomous, runtime, sandbox, runner, executor or worker, so monitoring and CI agents such as datadog/agent do not match). Workloads whose namespace is unknown are left to the agent rules, which fail closed on them.`,
    },
    (model, config) => {
        const agents = AgentNamespaces.of(model, config.agentNamespacePatterns);
        const findings: Finding[] = [];
        for (const node of model.resources) {
            if (!node.type.startsWith("kubernetes:")) continue;
            const why = agentLookingReason(node);
            if (why === undefined) continue;
            const placement = placementOf(node, agents);
            // An agent namespace is judged by every agent rule, and an unknown one is failed closed by them.
            if (!placement.known || placement.agent) continue;
            const ns = placement.namespace;
            findings.push({
                urn: node.urn,
                name: node.name,
                message:
                    `${kindOf(node.type)} ${node.name} looks like an agent workload (${why}) but runs in namespace "${ns}", ` +
                    `which is not an agent namespace, so no agent rule judges it. If it runs an agent, mark its namespace: ` +
                    `label "${ns}" ${AGENT_LABEL} (a NamespacePatch for an existing namespace) or move it to a namespace ` +
                    `matching ${config.agentNamespacePatterns.map((p) => `"${p}"`).join(", ")}; if not, exempt it by name with a reason.`,
            });
        }
        return findings;
    },
);
