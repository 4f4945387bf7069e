/**
 * What automated containment is, read from raw resources (never trusting the component). One notion for the
 * reach graph (tamper edges), `report` (coverage per agent) and `review` (any change is Tier 3).
 */
import { CONTAINMENT_KUBERNETES_GROUP, CONTAINMENT_NAME_PREFIX, CONTAINMENT_TAG } from "../containment";
import { isUnknown } from "../unknowns";
import type { ReachResource } from "./resource";

export const EVENT_RULE_TYPE = "aws:cloudwatch/eventRule:EventRule";
export const EVENT_TARGET_TYPE = "aws:cloudwatch/eventTarget:EventTarget";
export const CONTAINMENT_COMPONENT_TYPE = "agentguard:aws:AgentContainment";
const LAMBDA_FUNCTION_TYPES = new Set(["aws:lambda/function:Function", "aws:lambda/alias:Alias"]);
const ROLE_BINDING_TYPE = /^kubernetes:rbac\.authorization\.k8s\.io\/[^:]+:RoleBinding(Patch)?$/;

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);
const known = (v: unknown): v is string => typeof v === "string" && !isUnknown(v);

export interface Tripwire {
    /** The agent's IAM principal (resource name) the rule watches. */
    readonly role: string;
    readonly rule: string;
    /** The Lambda function the rule invokes (resource name, or the ARN as written). */
    readonly function: string;
    readonly pattern: "names the role" | "computed from the role, unknown until deploy";
    readonly state: "enabled" | "disabled" | "unknown";
}

/** The role ARNs an EventBridge pattern names as the calling session's issuer (`detail...sessionIssuer.arn`). */
export function patternIssuerArns(pattern: unknown): string[] | "unknown" | undefined {
    if (!known(pattern)) return isUnknown(pattern) ? "unknown" : undefined;
    let parsed: unknown;
    try {
        parsed = JSON.parse(pattern);
    } catch {
        return undefined;
    }
    const detail = isObject(parsed) ? parsed.detail : undefined;
    const issuer = [detail, ...(isObject(detail) && Array.isArray(detail.$or) ? detail.$or : [])]
        .map((d) => (isObject(d) ? d.userIdentity : undefined))
        .map((u) => (isObject(u) ? u.sessionContext : undefined))
        .map((s) => (isObject(s) ? s.sessionIssuer : undefined))
        .map((i) => (isObject(i) ? i.arn : undefined))
        .find((a) => a !== undefined);
    return Array.isArray(issuer) ? issuer.filter((a): a is string => typeof a === "string") : undefined;
}

function escape(s: string): string {
    return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function ruleState(rule: ReachResource): Tripwire["state"] {
    const { state, isEnabled } = rule.props;
    if (isUnknown(state) || isUnknown(isEnabled)) return "unknown";
    if (state === "DISABLED" || state === "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS_DISABLED")
        return "disabled";
    if (isEnabled === false && state === undefined) return "disabled";
    return "enabled";
}

/** Rules' Lambda targets: rule URN to the functions it invokes (name, and whether it is known). */
function lambdaTargets(resources: readonly ReachResource[]): Map<string, { fn: string; known: boolean }[]> {
    const rules = resources.filter((r) => r.type === EVENT_RULE_TYPE);
    const byName = new Map(rules.filter((r) => known(r.props.name)).map((r) => [r.props.name as string, r]));
    const out = new Map<string, { fn: string; known: boolean }[]>();
    for (const target of resources) {
        if (target.type !== EVENT_TARGET_TYPE) continue;
        const byRuleName = known(target.props.rule) ? byName.get(target.props.rule) : undefined;
        const ruleNodes = [
            ...(target.propertyDependencies.rule ?? []).filter((n) => n.type === EVENT_RULE_TYPE),
            ...(byRuleName ? [byRuleName] : []),
        ];
        const arn = target.props.arn;
        const viaDependency = (target.propertyDependencies.arn ?? []).find((n) =>
            LAMBDA_FUNCTION_TYPES.has(n.type),
        );
        let fn: { fn: string; known: boolean } | undefined;
        if (known(arn) && /^arn:aws[a-z-]*:lambda:[^:]*:[^:]*:function:/.test(arn))
            fn = { fn: viaDependency?.name ?? arn, known: true };
        else if (isUnknown(arn) && viaDependency) fn = { fn: viaDependency.name, known: false };
        if (!fn) continue;
        for (const rule of new Set(ruleNodes)) out.set(rule.urn, [...(out.get(rule.urn) ?? []), fn]);
    }
    return out;
}

/**
 * Per AWS identity (by URN): the tripwires that watch it. A pattern unknown during preview watches a role
 * when it is computed from that role (a property dependency), which is how AgentContainment builds it.
 */
export function tripwiresByIdentity(
    resources: readonly ReachResource[],
    identities: readonly { urn: string; name: string }[],
): Map<string, Tripwire[]> {
    const targets = lambdaTargets(resources);
    if (targets.size === 0) return new Map(identities.map((i) => [i.urn, []]));
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const out = new Map<string, Tripwire[]>(identities.map((i) => [i.urn, []]));
    // Identities by role name and by ARN: a rule is checked against the ARNs it names, not every identity.
    const byRef = new Map<string, { urn: string; name: string }[]>();
    const index = (key: unknown, identity: { urn: string; name: string }) => {
        if (!known(key)) return;
        const list = byRef.get(key);
        if (list) list.push(identity);
        else byRef.set(key, [identity]);
    };
    for (const identity of identities) {
        const node = byUrn.get(identity.urn);
        const name = node?.props.name;
        if (known(name)) index(`name:${name}`, identity);
        index(node?.props.arn, identity);
    }
    for (const rule of resources) {
        if (rule.type !== EVENT_RULE_TYPE) continue;
        const fns = targets.get(rule.urn);
        if (!fns || fns.length === 0) continue;
        const bus = rule.props.eventBusName;
        // CloudTrail delivers to the default bus only.
        if (known(bus) && bus !== "default" && !bus.endsWith(":event-bus/default")) continue;
        const arns = patternIssuerArns(rule.props.eventPattern);
        const named = new Set<{ urn: string; name: string }>();
        const computed = new Set<{ urn: string; name: string }>();
        if (Array.isArray(arns)) {
            for (const arn of arns) {
                for (const identity of byRef.get(arn) ?? []) named.add(identity);
                const name = roleNameOf(arn);
                for (const identity of name === undefined ? [] : (byRef.get(`name:${name}`) ?? []))
                    named.add(identity);
            }
        } else if (arns === "unknown") {
            const from = new Set((rule.propertyDependencies.eventPattern ?? []).map((n) => n.urn));
            for (const identity of identities) if (from.has(identity.urn)) computed.add(identity);
        }
        const state = ruleState(rule);
        for (const identity of [...named, ...computed]) {
            for (const fn of fns)
                out.get(identity.urn)?.push({
                    role: identity.name,
                    rule: known(rule.props.name) ? rule.props.name : rule.name,
                    function: fn.fn,
                    pattern:
                        named.has(identity) && fn.known
                            ? "names the role"
                            : "computed from the role, unknown until deploy",
                    state,
                });
        }
    }
    return out;
}

/** The role name of an IAM role ARN (any partition, account or path without wildcards), else undefined. */
function roleNameOf(arn: string): string | undefined {
    const match = /^arn:aws[a-z-]*:iam::[0-9*]*:role\/(?:[^*?]*\/)?([^/]+)$/.exec(arn);
    return match?.[1];
}

/** Namespaces in which a RoleBinding grants the containment group its role (pods held at zero there). */
export function containmentNamespaces(resources: readonly ReachResource[]): Set<string> {
    const out = new Set<string>();
    for (const binding of resources) {
        if (!ROLE_BINDING_TYPE.test(binding.type)) continue;
        const subjects = binding.props.subjects;
        const md = binding.props.metadata;
        const ns = isObject(md) ? md.namespace : undefined;
        if (!Array.isArray(subjects) || !known(ns)) continue;
        if (
            subjects.some((s) => isObject(s) && s.kind === "Group" && s.name === CONTAINMENT_KUBERNETES_GROUP)
        )
            out.add(ns);
    }
    return out;
}

/** Keys whose value names another resource: a containment name there ties the resource to containment. */
const NAME_KEYS = [
    "name",
    "namePrefix",
    "rule",
    "function",
    "functionName",
    "role",
    "logGroupName",
    "policyName",
    "topic",
    "topicArn",
    "alarmName",
    "principalArn",
];
const CONTAINMENT_NAME = new RegExp(`(?:^|[/:])${escape(CONTAINMENT_NAME_PREFIX)}`);

/**
 * Types that only attach to another resource (a rule's target, a function's permission, a role's policy, a
 * log group's filter, a topic's subscription, a cluster access entry, a binding): one attached to a
 * containment resource is part of containment.
 */
const ATTACHED_TYPES = [
    /^aws:cloudwatch\/(eventTarget|logMetricFilter|logSubscriptionFilter|logResourcePolicy|metricAlarm)/,
    /^aws:lambda\/(permission|alias|functionEventInvokeConfig|provisionedConcurrencyConfig|functionUrl|eventSourceMapping)/,
    /^aws:iam\/(rolePolicy|rolePolicyAttachment|policyAttachment|policy:)/,
    /^aws:sns\/(topicSubscription|topicPolicy)/,
    /^aws:eks\/(accessEntry|accessPolicyAssociation)/,
    /^kubernetes:rbac\.authorization\.k8s\.io\/v1:(RoleBinding|ClusterRoleBinding)/,
];

function tagOrLabel(node: ReachResource): unknown {
    const tags = node.props.tags;
    const md = node.props.metadata;
    const labels = isObject(md) ? md.labels : undefined;
    return (
        (isObject(tags) ? tags[CONTAINMENT_TAG] : undefined) ??
        (isObject(labels) ? labels[CONTAINMENT_TAG] : undefined)
    );
}

function containmentName(node: ReachResource): string | undefined {
    for (const key of NAME_KEYS) {
        const v = node.props[key];
        if (known(v) && CONTAINMENT_NAME.test(v)) return `${key} ${v}`;
    }
    const md = node.props.metadata;
    const mdName = isObject(md) ? md.name : undefined;
    if (known(mdName) && mdName.startsWith(CONTAINMENT_NAME_PREFIX)) return `metadata.name ${mdName}`;
    return undefined;
}

function componentAncestor(node: ReachResource): ReachResource | undefined {
    for (let p = node.parent; p; p = p.parent) if (p.type === CONTAINMENT_COMPONENT_TYPE) return p;
    return undefined;
}

function declaredWhy(node: ReachResource): string | undefined {
    if (node.type === CONTAINMENT_COMPONENT_TYPE) return "an AgentContainment component";
    const tag = tagOrLabel(node);
    if (tag !== undefined) return `tagged ${CONTAINMENT_TAG}${known(tag) ? `=${tag}` : ""}`;
    const name = containmentName(node);
    if (name !== undefined) return `its ${name} has the containment prefix ${CONTAINMENT_NAME_PREFIX}`;
    const component = componentAncestor(node);
    if (component !== undefined) return `part of AgentContainment ${component.name}`;
    const groups = node.props.kubernetesGroups;
    const subjects = node.props.subjects;
    if (
        (Array.isArray(groups) && groups.includes(CONTAINMENT_KUBERNETES_GROUP)) ||
        (Array.isArray(subjects) &&
            subjects.some((s) => isObject(s) && s.name === CONTAINMENT_KUBERNETES_GROUP))
    ) {
        return `maps or binds the containment group ${CONTAINMENT_KUBERNETES_GROUP}`;
    }
    return undefined;
}

/**
 * Every resource of automated containment in the stack, with why: tagged or labelled
 * `agentguard.io/containment`, named with the containment prefix, a child of an AgentContainment, a tripwire
 * (a rule naming an agent role's sessions with a Lambda target), the containment group's access entry and
 * bindings, and whatever attaches to one of those (targets, permissions, policies, filters, subscriptions).
 */
export function containmentResources(
    resources: readonly ReachResource[],
    agentRoleUrns: ReadonlySet<string>,
): Map<string, string> {
    const out = new Map<string, string>();
    for (const node of resources) {
        const why = declaredWhy(node);
        if (why !== undefined) out.set(node.urn, why);
    }
    // Tripwires built by hand: a rule naming an agent role's sessions that invokes a function.
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const tripwires = tripwiresByIdentity(
        resources,
        [...agentRoleUrns].map((urn) => ({ urn, name: byUrn.get(urn)?.name ?? urn })),
    );
    const ruleNames = new Set([...tripwires.values()].flat().map((t) => t.rule));
    for (const rule of resources) {
        if (rule.type !== EVENT_RULE_TYPE || out.has(rule.urn)) continue;
        if (ruleNames.has(known(rule.props.name) ? rule.props.name : rule.name))
            out.set(
                rule.urn,
                "a tripwire: its pattern watches an agent role's sessions and invokes a function",
            );
    }
    // Attached resources, to a fixed point (a target of a rule, the permission of its function...).
    attach(resources, out);
    // The functions containment rules invoke, and the roles they run as, then what attaches to those.
    if (invokedFunctions(resources, out)) attach(resources, out);
    return out;
}

const ROLE_TYPE = "aws:iam/role:Role";

/**
 * Lambda functions a containment rule's target invokes (by dependency, or by a known ARN or name), and the
 * roles those run as: a hand-built tripwire's function is containment too. Returns whether any was added.
 */
function invokedFunctions(resources: readonly ReachResource[], out: Map<string, string>): boolean {
    const functions = resources.filter((r) => LAMBDA_FUNCTION_TYPES.has(r.type));
    if (functions.length === 0) return false;
    const byRef = new Map<string, ReachResource>();
    for (const fn of functions) {
        for (const v of [fn.props.arn, fn.props.name]) if (known(v) && !byRef.has(v)) byRef.set(v, fn);
    }
    let added = false;
    const mark = (node: ReachResource, why: string) => {
        if (out.has(node.urn)) return;
        out.set(node.urn, why);
        added = true;
    };
    for (const target of resources) {
        if (target.type !== EVENT_TARGET_TYPE || !out.has(target.urn)) continue;
        const arn = target.props.arn;
        const invoked = [
            ...(target.propertyDependencies.arn ?? []).filter((d) => LAMBDA_FUNCTION_TYPES.has(d.type)),
            ...(known(arn)
                ? [
                      byRef.get(arn) ??
                          byRef.get(arn.replace(/^arn:[^:]*:lambda:[^:]*:[^:]*:function:([^:]+).*$/, "$1")),
                  ]
                : []),
        ];
        for (const fn of invoked) {
            if (!fn) continue;
            mark(fn, `invoked by containment target ${target.name}`);
            for (const role of fn.propertyDependencies.role ?? []) {
                if (role.type === ROLE_TYPE) mark(role, `the role containment function ${fn.name} runs as`);
            }
        }
    }
    return added;
}

/** Adds what attaches to containment (by dependency or by name), to a fixed point. */
function attach(resources: readonly ReachResource[], out: Map<string, string>): void {
    const byValue = new Map<string, ReachResource>();
    const index = (r: ReachResource) => {
        for (const v of [r.props.name, r.props.arn]) if (known(v) && !byValue.has(v)) byValue.set(v, r);
    };
    for (const r of resources) if (out.has(r.urn)) index(r);
    const attachable = resources.filter((r) => ATTACHED_TYPES.some((t) => t.test(r.type)));
    for (let grew = true; grew;) {
        grew = false;
        for (const node of attachable) {
            if (out.has(node.urn)) continue;
            const deps = [...Object.values(node.propertyDependencies).flat(), ...node.dependencies];
            const attached =
                deps.find((d) => out.has(d.urn) && d.type !== CONTAINMENT_COMPONENT_TYPE) ??
                attachedByName(node, byValue);
            if (attached) {
                out.set(node.urn, `attached to containment resource ${attached.name}`);
                index(node);
                grew = true;
            }
        }
    }
}

/** A rule, function or role named by value (the name or ARN is known) rather than by a dependency. */
function attachedByName(
    node: ReachResource,
    containment: ReadonlyMap<string, ReachResource>,
): ReachResource | undefined {
    for (const key of NAME_KEYS) {
        if (key === "name" || key === "namePrefix") continue;
        const value = node.props[key];
        if (known(value)) {
            const hit = containment.get(value);
            if (hit) return hit;
        }
    }
    return undefined;
}

const SECURITY_DETAIL = /CloudTrail|GuardDuty|Security Hub|Config|Access Analyzer/i;
const SECURITY_SOURCE =
    /^aws\.(guardduty|securityhub|cloudtrail|config|access-analyzer|inspector2?|macie2?|detective|iam|sts|health)$/;

/**
 * What an EventBridge rule's pattern says about containment: `true` when it matches security findings or
 * API activity (GuardDuty, Security Hub, CloudTrail API calls, Config, Access Analyzer...), `false` when it
 * matches something else or is a schedule, `unknown` when the pattern is unknown during preview.
 */
export function eventPatternFeedsContainment(pattern: unknown): boolean | "unknown" {
    if (pattern === undefined || pattern === null || pattern === "") return false;
    if (!known(pattern) && typeof pattern === "string") return "unknown";
    let doc: unknown = pattern;
    if (typeof pattern === "string") {
        try {
            doc = JSON.parse(pattern);
        } catch {
            return "unknown";
        }
    } else if (containsUnknown(pattern)) return "unknown";
    if (!isObject(doc)) return false;
    const top = (key: string): string[] => {
        const value = doc[key];
        return (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === "string");
    };
    if (top("source").some((s) => SECURITY_SOURCE.test(s))) return true;
    return top("detail-type").some((d) => SECURITY_DETAIL.test(d));
}

function containsUnknown(value: unknown): boolean {
    if (isUnknown(value)) return true;
    if (Array.isArray(value)) return value.some(containsUnknown);
    if (isObject(value)) return Object.values(value).some(containsUnknown);
    return false;
}

/** Why a resource is automated containment; `certain: false` when it only may be (an unknown pattern). */
export interface ContainmentMark {
    readonly certain: boolean;
    readonly why: string;
}

/**
 * The reach graph's view: every containment resource (containmentResources), plus EventBridge rules that
 * feed automated response by their pattern. A rule whose pattern is unknown is containment for certain when
 * the pattern is computed from an agent role (a tripwire in preview), and may be one otherwise.
 */
export function containmentMarks(
    resources: readonly ReachResource[],
    agentRoleUrns: ReadonlySet<string>,
): Map<string, ContainmentMark> {
    const out = new Map<string, ContainmentMark>();
    for (const [urn, why] of containmentResources(resources, agentRoleUrns))
        out.set(urn, { certain: true, why });
    for (const rule of resources) {
        if (rule.type !== EVENT_RULE_TYPE || out.has(rule.urn)) continue;
        const feeds = eventPatternFeedsContainment(rule.props.eventPattern);
        if (feeds === true) {
            out.set(rule.urn, {
                certain: true,
                why: "its pattern matches security findings or API activity",
            });
        } else if (feeds === "unknown") {
            const agent = (rule.propertyDependencies.eventPattern ?? []).find((d) =>
                agentRoleUrns.has(d.urn),
            );
            out.set(
                rule.urn,
                agent
                    ? { certain: true, why: `its pattern is computed from agent role ${agent.name}` }
                    : { certain: false, why: `${rule.name}'s eventPattern is unknown during preview` },
            );
        }
    }
    return out;
}
