import { PASS_ROLE, roleRunningComputeActions } from "../iam/families";
import { wildcardRegExp } from "../iam/wildcard";
import type { TargetKind } from "./targets";

export type EdgeKind =
    /** A principal may become another principal (sts:AssumeRole, IRSA, Pod Identity). */
    | "assume"
    /** A principal may make compute run its code: the compute's role is then in its hands. */
    | "run-as"
    /** Compute runs as a principal (a structural edge, no permission needed). */
    | "runs-as"
    /** A lifecycle configuration runs its scripts inside a notebook. */
    | "configures"
    /** A principal may write images into a repository. */
    | "push-image"
    /** Compute pulls images from a repository. */
    | "pulled-by"
    /** A principal may read a secret, key or credential. */
    | "read-secret"
    /** A principal may rewrite cluster plumbing (CoreDNS, endpoints, CRDs, admission webhooks). */
    | "write-cluster-plumbing"
    /** Compute or pods may open connections to a network destination (or be reached from one). */
    | "route"
    /** A principal may stop, rewrite or blind an audit or containment resource. */
    | "tamper";

/** An action that acts on one kind of stack resource and what the edge it creates means. */
export interface TargetAction {
    readonly action: string;
    readonly edge: "run-as" | "push-image" | "read-secret" | "tamper";
    readonly target: TargetKind;
    /** A tamper edge only to resources that are automated containment (core/reach/containment.ts). */
    readonly containmentOnly?: boolean;
    /**
     * The action takes no resource ARN (IAM checks it against `*`): a grant covers it only on `*` or a
     * NotResource, and only a Deny on `*` removes it. It reaches every containment resource of the kind.
     */
    readonly accountWide?: boolean;
}

const t = (edge: TargetAction["edge"], target: TargetKind, actions: readonly string[]): TargetAction[] =>
    actions.map((action) => ({ action, edge, target }));

/** Tamper actions that disable or rewrite automated containment, on containment resources only. */
const c = (target: TargetKind, actions: readonly string[], accountWide = false): TargetAction[] =>
    actions.map((action) => ({
        action,
        edge: "tamper",
        target,
        containmentOnly: true,
        ...(accountWide && { accountWide: true }),
    }));

/**
 * Actions that change what existing compute runs (its code, configuration, a command or a build), without
 * iam:PassRole: whoever holds them runs code as the compute's role. Conservative where AWS's own checks are
 * unclear (an update that may re-pass the same role is still counted).
 */
export const TARGET_ACTIONS: readonly TargetAction[] = [
    ...t("run-as", "lambda-function", ["lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration"]),
    ...t("run-as", "ec2-instance", [
        "ssm:SendCommand",
        "ssm:StartSession",
        "ec2:ModifyInstanceAttribute",
        "ec2-instance-connect:SendSSHPublicKey",
        "ec2-instance-connect:SendSerialConsoleSSHPublicKey",
    ]),
    ...t("run-as", "launch-template", ["ec2:CreateLaunchTemplateVersion", "ec2:ModifyLaunchTemplate"]),
    // A job definition's role is passed when it is registered: submitting a job needs no PassRole.
    ...t("run-as", "batch-job-definition", ["batch:SubmitJob"]),
    // StartBuild takes a buildspec override; UpdateProject rewrites it.
    ...t("run-as", "codebuild-project", [
        "codebuild:StartBuild",
        "codebuild:StartBuildBatch",
        "codebuild:RetryBuild",
        "codebuild:RetryBuildBatch",
        "codebuild:UpdateProject",
    ]),
    // Job arguments (--extra-py-files, --scriptLocation) load other code.
    ...t("run-as", "glue-job", ["glue:UpdateJob", "glue:StartJobRun"]),
    ...t("run-as", "sagemaker-notebook", [
        "sagemaker:CreatePresignedNotebookInstanceUrl",
        "sagemaker:UpdateNotebookInstance",
    ]),
    ...t("run-as", "sagemaker-lifecycle-config", ["sagemaker:UpdateNotebookInstanceLifecycleConfig"]),
    ...t("run-as", "apprunner-service", ["apprunner:UpdateService"]),
    ...t("run-as", "agentcore-runtime", ["bedrock-agentcore:UpdateAgentRuntime"]),
    // An update without a RoleARN keeps the stack's service role: no iam:PassRole is checked.
    ...t("run-as", "cloudformation-stack", [
        "cloudformation:UpdateStack",
        "cloudformation:CreateChangeSet",
        "cloudformation:ExecuteChangeSet",
    ]),
    ...t("run-as", "state-machine", ["states:UpdateStateMachine"]),
    // The manifest write is what makes a tag point at new content; layer uploads alone run nothing.
    ...t("push-image", "image-repository", ["ecr:PutImage"]),
    ...t("read-secret", "secretsmanager-secret", ["secretsmanager:GetSecretValue"]),
    ...t("read-secret", "ssm-parameter", [
        "ssm:GetParameter",
        "ssm:GetParameters",
        "ssm:GetParametersByPath",
        "ssm:GetParameterHistory",
    ]),
    // Re-encrypting under a key the reader holds turns a ciphertext of this key into one it can decrypt.
    ...t("read-secret", "kms-key", ["kms:Decrypt", "kms:ReEncryptFrom"]),
    ...t("tamper", "cloudtrail-trail", [
        "cloudtrail:StopLogging",
        "cloudtrail:DeleteTrail",
        "cloudtrail:PutEventSelectors",
        "cloudtrail:PutInsightSelectors",
        "cloudtrail:UpdateTrail",
    ]),
    ...t("tamper", "log-group", [
        "logs:DeleteLogGroup",
        "logs:DeleteLogStream",
        "logs:PutRetentionPolicy",
        "logs:DisassociateKmsKey",
    ]),
    ...c("log-group", [
        "logs:PutMetricFilter",
        "logs:DeleteMetricFilter",
        "logs:PutSubscriptionFilter",
        "logs:DeleteSubscriptionFilter",
        "logs:PutDataProtectionPolicy",
    ]),
    // The resource policy that lets EventBridge write the telemetry log group is account-wide.
    ...c("log-group", ["logs:PutResourcePolicy", "logs:DeleteResourcePolicy"], true),
    ...t("tamper", "event-rule", [
        "events:DisableRule",
        "events:DeleteRule",
        "events:PutRule",
        "events:RemoveTargets",
        "events:PutTargets",
    ]),
    ...t("tamper", "guardduty-detector", [
        "guardduty:DeleteDetector",
        "guardduty:UpdateDetector",
        "guardduty:CreateFilter",
        "guardduty:UpdateFilter",
        "guardduty:CreateIPSet",
        "guardduty:UpdateIPSet",
        "guardduty:DeleteIPSet",
        "guardduty:DeleteThreatIntelSet",
        "guardduty:UpdateThreatIntelSet",
    ]),
    // Automated containment: the function (invoking it with a forged event contains another agent), its
    // role (PassRole: a function run as it may write policies on agent roles), its alerts, alarms and access.
    ...c("lambda-function", [
        "lambda:DeleteFunction",
        "lambda:PutFunctionConcurrency",
        "lambda:UpdateFunctionCode",
        "lambda:UpdateFunctionConfiguration",
        "lambda:AddPermission",
        "lambda:RemovePermission",
        "lambda:PutFunctionEventInvokeConfig",
        "lambda:DeleteFunctionEventInvokeConfig",
        "lambda:UpdateAlias",
        "lambda:DeleteAlias",
        "lambda:PutFunctionRecursionConfig",
        "lambda:InvokeFunction",
    ]),
    ...c("role", [
        "iam:PutRolePolicy",
        "iam:DeleteRolePolicy",
        "iam:AttachRolePolicy",
        "iam:DetachRolePolicy",
        "iam:PutRolePermissionsBoundary",
        "iam:DeleteRolePermissionsBoundary",
        "iam:UpdateAssumeRolePolicy",
        "iam:UpdateRole",
        "iam:DeleteRole",
        PASS_ROLE,
    ]),
    ...c("sns-topic", [
        "sns:DeleteTopic",
        "sns:SetTopicAttributes",
        "sns:AddPermission",
        "sns:RemovePermission",
        "sns:Unsubscribe",
        "sns:PutDataProtectionPolicy",
    ]),
    ...c("metric-alarm", [
        "cloudwatch:DeleteAlarms",
        "cloudwatch:DisableAlarmActions",
        "cloudwatch:PutMetricAlarm",
        "cloudwatch:SetAlarmState",
        "cloudwatch:PutCompositeAlarm",
    ]),
    // Forged data points in the containment namespace (agentguard/containment) fire or quiet its alarms.
    ...c("metric-alarm", ["cloudwatch:PutMetricData"], true),
    ...c("eks-access-entry", [
        "eks:DeleteAccessEntry",
        "eks:UpdateAccessEntry",
        "eks:AssociateAccessPolicy",
        "eks:DisassociateAccessPolicy",
    ]),
];

/** Run-as actions the graph judges on their targets: the direct grants rule leaves their scoped grants to it. */
export const RUN_AS_ON_TARGET: ReadonlySet<string> = new Set(
    TARGET_ACTIONS.filter((a) => a.edge === "run-as").map((a) => a.action.toLowerCase()),
);

/**
 * The service principal a launched resource's role must trust, per service of a PassRole launch action.
 * A service not listed here is taken to accept any role (fail closed).
 */
const LAUNCH_SERVICE: Readonly<Record<string, string>> = {
    ec2: "ec2.amazonaws.com",
    autoscaling: "ec2.amazonaws.com",
    lambda: "lambda.amazonaws.com",
    ecs: "ecs-tasks.amazonaws.com",
    batch: "ecs-tasks.amazonaws.com",
    glue: "glue.amazonaws.com",
    codebuild: "codebuild.amazonaws.com",
    sagemaker: "sagemaker.amazonaws.com",
    apprunner: "tasks.apprunner.amazonaws.com",
    states: "states.amazonaws.com",
    cloudformation: "cloudformation.amazonaws.com",
    "bedrock-agentcore": "bedrock-agentcore.amazonaws.com",
};

/** A launch action granted together with iam:PassRole, and the service principal its role must trust. */
export interface LaunchAction {
    readonly action: string;
    readonly service: string | undefined;
}

let launchActions: readonly LaunchAction[] | undefined;

/**
 * Compute launched with a passed role (core/iam's ROLE_RUNNING_COMPUTE_PATTERNS), plus the AgentCore runtime
 * calls: with iam:PassRole on role P, each runs code as P.
 */
export function launchActionsWithPassRole(): readonly LaunchAction[] {
    launchActions ??= [
        ...roleRunningComputeActions(),
        "bedrock-agentcore:CreateAgentRuntime",
        "bedrock-agentcore:UpdateAgentRuntime",
    ].map((action) => ({ action, service: LAUNCH_SERVICE[action.split(":")[0]] }));
    return launchActions;
}

export { PASS_ROLE };

/** Whether an IAM action pattern as written (wildcards, any case) covers an exact action name. */
export function patternCovers(pattern: string, action: string): boolean {
    return pattern === "*" || wildcardRegExp(pattern).test(action);
}
