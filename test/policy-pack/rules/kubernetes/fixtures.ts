import type { FakeResource } from "../../../helpers/policy-harness";

/** Happy-path Kubernetes resources for rule tests: each case changes one field. */

export function namespace(name: string, labels: Record<string, string> = {}): FakeResource {
    return {
        type: "kubernetes:core/v1:Namespace",
        name,
        props: {
            metadata: {
                name,
                labels: {
                    "pod-security.kubernetes.io/enforce": "restricted",
                    "agentguard.io/owner": "team-a",
                    ...labels,
                },
            },
        },
    };
}

export function defaultDenyEgress(ns: string, name = `${ns}-deny-all`): FakeResource {
    return {
        type: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
        name,
        props: {
            metadata: { name, namespace: ns },
            spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] },
        },
    };
}

export function egressPolicy(
    ns: string,
    name: string,
    egress: unknown,
    extra: Record<string, unknown> = {},
): FakeResource {
    return {
        type: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
        name,
        props: {
            metadata: { name, namespace: ns },
            spec: { podSelector: {}, policyTypes: ["Egress"], egress, ...extra },
        },
    };
}

export function pod(name: string, ns: string | undefined, spec: Record<string, unknown> = {}): FakeResource {
    return {
        type: "kubernetes:core/v1:Pod",
        name,
        props: {
            metadata: ns === undefined ? { name } : { name, namespace: ns },
            spec: {
                containers: [
                    {
                        name: "main",
                        image: "busybox:1.36",
                        securityContext: { allowPrivilegeEscalation: false },
                    },
                ],
                ...spec,
            },
        },
    };
}

export function deployment(name: string, ns: string, podSpec: Record<string, unknown>): FakeResource {
    return {
        type: "kubernetes:apps/v1:Deployment",
        name,
        props: {
            metadata: { name, namespace: ns },
            spec: { selector: { matchLabels: { app: name } }, template: { metadata: {}, spec: podSpec } },
        },
    };
}

export function cronJob(name: string, ns: string, podSpec: Record<string, unknown>): FakeResource {
    return {
        type: "kubernetes:batch/v1:CronJob",
        name,
        props: {
            metadata: { name, namespace: ns },
            spec: { schedule: "* * * * *", jobTemplate: { spec: { template: { spec: podSpec } } } },
        },
    };
}

export function serviceAccount(name: string, ns: string, extra: Record<string, unknown> = {}): FakeResource {
    return {
        type: "kubernetes:core/v1:ServiceAccount",
        name,
        props: { metadata: { name, namespace: ns }, automountServiceAccountToken: false, ...extra },
    };
}

export function resourceQuota(name: string, ns: string, hard: Record<string, unknown>): FakeResource {
    return {
        type: "kubernetes:core/v1:ResourceQuota",
        name,
        props: { metadata: { name, namespace: ns }, spec: { hard } },
    };
}

export function withProps(resource: FakeResource, props: Record<string, unknown>): FakeResource {
    return { ...resource, props: { ...resource.props, ...props } };
}

/**
 * An egress proxy as docs/components.md asks the platform to deploy it: namespace egress-proxy, the Squid
 * configuration `squidConf` in ConfigMap squid-allowlist, and a Deployment annotated with and mounting it.
 */
export function declaredSquidProxy(squidConf: string, image = "squid:6"): FakeResource[] {
    return [
        {
            type: "kubernetes:core/v1:Namespace",
            name: "egress-proxy",
            props: { metadata: { name: "egress-proxy", labels: { "agentguard.io/owner": "platform" } } },
        },
        {
            type: "kubernetes:core/v1:ConfigMap",
            name: "squid-allowlist",
            props: {
                metadata: { name: "squid-allowlist", namespace: "egress-proxy" },
                data: { "squid.conf": squidConf },
            },
        },
        {
            type: "kubernetes:apps/v1:Deployment",
            name: "squid",
            props: {
                metadata: {
                    name: "squid",
                    namespace: "egress-proxy",
                    annotations: { "agentguard.io/egress-proxy": "squid-allowlist" },
                },
                spec: {
                    selector: { matchLabels: { app: "squid" } },
                    template: {
                        metadata: { labels: { app: "squid" } },
                        spec: {
                            containers: [{ name: "squid", image }],
                            volumes: [{ name: "conf", configMap: { name: "squid-allowlist" } }],
                        },
                    },
                },
            },
        },
    ];
}

/** The finding code a violation's message starts with (`[egress/metadata] ...`), after the rule's description. */
export function codeOf(violation: { message: string }): string | undefined {
    return /^\[([^\]]+)\] /m.exec(violation.message)?.[1];
}

/** Every address reaches the metadata endpoints too: two findings, so that exempting one never waives the other. */
export const WIDE_AND_METADATA = ["egress/direct-cidr", "egress/metadata"];
