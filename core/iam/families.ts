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

/**
 * Credential-producing actions found by name in every service, so a service or action added to the catalogue
 * later is covered without an edit here: a verb that makes or hands out something (Create, Get, Generate,
 * Reset, ...) followed by a credential noun (Credentials, Token, Password, AccessKey, KeyPair) or a presigned,
 * embed, login or streaming URL, which opens a console or app session as someone else.
 */
export const CREDENTIAL_NAME_PATTERN =
    /^(Admin)?(Create|Generate|Get|Rotate|Reset|Set|Update|Import|Upload|Exchange|Refresh|Retrieve|Request|Persist|Put|Regenerate|Change|Confirm|Modify|Associate)\w*(Credential|Token|Password|AccessKey|KeyPair|Presigned|EmbedUrl|LoginUrl|SignInUrl|StreamingURL|StreamUrl|SessionURL|ExperienceUrl|EnrollmentUrl)/;

/**
 * The credential nouns alone, whatever the verb: the catalogue test requires every match to be in a family,
 * in NOT_CREDENTIALS, or to start with a verb that cannot produce one (NON_PRODUCING_VERB).
 */
export const CREDENTIAL_WATCH_PATTERN =
    /(Credential|Token|Password|AccessKey|KeyPair|Presigned|EmbedUrl|LoginUrl|SignInUrl|StreamingURL|StreamUrl|SessionURL|ExperienceUrl|EnrollmentUrl)/;

/** Verbs that destroy, revoke, list, count or check a credential, or use one the caller already holds. */
export const NON_PRODUCING_VERB =
    /^(Admin)?(Delete|Forgot|Revoke|List|Describe|Count|Introspect|Verify|Validate|Is|Call|Batch(Get|Describe)|Disassociate|Deactivate|Disable|Tag|Untag|Complete)/;

/**
 * The hand-kept exceptions to CREDENTIAL_NAME_PATTERN, one reason each. Everything else the pattern matches is
 * a credential, so a new catalogue action is judged (fail closed) until someone reviews it here.
 */
export const NOT_CREDENTIALS: Readonly<Record<string, string>> = {
    "ecr:GetAuthorizationToken": "a 12-hour image-pull token carrying only the caller's own ECR permissions",
    "ecr-public:GetAuthorizationToken": "an image-pull token carrying only the caller's own permissions",
    "codeartifact:GetAuthorizationToken": "a package-pull token limited to the caller's own permissions",
    "kms:GenerateDataKeyPair": "an encryption data key, not an identity",
    "kms:GenerateDataKeyPairWithoutPlaintext": "an encryption data key, not an identity",
    "secretsmanager:GetRandomPassword": "a random string generator; no account or secret is touched",
    "iam:GenerateCredentialReport": "a report of which users have credentials, no credential itself",
    "iam:GetCredentialReport": "a report of which users have credentials, no credential itself",
    "iam:GetAccessKeyLastUsed": "metadata about a key, not the key",
    "iam:GetAccountPasswordPolicy": "the password rules, not a password",
    "sts:GetAccessKeyInfo": "the account that owns a key id",
    "waf:GetChangeToken": "a concurrency token for WAF Classic edits, not an identity",
    "waf-regional:GetChangeToken": "a concurrency token for WAF Classic edits, not an identity",
    "managedblockchain-query:GetTokenBalance": "a blockchain token balance",
    "ec2:CreateIpamExternalResourceVerificationToken": "a DNS ownership-verification token, not an identity",
    "ivs:GetPlaybackKeyPair": "the public half of a video playback key",
    "workmail:GetPersonalAccessTokenMetadata": "metadata about a token, not the token",
    "sts:GetServiceBearerToken":
        "a bearer token carrying only the caller's own permissions, for services that take one",
    "sts:GetWebIdentityToken": "a signed statement of the caller's own identity for outside services",
    "bedrock-agentcore:GetApiKeyCredentialProvider": "a credential provider's settings, not its secret",
    "bedrock-agentcore:GetOauth2CredentialProvider": "a credential provider's settings, not its secret",
    "bedrock-agentcore:GetPaymentCredentialProvider": "a credential provider's settings, not its secret",
    "bedrock-agentcore:GetTokenVault": "a token vault's settings, not its tokens",
    "kinesisvideo:GetHLSStreamingSessionURL": "a playback URL for one stream the caller may already read",
    "kinesisvideo:GetDASHStreamingSessionURL": "a playback URL for one stream the caller may already read",
    "bedrock-agentcore:GetWorkloadAccessToken":
        "the AgentCore runtime's own workload identity token, needed by agents that run on AgentCore",
    "bedrock-agentcore:GetWorkloadAccessTokenForJWT":
        "the AgentCore runtime's own workload identity token, needed by agents that run on AgentCore",
    "bedrock-agentcore:GetWorkloadAccessTokenForUserId":
        "the AgentCore runtime's own workload identity token, needed by agents that run on AgentCore",
};

/** Assuming another role escapes the agent's own permissions; judged with the statement's resources. */
export const ROLE_ASSUMPTION_ACTIONS: readonly string[] = [
    "sts:AssumeRole",
    "sts:AssumeRoleWithWebIdentity",
    "sts:AssumeRoleWithSAML",
];

/**
 * Roles that every AWS organisation, landing zone or bootstrap creates with administrator access: naming one
 * exactly in sts:AssumeRole or iam:PassRole is as wide as `*`. Matched on the role name (the last segment
 * of the ARN, whatever the path, e.g. `aws-reserved/sso.amazonaws.com/`), case-insensitively, plus the
 * account root (`arn:aws:iam::123456789012:root`), which stands for every role of the account.
 */
export const ADMIN_ROLE_NAME_PATTERNS: readonly RegExp[] = [
    /^OrganizationAccountAccessRole$/i, // Organizations: AdministratorAccess in every member account
    /^AWSControlTowerExecution$/i, // Control Tower: AdministratorAccess in every enrolled account
    /^AWSReservedSSO_/i, // Identity Center permission sets, AdministratorAccess among them
    /^cdk-[^/]*-cfn-exec-role-/i, // CDK bootstrap: AdministratorAccess by default
    /^AWSCloudFormationStackSet(Execution|Administration)Role$/i, // StackSets: administrator in targets
    /^stacksets-exec-/i, // Control Tower / service-managed StackSets execution
];

/** Whether an ARN written in a role-assumption or PassRole grant names an administrator role or the root. */
export function namesAdminRole(resource: string): boolean {
    if (/^arn:[^:]*:iam::[^:]*:root$/i.test(resource)) return true;
    const match = /^arn:[^:]*:iam::[^:]*:role\/(.*)$/i.exec(resource);
    if (!match) return false;
    const name = (match[1] ?? "").split("/").pop() ?? "";
    return ADMIN_ROLE_NAME_PATTERNS.some((pattern) => pattern.test(name));
}

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
    // A stack set deploys its template as its administration role and the execution role of every target
    // account (administrator by convention), neither judgeable here; updates need no iam:PassRole.
    "cloudformation:UpdateStackSet",
    "cloudformation:CreateStackInstances",
    "cloudformation:UpdateStackInstances",
    // EMR steps run any command on the cluster's nodes, as the cluster's instance profile role.
    "elasticmapreduce:AddJobFlowSteps",
    // Maintenance window tasks run documents (RunShellScript) on the window's targets, as their roles.
    "ssm:RegisterTaskWithMaintenanceWindow",
    "ssm:UpdateMaintenanceWindowTask",
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
    // The trail's key: disabled or deleted, every log it encrypted becomes unreadable. Rotation, grants and
    // key policies are not here: they do not erase the record (grants and policies are permissions management).
    "kms:DisableKey",
    "kms:ScheduleKeyDeletion",
    "kms:DeleteImportedKeyMaterial",
    "kms:DeleteAlias",
    "kms:UpdateAlias",
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
    // Archiving or suppressing findings blinds the automated containment that acts on them.
    "guardduty:ArchiveFindings",
    "securityhub:CreateAutomationRule",
    "securityhub:BatchUpdateAutomationRules",
    "inspector2:CreateFilter",
    "inspector2:UpdateFilter",
    "macie2:CreateFindingsFilter",
    "macie2:UpdateFindingsFilter",
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
 * Object deletion is ordinary on an agent's own bucket but erases the audit record when the bucket is not
 * named: audit tampering when a resource's bucket part is a wildcard (`*`, `arn:aws:s3:::*`, `audit-*`...)
 * or the statement uses NotResource.
 */
export const OBJECT_DELETION_ACTIONS: readonly string[] = ["s3:DeleteObject", "s3:DeleteObjectVersion"];

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

let handKeptCredentials: ReadonlySet<string> | undefined;

/** CREDENTIAL_ACTIONS expanded (IAM, STS and the few named by hand), without the name-derived ones. */
export function handKeptCredentialActions(): ReadonlySet<string> {
    handKeptCredentials ??= new Set(CREDENTIAL_ACTIONS.flatMap(expandActionPattern));
    return handKeptCredentials;
}

function credentialSet(): ReadonlySet<string> {
    if (credentials) return credentials;
    const set = new Set(handKeptCredentialActions());
    for (const action of allCatalogActions()) {
        const name = canonicalName(action);
        if (CREDENTIAL_NAME_PATTERN.test(action.name) && !Object.hasOwn(NOT_CREDENTIALS, name)) set.add(name);
    }
    credentials = set;
    return set;
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
