import { AgentNamespaces } from "../../../core/stack/agent-namespaces";
import { metadataOf } from "../../../core/kubernetes/placement";
import { defineStackRule, type Finding } from "../../lib/rule";
import { isUnknown } from "../../lib/unknowns";

const ENFORCE_LABEL = "pod-security.kubernetes.io/enforce";

export const kubernetesRequireRestrictedPodSecurity = defineStackRule(
    {
        name: "kubernetes-require-restricted-pod-security",
        description:
            "Agent namespaces declared in the stack must enforce the restricted Pod Security Standard, so the cluster itself refuses host access and privilege escalation.",
        enforcementLevel: "advisory",
        severity: "medium",
        remediationSteps: `Label the agent Namespace with \`${ENFORCE_LABEL}: restricted\`.`,
    },
    (model, config) => {
        const findings: Finding[] = [];
        for (const { name, node } of new AgentNamespaces(
            model,
            config.agentNamespacePatterns,
        ).declaredAgentNamespaces()) {
            const labels = metadataOf(node)?.labels;
            const value =
                labels !== null && typeof labels === "object"
                    ? (labels as Record<string, unknown>)[ENFORCE_LABEL]
                    : labels;
            if (value === "restricted") continue;
            const found = isUnknown(value)
                ? "unknown during preview"
                : value === undefined
                  ? "missing"
                  : JSON.stringify(value);
            findings.push({
                urn: node.urn,
                name: node.name,
                message: `Agent namespace ${name} does not enforce restricted Pod Security: label ${ENFORCE_LABEL} is ${found}. Set it to "restricted".`,
            });
        }
        return findings;
    },
);
