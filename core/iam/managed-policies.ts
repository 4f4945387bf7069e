import type { IamRiskCategory } from "./types";

/** Why an AWS managed policy is forbidden for an agent: one entry per dangerous grant it contains. */
export interface ManagedPolicyFinding {
    readonly action: string;
    readonly category: IamRiskCategory;
    readonly reason: string;
}

const f = (action: string, category: IamRiskCategory, reason: string): ManagedPolicyFinding => ({
    action,
    category,
    reason,
});

/**
 * AWS managed policies (keyed by name with path, as after `:policy/` in the ARN) judged dangerous for an
 * agent. Their documents are owned by AWS and change without notice, so they are judged by name from what
 * they are documented to grant, not re-analysed.
 */
export const AWS_MANAGED_POLICY_FINDINGS: Readonly<Record<string, readonly ManagedPolicyFinding[]>> = {
    AdministratorAccess: [f("*", "all-actions", "allows every action on every resource")],
    "job-function/SystemAdministrator": [
        f("iam:PassRole", "privilege-escalation", "passes roles to EC2, Lambda and more it can launch"),
        f("ec2:AuthorizeSecurityGroupIngress", "network-tampering", "edits security groups and routes"),
    ],
    "job-function/NetworkAdministrator": [
        f(
            "ec2:AuthorizeSecurityGroupEgress",
            "network-tampering",
            "changes VPCs, routes, gateways and firewalls",
        ),
    ],
    "job-function/DatabaseAdministrator": [
        f("iam:PassRole", "privilege-escalation", "passes roles to services it can configure"),
    ],
    IAMFullAccess: [
        f("iam:*", "permissions-management", "allows every IAM action, including editing its own role"),
    ],
    PowerUserAccess: [
        f("NotAction [iam:*, organizations:*, account:*]", "not-action-allow", "allows every non-IAM action"),
        f(
            "lambda:UpdateFunctionCode",
            "privilege-escalation",
            "runs code as any function's or instance's role",
        ),
        f("ec2:AuthorizeSecurityGroupEgress", "network-tampering", "edits any network control"),
        f("cloudtrail:StopLogging", "audit-tampering", "stops and deletes trails and logs"),
    ],
    AWSLambda_FullAccess: [
        f("iam:PassRole", "privilege-escalation", "passes roles to Lambda functions it creates and updates"),
    ],
    AmazonEC2FullAccess: [
        f("ec2:*", "network-tampering", "edits security groups, routes and VPCs"),
        f("ec2:ModifyInstanceAttribute", "privilege-escalation", "changes userData of instances with roles"),
    ],
    AmazonVPCFullAccess: [f("ec2:*Vpc*", "network-tampering", "creates and edits VPCs, routes and NACLs")],
    AmazonS3FullAccess: [
        f(
            "s3:*",
            "audit-tampering",
            "deletes objects and bucket policies of any bucket, audit buckets included",
        ),
    ],
    AWSCloudTrail_FullAccess: [f("cloudtrail:*", "audit-tampering", "stops, edits and deletes trails")],
    CloudWatchLogsFullAccess: [f("logs:*", "audit-tampering", "deletes log groups and shortens retention")],
    AmazonSSMFullAccess: [
        f("ssm:SendCommand", "privilege-escalation", "runs commands on instances as their roles"),
        f("iam:PassRole", "privilege-escalation", "passes roles to SSM"),
    ],
    AmazonECS_FullAccess: [f("iam:PassRole", "privilege-escalation", "passes roles to tasks it runs")],
    AWSCloudFormationFullAccess: [
        f("cloudformation:*", "privilege-escalation", "updates stacks that run with their own service roles"),
    ],
    AmazonSageMakerFullAccess: [
        f("iam:PassRole", "privilege-escalation", "passes roles to notebooks and jobs it creates"),
    ],
    AWSCodeBuildAdminAccess: [f("codebuild:*", "privilege-escalation", "runs builds as project roles")],
    AWSOrganizationsFullAccess: [
        f("organizations:*", "permissions-management", "changes service control policies"),
    ],
    AmazonGuardDutyFullAccess: [
        f("guardduty:*", "audit-tampering", "disables detectors and archives findings"),
    ],
    IAMUserChangePassword: [f("iam:ChangePassword", "credentials", "changes a console password")],
};

/**
 * Read-only policies limited to metadata (describe/list), judged safe for agents. ReadOnlyAccess and the
 * per-service *ReadOnlyAccess policies that read data (S3 objects, table items, log events, parameters)
 * are deliberately NOT here: an untrusted agent reading every object in the account is exfiltration.
 */
export const AWS_MANAGED_SAFE_READ_ONLY: readonly string[] = [
    "job-function/ViewOnlyAccess",
    "SecurityAudit",
    "AmazonEC2ReadOnlyAccess",
    "AWSCloudFormationReadOnlyAccess",
];

const NOT_JUDGED: Readonly<Record<string, string>> = {
    ReadOnlyAccess:
        "reads data in every service (S3 objects, DynamoDB items, log events); review before granting",
    AmazonS3ReadOnlyAccess: "reads every object in every bucket of the account; review before granting",
};

export type ManagedPolicyVerdict =
    | {
          readonly kind: "dangerous";
          readonly name: string;
          readonly findings: readonly ManagedPolicyFinding[];
      }
    | { readonly kind: "safe-read-only"; readonly name: string }
    | { readonly kind: "unknown"; readonly name: string; readonly reason: string }
    | { readonly kind: "not-aws-managed" };

const AWS_MANAGED_ARN = /^arn:aws(?:-[a-z-]+)?:iam::aws:policy\/(.+)$/;

/**
 * Judges a policy ARN. AWS managed names are matched case-insensitively: a differently cased name either
 * does not exist (the attachment fails) or is the same policy. Customer managed ARNs are "not-aws-managed":
 * their documents must be analysed with analyzeGrants.
 */
export function judgeManagedPolicyArn(arn: string): ManagedPolicyVerdict {
    const match = AWS_MANAGED_ARN.exec(arn);
    if (!match) return { kind: "not-aws-managed" };
    const written = match[1];
    const find = <T>(names: readonly string[], pick: (name: string) => T): T | undefined => {
        const name = names.find((n) => n.toLowerCase() === written.toLowerCase());
        return name === undefined ? undefined : pick(name);
    };
    return (
        find(Object.keys(AWS_MANAGED_POLICY_FINDINGS), (name) => ({
            kind: "dangerous" as const,
            name,
            findings: AWS_MANAGED_POLICY_FINDINGS[name],
        })) ??
        find(AWS_MANAGED_SAFE_READ_ONLY, (name) => ({ kind: "safe-read-only" as const, name })) ??
        find(Object.keys(NOT_JUDGED), (name) => ({
            kind: "unknown" as const,
            name,
            reason: NOT_JUDGED[name],
        })) ?? {
            kind: "unknown",
            name: written,
            reason: "this AWS managed policy is not in agentguard's judged list; its grant cannot be checked",
        }
    );
}
