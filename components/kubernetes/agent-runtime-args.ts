import { describeRbacFinding, findForbiddenRbacGrants, type RbacPolicyRule } from "../../core/rbac";
import type { HasNamespaceBaselinePolicies, NamespaceBaselinePolicies } from "./admission-bindings";
import { checkEgressShape, requireBudget, type EgressRule } from "./runtime-egress";
import {
    checkEnforcement,
    checkHosts,
    checkProxy,
    dnsModeOf,
    type EgressEnforcement,
    type EgressHostRule,
    type EgressProxy,
} from "./runtime-hosts";
import {
    checkAgentIdentity,
    checkBoolean,
    componentLabel,
    fail,
    isDnsLabel,
    isLabelValue,
    isPlainObject,
    type RiskTier,
} from "../args";
import { isQualifiedKey } from "./runtime-checks";
import { planResources, type ContainerDefaults, type ResourcePlan } from "./runtime-resources";
import type { Identity } from "./runtime-specs";

export type { EgressPort, EgressProtocol, EgressRule } from "./runtime-egress";
export type { EgressEnforcement, EgressHostRule, EgressProxy } from "./runtime-hosts";
export type { ContainerDefaults, ContainerResources } from "./runtime-resources";
export type { RbacPolicyRule } from "../../core/rbac";

export { DEFAULT_RISK_TIER, type RiskTier } from "../args";

/**
 * Arguments of an AgentRuntime. Everything that shapes the guardrails is a plain value, checked before any
 * resource is created; only egress CIDRs may be Outputs (checked when they resolve).
 */
export interface AgentRuntimeArgs {
    /** The agent's id: a DNS label of at most 57 characters (`agent-<agentId>` must fit in 63). */
    readonly agentId: string;
    /** Owning team id, label-safe (1-63 of A-Z, a-z, 0-9, '-', '_', '.'), set as `agentguard.io/owner`. */
    readonly owner: string;
    /**
     * `agentguard.io/risk-tier`: 1 low, 2 medium, 3 high. An agent of unstated risk is treated as high
     * risk, so controls that tighten with the tier apply in full.
     * @default 3
     */
    readonly riskTier?: RiskTier;
    /**
     * The namespace to create. Must start with `agent-`, so that name-based agent detection (the policy
     * pack's and the admission baseline's default `agent-*` pattern) covers it even without its labels.
     * @default `agent-${agentId}`
     */
    readonly namespaceName?: string;
    /**
     * Extra labels on the namespace and every child. Keys under agentguard.io, pod-security.kubernetes.io,
     * `kubernetes.io/metadata.name` and `app.kubernetes.io/managed-by` are reserved and rejected.
     * @default {}
     */
    readonly labels?: Readonly<Record<string, string>>;
    /** Extra annotations on the namespace and every child; agentguard.io keys are reserved. @default {} */
    readonly annotations?: Readonly<Record<string, string>>;
    /**
     * Destinations the agent may reach besides cluster DNS. Each needs ports and a description. Entries
     * reaching every address (0.0.0.0/0, ::/0, split halves), link-local space or more than
     * `maxPublicEgressAddresses` public addresses are rejected; metadata endpoints are carved out.
     * @default [] (DNS only)
     */
    readonly egress?: readonly EgressRule[];
    /**
     * Host names the agent may reach (`api.github.com`, `*.example.com`), each with ports and a description.
     * Needs `egressEnforcement` "cilium" or "proxy": a NetworkPolicy cannot name hosts, so they are rejected in
     * "networkPolicy" mode.
     * @default []
     */
    readonly egressHosts?: readonly EgressHostRule[];
    /**
     * How egress is enforced. "networkPolicy": NetworkPolicies only; DNS to kube-dns reaches every name, so
     * lookups can carry data out (DNS tunnelling). "cilium": also a CiliumNetworkPolicy with `toFQDNs` for
     * `egressHosts`, and DNS limited to those names (none listed: no DNS at all). "proxy": egress to
     * `egressProxy` only besides `egress` CIDRs, no DNS; the proxy enforces `egressHosts`.
     * @default "networkPolicy"
     */
    readonly egressEnforcement?: EgressEnforcement;
    /**
     * The allowlisting forward proxy agent pods use (`HTTPS_PROXY`), required in "proxy" mode and rejected
     * otherwise. The platform runs it; the runtime's `proxyAllowlist` output gives its Squid ACL lines.
     */
    readonly egressProxy?: EgressProxy;
    /** Most public IPv4 + IPv6 addresses the egress allowlist may reach, as the policy pack counts. @default 65536 */
    readonly maxPublicEgressAddresses?: number;
    /** GPUs the namespace may request. @default 0 */
    readonly gpu?: number;
    /**
     * Extended resource the GPUs are requested as; quota key `requests.<name>`. Other known accelerator
     * resources (amd.com/gpu, google.com/tpu, aws.amazon.com/neuron, ...) are capped at 0.
     * @default "nvidia.com/gpu"
     */
    readonly gpuResourceName?: string;
    /** CPU for the whole namespace (quota on requests and limits). @default "4" */
    readonly cpu?: string | number;
    /** Memory for the whole namespace (quota on requests and limits). @default "8Gi" */
    readonly memory?: string;
    /** Ephemeral storage for the whole namespace (quota on requests and limits). @default "20Gi" */
    readonly ephemeralStorage?: string;
    /** Total storage requested by PersistentVolumeClaims. @default "50Gi" */
    readonly storage?: string;
    /** Running pods. @default 10 */
    readonly pods?: number;
    /**
     * Object counts (`count/<resource>[.<group>]`), merged over the defaults: configmaps 50, secrets 20,
     * services 10, persistentvolumeclaims 10, deployments.apps 20, statefulsets.apps 10, jobs.batch 50,
     * cronjobs.batch 10. LoadBalancer and NodePort services are always 0.
     * @default {}
     */
    readonly objectCounts?: Readonly<Record<string, number>>;
    /**
     * Limits and requests for containers that declare none (LimitRange).
     * @default { limits: { cpu: "500m", memory: "512Mi", ephemeralStorage: "1Gi" }, requests: { cpu: "100m", memory: "128Mi", ephemeralStorage: "256Mi" } }
     */
    readonly containerDefaults?: ContainerDefaults;
    /**
     * Rules of a Role bound to the agent's service account. Rejected when they grant anything the policy
     * pack forbids (secrets, exec, escalate/bind/impersonate, writes to RBAC, NetworkPolicies, quotas...).
     * @default none: no Role and no RoleBinding
     */
    readonly rbacRules?: readonly RbacPolicyRule[];
    /**
     * Kill switch: pods quota 0, RoleBinding removed, egress (DNS included) denied. The namespace, service
     * account, Role and volumes are kept; set back to false to restore.
     * @default false
     */
    readonly suspended?: boolean;
    /** Kubernetes minor the Pod Security Admission labels are pinned to (`v1.<minor>`). @default "v1.33" */
    readonly podSecurityVersion?: string;
    /**
     * Binds an AgentGuardrailsBaseline's namespace-scoped admission policies (or those policy names) to this
     * namespace, so the API server denies the agent edits to its guardrails and unsafe pods here whatever
     * the cluster-wide bindings match. Kept while suspended.
     * @default none: rely on the cluster-wide baseline, if one is installed
     */
    readonly admissionBaseline?: NamespaceBaselinePolicies | HasNamespaceBaselinePolicies;
}

export const DEFAULT_POD_SECURITY_VERSION = "v1.33";
export const NAMESPACE_PREFIX = "agent-";
const MAX_AGENT_ID_LENGTH = 63 - NAMESPACE_PREFIX.length;
const POD_SECURITY_VERSION = /^v1\.(0|[1-9]\d?)$/;
const RESERVED_DOMAINS = ["agentguard.io", "pod-security.kubernetes.io"];
const RESERVED_KEYS = ["kubernetes.io/metadata.name", "app.kubernetes.io/managed-by"];

/** Plain, validated settings of an AgentRuntime (egress CIDRs aside). */
export interface AgentRuntimeSettings extends Identity {
    readonly namespaceName: string;
    readonly extraAnnotations: Readonly<Record<string, string>>;
    readonly egress: readonly EgressRule[];
    readonly egressHosts: readonly EgressHostRule[];
    readonly egressEnforcement: EgressEnforcement;
    readonly egressProxy: EgressProxy | undefined;
    readonly maxPublicEgressAddresses: number;
    readonly resources: ResourcePlan;
    readonly rbacRules: readonly RbacPolicyRule[] | undefined;
    readonly suspended: boolean;
    readonly podSecurityVersion: string;
}

function isReservedKey(key: string): boolean {
    const prefix = key.includes("/") ? key.slice(0, key.lastIndexOf("/")) : "";
    return (
        RESERVED_KEYS.includes(key) || RESERVED_DOMAINS.some((d) => prefix === d || prefix.endsWith(`.${d}`))
    );
}

function metadataMap(
    component: string,
    arg: string,
    value: unknown,
    isValue: (v: unknown) => boolean,
    allowedValue: string,
): Record<string, string> {
    if (value === undefined) return {};
    if (!isPlainObject(value)) fail(component, arg, value, "expected an object of string keys and values");
    for (const [key, v] of Object.entries(value)) {
        if (!isQualifiedKey(key))
            fail(
                component,
                `${arg} key`,
                key,
                "expected a Kubernetes key: [DNS-subdomain prefix/]name of 1-63 characters",
            );
        if (isReservedKey(key)) {
            fail(
                component,
                `${arg} key`,
                key,
                `it is reserved (${[...RESERVED_DOMAINS, ...RESERVED_KEYS].join(", ")}); the runtime sets these itself`,
            );
        }
        if (!isValue(v)) fail(component, `${arg}["${key}"]`, v, allowedValue);
    }
    return { ...(value as Record<string, string>) };
}

function checkNamespaceName(component: string, value: unknown, agentId: string): string {
    const name = value ?? `${NAMESPACE_PREFIX}${agentId}`;
    if (!isDnsLabel(name) || !name.startsWith(NAMESPACE_PREFIX) || name === NAMESPACE_PREFIX) {
        fail(
            component,
            "namespaceName",
            name,
            `expected a namespace name (DNS label, at most 63 characters) starting with "${NAMESPACE_PREFIX}", so agent detection by name covers it`,
        );
    }
    return name;
}

function checkRbacRules(component: string, value: unknown): readonly RbacPolicyRule[] | undefined {
    if (value === undefined) return undefined;
    if (!Array.isArray(value)) fail(component, "rbacRules", value, "expected an array of RBAC PolicyRules");
    value.forEach((rule: unknown, i) => {
        if (!isPlainObject(rule))
            fail(
                component,
                `rbacRules[${i}]`,
                rule,
                "expected { apiGroups, resources, verbs, resourceNames? }",
            );
        for (const field of ["apiGroups", "resources", "verbs"]) {
            const list = rule[field];
            if (!Array.isArray(list) || list.length === 0 || !list.every((e) => typeof e === "string")) {
                fail(
                    component,
                    `rbacRules[${i}].${field}`,
                    list,
                    "expected a non-empty array of strings (a Role's resource rules need apiGroups, resources and verbs)",
                );
            }
        }
        if (rule.nonResourceURLs !== undefined) {
            fail(
                component,
                `rbacRules[${i}].nonResourceURLs`,
                rule.nonResourceURLs,
                "a namespaced Role can't grant non-resource URLs",
            );
        }
    });
    const findings = findForbiddenRbacGrants(value as RbacPolicyRule[]);
    if (findings.length > 0) {
        const first = findings[0];
        fail(
            component,
            `rbacRules[${first.ruleIndex}]`,
            value[first.ruleIndex],
            `${findings.map(describeRbacFinding).join(" | ")}`,
        );
    }
    return value as RbacPolicyRule[];
}

/** Validates every plain argument; throws AgentRuntimeArgumentError naming the argument, value and what is allowed. */
export function resolveAgentRuntimeArgs(name: string, args: AgentRuntimeArgs): AgentRuntimeSettings {
    const component = componentLabel("AgentRuntime", name);
    const { agentId, owner, riskTier } = checkAgentIdentity(component, args, MAX_AGENT_ID_LENGTH);
    const podSecurityVersion = args.podSecurityVersion ?? DEFAULT_POD_SECURITY_VERSION;
    if (typeof podSecurityVersion !== "string" || !POD_SECURITY_VERSION.test(podSecurityVersion)) {
        fail(
            component,
            "podSecurityVersion",
            podSecurityVersion,
            'expected a pinned Kubernetes minor such as "v1.33" ("latest" is not a pin)',
        );
    }
    const egressEnforcement = checkEnforcement(component, args.egressEnforcement);
    return {
        agentId,
        owner,
        riskTier,
        namespaceName: checkNamespaceName(component, args.namespaceName, agentId),
        extraLabels: metadataMap(
            component,
            "labels",
            args.labels,
            isLabelValue,
            "expected a label value (at most 63 of A-Z, a-z, 0-9, '-', '_', '.')",
        ),
        extraAnnotations: metadataMap(
            component,
            "annotations",
            args.annotations,
            (v) => typeof v === "string",
            "expected a string",
        ),
        egress: checkEgressShape(component, args.egress, dnsModeOf(egressEnforcement)),
        egressHosts: checkHosts(component, args.egressHosts, egressEnforcement),
        egressEnforcement,
        egressProxy: checkProxy(component, args.egressProxy, egressEnforcement),
        maxPublicEgressAddresses: requireBudget(component, args.maxPublicEgressAddresses),
        resources: planResources(component, args),
        rbacRules: checkRbacRules(component, args.rbacRules),
        suspended: checkBoolean(component, "suspended", args.suspended, false),
        podSecurityVersion,
    };
}
