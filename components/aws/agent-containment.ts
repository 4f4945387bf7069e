import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import {
    CONTAINMENT_KUBERNETES_GROUP,
    CONTAINMENT_TAG,
    containmentResourceArnPatterns,
} from "../../core/containment";
import { OWNER_TAG } from "./agent-tags";
import { planContainment, type AgentContainmentArgs } from "./containment-args";
import {
    createAlertTopic,
    createFunction,
    createLogGroups,
    createTripwires,
    type ContainmentScope,
} from "./containment-resources";

export type { AgentContainmentArgs, ContainedAgentArgs, ContainmentKubernetesArgs } from "./containment-args";

/**
 * Automated containment: tripwires on the agents' CloudTrail events (IAM writes, credentials, audit and
 * detection tampering, network changes, role assumption outside the allowed set), GuardDuty findings when
 * enabled, and bursts of denied calls; a function that, for the offending agent, attaches the deny-all
 * policy, revokes its sessions, and on Kubernetes holds its pods at zero, deletes them and removes its
 * RoleBindings; then records and alerts what it did and how to restore. Every resource is named with the
 * prefix agent roles' guardrails deny, so no agent can disable or rewrite it.
 */
export class AgentContainment extends pulumi.ComponentResource {
    public readonly function: aws.lambda.Function;
    public readonly functionRole: aws.iam.Role;
    /** SNS topic of containment alerts and alarm notifications: subscribe people and the SIEM here. */
    public readonly alertTopic: aws.sns.Topic;
    public readonly alertTopicArn: pulumi.Output<string>;
    /** Every CloudTrail event of the agents' sessions, as EventBridge delivers it (the telemetry stream). */
    public readonly telemetryLogGroup: aws.cloudwatch.LogGroup;
    /** Tripwire rules, per agent id. */
    public readonly rules: Readonly<Record<string, aws.cloudwatch.EventRule[]>>;
    /** Alarms per agent id: denied calls (contains) and forbidden-family attempts (alerts). */
    public readonly alarms: Readonly<Record<string, aws.cloudwatch.MetricAlarm[]>>;
    /** ARN patterns of every containment resource; agent roles' guardrail policies deny them all. */
    public readonly protectedResourceArns: string[];
    public readonly accessEntry?: aws.eks.AccessEntry;

    constructor(name: string, args: AgentContainmentArgs, opts: pulumi.ComponentResourceOptions = {}) {
        // Every plain argument is checked before the component or any child exists.
        const plan = planContainment(name, args);
        super("agentguard:aws:AgentContainment", name, {}, opts);
        const scope: ContainmentScope = {
            name,
            plan,
            tags: { [CONTAINMENT_TAG]: name, [OWNER_TAG]: plan.owner },
            parent: this,
            kmsKeyArn: args.kmsKeyArn,
            kubernetes: args.kubernetes,
        };
        this.alertTopic = createAlertTopic(scope);
        const logs = createLogGroups(scope);
        this.telemetryLogGroup = logs.telemetry;
        const fn = createFunction(scope, this.alertTopic, logs.function);
        this.function = fn.function;
        this.functionRole = fn.role;
        const tripwires = createTripwires(scope, fn, this.alertTopic, logs.telemetry);
        this.rules = tripwires.rules;
        this.alarms = tripwires.alarms;
        this.accessEntry = args.kubernetes ? mapIntoCluster(scope, fn.role) : undefined;
        this.alertTopicArn = this.alertTopic.arn;
        this.protectedResourceArns = containmentResourceArnPatterns();
        this.registerOutputs({
            function: this.function,
            functionRole: this.functionRole,
            alertTopic: this.alertTopic,
            alertTopicArn: this.alertTopicArn,
            telemetryLogGroup: this.telemetryLogGroup,
            protectedResourceArns: this.protectedResourceArns,
            accessEntry: this.accessEntry,
        });
    }
}

/**
 * The function's Kubernetes identity: an access entry into a group that may, in each agent namespace only,
 * set a ResourceQuota, delete pods and delete RoleBindings; nothing cluster-wide, nothing it could escalate
 * with (it cannot create bindings, only remove them).
 */
function mapIntoCluster(scope: ContainmentScope, role: aws.iam.Role): aws.eks.AccessEntry {
    const { name, plan, parent, kubernetes } = scope;
    const cluster = kubernetes!;
    const entry = new aws.eks.AccessEntry(
        `${name}-access-entry`,
        {
            clusterName: cluster.clusterName,
            principalArn: role.arn,
            kubernetesGroups: [CONTAINMENT_KUBERNETES_GROUP],
            type: "STANDARD",
            tags: scope.tags,
        },
        { parent },
    );
    const k8sOpts = { parent, ...(cluster.provider && { provider: cluster.provider }) };
    const labels = { [CONTAINMENT_TAG]: name, [OWNER_TAG]: plan.owner };
    const clusterRole = new k8s.rbac.v1.ClusterRole(
        `${name}-cluster-role`,
        {
            metadata: { name: plan.baseName, labels },
            rules: [
                { apiGroups: [""], resources: ["resourcequotas"], verbs: ["get", "create", "update"] },
                { apiGroups: [""], resources: ["pods"], verbs: ["list", "delete", "deletecollection"] },
                {
                    apiGroups: ["rbac.authorization.k8s.io"],
                    resources: ["rolebindings"],
                    verbs: ["list", "delete"],
                },
            ],
        },
        k8sOpts,
    );
    for (const agent of plan.agents) {
        if (!agent.runtime) continue;
        new k8s.rbac.v1.RoleBinding(
            `${name}-${agent.agentId}-binding`,
            {
                metadata: { name: plan.baseName, namespace: agent.runtime.namespaceName, labels },
                subjects: [
                    {
                        kind: "Group",
                        name: CONTAINMENT_KUBERNETES_GROUP,
                        apiGroup: "rbac.authorization.k8s.io",
                    },
                ],
                roleRef: {
                    kind: "ClusterRole",
                    name: clusterRole.metadata.name,
                    apiGroup: "rbac.authorization.k8s.io",
                },
            },
            { ...k8sOpts, dependsOn: [entry] },
        );
    }
    return entry;
}
