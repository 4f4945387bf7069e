import { AgentNamespaces, hasAgentLabel } from "../../../core/stack/agent-namespaces";
import type { AgentguardConfig } from "../../../core/stack/config";
import { placementOf, type Placement } from "../../../core/kubernetes/placement";
import { SERVICE_ACCOUNT_TYPES } from "../../../core/kubernetes/types";
import { defineResourceRule } from "../../lib/rule";
import { StackModel, type ResourceNode } from "../../../core/stack/stack-model";
import { isUnknown } from "../../lib/unknowns";

// A resource rule sees one resource: agent namespaces are known here by name pattern (or the service
// account's own agent label), not by a label on a Namespace elsewhere in the stack.
function placementByName(account: ResourceNode, config: AgentguardConfig): Placement {
    const agents = new AgentNamespaces(StackModel.fromNodes([]), config.agentNamespacePatterns);
    const placement = placementOf(account, agents);
    if (placement.known && !placement.agent && hasAgentLabel(account)) return { ...placement, agent: true };
    return placement;
}

export const kubernetesDisableTokenAutomount = defineResourceRule(
    {
        name: "kubernetes-disable-token-automount",
        description:
            "Service accounts in agent namespaces should set automountServiceAccountToken to false, so agent pods get no Kubernetes API token unless a pod asks for one.",
        enforcementLevel: "advisory",
        severity: "medium",
        remediationSteps:
            "Set `automountServiceAccountToken: false` on the ServiceAccount (run the pack with this rule at the `remediate` level to have it set), and mount a token only in pods that need the API.",
    },
    (account, config) => {
        if (!SERVICE_ACCOUNT_TYPES.includes(account.type)) return [];
        const automount = account.props.automountServiceAccountToken;
        if (automount === false) return [];
        const placement = placementByName(account, config);
        if (placement.known && !placement.agent) return [];
        const where = placement.known
            ? `agent namespace ${placement.namespace}`
            : `a namespace that could not be determined (${placement.reason})`;
        const value = isUnknown(automount)
            ? "unknown during preview"
            : automount === undefined
              ? "unset (defaults to true)"
              : JSON.stringify(automount);
        return [
            `ServiceAccount ${account.name} in ${where} automounts its API token: automountServiceAccountToken is ${value}. Set it to false.`,
        ];
    },
    (account, config) => {
        if (!SERVICE_ACCOUNT_TYPES.includes(account.type)) return undefined;
        if (account.props.automountServiceAccountToken === false) return undefined;
        const placement = placementByName(account, config);
        if (!placement.known || !placement.agent) return undefined;
        return { ...account.props, automountServiceAccountToken: false };
    },
);
