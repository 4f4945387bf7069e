import {
    analyzeGrants,
    type IamRiskCategory,
    judgeManagedPolicyArn,
    readableDocuments,
    type SourcedDocument,
} from "../iam";
import { RUN_AS_ON_TARGET } from "./actions";

/** Everything that grants a role or user permissions (what the pack's RolePermissionIndex collects). */
export interface PrincipalPermissions {
    readonly documents: readonly SourcedDocument[];
    /** AWS managed policies, judged by name from core/iam's list. */
    readonly managed: readonly { readonly source: string; readonly arn: string }[];
    /** What reaches the principal but cannot be read, each saying what was unknown. */
    readonly unresolved: readonly string[];
}

/** One forbidden grant of a reached principal, as the end of a path. */
export interface ForbiddenGrant {
    /** Where: a policy name, `inline policy x of role y`, an AWS managed policy's name. */
    readonly source: string;
    readonly action: string;
    readonly category: IamRiskCategory;
}

export interface PrincipalVerdict {
    readonly grants: readonly ForbiddenGrant[];
    /** What could not be judged (unknown or invalid documents, unlisted managed policies). */
    readonly unknown: readonly string[];
}

const LOGS = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"];

/**
 * AWS managed service-role policies that compute commonly runs with, and the actions they are documented to
 * grant (logs, traces, image pulls, network interfaces, queue reads): none in a forbidden family (the test
 * checks each against core/iam), so a reached role holding only these gains an agent nothing forbidden.
 * Only for roles the walk reaches: an agent's own role is still judged by core/iam's list.
 */
export const REACHED_SERVICE_ROLE_POLICIES: Readonly<Record<string, readonly string[]>> = {
    "service-role/AWSLambdaBasicExecutionRole": LOGS,
    "service-role/AWSLambdaVPCAccessExecutionRole": [
        ...LOGS,
        "ec2:CreateNetworkInterface",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeSubnets",
        "ec2:DeleteNetworkInterface",
        "ec2:AssignPrivateIpAddresses",
        "ec2:UnassignPrivateIpAddresses",
    ],
    "service-role/AWSLambdaSQSQueueExecutionRole": [
        ...LOGS,
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:GetQueueAttributes",
    ],
    "service-role/AmazonECSTaskExecutionRolePolicy": [
        "ecr:GetAuthorizationToken",
        "ecr:BatchCheckLayerAvailability",
        "ecr:GetDownloadUrlForLayer",
        "ecr:BatchGetImage",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
    ],
    AmazonEC2ContainerRegistryReadOnly: [
        "ecr:GetAuthorizationToken",
        "ecr:BatchCheckLayerAvailability",
        "ecr:GetDownloadUrlForLayer",
        "ecr:GetRepositoryPolicy",
        "ecr:DescribeRepositories",
        "ecr:ListImages",
        "ecr:DescribeImages",
        "ecr:BatchGetImage",
    ],
    AWSXRayDaemonWriteAccess: [
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
        "xray:GetSamplingRules",
        "xray:GetSamplingTargets",
        "xray:GetSamplingStatisticSummaries",
    ],
    CloudWatchLambdaInsightsExecutionRolePolicy: LOGS,
};

const SERVICE_ROLE_NAMES = new Map(
    Object.keys(REACHED_SERVICE_ROLE_POLICIES).map((name) => [name.toLowerCase(), name]),
);

function isReachedServiceRolePolicy(arn: string): boolean {
    const name = /^arn:aws(?:-[a-z-]+)?:iam::aws:policy\/(.+)$/.exec(arn)?.[1];
    return name !== undefined && SERVICE_ROLE_NAMES.has(name.toLowerCase());
}

/** The words a path ends with, per family: the category has to be clear from the message. */
export const CATEGORY_LABEL: Readonly<Record<IamRiskCategory, string>> = {
    "all-actions": "every action, IAM write included",
    "not-action-allow": "everything but a few actions (NotAction), IAM write included",
    "permissions-management": "IAM write",
    credentials: "credential creation",
    "role-assumption": "role assumption on any role",
    "privilege-escalation": "privilege escalation",
    "network-tampering": "network tampering",
    "audit-tampering": "audit tampering",
    "unknown-service": "an unknown service, which cannot be judged",
};

/**
 * The forbidden families a principal's own grants hold (core/iam), with run-as grants on exact resources
 * left to the graph (the walk continues through them instead).
 */
export function judgePrincipal(permissions: PrincipalPermissions): PrincipalVerdict {
    const unknown = [...permissions.unresolved];
    const grants: ForbiddenGrant[] = [];
    for (const ref of permissions.managed) {
        if (isReachedServiceRolePolicy(ref.arn)) continue;
        const verdict = judgeManagedPolicyArn(ref.arn);
        if (verdict.kind === "dangerous") {
            for (const f of verdict.findings)
                grants.push({ source: verdict.name, action: f.action, category: f.category });
        } else if (verdict.kind === "unknown") {
            unknown.push(`${ref.source} attaches AWS managed policy ${verdict.name}: ${verdict.reason}`);
        }
    }
    const { readable, unreadable } = readableDocuments(permissions.documents);
    unknown.push(...unreadable);
    for (const f of analyzeGrants(readable, { runAsJudgedOnTargets: RUN_AS_ON_TARGET })) {
        grants.push({ source: f.source, action: f.action, category: f.category });
    }
    return { grants, unknown };
}
