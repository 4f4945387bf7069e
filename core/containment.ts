/**
 * Automated containment: what AgentContainment watches for (tripwires built from the IAM families the pack
 * judges, never a second list) and the names of its resources, which every agent role's guardrails deny.
 */
import {
    AUDIT_TAMPERING_PATTERNS,
    CREDENTIAL_ACTIONS,
    NETWORK_TAMPERING_PATTERNS,
    ROLE_ASSUMPTION_ACTIONS,
} from "./iam/families";

/**
 * Every AgentContainment resource that has a name carries this prefix (function, role, rules, topic, alarms,
 * log groups), so a guardrail policy can deny agents all of them by ARN before any exists.
 */
export const CONTAINMENT_NAME_PREFIX = "agentguard-containment-";

/** Tag on every containment resource (value: the component's name); not an agent tag. */
export const CONTAINMENT_TAG = "agentguard.io/containment";

/** The CloudWatch namespace of containment's metrics (its alarms read them). */
export const CONTAINMENT_METRIC_NAMESPACE = "agentguard/containment";

/** The Kubernetes group the containment function is mapped to through an EKS access entry. */
export const CONTAINMENT_KUBERNETES_GROUP = "agentguard:containment";

/**
 * ARN patterns of every containment resource, in every partition, account and region: the rules and their
 * targets, the function (and its versions, aliases, concurrency and event source settings, which are all
 * function ARNs), its role, the alert topic and its subscriptions, the alarms, the log groups (the function's
 * own and the telemetry group, which EventBridge can write to only under /aws/events/), and the EKS access
 * entry of its role. The partition is open so that the Deny holds in aws-cn and aws-us-gov too, and the reach
 * graph can tell it certainly covers a resource whose ARN is not known yet.
 */
export function containmentResourceArnPatterns(): string[] {
    const p = CONTAINMENT_NAME_PREFIX;
    return [
        `arn:*:events:*:*:rule/${p}*`,
        `arn:*:lambda:*:*:function:${p}*`,
        `arn:*:iam::*:role/${p}*`,
        `arn:*:sns:*:*:${p}*`,
        `arn:*:cloudwatch:*:*:alarm:${p}*`,
        `arn:*:logs:*:*:log-group:/aws/lambda/${p}*`,
        `arn:*:logs:*:*:log-group:/aws/events/${p}*`,
        `arn:*:eks:*:*:access-entry/*/role/*/${p}*`,
    ];
}

/** One family of forbidden actions, as CloudTrail records them: event source and event name patterns. */
export interface TripwireFamily {
    /** Short id, used in rule names: `<prefix><component>-<id>`. */
    readonly id: string;
    readonly description: string;
    /** Event source (e.g. `iam.amazonaws.com`) to the names it matches; `["*"]` is every write. */
    readonly events: ReadonlyMap<string, readonly string[]>;
}

/** CloudTrail's event source for an IAM service prefix, where the two differ. */
const EVENT_SOURCE_OF_SERVICE: Readonly<Record<string, string>> = {
    cloudwatch: "monitoring.amazonaws.com",
};

export function eventSourceOf(service: string): string {
    return EVENT_SOURCE_OF_SERVICE[service] ?? `${service}.amazonaws.com`;
}

/** Groups `service:NamePattern` actions by the event source CloudTrail records them under. */
export function eventsByService(actions: readonly string[]): Map<string, string[]> {
    const grouped = new Map<string, string[]>();
    for (const action of actions) {
        const colon = action.indexOf(":");
        if (colon <= 0 || colon === action.length - 1) {
            throw new Error(`"${action}" is not an IAM action pattern (expected service:Name)`);
        }
        const source = eventSourceOf(action.slice(0, colon));
        const name = action.slice(colon + 1);
        const names = grouped.get(source) ?? [];
        if (name === "*") names.splice(0, names.length, "*");
        else if (!names.includes("*")) names.push(name);
        grouped.set(source, names);
    }
    return grouped;
}

const DETECTION_SERVICES = new Set([
    "guardduty.amazonaws.com",
    "config.amazonaws.com",
    "securityhub.amazonaws.com",
    "access-analyzer.amazonaws.com",
    "detective.amazonaws.com",
    "inspector2.amazonaws.com",
    "monitoring.amazonaws.com",
]);

function split(
    grouped: Map<string, string[]>,
    keep: (source: string, names: readonly string[]) => boolean,
): Map<string, string[]> {
    return new Map([...grouped].filter(([source, names]) => keep(source, names)));
}

/**
 * The families a tripwire fires on, from the same lists the policy pack judges grants with. Audit tampering
 * is split in two (the record itself; the detectors) to keep each rule's pattern within EventBridge's size.
 */
export function tripwireFamilies(): TripwireFamily[] {
    const audit = eventsByService(AUDIT_TAMPERING_PATTERNS);
    const flowLogs = (source: string, names: readonly string[]) =>
        source === "ec2.amazonaws.com" && names.every((n) => /FlowLogs/.test(n));
    return [
        {
            id: "iam-writes",
            description: "IAM writes: policies, roles, users, credentials, permissions boundaries",
            events: new Map([["iam.amazonaws.com", ["*"]]]),
        },
        {
            id: "credentials",
            description: "credentials created or handed out outside IAM",
            events: split(eventsByService(CREDENTIAL_ACTIONS), (source) => source !== "iam.amazonaws.com"),
        },
        {
            id: "audit",
            description:
                "audit trail tampering: trails, log groups, keys, the audit bucket's lock and policy",
            events: split(
                audit,
                (source, names) => !DETECTION_SERVICES.has(source) && !flowLogs(source, names),
            ),
        },
        {
            id: "detection",
            description:
                "detection tampering: GuardDuty, Config, Security Hub, Access Analyzer, alarms, flow logs",
            events: split(
                audit,
                (source, names) => DETECTION_SERVICES.has(source) || flowLogs(source, names),
            ),
        },
        {
            id: "network",
            description: "network tampering: security groups, routes, VPCs, gateways, firewalls",
            events: eventsByService(NETWORK_TAMPERING_PATTERNS),
        },
    ];
}

/** EventBridge's default limit on one rule's pattern, in characters. */
export const EVENT_PATTERN_MAX_CHARS = 2048;

function eventNameMatchers(names: readonly string[]): unknown[] {
    return names.map((name) => (name.includes("*") ? { wildcard: name } : name));
}

/**
 * The EventBridge pattern of a family: a CloudTrail event by a session of one of `roleArns` for any of the
 * family's event names, allowed or denied (an attempt is what the tripwire is for). Per-source conditions sit in `$or`, so a name
 * pattern of one service never matches another's calls.
 */
export function tripwirePattern(family: TripwireFamily, roleArns: readonly string[]): object {
    // A name pattern may match reads too (`*Route*` matches DescribeRouteTables): those alternatives take
    // writes only. Exact names are forbidden as such, even where CloudTrail files them as reads
    // (sts:GetSessionToken).
    const alternatives = [...family.events].map(([source, names]) => {
        const writesOnly = names.some((name) => name.includes("*")) ? { readOnly: [false] } : {};
        return names.includes("*")
            ? { eventSource: [source], ...writesOnly }
            : { eventSource: [source], eventName: eventNameMatchers(names), ...writesOnly };
    });
    const detail: Record<string, unknown> = {
        userIdentity: { sessionContext: { sessionIssuer: { arn: [...roleArns] } } },
    };
    if (alternatives.length === 1) Object.assign(detail, alternatives[0]);
    else detail.$or = alternatives;
    return { "detail-type": ["AWS API Call via CloudTrail"], detail };
}

/**
 * Role assumption by an agent session of any role but `allowed`: sts:AssumeRole* records the target as
 * `requestParameters.roleArn`.
 */
export function roleAssumptionPattern(roleArns: readonly string[], allowed: readonly string[]): object {
    const names = [...new Set(ROLE_ASSUMPTION_ACTIONS.map((a) => a.slice(a.indexOf(":") + 1)))];
    const detail: Record<string, unknown> = {
        eventSource: ["sts.amazonaws.com"],
        eventName: names,
        userIdentity: { sessionContext: { sessionIssuer: { arn: [...roleArns] } } },
    };
    if (allowed.length > 0) detail.requestParameters = { roleArn: [{ "anything-but": [...allowed] }] };
    return { "detail-type": ["AWS API Call via CloudTrail"], detail };
}

/** Every CloudTrail event of the agents' sessions: the telemetry stream (metric filters read it). */
export function telemetryPattern(roleArns: readonly string[]): object {
    return {
        "detail-type": ["AWS API Call via CloudTrail"],
        detail: { userIdentity: { sessionContext: { sessionIssuer: { arn: [...roleArns] } } } },
    };
}

/** GuardDuty findings about one of the agents' roles (the role name is the access key's user name). */
export function guardDutyPattern(roleNames: readonly string[]): object {
    return {
        source: ["aws.guardduty"],
        "detail-type": ["GuardDuty Finding"],
        detail: { resource: { accessKeyDetails: { userName: [...roleNames] } } },
    };
}

/** A CloudWatch Logs metric filter counting one role's denied calls in the telemetry log group. */
export function accessDeniedFilterPattern(roleArn: string): string {
    return (
        '{ ($.detail.errorCode = "AccessDenied*" || $.detail.errorCode = "*UnauthorizedOperation" || ' +
        `$.detail.errorCode = "*UnauthorizedAccess*") && ` +
        `$.detail.userIdentity.sessionContext.sessionIssuer.arn = "${roleArn}" }`
    );
}

/** Size as EventBridge counts it: the pattern's JSON. */
export function patternSize(pattern: object): number {
    return JSON.stringify(pattern).length;
}
