/** AgentRuntime's children, one step per function, in the order the runtime registers them. */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { AgentRuntimeSettings, RbacPolicyRule } from "./agent-runtime-args";
import { egressAllowlistAnnotation, egressAllowlistSpec, type PlannedEgressRule } from "./runtime-egress";
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

/** What every child in the namespace shares: its parent, labels and annotations. */
export interface ChildScope {
    readonly name: string;
    readonly settings: AgentRuntimeSettings;
    readonly namespace: pulumi.Output<string>;
    readonly parent: pulumi.CustomResourceOptions;
    metadata(
        objectName: string,
        extraAnnotations?: Record<string, string>,
    ): k8s.types.input.meta.v1.ObjectMeta;
}

export function childScope(
    name: string,
    settings: AgentRuntimeSettings,
    namespace: pulumi.Output<string>,
    parent: pulumi.Resource,
): ChildScope {
    const labels = commonLabels(settings);
    return {
        name,
        settings,
        namespace,
        parent: { parent },
        metadata: (objectName, extraAnnotations = {}) => ({
            name: objectName,
            namespace,
            labels,
            annotations: {
                ...annotations(settings.extraAnnotations, settings.suspended),
                ...extraAnnotations,
            },
        }),
    };
}

export function createNamespace(
    name: string,
    settings: AgentRuntimeSettings,
    parent: pulumi.Resource,
): k8s.core.v1.Namespace {
    return new k8s.core.v1.Namespace(
        name,
        {
            metadata: {
                name: settings.namespaceName,
                labels: namespaceLabels(settings, settings.podSecurityVersion),
                annotations: annotations(settings.extraAnnotations, settings.suspended),
            },
        },
        { parent },
    );
}

/** Default deny, DNS, the CIDR allowlist and (with Cilium) the host allowlist, in that order. */
export function createNetworkPolicies(
    { name, settings, parent, metadata }: ChildScope,
    egress: pulumi.Output<PlannedEgressRule[]>,
): AgentRuntimeNetworkPolicies {
    return {
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
        ...(settings.egressEnforcement === "cilium" && {
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
        }),
    };
}

/** With egressEnforcement "proxy": the proxy's ACL lines (none while suspended). */
export function proxyAllowlistOf(settings: AgentRuntimeSettings): string | undefined {
    const proxy = settings.egressProxy;
    if (settings.egressEnforcement !== "proxy" || proxy === undefined) return undefined;
    return squidAllowlist(settings.agentId, settings.suspended ? [] : settings.egressHosts, proxy.port);
}

export function createResourceQuota({
    name,
    settings,
    parent,
    metadata,
}: ChildScope): k8s.core.v1.ResourceQuota {
    const { hard, suspendedHard } = settings.resources;
    return new k8s.core.v1.ResourceQuota(
        name,
        {
            metadata: metadata(OBJECT_NAMES.resourceQuota),
            spec: { hard: settings.suspended ? suspendedHard : hard },
        },
        parent,
    );
}

export function createLimitRange({ name, settings, parent, metadata }: ChildScope): k8s.core.v1.LimitRange {
    return new k8s.core.v1.LimitRange(
        name,
        {
            metadata: metadata(OBJECT_NAMES.limitRange),
            spec: { limits: limitRangeLimits(settings.resources) },
        },
        parent,
    );
}

export function createServiceAccount({ name, parent, metadata }: ChildScope): k8s.core.v1.ServiceAccount {
    return new k8s.core.v1.ServiceAccount(
        name,
        { metadata: metadata(OBJECT_NAMES.serviceAccount), automountServiceAccountToken: false },
        parent,
    );
}

/** The vetted Role, and its binding to the service account unless suspended. */
export function createRbac(
    { name, settings, namespace, parent, metadata }: ChildScope,
    serviceAccountName: pulumi.Output<string>,
): { role?: k8s.rbac.v1.Role; roleBinding?: k8s.rbac.v1.RoleBinding } {
    if (settings.rbacRules === undefined) return {};
    const role = new k8s.rbac.v1.Role(
        name,
        { metadata: metadata(OBJECT_NAMES.role), rules: settings.rbacRules.map(toPolicyRule) },
        parent,
    );
    if (settings.suspended) return { role };
    const roleBinding = new k8s.rbac.v1.RoleBinding(
        name,
        {
            metadata: metadata(OBJECT_NAMES.roleBinding),
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
            subjects: [{ kind: "ServiceAccount", name: serviceAccountName, namespace }],
        },
        parent,
    );
    return { role, roleBinding };
}

function toPolicyRule(rule: RbacPolicyRule): k8s.types.input.rbac.v1.PolicyRule {
    return {
        apiGroups: [...(rule.apiGroups ?? [])],
        resources: [...(rule.resources ?? [])],
        verbs: [...(rule.verbs ?? [])],
        ...(rule.resourceNames === undefined ? {} : { resourceNames: [...rule.resourceNames] }),
    };
}
