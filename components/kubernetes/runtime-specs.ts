/** Metadata and NetworkPolicy specs of an AgentRuntime, as pure functions of its validated settings. */
import { AGENT_KEY, OWNER_KEY, RISK_TIER_KEY } from "../../core/metadata-keys";
import type * as k8s from "@pulumi/kubernetes";

type NetworkPolicySpec = k8s.types.input.networking.v1.NetworkPolicySpec;

export const AGENT_LABEL = AGENT_KEY;
export const OWNER_LABEL = OWNER_KEY;
export const RISK_TIER_LABEL = RISK_TIER_KEY;
export const SUSPENDED_ANNOTATION = "agentguard.io/suspended";
export const EGRESS_ALLOWLIST_ANNOTATION = "agentguard.io/egress-allowlist";
export const HOSTS_ALLOWLIST_ANNOTATION = "agentguard.io/egress-hosts";
export const MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
const PSA_PREFIX = "pod-security.kubernetes.io";
const PSA_MODES = ["enforce", "audit", "warn"] as const;

/** Kubernetes object names inside the agent namespace (a compatibility contract, like child names). */
export const OBJECT_NAMES = {
    serviceAccount: "agent",
    defaultDeny: "agentguard-default-deny",
    dns: "agentguard-allow-dns",
    egress: "agentguard-allow-egress",
    hosts: "agentguard-allow-hosts",
    resourceQuota: "agentguard-quota",
    limitRange: "agentguard-limits",
    role: "agentguard-agent",
    roleBinding: "agentguard-agent",
} as const;

export interface Identity {
    readonly agentId: string;
    readonly owner: string;
    readonly riskTier: 1 | 2 | 3;
    readonly extraLabels: Readonly<Record<string, string>>;
}

/** Labels on every child: caller's extras first, so they can never replace ours. */
export function commonLabels(identity: Identity): Record<string, string> {
    return {
        ...identity.extraLabels,
        [AGENT_LABEL]: identity.agentId,
        [OWNER_LABEL]: identity.owner,
        [RISK_TIER_LABEL]: String(identity.riskTier),
        [MANAGED_BY_LABEL]: "agentguard",
    };
}

/** The namespace's labels: ours plus Pod Security Admission `restricted` in every mode, version pinned. */
export function namespaceLabels(identity: Identity, podSecurityVersion: string): Record<string, string> {
    const psa = Object.fromEntries(
        PSA_MODES.flatMap((mode) => [
            [`${PSA_PREFIX}/${mode}`, "restricted"],
            [`${PSA_PREFIX}/${mode}-version`, podSecurityVersion],
        ]),
    );
    return { ...commonLabels(identity), ...psa };
}

export function annotations(
    extra: Readonly<Record<string, string>>,
    suspended: boolean,
): Record<string, string> {
    return suspended ? { ...extra, [SUSPENDED_ANNOTATION]: "true" } : { ...extra };
}

/** Denies all ingress and egress for every pod; the other policies add the only exceptions. */
export function defaultDenySpec(): NetworkPolicySpec {
    return { podSelector: {}, policyTypes: ["Ingress", "Egress"] };
}

/**
 * DNS to the cluster's kube-dns pods only. Namespace and pod selector sit in the same peer, so both must
 * match (separate peers would allow either). While suspended the policy allows nothing: no DNS tunnels.
 */
/**
 * `open` is false in Cilium and proxy modes: there a NetworkPolicy allowing port 53 would add an unfiltered
 * DNS allow next to Cilium's name-filtered one (Cilium unions allows, so the filter would be bypassed), and
 * behind a proxy the agent needs no DNS at all. In NetworkPolicy mode DNS reaches every name, so lookups can
 * carry data out (DNS tunnelling); only Cilium or proxy mode closes that.
 */
export function dnsSpec(suspended: boolean, open = true): NetworkPolicySpec {
    const toKubeDns = {
        to: [
            {
                namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
                podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
            },
        ],
        ports: [
            { protocol: "UDP", port: 53 },
            { protocol: "TCP", port: 53 },
        ],
    };
    return { podSelector: {}, policyTypes: ["Egress"], egress: suspended || !open ? [] : [toKubeDns] };
}
