import { violationLines, type FakeResource } from "../../../helpers/policy-harness";

/** Kubernetes fixtures for the reach-path rules: an agent service account agent-a/runner and its bindings. */

export const AGENT_SA = { kind: "ServiceAccount", name: "runner", namespace: "agent-a" };

export function namespace(name: string, labels: Record<string, unknown> = {}): FakeResource {
    return { type: "kubernetes:core/v1:Namespace", name, props: { metadata: { name, labels } } };
}

export function role(
    name: string,
    rules: unknown,
    opts: { namespace?: string; labels?: Record<string, string> } = {},
): FakeResource {
    const cluster = opts.namespace === undefined;
    return {
        type: `kubernetes:rbac.authorization.k8s.io/v1:${cluster ? "ClusterRole" : "Role"}`,
        name,
        props: {
            metadata: {
                name,
                ...(opts.namespace && { namespace: opts.namespace }),
                ...(opts.labels && { labels: opts.labels }),
            },
            rules,
        },
    };
}

export function binding(
    name: string,
    roleRef: { kind: "Role" | "ClusterRole"; name: string },
    opts: { namespace?: string; subjects?: unknown[] } = {},
): FakeResource {
    const cluster = opts.namespace === undefined;
    return {
        type: `kubernetes:rbac.authorization.k8s.io/v1:${cluster ? "ClusterRoleBinding" : "RoleBinding"}`,
        name,
        props: {
            metadata: { name, ...(opts.namespace && { namespace: opts.namespace }) },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", ...roleRef },
            subjects: opts.subjects ?? [AGENT_SA],
        },
    };
}

export const createPods = [{ apiGroups: [""], resources: ["pods"], verbs: ["create"] }];

/** A namespace confined like an agent's: restricted Pod Security, default-deny egress, a GPU quota. */
export function confinedNamespace(name: string): FakeResource[] {
    return [
        namespace(name, { "pod-security.kubernetes.io/enforce": "restricted" }),
        {
            type: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
            name: `${name}-deny`,
            props: {
                metadata: { name: "default-deny", namespace: name },
                spec: { podSelector: {}, policyTypes: ["Egress"] },
            },
        },
        {
            type: "kubernetes:core/v1:ResourceQuota",
            name: `${name}-quota`,
            props: {
                metadata: { name: "compute", namespace: name },
                spec: { hard: { "requests.nvidia.com/gpu": "0", "requests.cpu": "4" } },
            },
        },
    ];
}

/** The violation's own line, without the harness's description line and the finding code. */
export const lines = violationLines;
