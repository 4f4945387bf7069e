/**
 * The containment function AgentContainment deploys. It is compiled on its own into one file, so it imports
 * nothing of agentguard: only Node.js and the AWS SDK for JavaScript v3 that the Lambda Node.js runtime
 * provides. Its configuration (agents, policies, topic, cluster) comes in one environment variable.
 *
 * For the offending agent, each step runs whatever the others did: deny-all policy, session revocation, then
 * on Kubernetes a pods quota of zero, its running pods deleted, its RoleBindings removed; then an audit record
 * (a JSON log line) and an alert naming the agent, the event, every step's result, and how to restore.
 */
import * as crypto from "crypto";
import * as https from "https";

export const CONFIG_VARIABLE = "AGENTGUARD_CONTAINMENT_CONFIG";

export interface ContainedAgent {
    readonly agentId: string;
    readonly roleArn: string;
    readonly roleName: string;
    /** The agent's Kubernetes namespace, when it runs on the cluster. */
    readonly namespace?: string;
}

export interface ContainmentConfig {
    /** The AgentContainment's name, in every record and alert. */
    readonly containment: string;
    readonly agents: readonly ContainedAgent[];
    /** Alarm name to agent id: a denied-calls alarm names its agent only through this. */
    readonly alarms: Readonly<Record<string, string>>;
    /** The deny-all policy document AgentRole's kill switch attaches, as JSON. */
    readonly denyAllPolicy: string;
    /** AgentRole's session revocation document, as JSON, its time left as REVOKE_TIME_PLACEHOLDER. */
    readonly revokeSessionsPolicy: string;
    readonly policyNames: { readonly denyAll: string; readonly revokeSessions: string };
    readonly alertTopicArn: string;
    readonly kubernetes?: {
        readonly clusterName: string;
        readonly endpoint: string;
        /** Base64 PEM, as EKS reports `certificateAuthority.data`. */
        readonly certificateAuthority: string;
        /** The cluster's region. @default the function's own (AWS_REGION) */
        readonly region?: string;
        /** Name of the ResourceQuota that holds the agent's pods at zero. */
        readonly quotaName: string;
    };
}

export interface KubernetesResponse {
    readonly status: number;
    readonly body: unknown;
}

/** What the function does to the world; injected in tests. */
export interface ContainmentClients {
    putRolePolicy(roleName: string, policyName: string, document: string): Promise<void>;
    publish(topicArn: string, subject: string, message: string): Promise<void>;
    kubernetes(method: string, path: string, body?: unknown): Promise<KubernetesResponse>;
    now(): Date;
    log(record: object): void;
}

export interface Trigger {
    readonly agent: ContainedAgent;
    /** What happened, for people: `iam.amazonaws.com PutRolePolicy (AccessDenied)`. */
    readonly event: string;
    /** The rule, finding or alarm that fired. */
    readonly source: string;
}

export interface StepResult {
    readonly step: string;
    readonly ok: boolean;
    readonly detail: string;
}

export interface ContainmentRecord {
    readonly containment: string;
    readonly agentId?: string;
    readonly roleArn?: string;
    readonly event: string;
    readonly source: string;
    readonly at: string;
    readonly steps: readonly StepResult[];
    readonly restore: readonly string[];
}

type Json = Record<string, unknown>;

function field(value: unknown, ...path: string[]): unknown {
    let current = value;
    for (const key of path) {
        if (typeof current !== "object" || current === null) return undefined;
        current = (current as Json)[key];
    }
    return current;
}

function text(value: unknown): string | undefined {
    return typeof value === "string" && value !== "" ? value : undefined;
}

/** The agent and what it did, or a reason the event names no agent of this containment. */
export function triggerOf(event: unknown, config: ContainmentConfig): Trigger | { unattributed: string } {
    const detailType = text(field(event, "detail-type"));
    const ruleArn = text(field(event, "resources", "0")) ?? "an EventBridge rule";
    if (detailType === "AWS API Call via CloudTrail") {
        const issuer = text(field(event, "detail", "userIdentity", "sessionContext", "sessionIssuer", "arn"));
        const agent = config.agents.find((a) => a.roleArn === issuer);
        if (!agent) return { unattributed: `CloudTrail event by ${issuer ?? "an unnamed principal"}` };
        const error = text(field(event, "detail", "errorCode"));
        const call = `${text(field(event, "detail", "eventSource")) ?? "?"} ${text(field(event, "detail", "eventName")) ?? "?"}`;
        return { agent, event: error ? `${call} (${error})` : call, source: ruleArn };
    }
    if (detailType === "GuardDuty Finding") {
        const userName = text(field(event, "detail", "resource", "accessKeyDetails", "userName"));
        const agent = config.agents.find((a) => a.roleName === userName);
        if (!agent) return { unattributed: `GuardDuty finding about ${userName ?? "an unnamed principal"}` };
        return {
            agent,
            event: `GuardDuty finding ${text(field(event, "detail", "type")) ?? "(no type)"}`,
            source: text(field(event, "detail", "id")) ?? ruleArn,
        };
    }
    const alarmName = text(field(event, "alarmData", "alarmName"));
    if (text(field(event, "source")) === "aws.cloudwatch" && alarmName) {
        const state = text(field(event, "alarmData", "state", "value"));
        if (state !== "ALARM") return { unattributed: `alarm ${alarmName} is ${state ?? "in no state"}` };
        const agent = config.agents.find((a) => a.agentId === config.alarms[alarmName]);
        if (!agent) return { unattributed: `alarm ${alarmName} belongs to no agent of this containment` };
        return { agent, event: `denied calls above the threshold (alarm ${alarmName})`, source: alarmName };
    }
    return {
        unattributed: `an event of an unknown kind (${detailType ?? text(field(event, "source")) ?? "no type"})`,
    };
}

/** Stands for the containment time in `revokeSessionsPolicy`, which is filled in when the function acts. */
export const REVOKE_TIME_PLACEHOLDER = "AGENTGUARD_CONTAINMENT_TIME";

/** The revocation document of AgentRole (given in the configuration), denying tokens issued before `time`. */
export function revokeSessionsDocument(config: ContainmentConfig, time: Date): string {
    return config.revokeSessionsPolicy.split(REVOKE_TIME_PLACEHOLDER).join(time.toISOString());
}

async function step(results: StepResult[], name: string, run: () => Promise<string>): Promise<void> {
    try {
        results.push({ step: name, ok: true, detail: await run() });
    } catch (err) {
        results.push({ step: name, ok: false, detail: err instanceof Error ? err.message : String(err) });
    }
}

function expectStatus(response: KubernetesResponse, allowed: readonly number[], what: string): void {
    if (!allowed.includes(response.status)) {
        const reason = text(field(response.body, "message")) ?? JSON.stringify(response.body).slice(0, 200);
        throw new Error(`${what}: HTTP ${response.status}: ${reason}`);
    }
}

/** RoleBindings of the namespace that bind one of its own service accounts: the agent's grants. */
function agentBindings(list: unknown, namespace: string): string[] {
    const items = field(list, "items");
    if (!Array.isArray(items)) return [];
    return items
        .filter((item) => {
            const subjects = field(item, "subjects");
            return (
                Array.isArray(subjects) &&
                subjects.some(
                    (s) =>
                        field(s, "kind") === "ServiceAccount" &&
                        (field(s, "namespace") === undefined || field(s, "namespace") === namespace),
                )
            );
        })
        .map((item) => text(field(item, "metadata", "name")))
        .filter((name): name is string => name !== undefined);
}

async function containOnKubernetes(
    results: StepResult[],
    namespace: string,
    quotaName: string,
    k8s: ContainmentClients["kubernetes"],
): Promise<void> {
    const ns = encodeURIComponent(namespace);
    await step(results, "kubernetes: pods quota 0", async () => {
        const quota = {
            apiVersion: "v1",
            kind: "ResourceQuota",
            metadata: { name: quotaName, namespace, labels: { "agentguard.io/containment": "active" } },
            spec: { hard: { pods: "0" } },
        };
        const created = await k8s("POST", `/api/v1/namespaces/${ns}/resourcequotas`, quota);
        if (created.status === 409) {
            const replaced = await k8s(
                "PUT",
                `/api/v1/namespaces/${ns}/resourcequotas/${encodeURIComponent(quotaName)}`,
                quota,
            );
            expectStatus(replaced, [200], `replacing ResourceQuota ${quotaName}`);
            return `ResourceQuota ${namespace}/${quotaName} set to pods: 0 (replaced)`;
        }
        expectStatus(created, [200, 201], `creating ResourceQuota ${quotaName}`);
        return `ResourceQuota ${namespace}/${quotaName} created with pods: 0`;
    });
    await step(results, "kubernetes: delete running pods", async () => {
        const deleted = await k8s("DELETE", `/api/v1/namespaces/${ns}/pods`);
        expectStatus(deleted, [200], `deleting the pods of ${namespace}`);
        const items = field(deleted.body, "items");
        return `deleted ${Array.isArray(items) ? items.length : "the"} pods of ${namespace}`;
    });
    await step(results, "kubernetes: remove RoleBindings", async () => {
        const listed = await k8s("GET", `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`);
        expectStatus(listed, [200], `listing the RoleBindings of ${namespace}`);
        const names = agentBindings(listed.body, namespace);
        const failures: string[] = [];
        for (const name of names) {
            const path = `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings/${encodeURIComponent(name)}`;
            const response = await k8s("DELETE", path);
            if (response.status !== 200 && response.status !== 404)
                failures.push(`${name} (HTTP ${response.status})`);
        }
        if (failures.length > 0) throw new Error(`could not delete RoleBindings ${failures.join(", ")}`);
        return names.length === 0
            ? `no RoleBinding of ${namespace} binds its service accounts`
            : `deleted RoleBindings ${names.join(", ")}`;
    });
}

function restoreSteps(agent: ContainedAgent, config: ContainmentConfig): string[] {
    const restore = [
        `aws iam delete-role-policy --role-name ${agent.roleName} --policy-name ${config.policyNames.denyAll}`,
        `keep ${config.policyNames.revokeSessions} on ${agent.roleName} (sessions issued before containment stay revoked) ` +
            `or delete it the same way once every old session has expired`,
    ];
    if (agent.namespace && config.kubernetes) {
        restore.push(
            `kubectl -n ${agent.namespace} delete resourcequota ${config.kubernetes.quotaName}`,
            "pulumi up on the stack that declares the agent, to recreate its RoleBindings and workloads",
        );
    }
    return restore;
}

/** Contains the agent the event names; idempotent (every step sets a state, none toggles one). */
export async function contain(
    event: unknown,
    config: ContainmentConfig,
    clients: ContainmentClients,
): Promise<ContainmentRecord> {
    const at = clients.now();
    const trigger = triggerOf(event, config);
    if ("unattributed" in trigger) {
        const record: ContainmentRecord = {
            containment: config.containment,
            event: trigger.unattributed,
            source: "unattributed",
            at: at.toISOString(),
            steps: [],
            restore: [],
        };
        clients.log({ agentguardContainment: "no-action", ...record });
        return record;
    }
    const { agent } = trigger;
    const steps: StepResult[] = [];
    await step(steps, "deny all", async () => {
        await clients.putRolePolicy(agent.roleName, config.policyNames.denyAll, config.denyAllPolicy);
        return `attached ${config.policyNames.denyAll} to role ${agent.roleName}`;
    });
    await step(steps, "revoke sessions", async () => {
        await clients.putRolePolicy(
            agent.roleName,
            config.policyNames.revokeSessions,
            revokeSessionsDocument(config, at),
        );
        return `sessions of ${agent.roleName} issued before ${at.toISOString()} are denied`;
    });
    if (agent.namespace && config.kubernetes) {
        await containOnKubernetes(steps, agent.namespace, config.kubernetes.quotaName, clients.kubernetes);
    }
    const record: ContainmentRecord = {
        containment: config.containment,
        agentId: agent.agentId,
        roleArn: agent.roleArn,
        event: trigger.event,
        source: trigger.source,
        at: at.toISOString(),
        steps,
        restore: restoreSteps(agent, config),
    };
    clients.log({ agentguardContainment: "contained", ...record });
    await step(steps, "alert", async () => {
        await clients.publish(config.alertTopicArn, alertSubject(record), alertMessage(record));
        return `published to ${config.alertTopicArn}`;
    });
    if (!steps[steps.length - 1].ok) clients.log({ agentguardContainment: "alert-failed", ...record });
    return record;
}

function alertSubject(record: ContainmentRecord): string {
    const failed = record.steps.some((s) => !s.ok);
    // SNS subjects: at most 100 ASCII characters.
    return `agentguard contained agent ${record.agentId ?? "?"}${failed ? " (some steps failed)" : ""}`.slice(
        0,
        100,
    );
}

export function alertMessage(record: ContainmentRecord): string {
    return [
        `agentguard containment ${record.containment} acted on agent ${record.agentId} (role ${record.roleArn}) at ${record.at}.`,
        `Event: ${record.event}`,
        `Fired by: ${record.source}`,
        "Actions:",
        ...record.steps.map((s) => `  - ${s.step}: ${s.ok ? "done" : "FAILED"}: ${s.detail}`),
        "To restore the agent once the event is understood:",
        ...record.restore.map((r) => `  - ${r}`),
    ].join("\n");
}

export function readConfig(env: NodeJS.ProcessEnv): ContainmentConfig {
    const raw = env[CONFIG_VARIABLE];
    if (!raw)
        throw new Error(`${CONFIG_VARIABLE} is not set: the function was deployed without its configuration`);
    return JSON.parse(raw) as ContainmentConfig;
}

function bytes(data: string | ArrayBuffer | ArrayBufferView): string | Uint8Array {
    if (typeof data === "string") return data;
    if (data instanceof ArrayBuffer) return new Uint8Array(data);
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** SHA-256 in the shape SignatureV4 expects of its `sha256` constructor. */
class NodeSha256 {
    private readonly hash: crypto.Hash | crypto.Hmac;
    constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
        this.hash =
            secret === undefined ? crypto.createHash("sha256") : crypto.createHmac("sha256", bytes(secret));
    }
    update(data: string | ArrayBuffer | ArrayBufferView): void {
        this.hash.update(bytes(data));
    }
    digest(): Promise<Uint8Array> {
        return Promise.resolve(new Uint8Array(this.hash.digest()));
    }
}

/**
 * An EKS bearer token: a presigned sts:GetCallerIdentity URL bound to the cluster's name, as
 * `aws eks get-token` makes it. Signed with the function's own role.
 */
export async function eksToken(clusterName: string, region: string, env: NodeJS.ProcessEnv): Promise<string> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- provided by the Lambda runtime's SDK
    const { SignatureV4 } = require("@smithy/signature-v4") as typeof import("@smithy/signature-v4");
    const accessKeyId = env.AWS_ACCESS_KEY_ID;
    const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
    if (!accessKeyId || !secretAccessKey)
        throw new Error("no AWS credentials in the environment to sign an EKS token");
    const signer = new SignatureV4({
        service: "sts",
        region,
        credentials: { accessKeyId, secretAccessKey, sessionToken: env.AWS_SESSION_TOKEN },
        sha256: NodeSha256,
    });
    const hostname = `sts.${region}.amazonaws.com`;
    const signed = await signer.presign(
        {
            method: "GET",
            protocol: "https:",
            hostname,
            path: "/",
            query: { Action: "GetCallerIdentity", Version: "2011-06-15" },
            headers: { host: hostname, "x-k8s-aws-id": clusterName },
        },
        { expiresIn: 60 },
    );
    const query = Object.entries(signed.query ?? {})
        .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
        .join("&");
    const url = `https://${hostname}/?${query}`;
    return `k8s-aws-v1.${Buffer.from(url).toString("base64url")}`;
}

function kubernetesClient(
    config: NonNullable<ContainmentConfig["kubernetes"]>,
): ContainmentClients["kubernetes"] {
    const ca = Buffer.from(config.certificateAuthority, "base64").toString("utf8");
    return async (method, path, body) => {
        const region = config.region ?? process.env.AWS_REGION;
        if (!region) throw new Error("the cluster's region is unknown: AWS_REGION is not set");
        const token = await eksToken(config.clusterName, region, process.env);
        const payload = body === undefined ? undefined : JSON.stringify(body);
        return new Promise<KubernetesResponse>((resolve, reject) => {
            const request = https.request(
                new URL(path, config.endpoint),
                {
                    method,
                    ca,
                    timeout: 10_000,
                    headers: {
                        authorization: `Bearer ${token}`,
                        accept: "application/json",
                        ...(payload && {
                            "content-type": "application/json",
                            "content-length": Buffer.byteLength(payload),
                        }),
                    },
                },
                (response) => {
                    const chunks: Buffer[] = [];
                    response.on("data", (chunk: Buffer) => chunks.push(chunk));
                    response.on("end", () => {
                        const raw = Buffer.concat(chunks).toString("utf8");
                        let parsed: unknown = raw;
                        try {
                            parsed = raw === "" ? {} : JSON.parse(raw);
                        } catch {
                            // Kept as text: the step's error shows it.
                        }
                        resolve({ status: response.statusCode ?? 0, body: parsed });
                    });
                },
            );
            request.on("timeout", () =>
                request.destroy(new Error(`${method} ${path}: no answer within 10 s`)),
            );
            request.on("error", reject);
            if (payload) request.write(payload);
            request.end();
        });
    };
}

function defaultClients(config: ContainmentConfig): ContainmentClients {
    /* eslint-disable @typescript-eslint/no-require-imports -- provided by the Lambda runtime's SDK */
    const iam = require("@aws-sdk/client-iam") as typeof import("@aws-sdk/client-iam");
    const sns = require("@aws-sdk/client-sns") as typeof import("@aws-sdk/client-sns");
    /* eslint-enable @typescript-eslint/no-require-imports */
    const iamClient = new iam.IAMClient({});
    const snsClient = new sns.SNSClient({});
    return {
        putRolePolicy: async (RoleName, PolicyName, PolicyDocument) => {
            await iamClient.send(new iam.PutRolePolicyCommand({ RoleName, PolicyName, PolicyDocument }));
        },
        publish: async (TopicArn, Subject, Message) => {
            await snsClient.send(new sns.PublishCommand({ TopicArn, Subject, Message }));
        },
        kubernetes: config.kubernetes
            ? kubernetesClient(config.kubernetes)
            : () => Promise.reject(new Error("no cluster is configured")),
        now: () => new Date(),
        log: (record) => console.log(JSON.stringify(record)),
    };
}

/** The Lambda entry point. */
export async function handler(event: unknown): Promise<ContainmentRecord> {
    const config = readConfig(process.env);
    return contain(event, config, defaultClients(config));
}
