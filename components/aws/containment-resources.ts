/** AgentContainment's children, one step per function, in the order the component registers them. */
import * as fs from "fs";
import * as path from "path";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
    CONTAINMENT_NAME_PREFIX,
    EVENT_PATTERN_MAX_CHARS,
    accessDeniedFilterPattern,
    guardDutyPattern,
    patternSize,
    roleAssumptionPattern,
    telemetryPattern,
    tripwireFamilies,
    tripwirePattern,
    CONTAINMENT_METRIC_NAMESPACE,
} from "../../core/containment";
import { fail } from "../args";
import type { ContainedAgentArgs, ContainmentKubernetesArgs, ContainmentPlan } from "./containment-args";
import { ruleName } from "./containment-args";
import { CONFIG_VARIABLE, REVOKE_TIME_PLACEHOLDER, type ContainmentConfig } from "./containment-handler";
import { denyAllPolicy, revokeSessionsPolicy } from "./session-controls";

export interface ContainmentScope {
    readonly name: string;
    readonly plan: ContainmentPlan;
    readonly tags: Record<string, string>;
    readonly parent: pulumi.Resource;
    readonly kmsKeyArn?: pulumi.Input<string>;
    readonly kubernetes?: ContainmentKubernetesArgs;
}

/** The inline policy names the function puts on a contained agent's role. */
export const CONTAINMENT_POLICY_NAMES = {
    denyAll: "agentguard-containment-deny-all",
    revokeSessions: "agentguard-containment-revoke-sessions",
} as const;

export const METRIC_NAMESPACE = CONTAINMENT_METRIC_NAMESPACE;

export function createAlertTopic({ name, plan, tags, parent, kmsKeyArn }: ContainmentScope): aws.sns.Topic {
    return new aws.sns.Topic(
        `${name}-alerts`,
        {
            name: `${plan.baseName}-alerts`,
            ...(kmsKeyArn !== undefined && { kmsMasterKeyId: kmsKeyArn }),
            tags,
        },
        { parent },
    );
}

export interface ContainmentLogGroups {
    readonly function: aws.cloudwatch.LogGroup;
    readonly telemetry: aws.cloudwatch.LogGroup;
}

/** The function's own log (its audit record) and the telemetry stream, with retention and encryption. */
export function createLogGroups({
    name,
    plan,
    tags,
    parent,
    kmsKeyArn,
}: ContainmentScope): ContainmentLogGroups {
    const group = (suffix: string, logName: string) =>
        new aws.cloudwatch.LogGroup(
            `${name}-${suffix}`,
            {
                name: logName,
                retentionInDays: plan.logRetentionDays,
                ...(kmsKeyArn !== undefined && { kmsKeyId: kmsKeyArn }),
                tags,
            },
            { parent },
        );
    const functionLogs = group("function-logs", `/aws/lambda/${plan.baseName}`);
    // EventBridge writes to CloudWatch Logs only under /aws/events/, through a resource policy of the account.
    const telemetry = group("telemetry", `/aws/events/${plan.baseName}`);
    new aws.cloudwatch.LogResourcePolicy(
        `${name}-telemetry-delivery`,
        {
            policyName: `${plan.baseName}-telemetry`,
            policyDocument: telemetry.arn.apply((arn) =>
                JSON.stringify({
                    Version: "2012-10-17",
                    Statement: [
                        {
                            Sid: "EventBridgeDelivery",
                            Effect: "Allow",
                            Principal: { Service: ["events.amazonaws.com", "delivery.logs.amazonaws.com"] },
                            Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
                            Resource: `${arn.replace(/:\*$/, "")}:*`,
                        },
                    ],
                }),
            ),
        },
        { parent },
    );
    return { function: functionLogs, telemetry };
}

/**
 * The function's code: the handler compiled alone into one CommonJS file (it imports only Node.js and the
 * AWS SDK the Lambda runtime provides). Built packages ship it compiled; from sources it is transpiled here.
 */
export function handlerSource(dir: string = __dirname): string {
    const compiled = path.join(dir, "containment-handler.js");
    if (fs.existsSync(compiled)) return fs.readFileSync(compiled, "utf8");
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a peer dependency, only from sources
    const ts = require("typescript") as typeof import("typescript");
    const source = fs.readFileSync(path.join(dir, "containment-handler.ts"), "utf8");
    return ts.transpileModule(source, {
        compilerOptions: {
            module: ts.ModuleKind.CommonJS,
            target: ts.ScriptTarget.ES2022,
            esModuleInterop: true,
        },
        fileName: "containment-handler.ts",
    }).outputText;
}

export interface ContainmentFunction {
    readonly function: aws.lambda.Function;
    readonly role: aws.iam.Role;
}

function agentRoleArns(agents: readonly ContainedAgentArgs[]): pulumi.Output<string[]> {
    return pulumi.all(agents.map((a) => a.role.roleArn));
}

/** The function and its least-privilege role: edit agent roles' inline policies, publish alerts, log. */
export function createFunction(
    scope: ContainmentScope,
    topic: aws.sns.Topic,
    logGroup: aws.cloudwatch.LogGroup,
): ContainmentFunction {
    const { name, plan, tags, parent, kmsKeyArn, kubernetes } = scope;
    const role = new aws.iam.Role(
        `${name}-function-role`,
        {
            name: plan.baseName,
            description:
                `agentguard containment ${name}: contains agents ${plan.agents.map((a) => a.agentId).join(", ")}`.slice(
                    0,
                    1000,
                ),
            assumeRolePolicy: JSON.stringify({
                Version: "2012-10-17",
                Statement: [
                    {
                        Effect: "Allow",
                        Principal: { Service: "lambda.amazonaws.com" },
                        Action: "sts:AssumeRole",
                    },
                ],
            }),
            tags,
        },
        { parent },
    );
    new aws.iam.RolePolicy(
        `${name}-function-policy`,
        {
            role: role.name,
            policy: pulumi
                .all([agentRoleArns(plan.agents), topic.arn, logGroup.arn, pulumi.output(kmsKeyArn)])
                .apply(([roleArns, topicArn, logArn, keyArn]) =>
                    JSON.stringify({
                        Version: "2012-10-17",
                        Statement: [
                            {
                                Sid: "ContainAgentRoles",
                                Effect: "Allow",
                                Action: "iam:PutRolePolicy",
                                // IAM has no condition on the inline policy's name: the agents' roles are the scope.
                                Resource: roleArns,
                            },
                            { Sid: "Alert", Effect: "Allow", Action: "sns:Publish", Resource: topicArn },
                            {
                                Sid: "OwnLog",
                                Effect: "Allow",
                                Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
                                Resource: `${logArn.replace(/:\*$/, "")}:*`,
                            },
                            ...(keyArn
                                ? [
                                      {
                                          Sid: "EncryptedAlerts",
                                          Effect: "Allow",
                                          Action: ["kms:GenerateDataKey", "kms:Decrypt"],
                                          Resource: keyArn,
                                      },
                                  ]
                                : []),
                        ],
                    }),
                ),
        },
        { parent },
    );
    const config: pulumi.Output<ContainmentConfig> = pulumi
        .all([
            pulumi.all(
                plan.agents.map((agent) =>
                    pulumi
                        .all([agent.role.roleArn, agent.role.roleName, agent.runtime?.namespaceName])
                        .apply(([roleArn, roleName, namespace]) => ({
                            agentId: agent.agentId,
                            roleArn,
                            roleName,
                            ...(namespace !== undefined && { namespace }),
                        })),
                ),
            ),
            topic.arn,
            pulumi.output(kubernetes?.clusterName),
            pulumi.output(kubernetes?.endpoint),
            pulumi.output(kubernetes?.certificateAuthority),
        ])
        .apply(([agents, alertTopicArn, clusterName, endpoint, certificateAuthority]) => ({
            containment: name,
            agents,
            alarms: Object.fromEntries(plan.agents.map((a) => [deniedAlarmName(plan, a.agentId), a.agentId])),
            denyAllPolicy: JSON.stringify(denyAllPolicy()),
            revokeSessionsPolicy: JSON.stringify(revokeSessionsPolicy(REVOKE_TIME_PLACEHOLDER)),
            policyNames: CONTAINMENT_POLICY_NAMES,
            alertTopicArn,
            ...(clusterName !== undefined &&
                endpoint !== undefined &&
                certificateAuthority !== undefined && {
                    kubernetes: { clusterName, endpoint, certificateAuthority, quotaName: plan.baseName },
                }),
        }));
    const fn = new aws.lambda.Function(
        name,
        {
            name: plan.baseName,
            description: `agentguard containment ${name}`,
            role: role.arn,
            runtime: "nodejs22.x",
            handler: "index.handler",
            code: new pulumi.asset.AssetArchive({
                "index.js": new pulumi.asset.StringAsset(handlerSource()),
            }),
            timeout: 60,
            memorySize: 256,
            environment: { variables: { [CONFIG_VARIABLE]: config.apply((c) => JSON.stringify(c)) } },
            loggingConfig: { logFormat: "Text", logGroup: logGroup.name },
            tags,
        },
        { parent, dependsOn: [logGroup] },
    );
    return { function: fn, role };
}

export function deniedAlarmName(plan: ContainmentPlan, agentId: string): string {
    return `${plan.baseName}-${agentId}-denied-calls`;
}

function checkedPattern(plan: ContainmentPlan, what: string, pattern: object): string {
    const size = patternSize(pattern);
    if (size > EVENT_PATTERN_MAX_CHARS) {
        fail(
            plan.component,
            what,
            `${size} characters`,
            `an EventBridge pattern of at most ${EVENT_PATTERN_MAX_CHARS} characters (shorter role ARNs or fewer assumable roles)`,
        );
    }
    return JSON.stringify(pattern);
}

export interface Tripwires {
    readonly rules: Record<string, aws.cloudwatch.EventRule[]>;
    readonly alarms: Record<string, aws.cloudwatch.MetricAlarm[]>;
}

/** Per agent: one rule per forbidden family and one for role assumption, the telemetry rule, two alarms. */
export function createTripwires(
    scope: ContainmentScope,
    fn: ContainmentFunction,
    topic: aws.sns.Topic,
    telemetry: aws.cloudwatch.LogGroup,
): Tripwires {
    const { name, plan, tags, parent } = scope;
    const location = fn.function.arn.apply((arn) => {
        const [, partition, , region, account] = arn.split(":");
        return { partition, region, account };
    });
    new aws.lambda.Permission(
        `${name}-from-rules`,
        {
            function: fn.function.name,
            action: "lambda:InvokeFunction",
            principal: "events.amazonaws.com",
            sourceArn: location.apply(
                (at) =>
                    `arn:${at.partition}:events:${at.region}:${at.account}:rule/${CONTAINMENT_NAME_PREFIX}*`,
            ),
        },
        { parent },
    );
    new aws.lambda.Permission(
        `${name}-from-alarms`,
        {
            function: fn.function.name,
            action: "lambda:InvokeFunction",
            principal: "lambda.alarms.cloudwatch.amazonaws.com",
            sourceArn: location.apply(
                (at) => `arn:${at.partition}:cloudwatch:${at.region}:${at.account}:alarm:${plan.baseName}-*`,
            ),
        },
        { parent },
    );
    const rules: Record<string, aws.cloudwatch.EventRule[]> = {};
    const alarms: Record<string, aws.cloudwatch.MetricAlarm[]> = {};
    const rule = (agentId: string, purpose: string, description: string, pattern: pulumi.Input<string>) =>
        new aws.cloudwatch.EventRule(
            `${name}-${agentId}-${purpose}`,
            { name: ruleName(plan, agentId, purpose), description, eventPattern: pattern, tags },
            { parent },
        );
    const target = (ruleResource: aws.cloudwatch.EventRule, id: string, arn: pulumi.Input<string>) =>
        new aws.cloudwatch.EventTarget(id, { rule: ruleResource.name, arn }, { parent });
    for (const agent of plan.agents) {
        const roleArn = pulumi.output(agent.role.roleArn);
        const agentRules: aws.cloudwatch.EventRule[] = [];
        for (const family of tripwireFamilies()) {
            const r = rule(
                agent.agentId,
                family.id,
                `agentguard containment ${name}: agent ${agent.agentId}: ${family.description}`.slice(0, 512),
                roleArn.apply((arn) =>
                    checkedPattern(
                        plan,
                        `agents ${agent.agentId} ${family.id}`,
                        tripwirePattern(family, [arn]),
                    ),
                ),
            );
            target(r, `${name}-${agent.agentId}-${family.id}`, fn.function.arn);
            agentRules.push(r);
        }
        const assume = rule(
            agent.agentId,
            "role-assumption",
            `agentguard containment ${name}: agent ${agent.agentId}: assumes a role outside its allowed set`,
            pulumi
                .all([roleArn, pulumi.all([...(agent.assumableRoleArns ?? [])])])
                .apply(([arn, allowed]: [string, string[]]) =>
                    checkedPattern(
                        plan,
                        `agents ${agent.agentId} role assumption`,
                        roleAssumptionPattern([arn], allowed),
                    ),
                ),
        );
        target(assume, `${name}-${agent.agentId}-role-assumption`, fn.function.arn);
        agentRules.push(assume);
        const stream = rule(
            agent.agentId,
            "telemetry",
            `agentguard containment ${name}: agent ${agent.agentId}: every CloudTrail event, to /aws/events/${plan.baseName}`,
            roleArn.apply((arn) => JSON.stringify(telemetryPattern([arn]))),
        );
        target(
            stream,
            `${name}-${agent.agentId}-telemetry`,
            telemetry.arn.apply((arn) => arn.replace(/:\*$/, "")),
        );
        rules[agent.agentId] = [...agentRules, stream];
        alarms[agent.agentId] = createAlarms(scope, agent, agentRules, fn, topic, telemetry);
    }
    if (plan.guardDuty) {
        const findings = rule(
            "all",
            "guardduty",
            `agentguard containment ${name}: GuardDuty findings about agent roles`,
            pulumi
                .all(plan.agents.map((a) => a.role.roleName))
                .apply((names) => checkedPattern(plan, "guardDuty", guardDutyPattern(names))),
        );
        target(findings, `${name}-guardduty`, fn.function.arn);
        rules.guardduty = [findings];
    }
    return { rules, alarms };
}

function createAlarms(
    { name, plan, tags, parent }: ContainmentScope,
    agent: ContainedAgentArgs,
    tripwireRules: readonly aws.cloudwatch.EventRule[],
    fn: ContainmentFunction,
    topic: aws.sns.Topic,
    telemetry: aws.cloudwatch.LogGroup,
): aws.cloudwatch.MetricAlarm[] {
    const metricName = `DeniedCalls-${agent.agentId}`;
    new aws.cloudwatch.LogMetricFilter(
        `${name}-${agent.agentId}-denied-calls`,
        {
            name: `${plan.baseName}-${agent.agentId}-denied-calls`,
            logGroupName: telemetry.name,
            pattern: pulumi.output(agent.role.roleArn).apply(accessDeniedFilterPattern),
            metricTransformation: { name: metricName, namespace: METRIC_NAMESPACE, value: "1" },
        },
        { parent },
    );
    const denied = new aws.cloudwatch.MetricAlarm(
        `${name}-${agent.agentId}-denied-calls`,
        {
            name: deniedAlarmName(plan, agent.agentId),
            alarmDescription: `agentguard: agent ${agent.agentId} made ${plan.accessDeniedThreshold} or more denied calls in ${plan.accessDeniedPeriodSeconds} s: contain it`,
            namespace: METRIC_NAMESPACE,
            metricName,
            statistic: "Sum",
            period: plan.accessDeniedPeriodSeconds,
            evaluationPeriods: 1,
            threshold: plan.accessDeniedThreshold,
            comparisonOperator: "GreaterThanOrEqualToThreshold",
            treatMissingData: "notBreaching",
            alarmActions: [fn.function.arn, topic.arn],
            tags,
        },
        { parent },
    );
    const attempts = new aws.cloudwatch.MetricAlarm(
        `${name}-${agent.agentId}-forbidden-attempts`,
        {
            name: `${plan.baseName}-${agent.agentId}-forbidden-attempts`,
            alarmDescription: `agentguard: agent ${agent.agentId} attempted a forbidden action (a tripwire fired)`,
            comparisonOperator: "GreaterThanOrEqualToThreshold",
            threshold: 1,
            evaluationPeriods: 1,
            treatMissingData: "notBreaching",
            metricQueries: [
                {
                    id: "attempts",
                    expression: `SUM([${tripwireRules.map((_, i) => `r${i}`).join(",")}])`,
                    label: `forbidden-family attempts of ${agent.agentId}`,
                    returnData: true,
                },
                ...tripwireRules.map((r, i) => ({
                    id: `r${i}`,
                    metric: {
                        namespace: "AWS/Events",
                        metricName: "TriggeredRules",
                        dimensions: { RuleName: r.name },
                        period: 60,
                        stat: "Sum",
                    },
                })),
            ],
            alarmActions: [topic.arn],
            tags,
        },
        { parent },
    );
    return [denied, attempts];
}
