/**
 * What each admission policy intercepts (`matchConstraints.resourceRules`). CEL only runs on requests
 * these rules match, so the lists are as much a part of the guardrail as the expressions.
 */

export type Operation = "CREATE" | "UPDATE" | "DELETE";

/** Kubernetes NamedRuleWithOperations, with plain values. */
export interface ResourceRule {
    readonly apiGroups: readonly string[];
    readonly apiVersions: readonly string[];
    readonly resources: readonly string[];
    readonly operations: readonly Operation[];
    readonly scope?: "Cluster" | "Namespaced" | "*";
}

interface ProtectedKind {
    readonly group: string;
    readonly resources: readonly string[];
    /** Namespaced kinds (and Namespaces themselves) can be covered by a per-namespace binding. */
    readonly namespaced: boolean;
}

/**
 * Resources agent service accounts may not write. Subresources are included (`r/*`) so that, e.g., a
 * quota's status can't be faked either. ValidatingAdmissionPolicies/Bindings (and the mutating ones) are
 * absent on purpose: Kubernetes never sends them through admission policies, so listing them would only
 * look like protection; `guardrail-integrity` guards who can obtain write access to them instead.
 */
export const AGENT_PROTECTED_KINDS: readonly ProtectedKind[] = [
    { group: "networking.k8s.io", resources: ["networkpolicies"], namespaced: true },
    { group: "cilium.io", resources: ["ciliumnetworkpolicies"], namespaced: true },
    { group: "cilium.io", resources: ["ciliumclusterwidenetworkpolicies"], namespaced: false },
    { group: "crd.projectcalico.org", resources: ["networkpolicies"], namespaced: true },
    { group: "crd.projectcalico.org", resources: ["globalnetworkpolicies"], namespaced: false },
    {
        group: "policy.networking.k8s.io",
        resources: ["adminnetworkpolicies", "baselineadminnetworkpolicies"],
        namespaced: false,
    },
    { group: "rbac.authorization.k8s.io", resources: ["roles", "rolebindings"], namespaced: true },
    {
        group: "rbac.authorization.k8s.io",
        resources: ["clusterroles", "clusterrolebindings"],
        namespaced: false,
    },
    { group: "", resources: ["resourcequotas", "limitranges", "namespaces"], namespaced: true },
    {
        group: "admissionregistration.k8s.io",
        resources: ["validatingwebhookconfigurations", "mutatingwebhookconfigurations"],
        namespaced: false,
    },
];

const WRITE: readonly Operation[] = ["CREATE", "UPDATE", "DELETE"];

function withSubresources(resources: readonly string[]): string[] {
    return resources.flatMap((resource) => [resource, `${resource}/*`]);
}

function protectedRules(kinds: readonly ProtectedKind[]): ResourceRule[] {
    return [
        ...kinds.map((kind) => ({
            apiGroups: [kind.group],
            apiVersions: ["*"],
            resources: withSubresources(kind.resources),
            operations: WRITE,
        })),
        // A minted token is the service account's identity: only the kubelet should request them.
        { apiGroups: [""], apiVersions: ["*"], resources: ["serviceaccounts/token"], operations: ["CREATE"] },
    ];
}

/** For the cluster-wide binding: every protected kind. */
export const AGENT_PROTECTED_RULES: readonly ResourceRule[] = protectedRules(AGENT_PROTECTED_KINDS);

/**
 * For per-namespace bindings: a namespaceSelector never skips cluster-scoped objects other than
 * Namespaces, so those kinds are left out rather than evaluated against every namespace binding.
 */
export const NAMESPACE_PROTECTED_RULES: readonly ResourceRule[] = protectedRules(
    AGENT_PROTECTED_KINDS.filter((kind) => kind.namespaced),
);

/** Pods and every built-in kind that carries a pod template; ephemeral containers arrive via a subresource. */
export const POD_BEARING_RULES: readonly ResourceRule[] = [
    {
        apiGroups: [""],
        apiVersions: ["*"],
        resources: ["pods", "pods/ephemeralcontainers", "replicationcontrollers", "podtemplates"],
        operations: ["CREATE", "UPDATE"],
    },
    {
        apiGroups: ["apps"],
        apiVersions: ["*"],
        resources: ["deployments", "statefulsets", "daemonsets", "replicasets"],
        operations: ["CREATE", "UPDATE"],
    },
    {
        apiGroups: ["batch"],
        apiVersions: ["*"],
        resources: ["jobs", "cronjobs"],
        operations: ["CREATE", "UPDATE"],
    },
];

/** Writes that could hand someone control over the guardrails or lift them from a namespace. */
export const INTEGRITY_RULES: readonly ResourceRule[] = [
    {
        apiGroups: ["rbac.authorization.k8s.io"],
        apiVersions: ["*"],
        resources: ["clusterroles", "clusterrolebindings"],
        operations: ["CREATE", "UPDATE"],
    },
    { apiGroups: [""], apiVersions: ["*"], resources: ["namespaces"], operations: ["UPDATE"] },
];
