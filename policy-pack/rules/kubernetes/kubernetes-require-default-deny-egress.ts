import { AgentNamespaces } from "../../../core/stack/agent-namespaces";
import { egressShapeProblems, isDefaultDenyEgress } from "../../../core/kubernetes/network-policies";
import { placementOf } from "../../../core/kubernetes/placement";
import { NETWORK_POLICY_TYPES, WORKLOAD_TYPES } from "../../../core/kubernetes/types";
import { kindOf } from "../../../core/kubernetes/workloads";
import { defineStackRule, type Finding } from "../../lib/rule";
import type { ResourceNode } from "../../../core/stack/stack-model";

export const kubernetesRequireDefaultDenyEgress = defineStackRule(
    {
        name: "kubernetes-require-default-deny-egress",
        description:
            "Every agent namespace this stack declares or places workloads or NetworkPolicies in must have a default-deny egress NetworkPolicy.",
        enforcementLevel: "mandatory",
        severity: "high",
        remediationSteps:
            'Add a NetworkPolicy to the agent namespace with `podSelector: {}`, `policyTypes: ["Egress"]` (plus Ingress if wanted) and no egress rules, then allow each needed destination in separate, narrow policies. Give workloads a known namespace so the rule can tell where they run.',
    },
    (model, config) => {
        const agents = AgentNamespaces.of(model, config.agentNamespacePatterns);
        const denied = new Set<string>();
        // Namespace → the resource to blame when it lacks a default deny.
        const needed = new Map<string, ResourceNode>();
        for (const { name, node } of agents.declaredAgentNamespaces()) needed.set(name, node);
        const findings: Finding[] = [];
        const malformed = new Map<string, string[]>();
        for (const resource of model.ofType(...NETWORK_POLICY_TYPES, ...WORKLOAD_TYPES)) {
            const placement = placementOf(resource, agents);
            if (!placement.known) {
                // A policy of unknown placement opens nothing by itself (kubernetes-forbid-open-egress judges it).
                if (NETWORK_POLICY_TYPES.includes(resource.type)) continue;
                findings.push({
                    urn: resource.urn,
                    name: resource.name,
                    message: `${kindOf(resource.type)} ${resource.name} may run in an agent namespace without default-deny egress: its namespace could not be determined (${placement.reason}). Set metadata.namespace to a known namespace.`,
                });
                continue;
            }
            if (!placement.agent) continue;
            if (NETWORK_POLICY_TYPES.includes(resource.type)) {
                if (isDefaultDenyEgress(resource)) denied.add(placement.namespace);
                // A policy Kubernetes would reject denies nothing: say why it is not counted.
                const problems = egressShapeProblems(resource);
                if (problems.length > 0) {
                    const list = malformed.get(placement.namespace) ?? [];
                    list.push(`NetworkPolicy ${resource.name} is not counted: ${problems.join("; ")}`);
                    malformed.set(placement.namespace, list);
                }
            }
            if (!needed.has(placement.namespace)) {
                needed.set(placement.namespace, placement.namespaceNode ?? resource);
            }
        }
        for (const [namespace, blame] of needed) {
            if (denied.has(namespace)) continue;
            findings.push({
                urn: blame.urn,
                name: blame.name,
                message: `Agent namespace ${namespace} has no default-deny egress NetworkPolicy, so its pods can open connections anywhere${notCounted(malformed.get(namespace))}. Add a NetworkPolicy in ${namespace} with podSelector {}, policyTypes including "Egress" and no egress rules.`,
            });
        }
        return findings;
    },
);

const notCounted = (problems: readonly string[] | undefined): string =>
    problems === undefined ? "" : ` (${problems.join("; ")})`;
