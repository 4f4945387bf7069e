import * as fs from "fs";
import { CheckError } from "../errors";

/** What counts as which tier, and who may sign a Tier 3 change off. Documented in docs/review.md. */
export interface TierConfig {
    /** Resource type globs (`*` any run) whose creation, deletion or change is always Tier 3. */
    readonly tier3Types: readonly string[];
    /** Property path globs (matched case-insensitively against `a.b[0].c`) whose change is Tier 3 on any type. */
    readonly tier3Properties: readonly string[];
    /** Pre-approved shapes: types whose other changes are Tier 2. A type in neither list is Tier 3 (fail closed). */
    readonly tier2Types: readonly string[];
    readonly approvals: ApprovalPolicy;
}

export interface ApprovalPolicy {
    /** Distinct human approvers a Tier 3 change needs; at least 2 (dual control). */
    readonly required: number;
    /** Logins (globs, case-insensitive) of agent identities, whose approvals never count. */
    readonly agentIdentities: readonly string[];
    /** When non-empty, only these logins (globs) may approve a Tier 3 change. */
    readonly approvers: readonly string[];
}

export const DEFAULT_TIER_CONFIG: TierConfig = {
    tier3Types: [
        "aws:iam/*",
        "aws:kms/*",
        "aws:cloudtrail/*",
        "aws:cloudwatch/logGroup:*",
        "aws:secretsmanager/*",
        "aws:ssm/parameter:*",
        "aws:ram/*",
        "aws:organizations/*",
        "aws:ec2/securityGroup*",
        "aws:ec2/defaultSecurityGroup:*",
        "aws:ec2/networkAcl*",
        "aws:ec2/route*",
        "aws:ec2/internetGateway*",
        "aws:ec2/natGateway*",
        "aws:ec2/vpc*",
        "aws:ec2/eip*",
        "aws:ec2/managedPrefixList*",
        "aws:ec2transitgateway/*",
        "aws:vpc/*",
        "aws:networkfirewall/*",
        "aws:route53/*",
        "aws:s3/bucketPolicy:*",
        "aws:s3/bucketPublicAccessBlock:*",
        "aws:s3/bucketAcl*",
        "aws:s3/bucketObjectLockConfiguration*",
        "aws:s3/bucketVersioning*",
        "aws:s3/bucketLifecycleConfiguration*",
        "aws:s3/bucketReplicationConfig*",
        "aws:s3/accountPublicAccessBlock:*",
        "aws:lambda/permission:*",
        "aws:lambda/functionUrl:*",
        "aws:eks/*",
        "aws:sqs/queuePolicy:*",
        "aws:sns/topicPolicy:*",
        "aws:ecr/repositoryPolicy:*",
        "kubernetes:networking.k8s.io/*",
        "kubernetes:extensions/*:NetworkPolicy*",
        "kubernetes:rbac.authorization.k8s.io/*",
        "kubernetes:admissionregistration.k8s.io/*",
        "kubernetes:cilium.io/*",
        "kubernetes:crd.projectcalico.org/*",
        "kubernetes:projectcalico.org/*",
        "kubernetes:policy.networking.k8s.io/*",
        "kubernetes:core/v1:Secret*",
        "kubernetes:core/v1:Namespace*",
        "kubernetes:core/v1:ServiceAccount*",
        "kubernetes:core/v1:ResourceQuota*",
        "kubernetes:core/v1:Service*",
        "kubernetes:core/v1:Node*",
        "kubernetes:core/v1:PersistentVolume:*",
        "kubernetes:helm.sh/*",
        "kubernetes:yaml*",
        "pulumi:providers:*",
        "agentguard:*",
    ],
    tier3Properties: [
        "*egress*",
        "*ingress*",
        "*cidr*",
        "*hostNetwork*",
        "*hostPort*",
        "*hostPath*",
        "*hostPID*",
        "*hostIPC*",
        "*privileged*",
        "*capabilities*",
        "*serviceAccount*",
        "*automountServiceAccountToken*",
        // Policy documents and attachments, not imagePullPolicy or restartPolicy.
        "policy",
        "*.policy",
        "*policyDocument*",
        "*inlinePolicies*",
        "*assumeRolePolicy*",
        "*policyArn*",
        "*permissionsBoundary*",
        "*dnsPolicy*",
        "*dnsConfig*",
        "*acl*",
        "*grants*",
        "*website*",
        "*replication*",
        "*logging*",
        "*retention*",
        "*versioning*",
        "*objectLock*",
        "*lifecycle*",
        "*statements*",
        "*principal*",
        "*suspended*",
        "*agentguard.io/*",
        "*publicAccess*",
        "*public*",
        "*kmsKey*",
        "*encryption*",
        "*tags*agent*",
        // aws-auth: IAM principals mapped to Kubernetes groups (system:masters...), whoever they belong to.
        "*mapRoles*",
        "*mapUsers*",
        "*mapAccounts*",
    ],
    tier2Types: [
        "kubernetes:apps/*",
        "kubernetes:batch/*",
        "kubernetes:core/v1:ConfigMap*",
        "kubernetes:core/v1:LimitRange*",
        "kubernetes:core/v1:PersistentVolumeClaim*",
        "kubernetes:core/v1:Pod*",
        "kubernetes:autoscaling/*",
        "kubernetes:policy/*:PodDisruptionBudget*",
        "aws:s3/bucket:Bucket",
        "aws:s3/bucketV2:BucketV2",
        "aws:s3/bucketObject*",
        "aws:sqs/queue:Queue",
        "aws:sns/topic:Topic",
        "aws:dynamodb/table:Table",
        "aws:cloudwatch/metricAlarm:*",
        "aws:cloudwatch/dashboard:*",
        "aws:ecr/repository:Repository",
    ],
    approvals: { required: 2, agentIdentities: ["*[bot]", "app/*", "*-bot", "*-agent"], approvers: [] },
};

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

function globList(raw: Obj, key: string, source: string, fallback: readonly string[]): readonly string[] {
    const value = raw[key];
    if (value === undefined) return fallback;
    if (!Array.isArray(value) || value.some((v) => typeof v !== "string" || v.trim() === "")) {
        throw new CheckError(
            "usage",
            `${source}: ${key} must be an array of non-empty glob strings, got ${JSON.stringify(value)}`,
        );
    }
    return value as string[];
}

const TOP_KEYS = [
    "tier3Types",
    "tier3Properties",
    "tier2Types",
    "extraTier3Types",
    "extraTier3Properties",
    "approvals",
];
const APPROVAL_KEYS = ["required", "agentIdentities", "approvers"];

/**
 * Reads a tier map over the secure defaults. `tier3Types`/`tier3Properties` replace the defaults (only
 * to be used knowingly); `extraTier3Types`/`extraTier3Properties` add to them. Unknown keys are errors,
 * so a typo cannot silently leave the defaults in force.
 */
export function readTierConfig(raw: unknown, source: string): TierConfig {
    if (!isObject(raw))
        throw new CheckError("usage", `${source}: expected a JSON object, got ${JSON.stringify(raw)}`);
    for (const key of Object.keys(raw)) {
        if (!TOP_KEYS.includes(key))
            throw new CheckError(
                "usage",
                `${source}: unknown key '${key}'; allowed keys are ${TOP_KEYS.join(", ")}`,
            );
    }
    const d = DEFAULT_TIER_CONFIG;
    const approvalsRaw = raw.approvals ?? {};
    if (!isObject(approvalsRaw))
        throw new CheckError(
            "usage",
            `${source}: approvals must be an object, got ${JSON.stringify(approvalsRaw)}`,
        );
    for (const key of Object.keys(approvalsRaw)) {
        if (!APPROVAL_KEYS.includes(key))
            throw new CheckError(
                "usage",
                `${source}: unknown key 'approvals.${key}'; allowed keys are ${APPROVAL_KEYS.join(", ")}`,
            );
    }
    const required = approvalsRaw.required ?? d.approvals.required;
    if (typeof required !== "number" || !Number.isInteger(required) || required < 2) {
        throw new CheckError(
            "usage",
            `${source}: approvals.required must be an integer >= 2 (dual control), got ${JSON.stringify(required)}`,
        );
    }
    return {
        tier3Types: [
            ...globList(raw, "tier3Types", source, d.tier3Types),
            ...globList(raw, "extraTier3Types", source, []),
        ],
        tier3Properties: [
            ...globList(raw, "tier3Properties", source, d.tier3Properties),
            ...globList(raw, "extraTier3Properties", source, []),
        ],
        tier2Types: globList(raw, "tier2Types", source, d.tier2Types),
        approvals: {
            required,
            // Agent identities are added to, never replaced: dropping `*[bot]` would let a bot approve.
            agentIdentities: [
                ...d.approvals.agentIdentities,
                ...globList(approvalsRaw, "agentIdentities", `${source} approvals`, []),
            ],
            approvers: globList(approvalsRaw, "approvers", `${source} approvals`, d.approvals.approvers),
        },
    };
}

export function readTierConfigFile(file: string): TierConfig {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (err) {
        throw new CheckError("usage", `can't read tier config '${file}': ${(err as Error).message}`);
    }
    let raw: unknown;
    try {
        raw = JSON.parse(text);
    } catch (err) {
        throw new CheckError("usage", `tier config '${file}' is not valid JSON: ${(err as Error).message}`);
    }
    return readTierConfig(raw, `tier config '${file}'`);
}

/** `*` matches any run of characters; case-insensitive, anchored. */
export function globMatches(pattern: string, text: string): boolean {
    const re = new RegExp(
        `^${pattern
            .split("*")
            .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
            .join(".*")}$`,
        "i",
    );
    return re.test(text);
}
