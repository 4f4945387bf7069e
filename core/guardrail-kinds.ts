/**
 * What an agent may never write, in one place: the policy pack forbids RBAC grants of these resources
 * (`core/rbac.ts`), and the AgentGuardrailsBaseline denies agents' writes to them at admission
 * (`components/kubernetes/admission-rules.ts`). Both lists are derived from here, so adding a kind adds it to
 * both, and a kind one of them cannot enforce says why in its `admission` field.
 */

/** Where a kind lives: in a namespace, or cluster-wide (Namespaces themselves are cluster-scoped). */
export type GuardrailScope = "namespaced" | "cluster";

/**
 * How the admission baseline treats a kind. `enforced`: its write rules list the kind in every group of
 * `groups` (a `caveat` says what admission still cannot see). `not-admissible`: Kubernetes never sends the kind through API-defined admission policies, so
 * listing it would only look like protection. `not-enforced`: a gap the baseline accepts, with the reason.
 */
export type AdmissionTreatment =
    | { readonly kind: "enforced"; readonly caveat?: string }
    | { readonly kind: "not-admissible"; readonly reason: string }
    | { readonly kind: "not-enforced"; readonly reason: string };

/** One resource an agent must never write. */
export interface GuardrailKind {
    /** Plural lower-case resource name; the pack matches it in any apiGroup, so made-up CRD groups are caught too. */
    readonly resource: string;
    /** The real API groups serving it ("" is the core group); the admission rules list exactly these. */
    readonly groups: readonly string[];
    readonly scope: GuardrailScope;
    /** Why an agent may not write it, for reviewers of this list. */
    readonly why: string;
    readonly admission: AdmissionTreatment;
}

const ENFORCED: AdmissionTreatment = { kind: "enforced" };
const NOT_ADMISSIBLE: AdmissionTreatment = {
    kind: "not-admissible",
    reason: "Kubernetes never runs API-defined admission policies on admission policies and their bindings (they would guard themselves); the baseline's guardrail-integrity policy guards who can obtain write access to them instead",
};

const CALICO_GROUPS = ["crd.projectcalico.org", "projectcalico.org"] as const;
const NETWORK_POLICY_WHY = "adds to or overrides the NetworkPolicies that confine the agent's traffic";
const NETWORK_SET_WHY = "widens the network policies that select it";

/**
 * Resources an agent must never write: the guardrails that confine it, and ways around them. Calico is
 * listed under both of its groups: `crd.projectcalico.org` (the CRDs) and `projectcalico.org` (its API
 * server, which runs ValidatingAdmissionPolicies by default since Calico 3.29.2, or CRDs of that group in newer
 * releases).
 */
export const GUARDRAIL_KINDS: readonly GuardrailKind[] = [
    {
        resource: "networkpolicies",
        groups: ["networking.k8s.io", ...CALICO_GROUPS],
        scope: "namespaced",
        why: "they confine the agent's traffic",
        admission: ENFORCED,
    },
    {
        resource: "roles",
        groups: ["rbac.authorization.k8s.io"],
        scope: "namespaced",
        why: "RBAC decides what the agent may do",
        admission: ENFORCED,
    },
    {
        resource: "rolebindings",
        groups: ["rbac.authorization.k8s.io"],
        scope: "namespaced",
        why: "RBAC decides what the agent may do",
        admission: ENFORCED,
    },
    {
        resource: "clusterroles",
        groups: ["rbac.authorization.k8s.io"],
        scope: "cluster",
        why: "RBAC decides what the agent may do",
        admission: ENFORCED,
    },
    {
        resource: "clusterrolebindings",
        groups: ["rbac.authorization.k8s.io"],
        scope: "cluster",
        why: "RBAC decides what the agent may do",
        admission: ENFORCED,
    },
    {
        resource: "resourcequotas",
        groups: [""],
        scope: "namespaced",
        why: "they cap what the agent may consume",
        admission: ENFORCED,
    },
    {
        resource: "limitranges",
        groups: [""],
        scope: "namespaced",
        why: "they cap what the agent may consume",
        admission: ENFORCED,
    },
    {
        resource: "namespaces",
        groups: [""],
        scope: "cluster",
        why: "a Namespace's labels make it an agent namespace and choose its Pod Security level",
        admission: ENFORCED,
    },
    {
        resource: "serviceaccounts",
        groups: [""],
        scope: "namespaced",
        why: "a service account's annotations choose the cloud role it assumes (IRSA) and its token settings",
        admission: ENFORCED,
    },
    {
        resource: "validatingadmissionpolicies",
        groups: ["admissionregistration.k8s.io"],
        scope: "cluster",
        why: "admission policies enforce the guardrails",
        admission: NOT_ADMISSIBLE,
    },
    {
        resource: "validatingadmissionpolicybindings",
        groups: ["admissionregistration.k8s.io"],
        scope: "cluster",
        why: "admission policies enforce the guardrails",
        admission: NOT_ADMISSIBLE,
    },
    {
        resource: "mutatingadmissionpolicies",
        groups: ["admissionregistration.k8s.io"],
        scope: "cluster",
        why: "admission policies enforce (or could undo) the guardrails",
        admission: NOT_ADMISSIBLE,
    },
    {
        resource: "mutatingadmissionpolicybindings",
        groups: ["admissionregistration.k8s.io"],
        scope: "cluster",
        why: "admission policies enforce (or could undo) the guardrails",
        admission: NOT_ADMISSIBLE,
    },
    {
        resource: "validatingwebhookconfigurations",
        groups: ["admissionregistration.k8s.io"],
        scope: "cluster",
        why: "admission webhooks enforce (or could undo) the guardrails",
        admission: ENFORCED,
    },
    {
        resource: "mutatingwebhookconfigurations",
        groups: ["admissionregistration.k8s.io"],
        scope: "cluster",
        why: "admission webhooks enforce (or could undo) the guardrails",
        admission: ENFORCED,
    },
    {
        resource: "persistentvolumes",
        groups: [""],
        scope: "cluster",
        why: "a hostPath PersistentVolume mounts the node's disk, which Pod Security Admission does not see",
        admission: ENFORCED,
    },
    {
        resource: "certificatesigningrequests",
        groups: ["certificates.k8s.io"],
        scope: "cluster",
        why: "a signed request is a credential for any identity it names",
        admission: ENFORCED,
    },
    {
        resource: "ciliumnetworkpolicies",
        groups: ["cilium.io"],
        scope: "namespaced",
        why: NETWORK_POLICY_WHY,
        admission: ENFORCED,
    },
    {
        resource: "ciliumclusterwidenetworkpolicies",
        groups: ["cilium.io"],
        scope: "cluster",
        why: NETWORK_POLICY_WHY,
        admission: ENFORCED,
    },
    {
        resource: "ciliumcidrgroups",
        groups: ["cilium.io"],
        scope: "cluster",
        why: NETWORK_SET_WHY,
        admission: ENFORCED,
    },
    {
        resource: "adminnetworkpolicies",
        groups: ["policy.networking.k8s.io"],
        scope: "cluster",
        why: NETWORK_POLICY_WHY,
        admission: ENFORCED,
    },
    {
        resource: "baselineadminnetworkpolicies",
        groups: ["policy.networking.k8s.io"],
        scope: "cluster",
        why: NETWORK_POLICY_WHY,
        admission: ENFORCED,
    },
    {
        resource: "clusternetworkpolicies",
        groups: ["policy.networking.k8s.io"],
        scope: "cluster",
        why: NETWORK_POLICY_WHY,
        admission: ENFORCED,
    },
    {
        resource: "globalnetworkpolicies",
        groups: CALICO_GROUPS,
        scope: "cluster",
        why: NETWORK_POLICY_WHY,
        admission: ENFORCED,
    },
    {
        resource: "globalnetworksets",
        groups: CALICO_GROUPS,
        scope: "cluster",
        why: NETWORK_SET_WHY,
        admission: ENFORCED,
    },
    {
        resource: "networksets",
        groups: CALICO_GROUPS,
        scope: "namespaced",
        why: NETWORK_SET_WHY,
        admission: ENFORCED,
    },
];

/** One subresource an agent must hold no verb on (reading through it is already the harm). */
export interface GuardrailSubresource {
    /** `resource/subresource`, lower-case. */
    readonly subresource: string;
    /** The API group of its resource. */
    readonly group: string;
    readonly scope: GuardrailScope;
    /** How a request reaches admission: as a write (create, update, delete), or as CONNECT (a stream or proxy). */
    readonly request: "write" | "connect";
    readonly why: string;
    readonly admission: AdmissionTreatment;
}

export const GUARDRAIL_SUBRESOURCES: readonly GuardrailSubresource[] = [
    {
        subresource: "pods/exec",
        group: "",
        scope: "namespaced",
        request: "connect",
        why: "runs commands in other pods",
        admission: ENFORCED,
    },
    {
        subresource: "pods/attach",
        group: "",
        scope: "namespaced",
        request: "connect",
        why: "attaches to other pods' processes",
        admission: ENFORCED,
    },
    {
        subresource: "pods/portforward",
        group: "",
        scope: "namespaced",
        request: "connect",
        why: "tunnels to pods around NetworkPolicies",
        admission: ENFORCED,
    },
    {
        subresource: "pods/ephemeralcontainers",
        group: "",
        scope: "namespaced",
        request: "write",
        why: "injects containers into running pods",
        admission: ENFORCED,
    },
    {
        subresource: "pods/proxy",
        group: "",
        scope: "namespaced",
        request: "connect",
        why: "reaches pods through the API server, around NetworkPolicies",
        admission: ENFORCED,
    },
    {
        subresource: "services/proxy",
        group: "",
        scope: "namespaced",
        request: "connect",
        why: "reaches services through the API server, around NetworkPolicies",
        admission: ENFORCED,
    },
    {
        subresource: "nodes/proxy",
        group: "",
        scope: "cluster",
        request: "connect",
        why: "reaches the kubelet API, which can run commands in any pod on the node",
        admission: {
            kind: "enforced",
            caveat: "through the API server only: the same rights reach the kubelet's own port, where no admission runs, so only RBAC (judged by the pack) stops that path",
        },
    },
    {
        subresource: "serviceaccounts/token",
        group: "",
        scope: "namespaced",
        request: "write",
        why: "mints tokens for service accounts",
        admission: ENFORCED,
    },
];

/** The kinds the admission baseline lists in its write rules. */
export function admissionEnforcedKinds(): GuardrailKind[] {
    return GUARDRAIL_KINDS.filter((kind) => kind.admission.kind === "enforced");
}

/** Resource names of the kinds Kubernetes never sends through API-defined admission policies. */
export const NOT_ADMISSIBLE_RESOURCES: readonly string[] = GUARDRAIL_KINDS.filter(
    (kind) => kind.admission.kind === "not-admissible",
).map((kind) => kind.resource);
