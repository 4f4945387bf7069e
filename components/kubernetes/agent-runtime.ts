/**
 * AgentRuntime: a namespace an AI agent can run in without reaching beyond it. Restricted Pod Security,
 * default-deny networking with DNS and an allowlist, compute/GPU/object quotas, container defaults, a
 * service account without an automounted token and, optionally, a vetted Role.
 *
 * Kill switch (`suspended: true`): the pods quota drops to 0, the RoleBinding is deleted, and the DNS
 * and allowlist NetworkPolicies are emptied so only the default deny remains. Every other child, and
 * every Kubernetes object name, stays the same, so flipping back is an in-place update plus re-creating
 * the RoleBinding under its old names. Pods already running keep running, cut off from the network and
 * the API; scale the agent's workloads to zero to stop them.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
    bindBaselineToNamespace,
    namespaceBaselinePolicies,
    type BaselineNamespaceBindings,
} from "./admission-bindings";
import {
    resolveAgentRuntimeArgs,
    type AgentRuntimeArgs,
    type AgentRuntimeSettings,
    type RbacPolicyRule,
} from "./agent-runtime-args";
import {
    egressAllowlistAnnotation,
    egressAllowlistSpec,
    planEgress,
    type PlannedEgressRule,
} from "./runtime-egress";
import { ciliumHostsSpec, hostsAnnotation, squidAllowlist } from "./runtime-hosts";
import { limitRangeLimits } from "./runtime-resources";
import {
    annotations,
    commonLabels,
    defaultDenySpec,
    dnsSpec,
    EGRESS_ALLOWLIST_ANNOTATION,
    HOSTS_ALLOWLIST_ANNOTATION,
    namespaceLabels,
    OBJECT_NAMES,
} from "./runtime-specs";

export * from "./agent-runtime-args";
export { AgentRuntimeArgumentError } from "./runtime-checks";
export { OBJECT_NAMES as AGENT_RUNTIME_OBJECT_NAMES } from "./runtime-specs";

export interface AgentRuntimeNetworkPolicies {
    /** Denies all ingress and egress for every pod in the namespace. */
    readonly defaultDeny: k8s.networking.v1.NetworkPolicy;
    /** Allows DNS to kube-dns; allows nothing while suspended. */
    readonly dns: k8s.networking.v1.NetworkPolicy;
    /** Allows the `egress` allowlist; allows nothing while suspended or when the allowlist is empty. */
    readonly egress: k8s.networking.v1.NetworkPolicy;
    /**
     * With egressEnforcement "cilium": the CiliumNetworkPolicy allowing `egressHosts` by name and DNS for
     * those names only; allows nothing while suspended.
     */
    readonly hosts?: k8s.apiextensions.CustomResource;
}

export class AgentRuntime extends pulumi.ComponentResource {
    public readonly namespaceName: pulumi.Output<string>;
    public readonly serviceAccountName: pulumi.Output<string>;
    public readonly namespace: k8s.core.v1.Namespace;
    public readonly serviceAccount: k8s.core.v1.ServiceAccount;
    public readonly networkPolicies: AgentRuntimeNetworkPolicies;
    public readonly resourceQuota: k8s.core.v1.ResourceQuota;
    public readonly limitRange: k8s.core.v1.LimitRange;
    /** Present when `rbacRules` is given. */
    public readonly role?: k8s.rbac.v1.Role;
    /** Present when `rbacRules` is given and the runtime is not suspended. */
    public readonly roleBinding?: k8s.rbac.v1.RoleBinding;
    /** Present when `admissionBaseline` is given. */
    public readonly admissionBindings?: BaselineNamespaceBindings;
    /** With egressEnforcement "proxy": Squid ACL lines allowing `egressHosts`, for the proxy's configuration. */
    public readonly proxyAllowlist?: string;

    constructor(name: string, args: AgentRuntimeArgs, opts: pulumi.ComponentResourceOptions = {}) {
        // Everything plain is checked before the component or any child exists.
        const settings = resolveAgentRuntimeArgs(name, args);
        const egress = resolveEgress(name, settings);
        const admissionBaseline =
            args.admissionBaseline === undefined
                ? undefined
                : namespaceBaselinePolicies(
                      `AgentRuntime "${name}": admissionBaseline`,
                      args.admissionBaseline,
                  );
        super("agentguard:kubernetes:AgentRuntime", name, {}, opts);
        const parent = { parent: this };
        const labels = commonLabels(settings);
        const metadata = (objectName: string, extraAnnotations: Record<string, string> = {}) => ({
            name: objectName,
            namespace: this.namespaceName,
            labels,
            annotations: {
                ...annotations(settings.extraAnnotations, settings.suspended),
                ...extraAnnotations,
            },
        });

        this.namespace = new k8s.core.v1.Namespace(
            name,
            {
                metadata: {
                    name: settings.namespaceName,
                    labels: namespaceLabels(settings, settings.podSecurityVersion),
                    annotations: annotations(settings.extraAnnotations, settings.suspended),
                },
            },
            parent,
        );
        this.namespaceName = this.namespace.metadata.name;

        this.networkPolicies = {
            defaultDeny: new k8s.networking.v1.NetworkPolicy(
                `${name}-default-deny`,
                { metadata: metadata(OBJECT_NAMES.defaultDeny), spec: defaultDenySpec() },
                parent,
            ),
            dns: new k8s.networking.v1.NetworkPolicy(
                `${name}-allow-dns`,
                {
                    metadata: metadata(OBJECT_NAMES.dns),
                    spec: dnsSpec(settings.suspended, settings.egressEnforcement === "networkPolicy"),
                },
                parent,
            ),
            egress: new k8s.networking.v1.NetworkPolicy(
                `${name}-allow-egress`,
                {
                    metadata: egress.apply((planned) =>
                        metadata(OBJECT_NAMES.egress, {
                            [EGRESS_ALLOWLIST_ANNOTATION]: egressAllowlistAnnotation(planned),
                        }),
                    ),
                    spec: egress.apply((planned) =>
                        egressAllowlistSpec(planned, settings.suspended, settings.egressProxy),
                    ),
                },
                parent,
            ),
            ...(settings.egressEnforcement === "cilium"
                ? {
                      hosts: new k8s.apiextensions.CustomResource(
                          `${name}-allow-hosts`,
                          {
                              apiVersion: "cilium.io/v2",
                              kind: "CiliumNetworkPolicy",
                              metadata: metadata(OBJECT_NAMES.hosts, {
                                  [HOSTS_ALLOWLIST_ANNOTATION]: hostsAnnotation(settings.egressHosts),
                              }),
                              spec: ciliumHostsSpec(settings.egressHosts, settings.suspended),
                          },
                          parent,
                      ),
                  }
                : {}),
        };
        if (settings.egressEnforcement === "proxy") {
            this.proxyAllowlist = squidAllowlist(
                settings.agentId,
                settings.suspended ? [] : settings.egressHosts,
            );
        }

        this.resourceQuota = new k8s.core.v1.ResourceQuota(
            name,
            {
                metadata: metadata(OBJECT_NAMES.resourceQuota),
                spec: {
                    hard: settings.suspended ? settings.resources.suspendedHard : settings.resources.hard,
                },
            },
            parent,
        );
        this.limitRange = new k8s.core.v1.LimitRange(
            name,
            {
                metadata: metadata(OBJECT_NAMES.limitRange),
                spec: { limits: limitRangeLimits(settings.resources) },
            },
            parent,
        );

        this.serviceAccount = new k8s.core.v1.ServiceAccount(
            name,
            { metadata: metadata(OBJECT_NAMES.serviceAccount), automountServiceAccountToken: false },
            parent,
        );
        this.serviceAccountName = this.serviceAccount.metadata.name;

        if (settings.rbacRules !== undefined) {
            this.role = new k8s.rbac.v1.Role(
                name,
                { metadata: metadata(OBJECT_NAMES.role), rules: settings.rbacRules.map(toPolicyRule) },
                parent,
            );
            if (!settings.suspended) {
                this.roleBinding = new k8s.rbac.v1.RoleBinding(
                    name,
                    {
                        metadata: metadata(OBJECT_NAMES.roleBinding),
                        roleRef: {
                            apiGroup: "rbac.authorization.k8s.io",
                            kind: "Role",
                            name: this.role.metadata.name,
                        },
                        subjects: [
                            {
                                kind: "ServiceAccount",
                                name: this.serviceAccountName,
                                namespace: this.namespaceName,
                            },
                        ],
                    },
                    parent,
                );
            }
        }

        if (admissionBaseline !== undefined) {
            this.admissionBindings = bindBaselineToNamespace(
                `${name}-admission`,
                { namespace: this.namespaceName, baseline: admissionBaseline },
                parent,
            );
        }

        this.registerOutputs({
            namespaceName: this.namespaceName,
            serviceAccountName: this.serviceAccountName,
            namespace: this.namespace,
            serviceAccount: this.serviceAccount,
            networkPolicies: this.networkPolicies,
            resourceQuota: this.resourceQuota,
            limitRange: this.limitRange,
            role: this.role,
            roleBinding: this.roleBinding,
            admissionBindings: this.admissionBindings,
            proxyAllowlist: this.proxyAllowlist,
        });
    }
}

/**
 * The planned allowlist. Plain CIDRs are judged now, before any child exists; Output CIDRs are judged
 * when they resolve, and a rejection fails the allowlist NetworkPolicy (and so the deployment). The plain
 * ones alone are still judged now: every check only gets stricter as entries are added.
 */
function resolveEgress(name: string, settings: AgentRuntimeSettings): pulumi.Output<PlannedEgressRule[]> {
    const rules = settings.egress;
    const budget = settings.maxPublicEgressAddresses;
    const plainCidrs = rules.map((rule) => (typeof rule.cidr === "string" ? rule.cidr : undefined));
    const planned = planEgress(name, rules, plainCidrs, budget);
    if (plainCidrs.every((cidr) => cidr !== undefined)) return pulumi.output(planned);
    return pulumi
        .all(rules.map((rule) => rule.cidr))
        .apply((cidrs) => planEgress(name, rules, cidrs, budget));
}

function toPolicyRule(rule: RbacPolicyRule): k8s.types.input.rbac.v1.PolicyRule {
    return {
        apiGroups: [...(rule.apiGroups ?? [])],
        resources: [...(rule.resources ?? [])],
        verbs: [...(rule.verbs ?? [])],
        ...(rule.resourceNames === undefined ? {} : { resourceNames: [...rule.resourceNames] }),
    };
}
