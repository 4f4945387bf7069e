/**
 * Runtime defence in depth: Kubernetes ValidatingAdmissionPolicies that keep an agent holding live
 * credentials from editing its own guardrails or escaping its pod sandbox, whatever the deploy-time
 * checks saw.
 *
 * Limits (see also admission-cel.ts):
 * - Kubernetes never runs admission policies (or webhooks) on ValidatingAdmissionPolicies and their
 *   bindings, so these objects can't protect themselves. Who may edit them is decided by RBAC alone; the
 *   `guardrail-integrity` policy therefore stops anyone but the deployer from creating ClusterRoles that
 *   grant that access (or impersonation) and from binding `privilegedClusterRoles`. Identities that already
 *   hold such access (and system:masters) remain able to remove the baseline: audit them.
 * - A policy can't read the requester's Namespace. Service accounts are recognised as agents by
 *   namespace name (`agentNamespacePatterns`, `agentNamespaces`), and by the `agentguard.io/agent` label
 *   only when they act inside their own namespace. Name label-only agent namespaces in `agentNamespaces`,
 *   or bind them with `bindBaselineToNamespace`.
 */
import { OWNER_KEY } from "../../core/metadata-keys";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { BaselineSettings, DeployerIdentities, resolveBaselineSettings } from "./admission-args";
import { bindingSpec, MANAGED_BY_LABELS, NamespaceBaselinePolicies } from "./admission-bindings";
import {
    buildPolicySpecs,
    CLUSTER_POLICY_KEYS,
    PolicyKey,
    policyNames,
    POLICY_SUFFIXES,
    toKubernetesSpec,
} from "./admission-policies";

export { bindBaselineToNamespace } from "./admission-bindings";
export type {
    BaselineNamespaceBindingArgs,
    BaselineNamespaceBindings,
    HasNamespaceBaselinePolicies,
    NamespaceBaselinePolicies,
} from "./admission-bindings";
export { BaselineArgumentError, type DeployerIdentities } from "./admission-args";

export interface AgentGuardrailsBaselineArgs {
    /** Platform team owning the baseline (label-safe team id), set as `agentguard.io/owner`. */
    readonly owner: string;
    /**
     * Namespace name globs (`*` = any run of characters) whose service accounts and pods are agents.
     * Must not match kube-system, kube-public, kube-node-lease or default.
     * @default ["agent-*"]
     */
    readonly agentNamespacePatterns?: readonly string[];
    /**
     * Further agent namespaces by exact name, e.g. those identified only by the `agentguard.io/agent` label,
     * so that their service accounts are recognised everywhere, not just inside their own namespace.
     * @default []
     */
    readonly agentNamespaces?: readonly string[];
    /**
     * Identities trusted to grant control over admission policies (ClusterRoles with that access,
     * bindings of `privilegedClusterRoles`) and to remove the agent label from namespaces. Must not include
     * agents or everyone. On EKS, map the deployer's IAM role to a group and list that group.
     * @default { groups: ["system:masters"] }
     */
    readonly deployers?: DeployerIdentities;
    /**
     * ClusterRoles that only deployers may bind (they can delete admission policies).
     * @default ["cluster-admin"]
     */
    readonly privilegedClusterRoles?: readonly string[];
    /**
     * RuntimeClass every pod in an agent namespace must use, e.g. "gvisor".
     * @default undefined (any runtime is allowed)
     */
    readonly sandboxRuntimeClassName?: string;
    /**
     * Prefix of the Kubernetes names of the policies and bindings (`<prefix>-agent-pod-security`, ...).
     * @default the component name
     */
    readonly policyNamePrefix?: string;
}

export class AgentGuardrailsBaseline extends pulumi.ComponentResource {
    /** Kubernetes names of every policy the baseline installs. */
    readonly policyNames: pulumi.Output<string[]>;
    /** Kubernetes names of the cluster-wide bindings (the namespace-scoped policies have none). */
    readonly clusterBindingNames: pulumi.Output<string[]>;
    /** The namespace-scoped policies, for `bindBaselineToNamespace` (e.g. via AgentRuntime's `admissionBaseline`). */
    readonly namespacePolicies: NamespaceBaselinePolicies;
    /** The settings the policies were compiled from, after defaults. */
    readonly settings: BaselineSettings;

    constructor(name: string, args: AgentGuardrailsBaselineArgs, opts: pulumi.ComponentResourceOptions = {}) {
        // Every argument is compiled into CEL, so all are checked before the component or any child exists.
        const settings = resolveBaselineSettings(name, args);
        super("agentguard:kubernetes:AgentGuardrailsBaseline", name, {}, opts);
        const labels = { ...MANAGED_BY_LABELS, [OWNER_KEY]: settings.owner };
        const policies = createPolicies(name, settings, labels, this);
        const bindings = createClusterBindings(name, settings, labels, policies, this);

        this.settings = settings;
        this.policyNames = pulumi.all(Object.values(policies).map((policy) => policy.metadata.name));
        this.clusterBindingNames = pulumi.all(bindings.map((binding) => binding.metadata.name));
        this.namespacePolicies = {
            protectedResources: policies.namespaceProtectedResources.metadata.name,
            podSecurity: policies.namespacePodSecurity.metadata.name,
        };
        this.registerOutputs({
            policyNames: this.policyNames,
            clusterBindingNames: this.clusterBindingNames,
            namespacePolicies: this.namespacePolicies,
        });
    }
}

type Policies = Record<PolicyKey, k8s.admissionregistration.v1.ValidatingAdmissionPolicy>;

/** Every policy the baseline installs, cluster-wide and namespace-scoped. */
function createPolicies(
    name: string,
    settings: BaselineSettings,
    labels: Record<string, string>,
    parent: pulumi.Resource,
): Policies {
    const specs = buildPolicySpecs(settings);
    const names = policyNames(settings.policyNamePrefix);
    const policies = {} as Policies;
    for (const key of Object.keys(specs) as PolicyKey[]) {
        policies[key] = new k8s.admissionregistration.v1.ValidatingAdmissionPolicy(
            `${name}-${POLICY_SUFFIXES[key]}`,
            { metadata: { name: names[key], labels }, spec: toKubernetesSpec(specs[key]) },
            { parent },
        );
    }
    return policies;
}

/** Bindings of the cluster-wide policies; namespace-scoped ones are bound per namespace (bindBaselineToNamespace). */
function createClusterBindings(
    name: string,
    settings: BaselineSettings,
    labels: Record<string, string>,
    policies: Policies,
    parent: pulumi.Resource,
): k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding[] {
    const names = policyNames(settings.policyNamePrefix);
    return CLUSTER_POLICY_KEYS.map(
        (key) =>
            new k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding(
                `${name}-${POLICY_SUFFIXES[key]}-binding`,
                { metadata: { name: names[key], labels }, spec: bindingSpec(policies[key].metadata.name) },
                { parent },
            ),
    );
}
