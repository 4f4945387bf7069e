import { GUARDRAIL_KINDS, GUARDRAIL_SUBRESOURCES } from "./guardrail-kinds";
import { POD_CREATING_RESOURCES } from "./kubernetes/pod-running-kinds";
import { isPlainObject, shapeProblem } from "./shape";
import { starGlobMatches as globMatches } from "./glob";

/** A Kubernetes RBAC PolicyRule, as written in a Role or ClusterRole. */
export interface RbacPolicyRule {
    readonly apiGroups?: readonly string[];
    readonly resources?: readonly string[];
    readonly verbs?: readonly string[];
    readonly resourceNames?: readonly string[];
    readonly nonResourceURLs?: readonly string[];
}

/**
 * Where a rule's grants apply: every namespace (a ClusterRoleBinding), one namespace (a RoleBinding's), or a
 * namespace not known during preview. Writing pods or configmaps is only safe inside an agent namespace.
 */
export type RbacGrantScope =
    | { readonly kind: "cluster" }
    | { readonly kind: "namespace"; readonly namespace: string; readonly agent: boolean }
    | { readonly kind: "unknown"; readonly reason: string };

/** One forbidden (verb, resource) pair of rule `ruleIndex`, with why it is forbidden. */
export interface RbacFinding {
    readonly ruleIndex: number;
    readonly verb: string;
    readonly resource: string;
    readonly reason: string;
}

/**
 * Built-in ClusterRoles an agent must never be bound to: each grants secrets, exec or write access to the
 * guardrails themselves (or holds the rules aggregated into one that does). Kubernetes role names are
 * case-sensitive, so the lookup is exact. An array, with `has` for lookups.
 */
export const BUILT_IN_PRIVILEGED_CLUSTER_ROLES: readonly string[] & { has(name: string): boolean } =
    Object.freeze(
        Object.assign(
            [
                "cluster-admin",
                "admin",
                "edit",
                "system:aggregate-to-admin",
                "system:aggregate-to-edit",
                "system:kube-controller-manager",
                "system:node",
                "system:controller:clusterrole-aggregation-controller",
                "system:controller:generic-garbage-collector",
                "system:controller:namespace-controller",
            ],
            {
                has(name: string): boolean {
                    return BUILT_IN_PRIVILEGED_CLUSTER_ROLES.includes(name);
                },
            },
        ),
    );

const ESCALATION_VERBS: Readonly<Record<string, string>> = {
    escalate: "lets the agent write roles granting more than it holds",
    bind: "lets the agent bind roles granting more than it holds",
    impersonate: "lets the agent act as another user, group or service account",
    approve: "lets the agent approve certificate requests, minting credentials for any identity",
    sign: "lets the agent sign certificates, minting credentials for any identity",
};

const WRITE_VERBS = new Set(["create", "update", "patch", "delete", "deletecollection"]);

/** Subresources forbidden with any verb, with why. */
export const FORBIDDEN_SUBRESOURCES: Readonly<Record<string, string>> = Object.fromEntries(
    GUARDRAIL_SUBRESOURCES.map((entry) => [entry.subresource, entry.why]),
);

/**
 * Resources an agent must never write (core/guardrail-kinds.ts, shared with the admission baseline).
 * Matched by name in any apiGroup, so a CRD in a made-up group is judged as well.
 */
export const GUARDRAIL_RESOURCES: readonly string[] = [
    ...new Set(GUARDRAIL_KINDS.map((kind) => kind.resource)),
];

const POD_WRITE_VERBS = new Set(["create", "update", "patch"]);
/**
 * Cluster-scoped plumbing that decides what pods get and where requests go: writing it (only a
 * ClusterRoleBinding can grant that) lets the agent step around the guardrails without touching them.
 */
const CLUSTER_PLUMBING: Readonly<Record<string, string>> = {
    apiservices:
        "registers an aggregated API server of its choice, which receives API requests with the callers' identities",
    nodes: "relabels, untaints or rewrites nodes (status included: fake GPU capacity), steering pods and their host",
    runtimeclasses:
        "defines a runtime handler of its choice (an NVIDIA runtime gives GPUs past quota, another a weaker sandbox)",
    deviceclasses:
        "defines a new DRA device class, which no per-class GPU quota (<class>.deviceclass.resource.k8s.io/devices) caps",
    storageclasses:
        "defines a provisioner of its choice, which may hand out volumes on the node's disk (host access)",
    csidrivers: "registers a CSI driver's inline volumes, which may mount the node's disk (host access)",
    gatewayclasses: "defines a Gateway controller of its choice, an inbound channel from the internet",
    ingressclasses: "defines an Ingress controller class of its choice, an inbound channel from the internet",
};
/**
 * Resources whose controllers create or re-parent namespaces (HNC subnamespaces, Capsule tenants): a namespace
 * made that way inherits the agent's RoleBindings but not its Pod Security label or network policies.
 */
const NAMESPACE_MAKING: readonly string[] = ["subnamespaceanchors", "hierarchyconfigurations", "tenants"];
/** kube-system/aws-auth maps IAM roles to Kubernetes groups, system:masters included. */
const AWS_AUTH = { namespace: "kube-system", name: "aws-auth" };
// Kubernetes cannot narrow create or deletecollection by resourceNames.
const NAME_BLIND_VERBS = new Set(["create", "deletecollection"]);

function normalized(value: string): string {
    return value.trim().toLowerCase();
}

/**
 * Whether a rule's resource entry covers `target` (`resource` or `resource/subresource`). Wider than
 * Kubernetes on purpose: `pods/*` and `secret*` are read as globs, a bare `*` covers subresources, and a
 * base resource entry covers the guardrail resource's own subresources when `baseCoversSubresources`.
 */
function covers(entry: string, target: string, baseCoversSubresources: boolean): boolean {
    if (entry === "*") return true;
    const [entryBase, entrySub] = splitResource(entry);
    const [targetBase, targetSub] = splitResource(target);
    if (!globMatches(entryBase, targetBase)) return false;
    if (entrySub === undefined) return targetSub === undefined || baseCoversSubresources;
    return targetSub === undefined ? baseCoversSubresources : globMatches(entrySub, targetSub);
}

function splitResource(resource: string): [string, string | undefined] {
    const slash = resource.indexOf("/");
    return slash < 0 ? [resource, undefined] : [resource.slice(0, slash), resource.slice(slash + 1)];
}

/** Why `verb` on `resource` is forbidden (empty when it is allowed). Both normalized. */
function resourceReasons(verb: string, resource: string, wildcardGroup: boolean): string[] {
    const reasons: string[] = [];
    if (verb.includes("*")) {
        reasons.push(
            `the wildcard verb "${verb}" grants every verb, escalate, bind and impersonate included`,
        );
    }
    if (ESCALATION_VERBS[verb] !== undefined) reasons.push(`${verb} ${ESCALATION_VERBS[verb]}`);
    if (wildcardGroup) reasons.push("the wildcard apiGroup grants every API group, current and future");
    if (resource.includes("*"))
        reasons.push(`the wildcard resource "${resource}" grants resources added later`);
    if (covers(resource, "secrets", true)) reasons.push("secrets hold other identities' credentials");
    for (const [subresource, why] of Object.entries(FORBIDDEN_SUBRESOURCES)) {
        if (covers(resource, subresource, false)) reasons.push(`${subresource} ${why}`);
    }
    if (POD_WRITE_VERBS.has(verb) || verb.includes("*")) {
        const made = NAMESPACE_MAKING.filter((r) => covers(resource, r, true));
        if (made.length > 0)
            reasons.push(
                `writing ${made.join(", ")} creates namespaces that inherit the agent's bindings (pod creation included) but not the Pod Security label or network policies that confine it`,
            );
    }
    if (WRITE_VERBS.has(verb) || verb.includes("*")) {
        const written = GUARDRAIL_RESOURCES.filter((r) => covers(resource, r, true));
        if (written.length > 0) {
            reasons.push(`writing ${written.join(", ")} lets the agent undo the guardrails that confine it`);
        }
    }
    return reasons;
}

/** Why writing pods or `kube-system/aws-auth` with `verb` on `resource` in `scope` is forbidden. */
function scopedReasons(
    verb: string,
    resource: string,
    resourceNames: readonly string[],
    scope: RbacGrantScope,
): string[] {
    const reasons: string[] = [];
    const wildVerb = verb.includes("*");
    const where =
        scope.kind === "cluster"
            ? "in every namespace (a ClusterRoleBinding), kube-system included"
            : scope.kind === "namespace"
              ? `in namespace ${scope.namespace} (not an agent namespace)`
              : `in a namespace unknown during preview (${scope.reason})`;
    if ((POD_WRITE_VERBS.has(verb) || wildVerb) && !(scope.kind === "namespace" && scope.agent)) {
        const launched = POD_CREATING_RESOURCES.filter((r) => covers(resource, r, false));
        if (launched.length > 0) {
            reasons.push(
                `writing ${launched.join(", ")} ${where} runs pods as any service account there, outside agent confinement`,
            );
        }
    }
    if ((POD_WRITE_VERBS.has(verb) || wildVerb) && scope.kind !== "namespace") {
        for (const [plumbing, why] of Object.entries(CLUSTER_PLUMBING)) {
            if (covers(resource, plumbing, true)) reasons.push(`writing ${plumbing} cluster-wide ${why}`);
        }
    }
    const reachesKubeSystem =
        scope.kind !== "namespace" || normalized(scope.namespace) === AWS_AUTH.namespace;
    const named =
        resourceNames.length === 0 ||
        NAME_BLIND_VERBS.has(verb) ||
        wildVerb ||
        resourceNames.some((n) => globMatches(n, AWS_AUTH.name));
    if (
        (WRITE_VERBS.has(verb) || wildVerb) &&
        reachesKubeSystem &&
        named &&
        covers(resource, "configmaps", true)
    ) {
        reasons.push(
            `writing configmaps ${where} reaches kube-system/aws-auth, which maps IAM roles to Kubernetes groups such as system:masters`,
        );
    }
    return reasons;
}

/**
 * The rule's entries in `field`, normalized; values of the wrong shape become findings. A lone string (`verbs:
 * "*"`) is a finding and is also read as a list of one, so the grant it was meant to be is judged as well.
 */
function entriesOf(
    rule: unknown,
    field: keyof RbacPolicyRule,
    ruleIndex: number,
    findings: RbacFinding[],
): string[] {
    const value = isPlainObject(rule) ? rule[field] : undefined;
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) {
        findings.push(unreadable(ruleIndex, field, value, "a list of strings"));
        return typeof value === "string" ? [normalized(value)] : [];
    }
    return value.flatMap((entry: unknown, i) => {
        if (typeof entry === "string") return [normalized(entry)];
        findings.push(unreadable(ruleIndex, `${field}[${i}]`, entry, "a string"));
        return [];
    });
}

function unreadable(ruleIndex: number, field: string, value: unknown, allowed: string): RbacFinding {
    return {
        ruleIndex,
        verb: "(unknown)",
        resource: "(unknown)",
        reason: `${shapeProblem(field, value, allowed)} (the API server rejects this shape), so what it grants cannot be determined`,
    };
}

/** A rule that is not an object (a string, a list, null) grants what cannot be known: a finding. */
function ruleShapeFinding(rule: unknown, ruleIndex: number): RbacFinding | undefined {
    if (isPlainObject(rule)) return undefined;
    return {
        ruleIndex,
        verb: "(unknown)",
        resource: "(unknown)",
        reason: `${shapeProblem(`rules[${ruleIndex}]`, rule, "a PolicyRule object (apiGroups, resources, verbs, ...)")} (the API server rejects this shape), so what it grants cannot be determined`,
    };
}

/**
 * Every grant in `rules` an agent identity must not hold, one finding per (rule, verb, resource). Fails
 * closed against a hostile author: names are compared case-insensitively and trimmed, the apiGroup is
 * ignored (a made-up group holding `roles` is still judged), `resourceNames` never narrow a grant (except
 * away from kube-system/aws-auth), and wildcards anywhere in verbs, resources, apiGroups or nonResourceURLs
 * are forbidden. With `scope`, writing pod-creating workloads outside an agent namespace and writing
 * kube-system/aws-auth are forbidden too; omit it only for rules confined to an agent namespace.
 */
export function findForbiddenRbacGrants(
    rules: readonly RbacPolicyRule[],
    scope?: RbacGrantScope,
): RbacFinding[] {
    const findings: RbacFinding[] = [];
    rules.forEach((rule: unknown, ruleIndex) => {
        const shape = ruleShapeFinding(rule, ruleIndex);
        if (shape !== undefined) findings.push(shape);
        const verbs = entriesOf(rule, "verbs", ruleIndex, findings);
        const resources = entriesOf(rule, "resources", ruleIndex, findings);
        const apiGroups = entriesOf(rule, "apiGroups", ruleIndex, findings);
        const urls = entriesOf(rule, "nonResourceURLs", ruleIndex, findings);
        const resourceNames = entriesOf(rule, "resourceNames", ruleIndex, findings);
        const wildcardGroup = apiGroups.some((g) => g.includes("*"));
        for (const verb of verbs) {
            for (const resource of resources) {
                const reasons = resourceReasons(verb, resource, wildcardGroup);
                if (scope !== undefined) reasons.push(...scopedReasons(verb, resource, resourceNames, scope));
                if (reasons.length > 0)
                    findings.push({ ruleIndex, verb, resource, reason: reasons.join("; ") });
            }
            for (const url of urls) {
                const reasons = urlReasons(verb, url);
                if (reasons.length > 0)
                    findings.push({ ruleIndex, verb, resource: url, reason: reasons.join("; ") });
            }
        }
    });
    return findings;
}

function urlReasons(verb: string, url: string): string[] {
    const reasons: string[] = [];
    if (verb.includes("*")) reasons.push(`the wildcard verb "${verb}" grants every verb`);
    if (url.includes("*"))
        reasons.push(`the wildcard non-resource URL "${url}" grants paths such as /logs and /debug`);
    return reasons;
}

/** One line per finding, naming the rule index, the verb and the resource. */
export function describeRbacFinding(finding: RbacFinding): string {
    return `rules[${finding.ruleIndex}] grants ${finding.verb} on ${finding.resource}: ${finding.reason}`;
}

/**
 * The grants in `rules` that create or rewrite pods (pods, their controllers, wildcards), as
 * "verb on resource (rules[i])": what lets an identity choose a pod spec at run time, past the stack.
 */
export function podCreatingGrants(rules: readonly RbacPolicyRule[]): string[] {
    const grants: string[] = [];
    const ignored: RbacFinding[] = [];
    rules.forEach((rule: unknown, ruleIndex) => {
        const verbs = entriesOf(rule, "verbs", ruleIndex, ignored);
        const resources = entriesOf(rule, "resources", ruleIndex, ignored);
        for (const verb of verbs) {
            if (!POD_WRITE_VERBS.has(verb) && !verb.includes("*")) continue;
            for (const resource of resources) {
                if (POD_CREATING_RESOURCES.some((r) => covers(resource, r, false)))
                    grants.push(`${verb} on ${resource} (rules[${ruleIndex}])`);
            }
        }
    });
    return grants;
}

/** Verbs that remove or rewrite a RoleBinding or ClusterRole (bind and escalate rewrite what it grants). */
const RBAC_TAMPER_VERBS = new Set(["delete", "deletecollection", "patch", "update", "bind", "escalate"]);
/** Verbs that lift or remove a ResourceQuota's hold (creating a second quota cannot lift the first). */
const QUOTA_TAMPER_VERBS = new Set(["delete", "deletecollection", "patch", "update"]);

/**
 * The grants in `rules` that remove or rewrite automated containment's Kubernetes hold: its RoleBinding or
 * ClusterRole (`name`, when known, is matched against resourceNames), or the namespace's ResourceQuotas (the
 * pods=0 hold), as "verb on resource (rules[i])". Wildcard verbs and resources count.
 */
export function containmentTamperGrants(
    rules: readonly RbacPolicyRule[],
    target: "rolebindings" | "clusterroles" | "resourcequotas",
    name?: string,
): string[] {
    const verbsOfTarget = target === "resourcequotas" ? QUOTA_TAMPER_VERBS : RBAC_TAMPER_VERBS;
    return grantsCovering(
        rules,
        (verb) => verbsOfTarget.has(verb),
        [target],
        name === undefined ? undefined : (names) => names.some((n) => globMatches(n, normalized(name))),
    );
}

/**
 * The grants in `rules` whose verb `verbOk` accepts (a wildcard verb always counts) on a resource entry that
 * covers one of `targets` (`resource` or `resource/subresource`; globs and `*` count, the apiGroup is ignored),
 * as "verb on resource (rules[i])". `named`, when given, decides whether a rule's resourceNames reach the
 * target; it is consulted only for verbs Kubernetes narrows by name.
 */
export function grantsCovering(
    rules: readonly RbacPolicyRule[],
    verbOk: (verb: string) => boolean,
    targets: readonly string[],
    named?: (resourceNames: readonly string[]) => boolean,
): string[] {
    const grants: string[] = [];
    const ignored: RbacFinding[] = [];
    rules.forEach((rule: unknown, ruleIndex) => {
        const verbs = entriesOf(rule, "verbs", ruleIndex, ignored);
        const resources = entriesOf(rule, "resources", ruleIndex, ignored);
        const names = entriesOf(rule, "resourceNames", ruleIndex, ignored);
        for (const verb of verbs) {
            const wild = verb.includes("*");
            if (!wild && !verbOk(verb)) continue;
            if (named && names.length > 0 && !wild && !NAME_BLIND_VERBS.has(verb) && !named(names)) continue;
            for (const resource of resources) {
                if (targets.some((t) => covers(resource, t, false)))
                    grants.push(`${verb} on ${resource} (rules[${ruleIndex}])`);
            }
        }
    });
    return grants;
}
