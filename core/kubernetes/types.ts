/** Pulumi type tokens of the Kubernetes kinds the rules judge, in every API version @pulumi/kubernetes ships. */

const withPatch = (types: readonly string[]): string[] => types.flatMap((t) => [t, `${t}Patch`]);

export const NAMESPACE_TYPES = withPatch(["kubernetes:core/v1:Namespace"]);
export const SERVICE_ACCOUNT_TYPES = withPatch(["kubernetes:core/v1:ServiceAccount"]);
export const RESOURCE_QUOTA_TYPES = withPatch(["kubernetes:core/v1:ResourceQuota"]);
export const PERSISTENT_VOLUME_TYPES = withPatch(["kubernetes:core/v1:PersistentVolume"]);
export const PERSISTENT_VOLUME_CLAIM_TYPES = withPatch(["kubernetes:core/v1:PersistentVolumeClaim"]);
export const STATEFUL_SET_TYPES = withPatch(
    ["apps/v1", "apps/v1beta1", "apps/v1beta2"].map((v) => `kubernetes:${v}:StatefulSet`),
);
export const NETWORK_POLICY_TYPES = withPatch([
    "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    "kubernetes:extensions/v1beta1:NetworkPolicy",
]);

const RBAC_VERSIONS = ["v1", "v1beta1", "v1alpha1"];
const rbac = (kind: string): string[] =>
    withPatch(RBAC_VERSIONS.map((v) => `kubernetes:rbac.authorization.k8s.io/${v}:${kind}`));
export const ROLE_TYPES = rbac("Role");
export const CLUSTER_ROLE_TYPES = rbac("ClusterRole");
export const ROLE_BINDING_TYPES = rbac("RoleBinding");
export const CLUSTER_ROLE_BINDING_TYPES = rbac("ClusterRoleBinding");

/** Where the pod spec sits inside each workload kind. */
export type PodSpecPath =
    "spec" | "template.spec" | "spec.template.spec" | "spec.jobTemplate.spec.template.spec";

const TEMPLATE_KINDS: Record<string, string[]> = {
    "core/v1": ["ReplicationController"],
    "apps/v1": ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"],
    "apps/v1beta1": ["Deployment", "StatefulSet"],
    "apps/v1beta2": ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"],
    "extensions/v1beta1": ["Deployment", "DaemonSet", "ReplicaSet"],
    "batch/v1": ["Job"],
};
const CRON_JOB_VERSIONS = ["batch/v1", "batch/v1beta1", "batch/v2alpha1"];

/** Every workload type token, with the path to its pod spec. */
export const WORKLOAD_POD_SPEC_PATHS: ReadonlyMap<string, PodSpecPath> = new Map<string, PodSpecPath>([
    ...withPatch(["kubernetes:core/v1:Pod"]).map((t): [string, PodSpecPath] => [t, "spec"]),
    // A PodTemplate runs nothing itself, but controllers (and agents with create on pods) stamp pods from it.
    ...withPatch(["kubernetes:core/v1:PodTemplate"]).map((t): [string, PodSpecPath] => [t, "template.spec"]),
    ...Object.entries(TEMPLATE_KINDS).flatMap(([version, kinds]) =>
        withPatch(kinds.map((k) => `kubernetes:${version}:${k}`)).map((t): [string, PodSpecPath] => [
            t,
            "spec.template.spec",
        ]),
    ),
    ...withPatch(CRON_JOB_VERSIONS.map((v) => `kubernetes:${v}:CronJob`)).map((t): [string, PodSpecPath] => [
        t,
        "spec.jobTemplate.spec.template.spec",
    ]),
]);

export const WORKLOAD_TYPES: readonly string[] = [...WORKLOAD_POD_SPEC_PATHS.keys()];

/** API groups served by Kubernetes itself; any other group in a type token is a custom resource. */
const BUILT_IN_API_GROUPS = new Set([
    "core",
    "apps",
    "batch",
    "extensions",
    "policy",
    "autoscaling",
    "admissionregistration.k8s.io",
    "apiextensions.k8s.io",
    "apiregistration.k8s.io",
    "authentication.k8s.io",
    "authorization.k8s.io",
    "certificates.k8s.io",
    "coordination.k8s.io",
    "discovery.k8s.io",
    "events.k8s.io",
    "flowcontrol.apiserver.k8s.io",
    "internal.apiserver.k8s.io",
    "meta",
    "networking.k8s.io",
    "node.k8s.io",
    "rbac.authorization.k8s.io",
    "resource.k8s.io",
    "scheduling.k8s.io",
    "storage.k8s.io",
    "storagemigration.k8s.io",
]);

/** Pulumi's own Kubernetes tokens that are not API objects (components, the provider, Helm). */
const PULUMI_GROUPS = new Set(["helm.sh", "yaml", "yaml/v2", "kustomize", "providers"]);

/** The API group of a custom resource's type token (`kubernetes:ray.io/v1:RayCluster` → `ray.io`), else undefined. */
export function customResourceGroup(type: string): string | undefined {
    const match = /^kubernetes:([^:]+)\/[^/:]+:[^:]+$/.exec(type);
    if (!match) return undefined;
    const group = match[1];
    return BUILT_IN_API_GROUPS.has(group) || PULUMI_GROUPS.has(group) ? undefined : group;
}
