import { AgentNamespaces } from "../../../core/stack/agent-namespaces";
import { judgeEksIdentities } from "../../lib/kubernetes/eks-identity-judgement";
import { secretSyncFindings } from "../../lib/kubernetes/secret-sync";
import { placementOf } from "../../../core/kubernetes/placement";
import { RoleIndex } from "../../../core/kubernetes/rbac-roles";
import { agentSubjects } from "../../../core/kubernetes/rbac-subjects";
import { CLUSTER_ROLE_BINDING_TYPES, ROLE_BINDING_TYPES } from "../../../core/kubernetes/types";
import type { RbacGrantScope } from "../../../core/rbac";
import { defineStackRule, type Finding } from "../../lib/rule";

export const kubernetesForbidAgentRbacEscalation = defineStackRule(
    {
        name: "kubernetes-forbid-agent-rbac-escalation",
        description:
            "No RoleBinding or ClusterRoleBinding may grant an agent service account cluster-admin, admin, edit, or a role with privilege-escalation rights (escalate, bind, impersonate, secrets, wildcards, guardrail writes, pod creation outside agent namespaces, kube-system/aws-auth writes, and cluster-wide writes to cluster plumbing: apiservices, nodes, runtimeclasses, deviceclasses, storageclasses, csidrivers, gatewayclasses, ingressclasses; and, in any namespace, writes to resources that make namespaces inheriting the agent's bindings: HNC subnamespaceanchors and hierarchyconfigurations, Capsule tenants), counting the rules other ClusterRoles aggregate into view. On EKS, no aws-auth mapRoles/mapUsers entry, access entry, access policy association or @pulumi/eks Cluster mapping may give an agent IAM role or user system:masters, a node identity (system:nodes, system:bootstrappers, a non-STANDARD access entry), a system: user name, a group or user name this stack binds to such rights (or does not bind at all), or any EKS access policy but AmazonEKSViewPolicy, at any scope. Secret-sync operators must not hand an agent namespace credentials that are not its own: no ExternalSecret there (nor ClusterExternalSecret writing there) may read through a ClusterSecretStore, a SecretStore this stack does not declare in that namespace, or one without auth (the operator's identity) or with a remoteNamespace outside agent namespaces; no Secret there may pull another namespace's Secret (replicator.v1.mittwald.de/replicate-from, reflector.v1.k8s.emberstack.com/reflects), and no Secret elsewhere may be pushed into one (replicate-to, replicate-to-matching, reflection-allowed-namespaces, reflection-auto-namespaces); no Kubernetes object of an agent namespace may carry values computed from an IAM user's access key, service-specific credential or login profile unless that user is tagged agentguard.io/agent.",
        enforcementLevel: "mandatory",
        severity: "critical",
        remediationSteps:
            "Bind agent service accounts only to Roles declared in the same stack that list the exact verbs and resources the agent needs, never to cluster-admin, admin or edit, and never granting escalate, bind, impersonate, wildcards, secrets, RBAC or network-policy writes, pod or workload writes outside the agent's own namespace, or configmap writes in kube-system (aws-auth). Do not label ClusterRoles aggregate-to-view/edit/admin with rules an agent bound to view must not hold. Do not bind groups that include every service account (system:serviceaccounts, system:authenticated). Roles not declared in the stack cannot be checked: declare them here or bind `view`. On EKS, map an agent IAM role (if at all) to a group of its own that this stack binds to a narrow Role, or associate only AmazonEKSViewPolicy; never system:masters, node groups or a system: user name. aws-auth must be plain YAML without duplicate keys; role ARNs and groups unknown during preview count as violations. Read an agent's external secrets through a SecretStore in its own namespace that authenticates as its own service account, and copy no other namespace's Secret into an agent namespace.",
    },
    (model, config) => {
        const agents = AgentNamespaces.of(model, config.agentNamespacePatterns);
        const roles = new RoleIndex(model, agents);
        const findings: Finding[] = [];
        const judge = (
            binding: (typeof model.resources)[number],
            kind: string,
            scope: RbacGrantScope,
            namespaceNote: string,
        ) => {
            const namespace = scope.kind === "namespace" ? scope.namespace : undefined;
            const role = roles.judge(binding, scope);
            if (role.kind === "safe") return;
            const subjects = agentSubjects(binding, namespace, agents);
            if (subjects.agents.length === 0 && subjects.unknown.length === 0) return;
            const who =
                subjects.agents.length > 0
                    ? `agent ${subjects.agents.join(", ")}`
                    : `subjects that may be agent service accounts (${subjects.unknown.join("; ")})`;
            const what =
                role.kind === "forbidden"
                    ? `${role.grants.join(", ")} via ${role.role}, a privilege escalation`
                    : `${role.role}, whose grants cannot be checked because ${role.reason}`;
            findings.push({
                urn: binding.urn,
                name: binding.name,
                message: `${kind} ${binding.name}${namespaceNote} grants ${who} ${what}. Bind agent service accounts only to narrow Roles declared in this stack.`,
            });
        };
        for (const binding of model.ofType(...ROLE_BINDING_TYPES)) {
            const placement = placementOf(binding, agents);
            // A RoleBinding grants only in its own namespace, whatever the role it references.
            const scope: RbacGrantScope = placement.known
                ? { kind: "namespace", namespace: placement.namespace, agent: placement.agent }
                : { kind: "unknown", reason: placement.reason };
            const note = placement.known
                ? ` in namespace ${placement.namespace}`
                : ` (namespace unknown: ${placement.reason})`;
            judge(binding, "RoleBinding", scope, note);
        }
        for (const binding of model.ofType(...CLUSTER_ROLE_BINDING_TYPES))
            judge(binding, "ClusterRoleBinding", { kind: "cluster" }, "");
        // IAM principals mapped to Kubernetes identities on EKS (aws-auth, access entries) bypass bindings.
        findings.push(...judgeEksIdentities(model, config, agents, roles));
        // Operators that copy secrets with their own rights give credentials no binding shows.
        findings.push(...secretSyncFindings(model, agents));
        return findings;
    },
);
