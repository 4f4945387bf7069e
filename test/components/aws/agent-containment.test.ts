import * as vm from "vm";
import * as k8s from "@pulumi/kubernetes";
import { beforeEach, describe, expect, it } from "vitest";
import { AgentContainment, AgentguardArgumentError, type AgentContainmentArgs } from "../../../components";
import { handlerSource } from "../../../components/aws/containment-resources";
import {
    CONTAINMENT_KUBERNETES_GROUP,
    CONTAINMENT_NAME_PREFIX,
    EVENT_PATTERN_MAX_CHARS,
    containmentResourceArnPatterns,
} from "../../../core/containment";
import { buildAgentGuardrailPolicies, normalizePolicyDocument } from "../../../core/iam";
import { wildcardRegExp } from "../../../core/iam/wildcard";
import { installPulumiMocks, type RecordedResource } from "../../helpers/pulumi-mocks";
import { ACCOUNT, REGION, awsOutputs } from "./aws-mock-outputs";

const mocks = installPulumiMocks({ outputs: awsOutputs });
beforeEach(() => mocks.reset());

const CODER_ROLE = `arn:aws:iam::${ACCOUNT}:role/agent-coder`;
const ANALYST_ROLE = `arn:aws:iam::${ACCOUNT}:role/agent-analyst`;
const RULE = "aws:cloudwatch/eventRule:EventRule";
const TARGET = "aws:cloudwatch/eventTarget:EventTarget";
const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";

function baseArgs(overrides: Partial<AgentContainmentArgs> = {}): AgentContainmentArgs {
    return {
        agentId: "all-agents",
        owner: "security",
        agents: [
            { agentId: "coder", role: { roleArn: CODER_ROLE, roleName: "agent-coder" } },
            {
                agentId: "analyst",
                role: { roleArn: ANALYST_ROLE, roleName: "agent-analyst" },
                assumableRoleArns: [`arn:aws:iam::${ACCOUNT}:role/reader`],
            },
        ],
        ...overrides,
    };
}

async function build(
    overrides: Partial<AgentContainmentArgs> = {},
    name = "guard",
): Promise<AgentContainment> {
    const containment = new AgentContainment(name, baseArgs(overrides));
    await mocks.settle();
    return containment;
}

const rulesOf = (agentId: string): RecordedResource[] =>
    mocks.resourcesOfType(RULE).filter((r) => r.name.startsWith(`guard-${agentId}-`));

function patternOf(rule: RecordedResource): Record<string, unknown> {
    return JSON.parse(String(rule.inputs.eventPattern)) as Record<string, unknown>;
}

describe("AgentContainment arguments", () => {
    const cases: [string, Partial<AgentContainmentArgs> | (() => AgentContainment), RegExp][] = [
        ["no agents", { agents: [] }, /agents = \[\] is not allowed; expected a non-empty list/],
        [
            "the same agent twice",
            {
                agents: [
                    { agentId: "coder", role: { roleArn: CODER_ROLE, roleName: "a" } },
                    { agentId: "coder", role: { roleArn: ANALYST_ROLE, roleName: "b" } },
                ],
            },
            /agents\[1\]\.agentId = "coder" is not allowed; expected each agent once/,
        ],
        [
            "a role that is not a role ARN",
            { agents: [{ agentId: "coder", role: { roleArn: "arn:aws:iam::1:user/x", roleName: "x" } }] },
            /agents\[0\]\.role\.roleArn = "arn:aws:iam::1:user\/x" is not allowed; expected an IAM role ARN/,
        ],
        [
            "a runtime without a cluster",
            {
                agents: [
                    {
                        agentId: "coder",
                        role: { roleArn: CODER_ROLE, roleName: "agent-coder" },
                        runtime: { namespaceName: "agent-coder" },
                    },
                ],
            },
            /agents\[0\]\.runtime .* only be scaled to zero with `kubernetes`/,
        ],
        ["a zero threshold", { accessDeniedThreshold: 0 }, /accessDeniedThreshold = 0 is not allowed/],
        [
            "a period off the minute",
            { accessDeniedPeriodSeconds: 90 },
            /accessDeniedPeriodSeconds = 90 .* multiple of 60/,
        ],
        ["a short log retention", { logRetentionDays: 30 }, /logRetentionDays = 30 is not allowed/],
    ];
    for (const [what, args, message] of cases) {
        it(`rejects ${what} before creating anything`, async () => {
            expect(
                () => new AgentContainment("guard", baseArgs(args as Partial<AgentContainmentArgs>)),
            ).toThrow(message);
            expect(
                () => new AgentContainment("guard", baseArgs(args as Partial<AgentContainmentArgs>)),
            ).toThrow(AgentguardArgumentError);
            await mocks.settle();
            expect(mocks.resources).toEqual([]);
        });
    }

    it("rejects a name that would make resource names longer than AWS allows", () => {
        expect(() => new AgentContainment("x".repeat(40), baseArgs())).toThrow(
            /name = "x{40}" is not allowed/,
        );
        expect(() => new AgentContainment("Guard", baseArgs())).toThrow(/name = "Guard" is not allowed/);
    });
});

describe("AgentContainment tripwires", () => {
    it("watches each agent's role for every forbidden family, role assumption, and its whole event stream", async () => {
        await build();
        for (const [agentId, roleArn] of [
            ["coder", CODER_ROLE],
            ["analyst", ANALYST_ROLE],
        ]) {
            const rules = rulesOf(agentId);
            expect(rules.map((r) => r.name.slice(`guard-${agentId}-`.length)).sort()).toEqual([
                "audit",
                "credentials",
                "detection",
                "iam-writes",
                "network",
                "role-assumption",
                "telemetry",
            ]);
            for (const rule of rules) {
                const pattern = patternOf(rule);
                expect(JSON.stringify(pattern).length).toBeLessThanOrEqual(EVENT_PATTERN_MAX_CHARS);
                expect(pattern).toMatchObject({
                    detail: { userIdentity: { sessionContext: { sessionIssuer: { arn: [roleArn] } } } },
                });
                const name = String(rule.inputs.name);
                expect(name.startsWith(CONTAINMENT_NAME_PREFIX)).toBe(true);
                expect(name.length).toBeLessThanOrEqual(64);
            }
        }
        const names = mocks.resourcesOfType(RULE).map((r) => r.inputs.name);
        expect(new Set(names).size).toBe(names.length);
    });

    it("fires on any IAM write and on role assumption outside the allowed set only", async () => {
        await build();
        const iam = patternOf(rulesOf("coder").find((r) => r.name.endsWith("-iam-writes"))!);
        expect(iam.detail).toMatchObject({ eventSource: ["iam.amazonaws.com"], readOnly: [false] });
        const coderAssume = patternOf(rulesOf("coder").find((r) => r.name.endsWith("-role-assumption"))!);
        expect(coderAssume.detail).not.toHaveProperty("requestParameters");
        const analystAssume = patternOf(rulesOf("analyst").find((r) => r.name.endsWith("-role-assumption"))!);
        expect(analystAssume.detail).toMatchObject({
            eventSource: ["sts.amazonaws.com"],
            requestParameters: { roleArn: [{ "anything-but": [`arn:aws:iam::${ACCOUNT}:role/reader`] }] },
        });
    });

    it("sends tripwires to the function and the event stream to the telemetry log group", async () => {
        const containment = await build();
        const functionArn = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${CONTAINMENT_NAME_PREFIX}guard`;
        for (const target of mocks.resourcesOfType(TARGET)) {
            if (target.name.endsWith("-telemetry")) expect(target.inputs.arn).toMatch(/:log-group:/);
            else expect(target.inputs.arn).toBe(functionArn);
        }
        expect(mocks.resourcesOfType(TARGET)).toHaveLength(14);
        expect(containment.rules.coder).toHaveLength(7);
    });

    it("contains on a burst of denied calls and alerts on any forbidden-family attempt", async () => {
        await build({ accessDeniedThreshold: 5, accessDeniedPeriodSeconds: 120 });
        const denied = mocks.findResource(ALARM, "guard-coder-denied-calls").inputs;
        expect(denied).toMatchObject({
            threshold: 5,
            period: 120,
            comparisonOperator: "GreaterThanOrEqualToThreshold",
        });
        expect(denied.alarmActions).toContain(
            `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${CONTAINMENT_NAME_PREFIX}guard`,
        );
        const filter = mocks.findResource(
            "aws:cloudwatch/logMetricFilter:LogMetricFilter",
            "guard-coder-denied-calls",
        );
        expect(filter.inputs.pattern).toContain(`sessionIssuer.arn = "${CODER_ROLE}"`);
        const attempts = mocks.findResource(ALARM, "guard-coder-forbidden-attempts").inputs;
        const queries = attempts.metricQueries as { metric?: { dimensions: { RuleName: string } } }[];
        expect(queries.filter((q) => q.metric)).toHaveLength(6);
    });

    it("adds a GuardDuty rule only when asked", async () => {
        await build();
        expect(mocks.tryFindResource(RULE, "guard-all-guardduty")).toBeUndefined();
        mocks.reset();
        await build({ guardDuty: true });
        const pattern = patternOf(mocks.findResource(RULE, "guard-all-guardduty"));
        expect(pattern).toMatchObject({
            source: ["aws.guardduty"],
            detail: { resource: { accessKeyDetails: { userName: ["agent-coder", "agent-analyst"] } } },
        });
    });
});

describe("AgentContainment function", () => {
    it("has a role that may only put inline policies on the agents' roles, alert and log", async () => {
        await build();
        const policy = normalizePolicyDocument(
            mocks.findResource("aws:iam/rolePolicy:RolePolicy", "guard-function-policy").inputs.policy,
        );
        const allowed = policy.flatMap((s) => (s.actions ?? []).map((a) => [a, s.resources] as const));
        expect(allowed.map(([a]) => a).sort()).toEqual([
            "iam:PutRolePolicy",
            "logs:CreateLogStream",
            "logs:PutLogEvents",
            "sns:Publish",
        ]);
        const put = allowed.find(([a]) => a === "iam:PutRolePolicy")!;
        expect(put[1]).toEqual([CODER_ROLE, ANALYST_ROLE]);
        for (const [, resources] of allowed) expect(resources).not.toContain("*");
    });

    it("is configured with the agents, the kill switch's deny-all policy and the alert topic", async () => {
        await build();
        const fn = mocks.findResource("aws:lambda/function:Function", "guard");
        const env = (fn.inputs.environment as { variables: Record<string, string> }).variables;
        const config = JSON.parse(env.AGENTGUARD_CONTAINMENT_CONFIG) as Record<string, unknown>;
        expect(config).toMatchObject({
            containment: "guard",
            agents: [
                { agentId: "coder", roleArn: CODER_ROLE, roleName: "agent-coder" },
                { agentId: "analyst", roleArn: ANALYST_ROLE, roleName: "agent-analyst" },
            ],
            alarms: { [`${CONTAINMENT_NAME_PREFIX}guard-coder-denied-calls`]: "coder" },
            alertTopicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:${CONTAINMENT_NAME_PREFIX}guard-alerts`,
        });
        expect(JSON.parse(String(config.denyAllPolicy))).toEqual({
            Version: "2012-10-17",
            Statement: [{ Sid: "AgentSuspended", Effect: "Deny", Action: "*", Resource: "*" }],
        });
        expect(JSON.parse(String(config.revokeSessionsPolicy))).toMatchObject({
            Statement: [
                {
                    Effect: "Deny",
                    Condition: { DateLessThan: { "aws:TokenIssueTime": "AGENTGUARD_CONTAINMENT_TIME" } },
                },
            ],
        });
        expect(fn.inputs).toMatchObject({ runtime: "nodejs22.x", handler: "index.handler", timeout: 60 });
    });

    it("ships code that loads with Node.js built-ins and the runtime's AWS SDK only", () => {
        const source = handlerSource();
        const required: string[] = [];
        const module = { exports: {} as Record<string, unknown> };
        vm.runInNewContext(source, {
            module,
            exports: module.exports,
            require: (id: string) => {
                required.push(id);
                // eslint-disable-next-line @typescript-eslint/no-require-imports -- the test loads what the code asks for
                return require(id) as unknown;
            },
            process,
            Buffer,
            console,
            URL,
        });
        expect(typeof module.exports.handler).toBe("function");
        expect(required.every((id) => ["crypto", "https"].includes(id))).toBe(true);
        expect(source).not.toMatch(/require\("\.{1,2}\//);
    });

    it("keeps logs for the configured retention", async () => {
        await build({ logRetentionDays: 400 });
        for (const name of ["guard-function-logs", "guard-telemetry"]) {
            expect(mocks.findResource("aws:cloudwatch/logGroup:LogGroup", name).inputs.retentionInDays).toBe(
                400,
            );
        }
        expect(mocks.findResource("aws:cloudwatch/logGroup:LogGroup", "guard-telemetry").inputs.name).toBe(
            `/aws/events/${CONTAINMENT_NAME_PREFIX}guard`,
        );
    });
});

describe("AgentContainment is out of the agents' reach", () => {
    it("names every resource so that agent roles' guardrail policies deny it", async () => {
        await build({ guardDuty: true });
        const patterns = containmentResourceArnPatterns().map((p) => wildcardRegExp(p));
        const arnsOf = (r: RecordedResource): string[] => {
            const name = String(r.inputs.name ?? "");
            switch (r.type) {
                case RULE:
                    return [`arn:aws:events:${REGION}:${ACCOUNT}:rule/${name}`];
                case ALARM:
                    return [`arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${name}`];
                case "aws:lambda/function:Function":
                    return [`arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`];
                case "aws:iam/role:Role":
                    return [`arn:aws:iam::${ACCOUNT}:role/${name}`];
                case "aws:sns/topic:Topic":
                    return [
                        `arn:aws:sns:${REGION}:${ACCOUNT}:${name}`,
                        `arn:aws:sns:${REGION}:${ACCOUNT}:${name}:sub-id`,
                    ];
                case "aws:cloudwatch/logGroup:LogGroup":
                    return [`arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${name}:*`];
                default:
                    return [];
            }
        };
        const arns = mocks.resources.flatMap(arnsOf);
        expect(arns.length).toBeGreaterThan(20);
        for (const arn of arns)
            expect(
                patterns.some((p) => p.test(arn)),
                arn,
            ).toBe(true);
        const denied = buildAgentGuardrailPolicies()
            .flatMap((d) => normalizePolicyDocument(d))
            .filter((s) => s.effect === "Deny" && (s.actions ?? []).includes("*"));
        expect(denied.flatMap((s) => s.resources)).toEqual(
            expect.arrayContaining(containmentResourceArnPatterns()),
        );
    });

    it("does not protect look-alikes outside the prefix", () => {
        const patterns = containmentResourceArnPatterns().map((p) => wildcardRegExp(p));
        for (const arn of [
            `arn:aws:lambda:${REGION}:${ACCOUNT}:function:agentguard-reports`,
            `arn:aws:events:${REGION}:${ACCOUNT}:rule/my-agentguard-containment-x`,
            `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/agent-coder:*`,
        ]) {
            expect(
                patterns.some((p) => p.test(arn)),
                arn,
            ).toBe(false);
        }
    });
});

describe("AgentContainment on Kubernetes", () => {
    it("maps the function into the cluster with rights to stop the agents' namespaces only", async () => {
        const provider = new k8s.Provider("cluster", {});
        await build({
            kubernetes: {
                clusterName: "prod",
                endpoint: "https://k8s.example",
                certificateAuthority: "Q0E=",
                provider,
            },
            agents: [
                {
                    agentId: "coder",
                    role: { roleArn: CODER_ROLE, roleName: "agent-coder" },
                    runtime: { namespaceName: "agent-coder" },
                },
                { agentId: "analyst", role: { roleArn: ANALYST_ROLE, roleName: "agent-analyst" } },
            ],
        });
        const entry = mocks.findResource("aws:eks/accessEntry:AccessEntry", "guard-access-entry").inputs;
        expect(entry).toMatchObject({
            clusterName: "prod",
            kubernetesGroups: [CONTAINMENT_KUBERNETES_GROUP],
        });
        const clusterRole = mocks.findResource(
            "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
            "guard-cluster-role",
        );
        const verbs = (clusterRole.inputs.rules as { resources: string[]; verbs: string[] }[]).flatMap((r) =>
            r.resources.flatMap((res) => r.verbs.map((v) => `${res}:${v}`)),
        );
        expect(verbs.sort()).toEqual([
            "pods:delete",
            "pods:deletecollection",
            "pods:list",
            "resourcequotas:create",
            "resourcequotas:get",
            "resourcequotas:update",
            "rolebindings:delete",
            "rolebindings:list",
        ]);
        const bindings = mocks.resourcesOfType("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding");
        expect(bindings.map((b) => (b.inputs.metadata as { namespace: string }).namespace)).toEqual([
            "agent-coder",
        ]);
        expect(mocks.resourcesOfType("kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding")).toEqual(
            [],
        );
        const fn = mocks.findResource("aws:lambda/function:Function", "guard");
        const config = JSON.parse(
            (fn.inputs.environment as { variables: Record<string, string> }).variables
                .AGENTGUARD_CONTAINMENT_CONFIG,
        ) as { kubernetes: unknown; agents: { namespace?: string }[] };
        expect(config.kubernetes).toMatchObject({ clusterName: "prod", endpoint: "https://k8s.example" });
        expect(config.agents.map((a) => a.namespace)).toEqual(["agent-coder", undefined]);
    });
});
