/**
 * What each admission policy intercepts (`matchConstraints.resourceRules`). CEL only runs on requests
 * these rules match, so the lists are as much a part of the guardrail as the expressions.
 */
import {
    admissionEnforcedKinds,
    GUARDRAIL_SUBRESOURCES,
    type GuardrailKind,
    type GuardrailSubresource,
} from "../../core/guardrail-kinds";

export type Operation = "CREATE" | "UPDATE" | "DELETE" | "CONNECT";

/** Kubernetes NamedRuleWithOperations, with plain values. */
export interface ResourceRule {
    readonly apiGroups: readonly string[];
    readonly apiVersions: readonly string[];
    readonly resources: readonly string[];
    readonly operations: readonly Operation[];
    readonly scope?: "Cluster" | "Namespaced" | "*";
}

export interface ProtectedKind {
    readonly group: string;
    readonly resources: readonly string[];
    /** Namespaced kinds (and Namespaces themselves) can be covered by a per-namespace binding. */
    readonly namespaced: boolean;
    /** Exec, attach, port-forward and proxy subresources are CONNECT requests, not writes. @default false */
    readonly connect?: boolean;
}

/**
 * A namespaceSelector matches a Namespace by its own labels, so a per-namespace binding covers writes to the
 * bound Namespace itself; every other cluster-scoped object would be judged by every namespace's binding.
 */
function coveredPerNamespace(kind: GuardrailKind): boolean {
    return kind.scope === "namespaced" || (kind.resource === "namespaces" && kind.groups.includes(""));
}

/**
 * Resources agent service accounts may not write, one entry per (group, namespaced), derived from
 * core/guardrail-kinds.ts so that the policy pack and the baseline protect the same kinds. Kinds Kubernetes
 * never sends through admission policies (ValidatingAdmissionPolicies/Bindings and the mutating ones) are
 * left out there with their reason; `guardrail-integrity` guards who can obtain write access to them.
 */
export const AGENT_PROTECTED_KINDS: readonly ProtectedKind[] = (() => {
    const byKey = new Map<string, { group: string; resources: string[]; namespaced: boolean }>();
    for (const kind of admissionEnforcedKinds()) {
        const namespaced = coveredPerNamespace(kind);
        for (const group of kind.groups) {
            const key = `${group}|${namespaced}`;
            const entry = byKey.get(key) ?? { group, resources: [], namespaced };
            entry.resources.push(kind.resource);
            byKey.set(key, entry);
        }
    }
    return [...byKey.values()];
})();

/** Written subresources of a protected kind are already covered by its `<resource>/*` write rule. */
function coveredByKind(entry: GuardrailSubresource): boolean {
    const resource = entry.subresource.split("/")[0];
    return (
        entry.request === "write" &&
        AGENT_PROTECTED_KINDS.some((kind) => kind.group === entry.group && kind.resources.includes(resource))
    );
}

/**
 * Subresources agents may not use that no kind's rule covers: pods/ephemeralcontainers (written) and exec,
 * attach, port-forward and proxy (CONNECT requests, one rule for them all).
 */
const PROTECTED_SUBRESOURCES: readonly ProtectedKind[] = GUARDRAIL_SUBRESOURCES.filter(
    (entry) => entry.admission.kind === "enforced" && !coveredByKind(entry),
).map((entry) => ({
    group: entry.group,
    resources: [entry.subresource],
    namespaced: entry.scope === "namespaced",
    connect: entry.request === "connect",
}));

const WRITE: readonly Operation[] = ["CREATE", "UPDATE", "DELETE"];

/** `r/*` too, so that, e.g., a quota's status or a service account's token can't be written either. */
function withSubresources(resources: readonly string[]): string[] {
    return resources.flatMap((resource) =>
        resource.includes("/") ? [resource] : [resource, `${resource}/*`],
    );
}

function protectedRules(kinds: readonly ProtectedKind[]): ResourceRule[] {
    const rules: ResourceRule[] = kinds
        .filter((kind) => kind.connect !== true)
        .map((kind) => ({
            apiGroups: [kind.group],
            apiVersions: ["*"],
            resources: withSubresources(kind.resources),
            operations: WRITE,
        }));
    const connect = kinds.filter((kind) => kind.connect === true);
    for (const group of new Set(connect.map((kind) => kind.group))) {
        rules.push({
            apiGroups: [group],
            apiVersions: ["*"],
            resources: connect.filter((kind) => kind.group === group).flatMap((kind) => kind.resources),
            operations: ["CONNECT"],
        });
    }
    return rules;
}

/** For the cluster-wide binding: every protected kind. */
export const AGENT_PROTECTED_RULES: readonly ResourceRule[] = protectedRules([
    ...AGENT_PROTECTED_KINDS,
    ...PROTECTED_SUBRESOURCES,
]);

/**
 * For per-namespace bindings: a namespaceSelector never skips cluster-scoped objects other than
 * Namespaces, so those kinds are left out rather than evaluated against every namespace binding.
 */
export const NAMESPACE_PROTECTED_RULES: readonly ResourceRule[] = protectedRules(
    [...AGENT_PROTECTED_KINDS, ...PROTECTED_SUBRESOURCES].filter((kind) => kind.namespaced),
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
