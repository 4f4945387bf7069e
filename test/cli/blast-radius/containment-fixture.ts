import type { CollectedResource } from "../../../cli/blast-radius/collect";
import { agentStack, res, ROLE, ROLE_POLICY, urnOf } from "./resources";

/** Pulumi's sentinel for a string unknown during preview. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
export const RULE = "aws:cloudwatch/eventRule:EventRule";
export const TARGET = "aws:cloudwatch/eventTarget:EventTarget";
export const FUNCTION = "aws:lambda/function:Function";
export const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
export const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
export const FILTER = "aws:cloudwatch/logMetricFilter:LogMetricFilter";
export const CODER_ROLE_ARN = "arn:aws:iam::111122223333:role/coder";

const tags = { "agentguard.io/containment": "c", "agentguard.io/owner": "sec" };

export function issuerPattern(arns: string[]): string {
    return JSON.stringify({
        "detail-type": ["AWS API Call via CloudTrail"],
        detail: {
            eventSource: ["iam.amazonaws.com"],
            userIdentity: { sessionContext: { sessionIssuer: { arn: arns } } },
        },
    });
}

/**
 * The agent stack with AgentContainment's shape as preview sees it: the rule's pattern is computed from the
 * agent role's ARN (unknown, with a property dependency on the role), the target's ARN from the function's.
 */
export function containedStack(
    options: { state?: string; retention?: number; target?: boolean } = {},
): CollectedResource[] {
    const fnUrn = urnOf(FUNCTION, "c");
    const ruleUrn = urnOf(RULE, "c-coder-iam-writes");
    return [
        ...agentStack(),
        res(ROLE, "c-function-role", { name: "agentguard-containment-c", tags }),
        res(ROLE_POLICY, "c-function-policy", { role: "agentguard-containment-c", policy: UNKNOWN }),
        res(FUNCTION, "c", { name: "agentguard-containment-c", role: UNKNOWN, tags }),
        res(LOG_GROUP, "c-function-logs", {
            name: "/aws/lambda/agentguard-containment-c",
            retentionInDays: options.retention ?? 365,
            tags,
        }),
        res(
            RULE,
            "c-coder-iam-writes",
            {
                name: "agentguard-containment-c-coder-iam-writes",
                eventPattern: UNKNOWN,
                tags,
                ...(options.state !== undefined && { state: options.state }),
            },
            { propertyDependencies: { eventPattern: [urnOf(ROLE, "coder")] } },
        ),
        ...(options.target === false
            ? []
            : [
                  res(
                      TARGET,
                      "c-coder-iam-writes",
                      { rule: "agentguard-containment-c-coder-iam-writes", arn: UNKNOWN },
                      { propertyDependencies: { rule: [ruleUrn], arn: [fnUrn] } },
                  ),
              ]),
        res(ALARM, "c-coder-denied-calls", {
            name: "agentguard-containment-c-coder-denied-calls",
            threshold: 5,
            alarmActions: [UNKNOWN],
            tags,
        }),
        res(FILTER, "c-coder-denied-calls", {
            name: "agentguard-containment-c-coder-denied-calls",
            logGroupName: "/aws/events/agentguard-containment-c",
            pattern: UNKNOWN,
        }),
    ];
}
