/** AgentContainment's arguments, checked before anything is created. */
import * as crypto from "crypto";
import type * as pulumi from "@pulumi/pulumi";
import { CONTAINMENT_NAME_PREFIX } from "../../core/containment";
import {
    checkAgentId,
    checkBoolean,
    checkInteger,
    checkOwner,
    componentLabel,
    fail,
    isDnsLabel,
    isPlain,
    isPlainObject,
} from "../args";
import { checkLogRetentionDays } from "./audit-trail-args";
import { AGENT_ID_MAX_LENGTH } from "./agent-tags";

/** One agent the containment watches and acts on. */
export interface ContainedAgentArgs {
    /** The agent's id (as given to its AgentRole and AgentRuntime). */
    readonly agentId: string;
    /** The agent's IAM role (an AgentRole has both outputs). */
    readonly role: { readonly roleArn: pulumi.Input<string>; readonly roleName: pulumi.Input<string> };
    /** The agent's runtime on the cluster, scaled to zero on containment (an AgentRuntime has it). @default none */
    readonly runtime?: { readonly namespaceName: pulumi.Input<string> };
    /** Roles the agent may assume; assuming any other fires the tripwire. @default none */
    readonly assumableRoleArns?: readonly pulumi.Input<string>[];
}

export interface ContainmentKubernetesArgs {
    /** The EKS cluster's name: an access entry maps the function's role into it. */
    readonly clusterName: pulumi.Input<string>;
    /** The cluster's API endpoint (`aws.eks.Cluster.endpoint`). */
    readonly endpoint: pulumi.Input<string>;
    /** The cluster's CA bundle, base64 (`aws.eks.Cluster.certificateAuthority.data`). */
    readonly certificateAuthority: pulumi.Input<string>;
    /** Provider of the cluster's Kubernetes resources (ClusterRole, RoleBindings). @default the default provider */
    readonly provider?: pulumi.ProviderResource;
}

export interface AgentContainmentArgs {
    /** Whose agents it covers: an agent id, or a platform-wide id such as `all-agents`. */
    readonly agentId: string;
    /** Owning team id, set as `agentguard.io/owner`. */
    readonly owner: string;
    /** The agents to watch. At least one. */
    readonly agents: readonly ContainedAgentArgs[];
    /** Denied calls by one agent within `accessDeniedPeriodSeconds` that trigger containment. @default 20 */
    readonly accessDeniedThreshold?: number;
    /** The window of `accessDeniedThreshold`, in seconds (a multiple of 60). @default 300 */
    readonly accessDeniedPeriodSeconds?: number;
    /** Also contain on GuardDuty findings about an agent's role (GuardDuty must be enabled). @default false */
    readonly guardDuty?: boolean;
    /** Retention of the telemetry and function log groups, in days (CloudWatch values from 90). @default 365 */
    readonly logRetentionDays?: number;
    /** KMS key for the log groups and the alert topic. @default AWS-managed encryption */
    readonly kmsKeyArn?: pulumi.Input<string>;
    /** The cluster the agents run on, to scale them to zero. @default AWS actions only */
    readonly kubernetes?: ContainmentKubernetesArgs;
}

/** Rule, function and role names are `agentguard-containment-<name>...`, at most 64 characters. */
export const CONTAINMENT_NAME_MAX_LENGTH = 64 - CONTAINMENT_NAME_PREFIX.length - "-alerts".length;

export interface ContainmentPlan {
    readonly component: string;
    readonly agentId: string;
    readonly owner: string;
    /** `agentguard-containment-<name>`: the function, its role, the topic and log groups derive from it. */
    readonly baseName: string;
    readonly agents: readonly ContainedAgentArgs[];
    readonly accessDeniedThreshold: number;
    readonly accessDeniedPeriodSeconds: number;
    readonly guardDuty: boolean;
    readonly logRetentionDays: number;
}

export function planContainment(name: string, args: AgentContainmentArgs): ContainmentPlan {
    const component = componentLabel("AgentContainment", name);
    if (!isPlainObject(args))
        fail(component, "args", args, "expected an object with agentId, owner and agents");
    if (!isDnsLabel(name, CONTAINMENT_NAME_MAX_LENGTH)) {
        fail(
            component,
            "name",
            name,
            `expected a DNS label of at most ${CONTAINMENT_NAME_MAX_LENGTH} characters: resource names are ` +
                `${CONTAINMENT_NAME_PREFIX}<name>-..., which agents' guardrails deny by that prefix`,
        );
    }
    const agentId = checkAgentId(component, args.agentId, AGENT_ID_MAX_LENGTH);
    const owner = checkOwner(component, args.owner);
    const agents = args.agents as unknown;
    if (!Array.isArray(agents) || agents.length === 0) {
        fail(component, "agents", agents, "expected a non-empty list of { agentId, role, runtime? }");
    }
    const seen = new Set<string>();
    agents.forEach((agent: unknown, i: number) => checkAgent(component, i, agent, seen, args.kubernetes));
    const period = checkInteger(
        component,
        "accessDeniedPeriodSeconds",
        args.accessDeniedPeriodSeconds ?? 300,
        60,
        86_400,
    );
    if (period % 60 !== 0) fail(component, "accessDeniedPeriodSeconds", period, "expected a multiple of 60");
    if (args.kubernetes !== undefined && !isPlainObject(args.kubernetes)) {
        fail(
            component,
            "kubernetes",
            args.kubernetes,
            "expected { clusterName, endpoint, certificateAuthority, provider? }",
        );
    }
    return {
        component,
        agentId,
        owner,
        baseName: `${CONTAINMENT_NAME_PREFIX}${name}`,
        agents: agents as ContainedAgentArgs[],
        accessDeniedThreshold: checkInteger(
            component,
            "accessDeniedThreshold",
            args.accessDeniedThreshold ?? 20,
            1,
            100_000,
        ),
        accessDeniedPeriodSeconds: period,
        guardDuty: checkBoolean(component, "guardDuty", args.guardDuty, false),
        logRetentionDays: checkLogRetentionDays(component, args.logRetentionDays),
    };
}

function checkAgent(
    component: string,
    index: number,
    agent: unknown,
    seen: Set<string>,
    kubernetes: unknown,
): void {
    const at = `agents[${index}]`;
    if (!isPlainObject(agent))
        fail(component, at, agent, "expected { agentId, role, runtime?, assumableRoleArns? }");
    const id = checkAgentId(component, agent.agentId, AGENT_ID_MAX_LENGTH);
    if (seen.has(id)) fail(component, `${at}.agentId`, id, "expected each agent once");
    seen.add(id);
    const role = agent.role;
    if (!isPlainObject(role) || role.roleArn === undefined || role.roleName === undefined) {
        fail(
            component,
            `${at}.role`,
            role,
            "expected the agent's role: { roleArn, roleName } (an AgentRole)",
        );
    }
    if (isPlain(role.roleArn) && !/^arn:aws[a-z-]*:iam::\d{12}:role\/\S+$/.test(String(role.roleArn))) {
        fail(
            component,
            `${at}.role.roleArn`,
            role.roleArn,
            "expected an IAM role ARN (arn:aws:iam::<account>:role/<name>)",
        );
    }
    if (agent.runtime !== undefined) {
        if (!isPlainObject(agent.runtime) || agent.runtime.namespaceName === undefined) {
            fail(
                component,
                `${at}.runtime`,
                agent.runtime,
                "expected the agent's runtime: { namespaceName } (an AgentRuntime)",
            );
        }
        if (kubernetes === undefined) {
            fail(
                component,
                `${at}.runtime`,
                "(a runtime)",
                "a runtime can only be scaled to zero with `kubernetes` (the cluster) given; add it or drop the runtime",
            );
        }
    }
    const assumable = agent.assumableRoleArns;
    if (assumable !== undefined && !Array.isArray(assumable)) {
        fail(component, `${at}.assumableRoleArns`, assumable, "expected a list of role ARNs");
    }
}

/** A rule's name: the prefix and a digest of what it watches (names are at most 64 characters). */
export function ruleName(plan: ContainmentPlan, agentId: string, purpose: string): string {
    const digest = crypto
        .createHash("sha256")
        .update(`${plan.baseName}\0${agentId}\0${purpose}`)
        .digest("hex");
    return `${CONTAINMENT_NAME_PREFIX}${digest.slice(0, 16)}`;
}
