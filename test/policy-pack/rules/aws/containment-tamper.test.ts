import { describe, expect, it } from "vitest";
import { containmentResourceArnPatterns } from "../../../../core/containment";
import { buildAgentGuardrailPolicies } from "../../../../core/iam/boundary";
import { awsForbidAgentEscalationPaths } from "../../../../policy-pack/rules/aws/aws-forbid-agent-escalation-paths";
import { runStackPolicy, UNKNOWN, type FakeResource, violationLines } from "../../../helpers/policy-harness";
import { allow, policyDoc, role, serviceTrust } from "../../lib/aws/fixtures";
import { ACCOUNT, AGENT_TAGS, agentRole, arn, lambda, narrowRole } from "./reach-fixtures";

const P = "agentguard-containment-c";
const at = (service: string, rest: string) => `arn:aws:${service}:eu-west-1:${ACCOUNT}:${rest}`;
const ARN = {
    fn: arn.fn(P),
    role: `arn:aws:iam::${ACCOUNT}:role/${P}`,
    topic: at("sns", `${P}-alerts`),
    subscription: at("sns", `${P}-alerts:0b7c2f6e-sub`),
    alarm: at("cloudwatch", `alarm:${P}-analyst-denied-calls`),
    telemetry: at("logs", `log-group:/aws/events/${P}:*`),
    functionLogs: at("logs", `log-group:/aws/lambda/${P}`),
    rule: arn.rule(`${P}-analyst-iam-writes`),
    accessEntry: at("eks", "access-entry/prod/*"),
};

/**
 * AgentContainment's shape as preview shows it to the pack (no ARNs yet): the function and its role, which
 * may write policies on agent roles; the alert topic, an alarm, the log groups, a tripwire whose pattern is
 * computed from the agent role, and the access entry that maps the role to the containment group.
 */
function containment(): FakeResource[] {
    return [
        role("c-function-role", {
            name: P,
            assumeRolePolicy: serviceTrust("lambda.amazonaws.com"),
            inlinePolicies: [
                {
                    name: "contain",
                    policy: policyDoc(
                        allow(["iam:PutRolePolicy", "iam:AttachRolePolicy"], `arn:aws:iam::*:role/agent-*`),
                    ),
                },
            ],
        }),
        lambda("c-function", "c-function-role", { name: P }),
        { type: "aws:sns/topic:Topic", name: "c-alerts", props: { name: `${P}-alerts` } },
        {
            type: "aws:cloudwatch/metricAlarm:MetricAlarm",
            name: "c-alarm",
            props: { name: `${P}-analyst-denied-calls`, namespace: "agentguard/containment" },
        },
        { type: "aws:cloudwatch/logGroup:LogGroup", name: "c-logs", props: { name: `/aws/lambda/${P}` } },
        {
            type: "aws:cloudwatch/logGroup:LogGroup",
            name: "c-telemetry",
            props: { name: `/aws/events/${P}` },
        },
        {
            type: "aws:cloudwatch/eventRule:EventRule",
            name: "c-rule",
            props: { name: `${P}-analyst-iam-writes`, eventPattern: UNKNOWN },
            propertyDependencies: { eventPattern: ["agent-analyst"] },
        },
        {
            type: "aws:eks/accessEntry:AccessEntry",
            name: "c-access",
            props: {
                clusterName: "prod",
                principalArn: UNKNOWN,
                kubernetesGroups: ["agentguard:containment"],
            },
            propertyDependencies: { principalArn: ["c-function-role"] },
        },
    ];
}

const DENY_CONTAINMENT = {
    Sid: "DenyContainmentTampering",
    Effect: "Deny",
    Action: "*",
    Resource: containmentResourceArnPatterns(),
};

async function lines(resources: FakeResource[]): Promise<string[]> {
    const v = await runStackPolicy(awsForbidAgentEscalationPaths, resources);
    return violationLines(v);
}

const tampering = (found: string[]) => found.filter((l) => /automated containment/.test(l));

/** Each containment kind, an action that disables or rewrites it, and the label the path names. */
const KINDS: { kind: string; action: string; resource: string; label: string }[] = [
    {
        kind: "function (concurrency 0)",
        action: "lambda:PutFunctionConcurrency",
        resource: ARN.fn,
        label: `Lambda function ${P}`,
    },
    {
        kind: "function (a forged event)",
        action: "lambda:InvokeFunction",
        resource: ARN.fn,
        label: `Lambda function ${P}`,
    },
    {
        kind: "function (its alias)",
        action: "lambda:UpdateAlias",
        resource: `${ARN.fn}:live`,
        label: `Lambda function ${P}`,
    },
    { kind: "topic", action: "sns:Unsubscribe", resource: ARN.subscription, label: `sns topic ${P}-alerts` },
    { kind: "topic deleted", action: "sns:DeleteTopic", resource: ARN.topic, label: `sns topic ${P}-alerts` },
    {
        kind: "alarm",
        action: "cloudwatch:SetAlarmState",
        resource: ARN.alarm,
        label: `metric alarm ${P}-analyst-denied-calls`,
    },
    {
        kind: "alarm rewritten",
        action: "cloudwatch:PutMetricAlarm",
        resource: ARN.alarm,
        label: `metric alarm ${P}-analyst-denied-calls`,
    },
    {
        kind: "telemetry log group",
        action: "logs:PutSubscriptionFilter",
        resource: ARN.telemetry,
        label: `log group /aws/events/${P}`,
    },
    {
        kind: "function log group",
        action: "logs:PutMetricFilter",
        resource: ARN.functionLogs,
        label: `log group /aws/lambda/${P}`,
    },
    {
        kind: "tripwire",
        action: "events:RemoveTargets",
        resource: ARN.rule,
        label: `event rule ${P}-analyst-iam-writes`,
    },
    {
        kind: "access entry",
        action: "eks:DisassociateAccessPolicy",
        resource: ARN.accessEntry,
        label: "EKS access entry c-access",
    },
    {
        kind: "access entry (its exact ARN)",
        action: "eks:DeleteAccessEntry",
        resource: at("eks", `access-entry/prod/role/${ACCOUNT}/${P}/8ac4b2a0-1f7e-4c1e-9d2a-4b1f0c9e7d11`),
        label: "EKS access entry c-access",
    },
];

describe("aws-forbid-agent-escalation-paths: automated containment", () => {
    for (const k of KINDS) {
        it(`rejects ${k.action} on the containment ${k.kind}, with the path and why it is containment`, async () => {
            const found = tampering(
                await lines([...containment(), agentRole([allow(k.action, k.resource)])]),
            );
            expect(found).toHaveLength(1);
            expect(found[0]).toContain(
                `(audit/containment tampering): agent analyst (role agent-analyst) → ${k.action} on ${k.label} → it is automated containment (`,
            );
        });

        it(`accepts ${k.action} on the containment ${k.kind} when the guardrail denies containment ARNs`, async () => {
            const found = await lines([
                ...containment(),
                agentRole([allow(k.action, k.resource), DENY_CONTAINMENT]),
            ]);
            expect(tampering(found)).toEqual([]);
        });
    }

    it("says why each resource is containment: its name prefix, its tag, a pattern computed from the agent role", async () => {
        const found = tampering(
            await lines([
                ...containment(),
                {
                    type: "aws:cloudwatch/eventRule:EventRule",
                    name: "watch",
                    props: { name: "watch-analyst", eventPattern: UNKNOWN },
                    propertyDependencies: { eventPattern: ["agent-analyst"] },
                },
                {
                    type: "aws:sns/topic:Topic",
                    name: "pager",
                    props: { name: "pager", tags: { "agentguard.io/containment": "c" } },
                },
                agentRole([
                    allow("events:DisableRule", arn.rule("watch-analyst")),
                    allow("sns:DeleteTopic", at("sns", "pager")),
                    allow("lambda:DeleteFunction", ARN.fn),
                ]),
            ]),
        );
        expect(found.join("\n")).toContain(
            "events:DisableRule on event rule watch-analyst → it is automated containment (its pattern is computed from agent role agent-analyst)",
        );
        expect(found.join("\n")).toContain(
            "sns:DeleteTopic on sns topic pager → it is automated containment (tagged agentguard.io/containment=c)",
        );
        expect(found.join("\n")).toContain(
            `lambda:DeleteFunction on Lambda function ${P} → it is automated containment (its name ${P} has the containment prefix agentguard-containment-)`,
        );
        // No certain finding starts with "Possible".
        for (const line of found) expect(line).toMatch(/^IAM privilege escalation path/);
    });

    it("a hand-built tripwire's function (no tag, no prefix) is containment: invoked by its target", async () => {
        const pattern = JSON.stringify({
            "detail-type": ["AWS API Call via CloudTrail"],
            detail: {
                userIdentity: { sessionContext: { sessionIssuer: { arn: [arn.role("agent-analyst")] } } },
            },
        });
        const found = tampering(
            await lines([
                narrowRole("responder-role"),
                lambda("responder", "responder-role"),
                {
                    type: "aws:cloudwatch/eventRule:EventRule",
                    name: "watch",
                    props: { name: "watch", eventPattern: pattern },
                },
                {
                    type: "aws:cloudwatch/eventTarget:EventTarget",
                    name: "watch-target",
                    props: { rule: "watch", arn: UNKNOWN },
                    propertyDependencies: { rule: ["watch"], arn: ["responder"] },
                },
                agentRole([allow("lambda:PutFunctionConcurrency", arn.fn("responder"))]),
            ]),
        );
        expect(found).toEqual([
            "IAM privilege escalation path (audit/containment tampering): agent analyst (role agent-analyst) → lambda:PutFunctionConcurrency on Lambda function responder → it is automated containment (invoked by containment target watch-target).",
        ]);
    });

    it("a rule whose unknown pattern does not depend on an agent role only may be containment", async () => {
        const found = tampering(
            await lines([
                {
                    type: "aws:cloudwatch/eventRule:EventRule",
                    name: "opaque",
                    props: { name: "opaque", eventPattern: UNKNOWN },
                },
                agentRole([allow("events:DisableRule", arn.rule("opaque"))]),
            ]),
        );
        expect(found).toHaveLength(1);
        expect(found[0]).toMatch(/^Possible IAM privilege escalation path .*it may be automated containment/);
    });

    describe("evasions", () => {
        const cases: [string, Record<string, unknown>][] = [
            [
                "a wildcard on the family's prefix",
                allow("lambda:InvokeFunction", "arn:aws:lambda:*:*:function:agentguard-*"),
            ],
            ["Resource *", allow("lambda:InvokeFunction", "*")],
            ["a service wildcard action", allow("lambda:*", "*")],
            [
                "NotResource",
                { Effect: "Allow", Action: "lambda:InvokeFunction", NotResource: "arn:aws:s3:::x" },
            ],
            ["a Deny that is conditional", allow("lambda:InvokeFunction", "*")],
        ];
        for (const [what, statement] of cases) {
            it(`rejects ${what}`, async () => {
                const extra =
                    what === "a Deny that is conditional"
                        ? [{ ...DENY_CONTAINMENT, Condition: { Bool: { "aws:ViaAWSService": "false" } } }]
                        : [];
                const found = tampering(await lines([...containment(), agentRole([statement, ...extra])]));
                expect(
                    found.some((l) => l.includes(`on Lambda function ${P} → it is automated containment`)),
                ).toBe(true);
            });
        }

        it("rejects a Deny that covers only the aws partition's ARN when the Allow is on *", async () => {
            const awsOnly = { ...DENY_CONTAINMENT, Resource: `arn:aws:lambda:*:*:function:${P}*` };
            const found = tampering(
                await lines([...containment(), agentRole([allow("lambda:InvokeFunction", "*"), awsOnly])]),
            );
            expect(found).toHaveLength(1);
        });

        it("rejects PutMetricData on * (forged data points fire or quiet the alarms), not when scoped to another namespace", async () => {
            const put = allow("cloudwatch:PutMetricData", "*");
            const found = tampering(await lines([...containment(), agentRole([put])]));
            expect(found[0]).toContain(
                `cloudwatch:PutMetricData on metric alarm ${P}-analyst-denied-calls → it is automated containment`,
            );
            // Account-wide: a Deny on containment ARNs does not cover a call made on *.
            expect(
                tampering(await lines([...containment(), agentRole([put, DENY_CONTAINMENT])])),
            ).toHaveLength(1);
            const scoped = {
                ...put,
                Condition: { StringEquals: { "cloudwatch:namespace": "agents/analyst" } },
            };
            expect(tampering(await lines([...containment(), agentRole([scoped])]))).toEqual([]);
            // The guardrail's Deny on the containment namespace removes it; a Deny on another condition key does not.
            const denyMetrics = {
                Effect: "Deny",
                Action: "cloudwatch:PutMetricData",
                Resource: "*",
                Condition: { StringLike: { "cloudwatch:namespace": "agentguard/containment*" } },
            };
            expect(tampering(await lines([...containment(), agentRole([put, denyMetrics])]))).toEqual([]);
            const elsewhere = {
                ...denyMetrics,
                Condition: { StringLike: { "aws:RequestedRegion": "us-*" } },
            };
            expect(tampering(await lines([...containment(), agentRole([put, elsewhere])]))).toHaveLength(1);
            const otherCase = {
                ...denyMetrics,
                Condition: { StringLike: { "cloudwatch:namespace": "AgentGuard/Containment*" } },
            };
            expect(tampering(await lines([...containment(), agentRole([put, otherCase])]))).toHaveLength(1);
            const like = { ...put, Condition: { StringLike: { "cloudwatch:namespace": "agentguard/*" } } };
            expect(tampering(await lines([...containment(), agentRole([like])]))).toHaveLength(1);
        });
    });

    describe("compliant", () => {
        it("accepts the same grants on the agent's own resources, and look-alike names outside the prefix", async () => {
            const found = await lines([
                ...containment(),
                narrowRole("tools"),
                lambda("agentguard-reports", "tools"),
                { type: "aws:sns/topic:Topic", name: "own", props: { name: "agent-analyst-events" } },
                agentRole([
                    allow(["lambda:InvokeFunction", "lambda:DeleteFunction"], arn.fn("agentguard-reports")),
                    allow("sns:*", at("sns", "agent-analyst-events")),
                    allow("cloudwatch:PutMetricAlarm", at("cloudwatch", "alarm:agent-analyst-*")),
                ]),
            ]);
            expect(found).toEqual([]);
        });

        it("accepts a hand-written agent role with lambda:* on * and the real guardrail policies attached", async () => {
            const guardrails = buildAgentGuardrailPolicies().map((document, i) => ({
                name: `guardrail-${i}`,
                policy: JSON.stringify(document),
            }));
            const agent = role("agent-analyst", {
                tags: AGENT_TAGS,
                inlinePolicies: [
                    {
                        name: "work",
                        policy: policyDoc(allow(["lambda:*", "sns:*", "cloudwatch:SetAlarmState"], "*")),
                    },
                    ...guardrails,
                ],
            });
            expect(tampering(await lines([...containment(), agent]))).toEqual([]);
            // The same grant without the guardrail reaches the function, the topic and the alarm.
            const bare = role("agent-analyst", {
                tags: AGENT_TAGS,
                inlinePolicies: [
                    {
                        name: "work",
                        policy: policyDoc(allow(["lambda:*", "sns:*", "cloudwatch:SetAlarmState"], "*")),
                    },
                ],
            });
            const found = tampering(await lines([...containment(), bare]));
            expect(
                found.map((l) => /on (Lambda function|sns topic|metric alarm) \S+/.exec(l)?.[0]).sort(),
            ).toEqual([
                `on Lambda function ${P}`,
                `on metric alarm ${P}-analyst-denied-calls`,
                `on sns topic ${P}-alerts`,
            ]);
        });

        it("still reports PassRole onto the containment role with a launch action (it may write agent roles)", async () => {
            const v = await runStackPolicy(awsForbidAgentEscalationPaths, [
                ...containment(),
                agentRole([allow("iam:PassRole", ARN.role), allow("lambda:CreateFunction", "*")]),
            ]);
            expect(v.map((x) => x.message).join("\n")).toContain(
                `iam:PassRole + lambda:CreateFunction on role ${P} → inline policy contain of role c-function-role grants iam:PutRolePolicy`,
            );
        });
    });
});
