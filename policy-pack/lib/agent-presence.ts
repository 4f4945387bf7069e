import { AgentNamespaces } from "../../core/stack/agent-namespaces";
import { identifyAgentRoles } from "../../core/aws/agent-roles";
import { agentTag, describeAgentTag } from "../../core/aws/tags";
import { identifyAgentUsers } from "../../core/aws/user-documents";
import type { AgentguardConfig } from "../../core/stack/config";
import { kubernetesAgentPresence } from "../../core/kubernetes/agent-looking";
import type { ResourceNode, StackModel } from "../../core/stack/stack-model";

const kindOf = (node: ResourceNode): string => node.type.split(":").pop() ?? node.type;

/**
 * The first agent identity the stack has, or what keeps it from telling (an unknown namespace, tag or trust
 * policy), for messages; undefined when it certainly has none. Rules about resources that matter only where
 * an agent could reach them (opaque templates, dynamic providers) ask this.
 */
export function agentPresence(model: StackModel, config: AgentguardConfig): string | undefined {
    return model.derived(`agent-presence:${JSON.stringify(config.agentNamespacePatterns)}`, () =>
        findAgentPresence(model, config),
    );
}

function findAgentPresence(model: StackModel, config: AgentguardConfig): string | undefined {
    const agents = AgentNamespaces.of(model, config.agentNamespacePatterns);
    const namespace = agents.declaredAgentNamespaces()[0];
    if (namespace) return `agent namespace "${namespace.name}"`;
    for (const role of identifyAgentRoles(model, config).roles.values()) {
        const kind = role.certainty === "agent" ? "agent role" : "possible agent role";
        return `${kind} ${role.node.name} (${role.reasons[0]})`;
    }
    for (const user of identifyAgentUsers(model)) {
        const kind = user.certainty === "agent" ? "agent user" : "possible agent user";
        return `${kind} ${user.node.name} (${user.reasons[0]})`;
    }
    for (const node of model.resources) {
        if (!node.type.startsWith("aws:")) continue;
        const tag = agentTag(node);
        if (tag.state !== "untagged") return `${kindOf(node)} ${node.name}, as ${describeAgentTag(tag)}`;
    }
    return kubernetesAgentPresence(model, agents);
}
