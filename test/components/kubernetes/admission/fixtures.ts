/**
 * Admission request fixtures shaped like the API server's AdmissionRequest (empty fields omitted, as
 * its omitempty JSON tags do), with the object, oldObject and namespaceObject Kubernetes binds.
 */

type Operation = "CREATE" | "UPDATE" | "DELETE" | "CONNECT";
type Json = Record<string, unknown>;

export interface AdmissionFixture {
    readonly request: {
        readonly uid: string;
        readonly kind: { group: string; version: string; kind: string };
        readonly resource: { group: string; version: string; resource: string };
        readonly subResource?: string;
        readonly name?: string;
        readonly namespace?: string;
        readonly operation: Operation;
        readonly userInfo: { username?: string; groups?: string[] };
    };
    readonly object: Json | null;
    readonly oldObject: Json | null;
    readonly namespaceObject: Json | null;
}

export interface Requester {
    readonly username?: string;
    readonly groups?: string[];
}

/** A service account's identity as the API server reports it. */
export function serviceAccount(namespace: string, name = "default"): Requester {
    return {
        username: `system:serviceaccount:${namespace}:${name}`,
        groups: ["system:serviceaccounts", `system:serviceaccounts:${namespace}`, "system:authenticated"],
    };
}

export const DEPLOYER: Requester = {
    username: "kubernetes-admin",
    groups: ["system:masters", "system:authenticated"],
};
/** Holds cluster-admin through a ClusterRoleBinding, but is not a configured deployer. */
export const RANDOM_ADMIN: Requester = {
    username: "alice@example.com",
    groups: ["ops", "system:authenticated"],
};

export function namespaceObject(name: string, labels: Record<string, string> = {}): Json {
    return {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name, labels: { "kubernetes.io/metadata.name": name, ...labels } },
    };
}

export interface ResourceRef {
    readonly group: string;
    readonly version: string;
    readonly resource: string;
    readonly kind: string;
    readonly subResource?: string;
}

export const REFS = {
    networkPolicy: {
        group: "networking.k8s.io",
        version: "v1",
        resource: "networkpolicies",
        kind: "NetworkPolicy",
    },
    role: { group: "rbac.authorization.k8s.io", version: "v1", resource: "roles", kind: "Role" },
    roleBinding: {
        group: "rbac.authorization.k8s.io",
        version: "v1",
        resource: "rolebindings",
        kind: "RoleBinding",
    },
    clusterRole: {
        group: "rbac.authorization.k8s.io",
        version: "v1",
        resource: "clusterroles",
        kind: "ClusterRole",
    },
    clusterRoleBinding: {
        group: "rbac.authorization.k8s.io",
        version: "v1",
        resource: "clusterrolebindings",
        kind: "ClusterRoleBinding",
    },
    resourceQuota: { group: "", version: "v1", resource: "resourcequotas", kind: "ResourceQuota" },
    limitRange: { group: "", version: "v1", resource: "limitranges", kind: "LimitRange" },
    namespace: { group: "", version: "v1", resource: "namespaces", kind: "Namespace" },
    serviceAccountToken: {
        group: "",
        version: "v1",
        resource: "serviceaccounts",
        subResource: "token",
        kind: "TokenRequest",
    },
    validatingWebhook: {
        group: "admissionregistration.k8s.io",
        version: "v1",
        resource: "validatingwebhookconfigurations",
        kind: "ValidatingWebhookConfiguration",
    },
    mutatingWebhook: {
        group: "admissionregistration.k8s.io",
        version: "v1",
        resource: "mutatingwebhookconfigurations",
        kind: "MutatingWebhookConfiguration",
    },
    validatingAdmissionPolicy: {
        group: "admissionregistration.k8s.io",
        version: "v1",
        resource: "validatingadmissionpolicies",
        kind: "ValidatingAdmissionPolicy",
    },
    validatingAdmissionPolicyBinding: {
        group: "admissionregistration.k8s.io",
        version: "v1",
        resource: "validatingadmissionpolicybindings",
        kind: "ValidatingAdmissionPolicyBinding",
    },
    ciliumNetworkPolicy: {
        group: "cilium.io",
        version: "v2",
        resource: "ciliumnetworkpolicies",
        kind: "CiliumNetworkPolicy",
    },
    serviceAccount: { group: "", version: "v1", resource: "serviceaccounts", kind: "ServiceAccount" },
    persistentVolume: { group: "", version: "v1", resource: "persistentvolumes", kind: "PersistentVolume" },
    certificateSigningRequest: {
        group: "certificates.k8s.io",
        version: "v1",
        resource: "certificatesigningrequests",
        kind: "CertificateSigningRequest",
    },
    ciliumCidrGroup: {
        group: "cilium.io",
        version: "v2alpha1",
        resource: "ciliumcidrgroups",
        kind: "CiliumCIDRGroup",
    },
    calicoNetworkPolicy: {
        group: "projectcalico.org",
        version: "v3",
        resource: "networkpolicies",
        kind: "NetworkPolicy",
    },
    calicoNetworkSet: {
        group: "crd.projectcalico.org",
        version: "v1",
        resource: "networksets",
        kind: "NetworkSet",
    },
    calicoNetworkSetV3: {
        group: "projectcalico.org",
        version: "v3",
        resource: "networksets",
        kind: "NetworkSet",
    },
    calicoGlobalNetworkSet: {
        group: "crd.projectcalico.org",
        version: "v1",
        resource: "globalnetworksets",
        kind: "GlobalNetworkSet",
    },
    calicoGlobalNetworkSetV3: {
        group: "projectcalico.org",
        version: "v3",
        resource: "globalnetworksets",
        kind: "GlobalNetworkSet",
    },
    clusterNetworkPolicy: {
        group: "policy.networking.k8s.io",
        version: "v1alpha2",
        resource: "clusternetworkpolicies",
        kind: "ClusterNetworkPolicy",
    },
    configMap: { group: "", version: "v1", resource: "configmaps", kind: "ConfigMap" },
    pod: { group: "", version: "v1", resource: "pods", kind: "Pod" },
    ephemeralContainers: {
        group: "",
        version: "v1",
        resource: "pods",
        subResource: "ephemeralcontainers",
        kind: "Pod",
    },
    deployment: { group: "apps", version: "v1", resource: "deployments", kind: "Deployment" },
    statefulSet: { group: "apps", version: "v1", resource: "statefulsets", kind: "StatefulSet" },
    daemonSet: { group: "apps", version: "v1", resource: "daemonsets", kind: "DaemonSet" },
    replicaSet: { group: "apps", version: "v1", resource: "replicasets", kind: "ReplicaSet" },
    job: { group: "batch", version: "v1", resource: "jobs", kind: "Job" },
    cronJob: { group: "batch", version: "v1", resource: "cronjobs", kind: "CronJob" },
    replicationController: {
        group: "",
        version: "v1",
        resource: "replicationcontrollers",
        kind: "ReplicationController",
    },
    podTemplate: { group: "", version: "v1", resource: "podtemplates", kind: "PodTemplate" },
} satisfies Record<string, ResourceRef>;

export interface RequestOptions {
    readonly operation: Operation;
    readonly ref: ResourceRef;
    readonly by: Requester;
    /** Namespace of a namespaced object; its Namespace becomes `namespaceObject`. */
    readonly namespace?: string;
    readonly namespaceLabels?: Record<string, string>;
    readonly object?: Json | null;
    readonly oldObject?: Json | null;
}

function nameOf(object: Json | null | undefined): string | undefined {
    const metadata = object?.metadata as { name?: unknown } | undefined;
    return typeof metadata?.name === "string" ? metadata.name : undefined;
}

export function admissionRequest(options: RequestOptions): AdmissionFixture {
    const { operation, ref, by } = options;
    const object = operation === "DELETE" ? null : (options.object ?? null);
    // Only UPDATE and DELETE have a stored object; CONNECT's object is its options (e.g. PodExecOptions).
    const oldObject = operation === "UPDATE" || operation === "DELETE" ? (options.oldObject ?? null) : null;
    const name = nameOf(object) ?? nameOf(oldObject);
    return {
        request: {
            uid: "00000000-0000-0000-0000-000000000001",
            kind: { group: ref.group, version: ref.version, kind: ref.kind },
            resource: { group: ref.group, version: ref.version, resource: ref.resource },
            ...(ref.subResource === undefined ? {} : { subResource: ref.subResource }),
            ...(name === undefined ? {} : { name }),
            ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
            operation,
            userInfo: {
                ...(by.username === undefined ? {} : { username: by.username }),
                ...(by.groups === undefined ? {} : { groups: by.groups }),
            },
        },
        object,
        oldObject,
        namespaceObject:
            options.namespace === undefined
                ? null
                : namespaceObject(options.namespace, options.namespaceLabels),
    };
}

export function namespacedObject(ref: ResourceRef, namespace: string, name: string, extra: Json = {}): Json {
    return {
        apiVersion: ref.group === "" ? ref.version : `${ref.group}/${ref.version}`,
        kind: ref.kind,
        metadata: { name, namespace },
        ...extra,
    };
}

export function clusterObject(
    ref: ResourceRef,
    name: string,
    extra: Json = {},
    labels?: Record<string, string>,
): Json {
    return {
        apiVersion: ref.group === "" ? ref.version : `${ref.group}/${ref.version}`,
        kind: ref.kind,
        metadata: { name, ...(labels === undefined ? {} : { labels }) },
        ...extra,
    };
}

/** A pod spec that passes every pod rule (with the sandbox runtime when one is given). */
export function compliantPodSpec(runtimeClassName?: string): Json {
    return {
        ...(runtimeClassName === undefined ? {} : { runtimeClassName }),
        containers: [
            {
                name: "agent",
                image: "registry.example/agent:1.0",
                ports: [{ containerPort: 8080, protocol: "TCP" }],
                securityContext: {
                    allowPrivilegeEscalation: false,
                    privileged: false,
                    runAsNonRoot: true,
                    capabilities: { drop: ["ALL"] },
                },
            },
        ],
        volumes: [{ name: "scratch", emptyDir: {} }],
    };
}

/** The object of kind `ref` carrying `podSpec` where that kind keeps it. */
export function podBearing(ref: ResourceRef, namespace: string, podSpec: Json): Json {
    const template = { metadata: { labels: { app: "agent" } }, spec: podSpec };
    switch (ref.kind) {
        case "Pod":
            return namespacedObject(ref, namespace, "agent-pod", { spec: podSpec });
        case "CronJob":
            return namespacedObject(ref, namespace, "agent-cron", {
                spec: { schedule: "* * * * *", jobTemplate: { spec: { template } } },
            });
        case "PodTemplate":
            return namespacedObject(ref, namespace, "agent-template", { template });
        default:
            return namespacedObject(ref, namespace, `agent-${ref.resource}`, {
                spec: { selector: { matchLabels: { app: "agent" } }, template },
            });
    }
}
