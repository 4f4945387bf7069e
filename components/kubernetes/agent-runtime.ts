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
import type * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { componentLabel } from "../args";
import {
    bindBaselineToNamespace,
    namespaceBaselinePolicies,
    type BaselineNamespaceBindings,
    type NamespaceBaselinePolicies,
} from "./admission-bindings";
import {
    resolveAgentRuntimeArgs,
    type AgentRuntimeArgs,
    type AgentRuntimeSettings,
} from "./agent-runtime-args";
import {
    childScope,
    createLimitRange,
    createNamespace,
    createNetworkPolicies,
    createRbac,
    createResourceQuota,
    createServiceAccount,
    proxyAllowlistOf,
    type AgentRuntimeNetworkPolicies,
} from "./runtime-children";
import { planEgress, type PlannedEgressRule } from "./runtime-egress";
import { dnsModeOf } from "./runtime-hosts";

export * from "./agent-runtime-args";
export { AgentRuntimeArgumentError } from "../args";
export { OBJECT_NAMES as AGENT_RUNTIME_OBJECT_NAMES } from "./runtime-specs";
export type { AgentRuntimeNetworkPolicies } from "./runtime-children";

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
        const plan = planAgentRuntime(name, args);
        super("agentguard:kubernetes:AgentRuntime", name, {}, opts);
        this.namespace = createNamespace(name, plan.settings, this);
        this.namespaceName = this.namespace.metadata.name;
        const scope = childScope(name, plan.settings, this.namespaceName, this);
        this.networkPolicies = createNetworkPolicies(scope, plan.egress);
        this.proxyAllowlist = proxyAllowlistOf(plan.settings);
        this.resourceQuota = createResourceQuota(scope);
        this.limitRange = createLimitRange(scope);
        this.serviceAccount = createServiceAccount(scope);
        this.serviceAccountName = this.serviceAccount.metadata.name;
        const rbac = createRbac(scope, this.serviceAccountName);
        this.role = rbac.role;
        this.roleBinding = rbac.roleBinding;
        this.admissionBindings =
            plan.admissionBaseline &&
            bindBaselineToNamespace(
                `${name}-admission`,
                { namespace: this.namespaceName, baseline: plan.admissionBaseline },
                { parent: this },
            );
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

/** The validated arguments: what the constructor builds from. */
interface AgentRuntimePlan {
    readonly settings: AgentRuntimeSettings;
    readonly egress: pulumi.Output<PlannedEgressRule[]>;
    readonly admissionBaseline?: NamespaceBaselinePolicies;
}

/** Checks every argument; throws AgentRuntimeArgumentError before anything is registered. */
function planAgentRuntime(name: string, args: AgentRuntimeArgs): AgentRuntimePlan {
    const settings = resolveAgentRuntimeArgs(name, args);
    const component = componentLabel("AgentRuntime", name);
    return {
        settings,
        egress: resolveEgress(component, settings),
        ...(args.admissionBaseline !== undefined && {
            admissionBaseline: namespaceBaselinePolicies(
                component,
                "admissionBaseline",
                args.admissionBaseline,
            ),
        }),
    };
}

/**
 * The planned allowlist. Plain CIDRs are judged now, before any child exists; Output CIDRs are judged
 * when they resolve, and a rejection fails the allowlist NetworkPolicy (and so the deployment). The plain
 * ones alone are still judged now: every check only gets stricter as entries are added.
 */
function resolveEgress(
    component: string,
    settings: AgentRuntimeSettings,
): pulumi.Output<PlannedEgressRule[]> {
    const rules = settings.egress;
    const budget = settings.maxPublicEgressAddresses;
    const dns = dnsModeOf(settings.egressEnforcement);
    const plainCidrs = rules.map((rule) => (typeof rule.cidr === "string" ? rule.cidr : undefined));
    const planned = planEgress(component, rules, plainCidrs, budget, dns);
    if (plainCidrs.every((cidr) => cidr !== undefined)) return pulumi.output(planned);
    return pulumi
        .all(rules.map((rule) => rule.cidr))
        .apply((cidrs) => planEgress(component, rules, cidrs, budget, dns));
}
