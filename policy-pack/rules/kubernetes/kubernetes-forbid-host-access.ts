import { AgentNamespaces } from "../../../core/stack/agent-namespaces";
import { findHostAccess, findLooseHostAccess, type HostAccess } from "../../../core/kubernetes/host-access";
import {
    describeBinding,
    describeHostVolume,
    HostVolumes,
    type HostClaimUse,
} from "../../lib/kubernetes/host-volumes";
import { agentPlacementPhrase, placementOf, type Placement } from "../../../core/kubernetes/placement";
import { runTimePodEscapes } from "../../lib/kubernetes/pod-security";
import { RoleIndex } from "../../../core/kubernetes/rbac-roles";
import { HOST_FIELDS, mutatorFindings, podMutators } from "../../../core/kubernetes/pod-mutators";
import { PERSISTENT_VOLUME_CLAIM_TYPES } from "../../../core/kubernetes/types";
import {
    isCustomWorkloadType,
    kindOf,
    looseObjectsOf,
    podRunningResources,
    podSpecsOf,
} from "../../../core/kubernetes/workloads";
import { defineStackRule, type Finding } from "../../lib/rule";

export const kubernetesForbidHostAccess = defineStackRule(
    {
        name: "kubernetes-forbid-host-access",
        description:
            "Workloads in agent namespaces must not use hostNetwork, hostPID, hostIPC, hostPort, hostPath volumes, privileged or privilege-escalating containers, added capabilities, Unconfined seccomp or AppArmor profiles (or AppArmor annotations), Unmasked procMount or unsafe sysctls, Windows hostProcess, SELinux options that leave the confined container types (spc_t, unconfined_t, *_unconfined_t, container_engine_t…) or set a user, role or level (hostUsers: false permits none of these), in any pod template they hold: custom resources of pod-running controllers (Argo Workflow, CronWorkflow and WorkflowTemplate with their podSpecPatch and resource-template manifests, Ray, Kubeflow, Spark, JobSet, KServe, LeaderWorkerSet, Volcano) and of any other API group are searched for every object holding containers, and for host fields kept in a controller's own shape (a Spark driver's securityContext or hostNetwork, a hostPath volume anywhere); they must not reach a node's disk through a PersistentVolumeClaim bound to a hostPath or local PersistentVolume; such claims in agent namespaces, and such PersistentVolumes reserved for them, are rejected too. A MutatingAdmissionPolicy whose mutations write host-access fields, or a MutatingWebhookConfiguration (whose mutations no policy can read), that matches pods, pod controllers or custom resources in a declared agent namespace is rejected: it would rewrite agent pods after this check. A RoleBinding that lets an agent service account create pods or pod controllers (directly, through edit/admin, a wildcard, or rules aggregated into view) in an agent namespace that does not enforce restricted Pod Security (label pod-security.kubernetes.io/enforce: restricted, enforce-version latest or v1.25+, on every Namespace and NamespacePatch of that name declared in the stack) is rejected: the agent could create a privileged pod at run time.",
        enforcementLevel: "mandatory",
        severity: "critical",
        remediationSteps:
            "Remove hostNetwork, hostPID, hostIPC, hostPort and hostPath volumes from the pod spec; set privileged and allowPrivilegeEscalation to false (or leave them unset) and add no capabilities except NET_BIND_SERVICE, in containers, initContainers and ephemeralContainers alike; leave seccompProfile and appArmorProfile unset or RuntimeDefault/Localhost (AppArmor annotations runtime/default or localhost/<profile>), procMount unset or Default, seLinuxOptions unset or only type container_t/container_init_t/container_kvm_t (no user, role or level), and set only the safe sysctls (e.g. net.ipv4.ip_local_port_range). Bind claims in agent namespaces (persistentVolumeClaim volumes, StatefulSet volumeClaimTemplates, ephemeral volumes) only to network or CSI volumes: no spec.volumeName naming a hostPath or local PersistentVolume, no such PersistentVolume with a spec.claimRef into an agent namespace, and no storage class shared with an unreserved one (give that PersistentVolume a claimRef to its intended claim, or the agent claim a different storageClassName). Declare every agent namespace whose service accounts may create pods in this stack, labelled pod-security.kubernetes.io/enforce: restricted (enforce-version latest or v1.25+), or grant no pod creation. Values unknown during preview count as violations: make them plain values.",
    },
    (model, config) => {
        const agents = AgentNamespaces.of(model, config.agentNamespacePatterns);
        const volumes = new HostVolumes(model, (node) => placementOf(node, agents));
        const findings: Finding[] = [];
        for (const workload of podRunningResources(model)) {
            const custom = isCustomWorkloadType(workload.type);
            // Custom resources are many (network policies, certificates): walk only those agents may own.
            if (custom && !mayBeAgent(placementOf(workload, agents))) continue;
            const pods = podSpecsOf(workload);
            const loose = looseObjectsOf(workload, pods);
            if (pods.length === 0 && loose.length === 0) continue;
            const access = [
                ...pods.flatMap((pod) =>
                    findHostAccess(pod.spec, pod.path, pod.metadata, pod.metadataPath, custom),
                ),
                ...findLooseHostAccess(loose),
            ];
            if (access.length === 0 && volumes.volumes.length === 0) continue;
            const placement = placementOf(workload, agents);
            if (placement.known && !placement.agent) continue;
            const uses = pods.flatMap((pod) => volumes.claimUses(workload, pod, placement));
            if (access.length === 0 && uses.length === 0) continue;
            const advice = [
                ...(access.length > 0
                    ? [
                          "Keep these host-access settings false or unset in agent workloads (seccomp and AppArmor profiles RuntimeDefault or Localhost, procMount Default, only safe sysctls).",
                      ]
                    : []),
                ...(uses.length > 0
                    ? [
                          "Mount only claims bound to network or CSI volumes, never a hostPath or local PersistentVolume.",
                      ]
                    : []),
            ];
            findings.push({
                urn: workload.urn,
                name: workload.name,
                message: `${kindOf(workload.type)} ${workload.name} ${agentPlacementPhrase(placement)} breaks host confinement: ${[
                    ...access.map(describe),
                    ...uses.map(describeUse),
                ].join("; ")}. ${advice.join(" ")}`,
            });
        }
        for (const claim of model.ofType(...PERSISTENT_VOLUME_CLAIM_TYPES)) {
            const bindings = volumes.claimBindings(claim);
            if (bindings.length === 0) continue;
            const placement = placementOf(claim, agents);
            if (placement.known && !placement.agent) continue;
            findings.push({
                urn: claim.urn,
                name: claim.name,
                message: `PersistentVolumeClaim ${claim.name} ${agentPlacementPhrase(placement)} gives pods a node's disk: it ${bindings
                    .map(describeBinding)
                    .join(
                        ", and ",
                    )}. Bind claims in agent namespaces only to network or CSI volumes: drop the volumeName, claimRef or shared storage class that ties it to a hostPath or local PersistentVolume.`,
            });
        }
        for (const volume of volumes.volumes) {
            const reservation = volumes.agentReservation(volume, agents);
            if (reservation === undefined) continue;
            const node = volume.node;
            findings.push({
                urn: node.urn,
                name: node.name,
                message: `${describeHostVolume(volume)}, ${reservation.certain ? "is reserved" : "may be reserved"} for a claim in an agent namespace: ${reservation.via}. Do not reserve hostPath or local PersistentVolumes for agent claims: remove the spec.claimRef or use a network or CSI volume.`,
            });
        }
        for (const mutator of podMutators(model, agents)) {
            const writes = mutatorFindings(mutator, HOST_FIELDS);
            if (writes.length === 0) continue;
            findings.push({
                urn: mutator.node.urn,
                name: mutator.node.name,
                message: `${mutator.kind} ${mutator.node.name} may rewrite agent pods before they run, past host confinement (${mutator.reach}): ${writes.join("; ")}. The pods agents run would not be the ones this stack declares: exclude agent namespaces with its namespaceSelector (e.g. agentguard.io/agent DoesNotExist), or do not write host-access fields.`,
            });
        }
        findings.push(...runTimePodEscapes(model, agents, new RoleIndex(model, agents)));
        return findings;
    },
);

function mayBeAgent(placement: Placement): boolean {
    return !placement.known || placement.agent;
}

function describe(access: HostAccess): string {
    return access.unknown
        ? `${access.field} is unknown during preview, so host access cannot be ruled out`
        : `${access.field} is ${JSON.stringify(access.value)} (${access.why})`;
}

function describeUse(use: HostClaimUse): string {
    return use.bindings.map((b) => `${use.subject} ${describeBinding(b)}`).join("; ");
}
