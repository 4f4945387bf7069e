/**
 * Automated containment as the stack declares it, read from raw resources (never trusting the component):
 * which agent roles a tripwire watches (an EventBridge rule whose pattern names the role's sessions, with a
 * Lambda target), and which resources belong to containment, so `review` judges any change to them Tier 3.
 */
import {
    CONTAINMENT_KUBERNETES_GROUP,
    CONTAINMENT_NAME_PREFIX,
    CONTAINMENT_TAG,
} from "../../core/containment";
import { ROLE_BINDING_TYPES } from "../../policy-pack/lib/kubernetes/types";
import type { ResourceNode, StackModel } from "../../policy-pack/lib/stack-model";
import { isUnknown } from "../../policy-pack/lib/unknowns";

export const EVENT_RULE_TYPE = "aws:cloudwatch/eventRule:EventRule";
export const EVENT_TARGET_TYPE = "aws:cloudwatch/eventTarget:EventTarget";
const LAMBDA_FUNCTION_TYPES = new Set(["aws:lambda/function:Function", "aws:lambda/alias:Alias"]);
const CONTAINMENT_COMPONENT_TYPE = "agentguard:aws:AgentContainment";

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);
const known = (v: unknown): v is string => typeof v === "string" && !isUnknown(v);

export type CoverageStatus = "covered" | "pending" | "partial" | "none";

export interface Tripwire {
    /** The agent's IAM principal (resource name) the rule watches. */
    readonly role: string;
    readonly rule: string;
    /** The Lambda function the rule invokes (resource name, or the ARN as written). */
    readonly function: string;
    readonly pattern: "names the role" | "computed from the role, unknown until deploy";
    readonly state: "enabled" | "disabled" | "unknown";
}

export interface ContainmentCoverage {
    /**
     * `covered`: every AWS identity of the agent has an enabled tripwire whose pattern names it; `pending`:
     * each has one, but some pattern or state is unknown during preview; `partial`: some identity has none;
     * `none`: no tripwire watches the agent (or it has no AWS identity to watch).
     */
    readonly status: CoverageStatus;
    readonly tripwires: readonly Tripwire[];
    /** AWS identities of the agent no enabled tripwire watches. */
    readonly uncovered: readonly string[];
    /** Agent namespaces where the containment group may hold pods at zero (a RoleBinding to it). */
    readonly kubernetesNamespaces: readonly string[];
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

/** True when `arn` is the ARN of the IAM role named `name` (any partition, account or path). */
function isRoleArnOf(arn: string, name: string): boolean {
    return new RegExp(`^arn:aws[a-z-]*:iam::[0-9*]*:role/(?:[^*?]*/)?${escape(name)}$`).test(arn);
}

function escape(s: string): string {
    return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function ruleState(rule: ResourceNode): Tripwire["state"] {
    const { state, isEnabled } = rule.props;
    if (isUnknown(state) || isUnknown(isEnabled)) return "unknown";
    if (state === "DISABLED" || state === "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS_DISABLED")
        return "disabled";
    if (isEnabled === false && state === undefined) return "disabled";
    return "enabled";
}

/** Tripwire rules' Lambda targets: rule URN to the functions it invokes (name, and whether it is known). */
function lambdaTargets(model: StackModel): Map<string, { fn: string; known: boolean }[]> {
    const rules = model.ofType(EVENT_RULE_TYPE);
    const byName = new Map(rules.filter((r) => known(r.props.name)).map((r) => [r.props.name as string, r]));
    const out = new Map<string, { fn: string; known: boolean }[]>();
    for (const target of model.ofType(EVENT_TARGET_TYPE)) {
        const ruleNodes = [
            ...(target.propertyDependencies.rule ?? []).filter((n) => n.type === EVENT_RULE_TYPE),
            ...(known(target.props.rule) && byName.has(target.props.rule)
                ? [byName.get(target.props.rule)!]
                : []),
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
    model: StackModel,
    identities: readonly { urn: string; name: string }[],
): Map<string, Tripwire[]> {
    const targets = lambdaTargets(model);
    const out = new Map<string, Tripwire[]>(identities.map((i) => [i.urn, []]));
    for (const rule of model.ofType(EVENT_RULE_TYPE)) {
        const fns = targets.get(rule.urn);
        if (!fns || fns.length === 0) continue;
        const bus = rule.props.eventBusName;
        // CloudTrail delivers to the default bus only.
        if (known(bus) && bus !== "default" && !bus.endsWith(":event-bus/default")) continue;
        const arns = patternIssuerArns(rule.props.eventPattern);
        const from = new Set((rule.propertyDependencies.eventPattern ?? []).map((n) => n.urn));
        for (const identity of identities) {
            const node = model.byUrn(identity.urn);
            const iamName = node?.props.name;
            const names =
                Array.isArray(arns) &&
                arns.some((a) => (known(iamName) ? isRoleArnOf(a, iamName) : false) || a === node?.props.arn);
            const computed = arns === "unknown" && from.has(identity.urn);
            if (!names && !computed) continue;
            const state = ruleState(rule);
            for (const fn of fns)
                out.get(identity.urn)!.push({
                    role: identity.name,
                    rule: known(rule.props.name) ? rule.props.name : rule.name,
                    function: fn.fn,
                    pattern:
                        names && fn.known ? "names the role" : "computed from the role, unknown until deploy",
                    state,
                });
        }
    }
    return out;
}

/** Namespaces in which a RoleBinding grants the containment group its role (pods held at zero there). */
export function containmentNamespaces(model: StackModel): Set<string> {
    const out = new Set<string>();
    for (const binding of model.ofType(...ROLE_BINDING_TYPES)) {
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

export function coverageOf(
    identities: readonly { urn: string; name: string }[],
    tripwires: ReadonlyMap<string, readonly Tripwire[]>,
    namespaces: readonly string[],
    heldNamespaces: ReadonlySet<string>,
): ContainmentCoverage {
    const all = identities.flatMap((i) => tripwires.get(i.urn) ?? []);
    const live = (t: Tripwire) => t.state !== "disabled";
    const uncovered = identities.filter((i) => !(tripwires.get(i.urn) ?? []).some(live)).map((i) => i.name);
    const certain = identities.every((i) =>
        (tripwires.get(i.urn) ?? []).some((t) => t.state === "enabled" && t.pattern === "names the role"),
    );
    const status: CoverageStatus =
        identities.length === 0 || uncovered.length === identities.length
            ? "none"
            : uncovered.length > 0
              ? "partial"
              : certain
                ? "covered"
                : "pending";
    return {
        status,
        tripwires: all,
        uncovered,
        kubernetesNamespaces: namespaces.filter((ns) => heldNamespaces.has(ns)),
    };
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

function tagOrLabel(node: ResourceNode): unknown {
    const tags = node.props.tags;
    const md = node.props.metadata;
    const labels = isObject(md) ? md.labels : undefined;
    return (
        (isObject(tags) ? tags[CONTAINMENT_TAG] : undefined) ??
        (isObject(labels) ? labels[CONTAINMENT_TAG] : undefined)
    );
}

function nameOf(node: ResourceNode): string | undefined {
    for (const key of NAME_KEYS) {
        const v = node.props[key];
        if (known(v) && CONTAINMENT_NAME.test(v)) return `${key} ${v}`;
    }
    const md = node.props.metadata;
    const mdName = isObject(md) ? md.name : undefined;
    if (known(mdName) && mdName.startsWith(CONTAINMENT_NAME_PREFIX)) return `metadata.name ${mdName}`;
    return undefined;
}

function componentAncestor(node: ResourceNode): ResourceNode | undefined {
    for (let p = node.parent; p; p = p.parent) if (p.type === CONTAINMENT_COMPONENT_TYPE) return p;
    return undefined;
}

/**
 * Every resource of automated containment in the stack, with why: tagged or labelled
 * `agentguard.io/containment`, named with the containment prefix, a child of an AgentContainment, a tripwire
 * (a rule naming an agent role's sessions with a Lambda target), the containment group's access entry and
 * bindings, and whatever attaches to one of those (targets, permissions, policies, filters, subscriptions).
 */
export function containmentResources(
    model: StackModel,
    agentRoleUrns: ReadonlySet<string>,
): Map<string, string> {
    const out = new Map<string, string>();
    for (const node of model.resources) {
        const tag = tagOrLabel(node);
        const name = nameOf(node);
        const component = componentAncestor(node);
        const groups = node.props.kubernetesGroups;
        const subjects = node.props.subjects;
        const why =
            node.type === CONTAINMENT_COMPONENT_TYPE
                ? "an AgentContainment component"
                : tag !== undefined
                  ? `tagged ${CONTAINMENT_TAG}${known(tag) ? `=${tag}` : ""}`
                  : name !== undefined
                    ? `its ${name} has the containment prefix ${CONTAINMENT_NAME_PREFIX}`
                    : component !== undefined
                      ? `part of AgentContainment ${component.name}`
                      : (Array.isArray(groups) && groups.includes(CONTAINMENT_KUBERNETES_GROUP)) ||
                          (Array.isArray(subjects) &&
                              subjects.some((s) => isObject(s) && s.name === CONTAINMENT_KUBERNETES_GROUP))
                        ? `maps or binds the containment group ${CONTAINMENT_KUBERNETES_GROUP}`
                        : undefined;
        if (why !== undefined) out.set(node.urn, why);
    }
    // Tripwires built by hand: a rule naming an agent role's sessions that invokes a function.
    const tripwires = tripwiresByIdentity(
        model,
        [...agentRoleUrns].map((urn) => ({ urn, name: model.byUrn(urn)?.name ?? urn })),
    );
    const ruleNames = new Set([...tripwires.values()].flat().map((t) => t.rule));
    for (const rule of model.ofType(EVENT_RULE_TYPE)) {
        const name = known(rule.props.name) ? rule.props.name : rule.name;
        if (ruleNames.has(name) && !out.has(rule.urn))
            out.set(
                rule.urn,
                "a tripwire: its pattern watches an agent role's sessions and invokes a function",
            );
    }
    // Attached resources, to a fixed point (a target of a rule, the permission of its function...).
    for (let grew = true; grew;) {
        grew = false;
        for (const node of model.resources) {
            if (out.has(node.urn) || !ATTACHED_TYPES.some((t) => t.test(node.type))) continue;
            const deps = [...Object.values(node.propertyDependencies).flat(), ...node.dependencies];
            const attached = deps.find((d) => out.has(d.urn) && d.type !== CONTAINMENT_COMPONENT_TYPE);
            const byName = attachedByName(node, model, out);
            if (attached || byName) {
                out.set(node.urn, `attached to containment resource ${(attached ?? byName)!.name}`);
                grew = true;
            }
        }
    }
    return out;
}

/** A rule, function or role named by value (the name is known) rather than by a dependency. */
function attachedByName(
    node: ResourceNode,
    model: StackModel,
    containment: ReadonlyMap<string, string>,
): ResourceNode | undefined {
    const refs = NAME_KEYS.filter((k) => k !== "name" && k !== "namePrefix")
        .map((k) => node.props[k])
        .filter(known);
    if (refs.length === 0) return undefined;
    return model.resources.find(
        (r) =>
            containment.has(r.urn) && [r.props.name, r.props.arn].some((v) => known(v) && refs.includes(v)),
    );
}
