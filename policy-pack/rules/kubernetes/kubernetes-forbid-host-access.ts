import { AgentNamespaces } from "../../lib/agent-namespaces";
import { findHostAccess, type HostAccess } from "../../lib/kubernetes/host-access";
import { placementOf } from "../../lib/kubernetes/placement";
import { WORKLOAD_TYPES } from "../../lib/kubernetes/types";
import { kindOf, podSpecOf } from "../../lib/kubernetes/workloads";
import { defineStackRule, type Finding } from "../../lib/rule";

export const kubernetesForbidHostAccess = defineStackRule(
    {
        name: "kubernetes-forbid-host-access",
        description:
            "Workloads in agent namespaces must not use hostNetwork, hostPID, hostIPC, hostPort, hostPath volumes, privileged or privilege-escalating containers, or added capabilities.",
        enforcementLevel: "mandatory",
        severity: "critical",
        remediationSteps:
            "Remove hostNetwork, hostPID, hostIPC, hostPort and hostPath volumes from the pod spec; set privileged and allowPrivilegeEscalation to false (or leave them unset) and add no capabilities except NET_BIND_SERVICE, in containers, initContainers and ephemeralContainers alike. Values unknown during preview count as violations: make them plain values.",
    },
    (model, config) => {
        const agents = new AgentNamespaces(model, config.agentNamespacePatterns);
        const findings: Finding[] = [];
        for (const workload of model.ofType(...WORKLOAD_TYPES)) {
            const pod = podSpecOf(workload);
            if (pod === undefined) continue;
            const access = findHostAccess(pod.spec, pod.path);
            if (access.length === 0) continue;
            const placement = placementOf(workload, agents);
            if (placement.known && !placement.agent) continue;
            const where = placement.known
                ? `in agent namespace ${placement.namespace}`
                : `in a namespace that could not be determined (${placement.reason}), so possibly an agent namespace,`;
            findings.push({
                urn: workload.urn,
                name: workload.name,
                message: `${kindOf(workload.type)} ${workload.name} ${where} breaks host confinement: ${access.map(describe).join("; ")}. Keep these host-access settings false or unset in agent workloads.`,
            });
        }
        return findings;
    },
);

function describe(access: HostAccess): string {
    return access.unknown
        ? `${access.field} is unknown during preview, so host access cannot be ruled out`
        : `${access.field} is ${JSON.stringify(access.value)} (${access.why})`;
}
