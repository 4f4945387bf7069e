import {
    CatalogAction,
    allCatalogActions,
    canonicalName,
    expandActionPattern,
    lookupAction,
} from "./catalog";
import type { IamRiskCategory } from "./types";

/** Families decided per action; role assumption and PassRole combinations also depend on context. */
export type ActionFamily = Exclude<IamRiskCategory, "all-actions" | "not-action-allow" | "unknown-service">;

/**
 * Long-lived or out-of-band credentials: whoever holds them keeps access after the agent's role is
 * suspended or its sessions are revoked, so they defeat the kill switch.
 */
export const CREDENTIAL_ACTIONS: readonly string[] = [
    "iam:CreateAccessKey",
    "iam:UpdateAccessKey",
    "iam:CreateLoginProfile",
    "iam:UpdateLoginProfile",
    "iam:CreateServiceSpecificCredential",
    "iam:ResetServiceSpecificCredential",
    "iam:UploadSSHPublicKey",
    "iam:UploadSigningCertificate",
    "iam:CreateVirtualMFADevice",
    "iam:EnableMFADevice",
    "iam:DeactivateMFADevice",
    "iam:ResyncMFADevice",
    "sts:GetFederationToken",
    "sts:GetSessionToken",
    "cognito-identity:GetOpenIdTokenForDeveloperIdentity",
    "lightsail:GetInstanceAccessDetails",
    "lightsail:DownloadDefaultKeyPair",
    "datazone:GetIamPortalLoginUrl",
];

/** Assuming another role escapes the agent's own permissions; judged with the statement's resources. */
export const ROLE_ASSUMPTION_ACTIONS: readonly string[] = [
    "sts:AssumeRole",
    "sts:AssumeRoleWithWebIdentity",
    "sts:AssumeRoleWithSAML",
];

/**
 * A root-user session in a member account (centralised root access): more than any role, whatever the
 * statement's resources, so it is role assumption on its own.
 */
export const ROOT_SESSION_ACTIONS: readonly string[] = ["sts:AssumeRoot"];

/**
 * Permission changes the catalogue labels "Write": they grant IAM Identity Center permission sets,
 * account access or group membership (hence the group's permission sets) to any principal.
 */
export const EXTRA_PERMISSIONS_MANAGEMENT_ACTIONS: readonly string[] = [
    "sso:PutInlinePolicyToPermissionSet",
    "sso:AttachManagedPolicyToPermissionSet",
    "sso:CreateAccountAssignment",
    "sso:ProvisionPermissionSet",
    "identitystore:CreateGroupMembership",
    "sso-directory:AddMemberToGroup",
];

export const PASS_ROLE = "iam:PassRole";

/**
 * Compute or orchestration that runs as a role chosen by the caller: with iam:PassRole, the agent runs
 * code as any role it may pass, which is usually more privileged than itself.
 */
export const ROLE_RUNNING_COMPUTE_PATTERNS: readonly string[] = [
    "ec2:RunInstances",
    "ec2:RequestSpotInstances",
    "ec2:RequestSpotFleet",
    "ec2:CreateFleet",
    "ec2:AssociateIamInstanceProfile",
    "ec2:ReplaceIamInstanceProfileAssociation",
    "autoscaling:CreateLaunchConfiguration",
    "autoscaling:CreateAutoScalingGroup",
    "autoscaling:UpdateAutoScalingGroup",
    "lambda:CreateFunction",
    "ecs:RunTask",
    "ecs:StartTask",
    "ecs:RegisterTaskDefinition",
    "ecs:CreateService",
    "ecs:UpdateService",
    "batch:SubmitJob",
    "batch:RegisterJobDefinition",
    "glue:CreateDevEndpoint",
    "glue:CreateJob",
    "glue:UpdateJob",
    "glue:CreateSession",
    "cloudformation:CreateStack",
    "cloudformation:CreateStackSet",
    "cloudformation:CreateChangeSet",
    "sagemaker:Create*",
    "codebuild:CreateProject",
    "codebuild:UpdateProject",
    "datapipeline:CreatePipeline",
    "datapipeline:PutPipelineDefinition",
    "apprunner:CreateService",
    "states:CreateStateMachine",
    "states:UpdateStateMachine",
    "elasticbeanstalk:CreateEnvironment",
    "elasticmapreduce:RunJobFlow",
    "eks:CreateNodegroup",
    "eks:CreateCluster",
    "scheduler:CreateSchedule",
    "events:PutTargets",
    "iot:CreateTopicRule",
];

/**
 * Escalation without PassRole: each runs code or a session inside something that already holds another
 * role (a function, an instance, a stack, a build project, a cluster).
 */
export const STANDALONE_ESCALATION_ACTIONS: readonly string[] = [
    "lambda:UpdateFunctionCode",
    "lambda:UpdateFunctionConfiguration",
    "ssm:SendCommand",
    "ssm:StartSession",
    "ssm:ResumeSession",
    "ssm:StartAutomationExecution",
    "ec2-instance-connect:SendSSHPublicKey",
    "ec2-instance-connect:SendSerialConsoleSSHPublicKey",
    // userData and instance profile changes take effect at next boot, as the instance's role.
    "ec2:ModifyInstanceAttribute",
    "ec2:CreateLaunchTemplateVersion",
    "ecs:ExecuteCommand",
    "glue:UpdateDevEndpoint",
    "codebuild:StartBuild",
    "codebuild:StartBuildBatch",
    "codebuild:RetryBuild",
    "codebuild:RetryBuildBatch",
    // State Manager associations run documents (RunShellScript) on instances, as their roles.
    "ssm:CreateAssociation",
    "ssm:CreateAssociationBatch",
    "ssm:UpdateAssociation",
    "cloudformation:UpdateStack",
    "cloudformation:ExecuteChangeSet",
    "sagemaker:CreatePresignedNotebookInstanceUrl",
    // EKS access entries grant Kubernetes RBAC (cluster-admin) to any principal.
    "eks:CreateAccessEntry",
    "eks:UpdateAccessEntry",
    "eks:AssociateAccessPolicy",
    // Pod Identity associations hand any role to a service account the caller's pods can run as.
    "eks:CreatePodIdentityAssociation",
    "eks:UpdatePodIdentityAssociation",
];

/** Patterns whose mutating (non Read/List) matches change who can reach what on the network. */
export const NETWORK_TAMPERING_PATTERNS: readonly string[] = [
    "ec2:*SecurityGroup*",
    "ec2:*Route*",
    "ec2:*Vpc*",
    "ec2:*Subnet*",
    "ec2:*NetworkAcl*",
    "ec2:*InternetGateway*",
    "ec2:*NatGateway*",
    "ec2:*TransitGateway*",
    "ec2:*Vpn*",
    "ec2:*CustomerGateway*",
    "ec2:*TrafficMirror*",
    "ec2:ModifyNetworkInterfaceAttribute",
    "ec2:AssociateAddress",
    "route53resolver:*Firewall*",
    "network-firewall:*",
];

/** Patterns whose mutating matches erase, shorten, stop or suppress the record of what agents did. */
export const AUDIT_TAMPERING_PATTERNS: readonly string[] = [
    "cloudtrail:*",
    "logs:Delete*",
    "logs:PutRetentionPolicy",
    "logs:DisassociateKmsKey",
    "s3:PutBucketObjectLockConfiguration",
    "s3:PutObjectRetention",
    "s3:PutObjectLegalHold",
    "s3:BypassGovernanceRetention",
    "s3:PutBucketPolicy",
    "s3:DeleteBucketPolicy",
    "s3:PutLifecycleConfiguration",
    "s3:PutBucketVersioning",
    "guardduty:Delete*",
    "guardduty:Disable*",
    "guardduty:Update*",
    "guardduty:Disassociate*",
    "guardduty:StopMonitoringMembers",
    "guardduty:CreateFilter",
    "guardduty:CreateIPSet",
    "config:Stop*",
    "config:Delete*",
    "config:PutConfigurationRecorder",
    "config:PutDeliveryChannel",
    "securityhub:Disable*",
    "securityhub:Delete*",
    "securityhub:BatchUpdateFindings",
    "access-analyzer:DeleteAnalyzer",
    "access-analyzer:CreateArchiveRule",
    "access-analyzer:UpdateArchiveRule",
    "detective:DeleteGraph",
    "inspector2:Disable",
    "ec2:DeleteFlowLogs",
    "cloudwatch:DeleteAlarms",
    "cloudwatch:DisableAlarmActions",
];

/**
 * Catalogue entries labelled "Permissions management" that cannot change a permission: reads mislabelled
 * in the source data and rds-db:connect (IAM database login, which agents legitimately use). A read verb
 * alone does not exempt an action listed as a credential.
 */
const NOT_PERMISSION_CHANGING = /^(Get|List|Describe|Search|Batch(Get|Describe))[A-Z]/;
const PERMISSIONS_LABEL_EXEMPT = new Set(["rds-db:connect"]);

function isReadAccess(action: CatalogAction): boolean {
    return action.accessLevel === "Read" || action.accessLevel === "List";
}

function isPermissionsManagement(action: CatalogAction, canonical: string): boolean {
    // IAM tagging is included: tag-based ABAC conditions make tags permissions.
    if (action.service === "iam") return !isReadAccess(action);
    if (!action.accessLevel.startsWith("Permissions management")) return false;
    if (PERMISSIONS_LABEL_EXEMPT.has(canonical)) return false;
    return !NOT_PERMISSION_CHANGING.test(action.name) || credentialSet().has(canonical);
}

let credentials: ReadonlySet<string> | undefined;
let patternFamilies: ReadonlyMap<string, ReadonlySet<ActionFamily>> | undefined;
let computeSet: ReadonlySet<string> | undefined;
const classified = new Map<string, readonly ActionFamily[]>();

function credentialSet(): ReadonlySet<string> {
    credentials ??= new Set(CREDENTIAL_ACTIONS.flatMap(expandActionPattern));
    return credentials;
}

/** Canonical actions that run compute as a passed role. */
export function roleRunningComputeActions(): ReadonlySet<string> {
    computeSet ??= new Set(ROLE_RUNNING_COMPUTE_PATTERNS.flatMap(expandActionPattern));
    return computeSet;
}

function mutatingMatches(patterns: readonly string[]): string[] {
    return patterns
        .flatMap(expandActionPattern)
        .filter((name) => !isReadAccess(lookupAction(name) as CatalogAction));
}

function familiesFromLists(): ReadonlyMap<string, ReadonlySet<ActionFamily>> {
    if (patternFamilies) return patternFamilies;
    const map = new Map<string, Set<ActionFamily>>();
    const add = (names: readonly string[], family: ActionFamily): void => {
        for (const name of names) {
            let set = map.get(name);
            if (!set) map.set(name, (set = new Set()));
            set.add(family);
        }
    };
    add([...credentialSet()], "credentials");
    add(STANDALONE_ESCALATION_ACTIONS.flatMap(expandActionPattern), "privilege-escalation");
    add(EXTRA_PERMISSIONS_MANAGEMENT_ACTIONS.flatMap(expandActionPattern), "permissions-management");
    add(ROOT_SESSION_ACTIONS.flatMap(expandActionPattern), "role-assumption");
    add(mutatingMatches(NETWORK_TAMPERING_PATTERNS), "network-tampering");
    add(mutatingMatches(AUDIT_TAMPERING_PATTERNS), "audit-tampering");
    patternFamilies = map;
    return map;
}

/**
 * The families a catalogue action belongs to on its own (canonical name in, e.g. `iam:PutRolePolicy`).
 * Role assumption and PassRole combinations are not included: they depend on resources and on the rest of
 * the grant. Memoised.
 */
export function classifyAction(canonical: string): readonly ActionFamily[] {
    let result = classified.get(canonical);
    if (result === undefined) {
        const action = lookupAction(canonical);
        const families = new Set<ActionFamily>(familiesFromLists().get(canonical) ?? []);
        if (action && isPermissionsManagement(action, canonical)) families.add("permissions-management");
        result = [...families];
        classified.set(canonical, result);
    }
    return result;
}

let dangerous: ReadonlyMap<string, readonly ActionFamily[]> | undefined;

/**
 * Every catalogue action with at least one family, plus role assumption and PassRole (always dangerous
 * in an agent's grant unless narrowly scoped). Used for NotAction grants and to build the boundary.
 */
export function dangerousCatalogActions(): ReadonlyMap<string, readonly ActionFamily[]> {
    if (dangerous) return dangerous;
    const map = new Map<string, readonly ActionFamily[]>();
    for (const action of allCatalogActions()) {
        const name = canonicalName(action);
        const families = [...classifyAction(name)];
        if (ROLE_ASSUMPTION_ACTIONS.includes(name)) families.push("role-assumption");
        if (families.length > 0) map.set(name, families);
    }
    dangerous = map;
    return map;
}
