import { IAMClient, PutRolePolicyCommand } from "@aws-sdk/client-iam";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import {
    CONFIG_VARIABLE,
    REVOKE_TIME_PLACEHOLDER,
    contain,
    eksToken,
    handler,
    triggerOf,
    type ContainmentClients,
    type ContainmentConfig,
    type KubernetesResponse,
} from "../../../components/aws/containment-handler";
import { revokeSessionsPolicy } from "../../../components/aws/session-controls";

const ACCOUNT = "123456789012";
const CODER = {
    agentId: "coder",
    roleArn: `arn:aws:iam::${ACCOUNT}:role/agent-coder`,
    roleName: "agent-coder",
};
const RUNNER = {
    ...CODER,
    agentId: "runner",
    roleArn: `arn:aws:iam::${ACCOUNT}:role/agent-runner`,
    roleName: "agent-runner",
    namespace: "agent-runner",
};
const DENY_ALL = JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Sid: "AgentSuspended", Effect: "Deny", Action: "*", Resource: "*" }],
});
const NOW = new Date("2026-12-07T10:00:00.000Z");

function config(overrides: Partial<ContainmentConfig> = {}): ContainmentConfig {
    return {
        containment: "guard",
        agents: [CODER, RUNNER],
        alarms: { "agentguard-containment-guard-coder-denied-calls": "coder" },
        denyAllPolicy: DENY_ALL,
        revokeSessionsPolicy: JSON.stringify(revokeSessionsPolicy(REVOKE_TIME_PLACEHOLDER)),
        policyNames: {
            denyAll: "agentguard-containment-deny-all",
            revokeSessions: "agentguard-containment-revoke-sessions",
        },
        alertTopicArn: `arn:aws:sns:eu-west-1:${ACCOUNT}:agentguard-containment-guard-alerts`,
        kubernetes: {
            clusterName: "prod",
            endpoint: "https://k8s.example",
            certificateAuthority: "",
            region: "eu-west-1",
            quotaName: "agentguard-containment-guard",
        },
        ...overrides,
    };
}

function cloudTrailEvent(issuer: string, eventName = "PutRolePolicy", errorCode?: string): object {
    return {
        "detail-type": "AWS API Call via CloudTrail",
        source: "aws.iam",
        resources: ["arn:aws:events:us-east-1:123456789012:rule/agentguard-containment-0123456789abcdef"],
        detail: {
            eventSource: "iam.amazonaws.com",
            eventName,
            ...(errorCode && { errorCode }),
            userIdentity: { type: "AssumedRole", sessionContext: { sessionIssuer: { arn: issuer } } },
        },
    };
}

interface Call {
    readonly kind: string;
    readonly args: readonly unknown[];
}

function fakeClients(kubernetes: Record<string, KubernetesResponse | Error> = {}): {
    clients: ContainmentClients;
    calls: Call[];
    logs: object[];
} {
    const calls: Call[] = [];
    const logs: object[] = [];
    const clients: ContainmentClients = {
        putRolePolicy: (...args) => {
            calls.push({ kind: "putRolePolicy", args });
            return Promise.resolve();
        },
        publish: (...args) => {
            calls.push({ kind: "publish", args });
            return Promise.resolve();
        },
        kubernetes: (method, path, body) => {
            calls.push({ kind: "kubernetes", args: [method, path, body] });
            const answer = kubernetes[`${method} ${path}`] ?? { status: 200, body: { items: [] } };
            return answer instanceof Error ? Promise.reject(answer) : Promise.resolve(answer);
        },
        now: () => NOW,
        log: (record) => logs.push(record),
    };
    return { clients, calls, logs };
}

describe("which agent an event names", () => {
    it("attributes CloudTrail events by the session's role, GuardDuty findings by role name, alarms by name", () => {
        expect(
            triggerOf(cloudTrailEvent(CODER.roleArn, "CreatePolicy", "AccessDenied"), config()),
        ).toMatchObject({
            agent: CODER,
            event: "iam.amazonaws.com CreatePolicy (AccessDenied)",
        });
        const finding = {
            "detail-type": "GuardDuty Finding",
            detail: {
                id: "f-1",
                type: "UnauthorizedAccess:IAMUser/TorIPCaller",
                resource: { accessKeyDetails: { userName: "agent-runner" } },
            },
        };
        expect(triggerOf(finding, config())).toMatchObject({ agent: RUNNER, source: "f-1" });
        const alarm = (state: string) => ({
            source: "aws.cloudwatch",
            alarmData: {
                alarmName: "agentguard-containment-guard-coder-denied-calls",
                state: { value: state },
            },
        });
        expect(triggerOf(alarm("ALARM"), config())).toMatchObject({ agent: CODER });
        expect(triggerOf(alarm("OK"), config())).toEqual({
            unattributed: "alarm agentguard-containment-guard-coder-denied-calls is OK",
        });
    });

    it("acts on nobody for a principal that is not one of its agents", async () => {
        const { clients, calls, logs } = fakeClients();
        const record = await contain(
            cloudTrailEvent(`arn:aws:iam::${ACCOUNT}:role/platform-admin`),
            config(),
            clients,
        );
        expect(calls).toEqual([]);
        expect(record.steps).toEqual([]);
        expect(logs).toEqual([expect.objectContaining({ agentguardContainment: "no-action" })]);
        // A role whose name only starts like an agent's is not that agent.
        expect(triggerOf(cloudTrailEvent(`${CODER.roleArn}-2`), config())).toHaveProperty("unattributed");
    });
});

describe("containing an agent", () => {
    it("denies everything, revokes sessions, holds pods at zero, deletes them and its RoleBindings, then alerts", async () => {
        const bindings = {
            items: [
                {
                    metadata: { name: "runner-tools" },
                    subjects: [{ kind: "ServiceAccount", name: "runner", namespace: "agent-runner" }],
                },
                { metadata: { name: "viewers" }, subjects: [{ kind: "Group", name: "team:viewers" }] },
            ],
        };
        const { clients, calls, logs } = fakeClients({
            "POST /api/v1/namespaces/agent-runner/resourcequotas": { status: 201, body: {} },
            "DELETE /api/v1/namespaces/agent-runner/pods": { status: 200, body: { items: [{}, {}] } },
            "GET /apis/rbac.authorization.k8s.io/v1/namespaces/agent-runner/rolebindings": {
                status: 200,
                body: bindings,
            },
        });
        const record = await contain(
            cloudTrailEvent(RUNNER.roleArn, "AuthorizeSecurityGroupEgress"),
            config(),
            clients,
        );
        expect(calls.map((c) => [c.kind, ...c.args.slice(0, 2)])).toEqual([
            ["putRolePolicy", "agent-runner", "agentguard-containment-deny-all"],
            ["putRolePolicy", "agent-runner", "agentguard-containment-revoke-sessions"],
            ["kubernetes", "POST", "/api/v1/namespaces/agent-runner/resourcequotas"],
            ["kubernetes", "DELETE", "/api/v1/namespaces/agent-runner/pods"],
            ["kubernetes", "GET", "/apis/rbac.authorization.k8s.io/v1/namespaces/agent-runner/rolebindings"],
            [
                "kubernetes",
                "DELETE",
                "/apis/rbac.authorization.k8s.io/v1/namespaces/agent-runner/rolebindings/runner-tools",
            ],
            ["publish", config().alertTopicArn, "agentguard contained agent runner"],
        ]);
        expect(calls[0].args[2]).toBe(DENY_ALL);
        expect(JSON.parse(String(calls[1].args[2]))).toMatchObject({
            Statement: [
                {
                    Effect: "Deny",
                    Action: "*",
                    Condition: { DateLessThan: { "aws:TokenIssueTime": NOW.toISOString() } },
                },
            ],
        });
        expect((calls[2].args[2] as { spec: unknown }).spec).toEqual({ hard: { pods: "0" } });
        expect(record.steps.every((s) => s.ok)).toBe(true);
        const message = String(calls[6].args[2]);
        expect(message).toContain("agent runner");
        expect(message).toContain("AuthorizeSecurityGroupEgress");
        expect(message).toContain(
            "aws iam delete-role-policy --role-name agent-runner --policy-name agentguard-containment-deny-all",
        );
        expect(message).toContain(
            "kubectl -n agent-runner delete resourcequota agentguard-containment-guard",
        );
        expect(logs).toEqual([
            expect.objectContaining({ agentguardContainment: "contained", agentId: "runner" }),
        ]);
    });

    it("replaces the quota when it exists already, so a second run changes nothing", async () => {
        const { clients, calls } = fakeClients({
            "POST /api/v1/namespaces/agent-runner/resourcequotas": {
                status: 409,
                body: { message: "exists" },
            },
            "PUT /api/v1/namespaces/agent-runner/resourcequotas/agentguard-containment-guard": {
                status: 200,
                body: {},
            },
        });
        const record = await contain(cloudTrailEvent(RUNNER.roleArn), config(), clients);
        expect(calls.some((c) => c.args[0] === "PUT")).toBe(true);
        expect(record.steps.find((s) => s.step === "kubernetes: pods quota 0")).toMatchObject({ ok: true });
    });

    it("runs every step when one fails, and says which failed", async () => {
        const { clients, calls } = fakeClients({
            "DELETE /api/v1/namespaces/agent-runner/pods": new Error("connect ETIMEDOUT"),
            "POST /api/v1/namespaces/agent-runner/resourcequotas": {
                status: 403,
                body: { message: "forbidden by admission" },
            },
        });
        clients.putRolePolicy = (...args) => {
            calls.push({ kind: "putRolePolicy", args });
            return args[1] === "agentguard-containment-deny-all"
                ? Promise.reject(new Error("Throttling: Rate exceeded"))
                : Promise.resolve();
        };
        const record = await contain(cloudTrailEvent(RUNNER.roleArn), config(), clients);
        expect(record.steps.map((s) => [s.step, s.ok])).toEqual([
            ["deny all", false],
            ["revoke sessions", true],
            ["kubernetes: pods quota 0", false],
            ["kubernetes: delete running pods", false],
            ["kubernetes: remove RoleBindings", true],
            ["alert", true],
        ]);
        const published = calls.find((c) => c.kind === "publish")!;
        expect(published.args[1]).toBe("agentguard contained agent runner (some steps failed)");
        expect(String(published.args[2])).toContain("deny all: FAILED: Throttling: Rate exceeded");
        expect(String(published.args[2])).toContain("HTTP 403: forbidden by admission");
    });

    it("takes only the AWS steps for an agent without a namespace", async () => {
        const { clients, calls } = fakeClients();
        await contain(cloudTrailEvent(CODER.roleArn), config(), clients);
        expect(calls.filter((c) => c.kind === "kubernetes")).toEqual([]);
        expect(calls.filter((c) => c.kind === "putRolePolicy")).toHaveLength(2);
    });
});

describe("the deployed entry point", () => {
    const iam = mockClient(IAMClient);
    const sns = mockClient(SNSClient);
    afterEach(() => {
        iam.reset();
        sns.reset();
        delete process.env[CONFIG_VARIABLE];
    });

    it("calls IAM and SNS through the AWS SDK with the configuration from its environment", async () => {
        iam.on(PutRolePolicyCommand).resolves({});
        sns.on(PublishCommand).resolves({ MessageId: "m-1" });
        process.env[CONFIG_VARIABLE] = JSON.stringify(config({ kubernetes: undefined }));
        const record = await handler(cloudTrailEvent(CODER.roleArn, "CreateAccessKey"));
        expect(record.steps.every((s) => s.ok)).toBe(true);
        const puts = iam.commandCalls(PutRolePolicyCommand).map((c) => c.args[0].input);
        expect(puts.map((p) => [p.RoleName, p.PolicyName])).toEqual([
            ["agent-coder", "agentguard-containment-deny-all"],
            ["agent-coder", "agentguard-containment-revoke-sessions"],
        ]);
        expect(sns.commandCalls(PublishCommand)[0].args[0].input.TopicArn).toBe(config().alertTopicArn);
    });

    it("fails loudly without its configuration", async () => {
        await expect(handler(cloudTrailEvent(CODER.roleArn))).rejects.toThrow(
            `${CONFIG_VARIABLE} is not set: the function was deployed without its configuration`,
        );
    });
});

describe("EKS bearer token", () => {
    it("is a presigned sts:GetCallerIdentity URL bound to the cluster name, valid for a minute", async () => {
        const token = await eksToken("prod", "eu-west-1", {
            AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
            AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            AWS_SESSION_TOKEN: "session",
        });
        expect(token.startsWith("k8s-aws-v1.")).toBe(true);
        const url = new URL(Buffer.from(token.slice("k8s-aws-v1.".length), "base64url").toString("utf8"));
        expect(url.hostname).toBe("sts.eu-west-1.amazonaws.com");
        expect(url.searchParams.get("Action")).toBe("GetCallerIdentity");
        expect(url.searchParams.get("X-Amz-Expires")).toBe("60");
        expect(url.searchParams.get("X-Amz-SignedHeaders")).toBe("host;x-k8s-aws-id");
        expect(url.searchParams.get("X-Amz-Signature")).toMatch(/^[0-9a-f]{64}$/);
        expect(url.searchParams.get("X-Amz-Security-Token")).toBe("session");
    });

    it("refuses to sign without credentials", async () => {
        await expect(eksToken("prod", "eu-west-1", {})).rejects.toThrow(/no AWS credentials/);
    });
});
