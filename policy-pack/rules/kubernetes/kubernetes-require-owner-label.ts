import { OWNER_KEY } from "../../../core/metadata-keys";
import { AgentNamespaces } from "../../../core/stack/agent-namespaces";
import { metadataOf } from "../../../core/kubernetes/placement";
import { defineStackRule, type Finding } from "../../lib/rule";
import { isUnknown } from "../../lib/unknowns";

const OWNER_LABEL = OWNER_KEY;

export const kubernetesRequireOwnerLabel = defineStackRule(
    {
        name: "kubernetes-require-owner-label",
        description: `Agent namespaces declared in the stack must carry the ${OWNER_LABEL} label naming the team that answers for the agent.`,
        enforcementLevel: "advisory",
        severity: "low",
        remediationSteps: `Label the agent Namespace with \`${OWNER_LABEL}: <team id>\` (label-safe characters).`,
    },
    (model, config) => {
        const findings: Finding[] = [];
        for (const { name, node } of new AgentNamespaces(
            model,
            config.agentNamespacePatterns,
        ).declaredAgentNamespaces()) {
            const labels = metadataOf(node)?.labels;
            const owner =
                labels !== null && typeof labels === "object"
                    ? (labels as Record<string, unknown>)[OWNER_LABEL]
                    : labels;
            if (typeof owner === "string" && owner.trim() !== "" && !isUnknown(owner)) continue;
            const found = isUnknown(owner)
                ? "unknown during preview"
                : owner === undefined
                  ? "missing"
                  : JSON.stringify(owner);
            findings.push({
                urn: node.urn,
                name: node.name,
                message: `Agent namespace ${name} has no owner: label ${OWNER_LABEL} is ${found}. Set it to the owning team's id.`,
            });
        }
        return findings;
    },
);
