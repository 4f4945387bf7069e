import { declaredNamespaceName, type AgentNamespaces } from "../../../core/stack/agent-namespaces";
import type { Finding } from "../rule";
import type { ResourceNode, StackModel } from "../../../core/stack/stack-model";
import { isUnknown } from "../unknowns";
import { placementOf } from "../../../core/kubernetes/placement";
import type { RoleIndex } from "../../../core/kubernetes/rbac-roles";
import { agentSubjects } from "../../../core/kubernetes/rbac-subjects";
import { NAMESPACE_TYPES, ROLE_BINDING_TYPES } from "../../../core/kubernetes/types";

export const ENFORCE_LABEL = "pod-security.kubernetes.io/enforce";
export const ENFORCE_VERSION_LABEL = "pod-security.kubernetes.io/enforce-version";
/** The first release whose restricted profile holds every check the host-access rule relies on. */
const MIN_RESTRICTED_MINOR = 25;

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * Why the namespace named `name` does not certainly enforce restricted Pod Security at a recent version, or
 * undefined when it does. Every Namespace and NamespacePatch of that name counts: one that sets another
 * level, an old version, or unknown labels fails it; a namespace this stack does not declare fails closed.
 */
export function restrictedEnforcementProblem(
    model: StackModel,
    name: string,
    extra: ResourceNode | undefined,
): string | undefined {
    const nodes = model.ofType(...NAMESPACE_TYPES).filter((ns) => declaredNamespaceName(ns) === name);
    if (extra !== undefined && !nodes.includes(extra)) nodes.push(extra);
    if (nodes.length === 0) {
        return `namespace ${name} is not declared in this stack, so its ${ENFORCE_LABEL} label cannot be read`;
    }
    let enforced = false;
    for (const ns of nodes) {
        const metadata = ns.props.metadata;
        const labels = isObject(metadata) ? metadata.labels : metadata;
        if (isUnknown(labels))
            return `the labels of ${ns.type.endsWith("Patch") ? "NamespacePatch" : "Namespace"} ${ns.name} are unknown during preview`;
        if (!isObject(labels)) continue;
        const level = labels[ENFORCE_LABEL];
        if (isUnknown(level)) return `label ${ENFORCE_LABEL} of ${ns.name} is unknown during preview`;
        if (level !== undefined && level !== null) {
            if (level !== "restricted")
                return `label ${ENFORCE_LABEL} of ${ns.name} is ${JSON.stringify(level)}`;
            enforced = true;
        }
        const version = labels[ENFORCE_VERSION_LABEL];
        if (isUnknown(version))
            return `label ${ENFORCE_VERSION_LABEL} of ${ns.name} is unknown during preview`;
        if (version !== undefined && version !== null && !recentVersion(version)) {
            return `label ${ENFORCE_VERSION_LABEL} of ${ns.name} is ${JSON.stringify(version)}, older than v1.${MIN_RESTRICTED_MINOR} or unreadable (use latest or v1.${MIN_RESTRICTED_MINOR}+)`;
        }
    }
    return enforced ? undefined : `label ${ENFORCE_LABEL} is missing`;
}

function recentVersion(version: unknown): boolean {
    if (version === "latest") return true;
    const match = typeof version === "string" ? /^v1\.(\d+)$/.exec(version) : null;
    return match !== null && Number(match[1]) >= MIN_RESTRICTED_MINOR;
}

/**
 * RoleBindings that let agent service accounts create pods (or pod controllers) in an agent namespace that
 * does not enforce restricted Pod Security: the agent can then write a privileged pod at run time, which no
 * check of this stack's own pod specs can see. Bindings elsewhere are the escalation rule's to judge.
 */
export function runTimePodEscapes(model: StackModel, agents: AgentNamespaces, roles: RoleIndex): Finding[] {
    const findings: Finding[] = [];
    for (const binding of model.ofType(...ROLE_BINDING_TYPES)) {
        const placement = placementOf(binding, agents);
        if (!placement.known || !placement.agent) continue;
        const creation = roles.podCreation(binding, placement.namespace);
        if (creation === undefined) continue;
        const subjects = agentSubjects(binding, placement.namespace, agents);
        if (subjects.agents.length === 0 && subjects.unknown.length === 0) continue;
        const problem = restrictedEnforcementProblem(model, placement.namespace, placement.namespaceNode);
        if (problem === undefined) continue;
        const who =
            subjects.agents.length > 0
                ? `agent ${subjects.agents.join(", ")}`
                : `subjects that may be agent service accounts (${subjects.unknown.join("; ")})`;
        findings.push({
            urn: binding.urn,
            name: binding.name,
            message: `RoleBinding ${binding.name} in agent namespace ${placement.namespace} lets ${who} create pods (${creation.role}: ${creation.grants.join(", ")}), but the namespace does not enforce restricted Pod Security (${problem}): the agent can create a privileged or host-access pod at run time. Label Namespace ${placement.namespace} with ${ENFORCE_LABEL}: restricted (and ${ENFORCE_VERSION_LABEL}: latest or v1.${MIN_RESTRICTED_MINOR}+), or do not grant the agent pod creation.`,
        });
    }
    return findings;
}
