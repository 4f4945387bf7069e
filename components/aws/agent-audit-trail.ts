import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
    checkAgentId,
    checkDataEventBucketArn,
    checkDataEventBucketsNow,
    checkLogRetentionDays,
    checkOwner,
    checkRetentionDays,
    checkTrailName,
} from "./audit-trail-args";
import {
    auditBucketPolicy,
    auditKeyPolicy,
    cloudTrailLogsPolicy,
    cloudTrailLogsTrustPolicy,
    locationFromKeyArn,
    trailArn,
} from "./audit-trail-policies";
import { OWNER_TAG } from "./agent-tags";
import { auditTrailArnBounds } from "./boundary-size";

/** Tag on every audit trail resource; not `agentguard.io/agent`, which would make them agent resources. */
export const AUDIT_TRAIL_TAG = "agentguard.io/audit-trail";

export interface AgentAuditTrailArgs {
    /** Whose actions the trail records: an agent id, or a platform-wide id such as `all-agents`. */
    readonly agentId: string;
    /** Owning team id, label-safe, set as `agentguard.io/owner`. */
    readonly owner: string;
    /** Object lock COMPLIANCE retention of every record, in days (90 to 3650). @default 365 */
    readonly retentionDays?: number;
    /** Retention of the CloudWatch log group, in days: a CloudWatch value of at least 90. @default 365 */
    readonly logRetentionDays?: number;
    /** CloudTrail trail name (fixed, since the bucket and key policies name the trail's ARN). @default the component name */
    readonly trailName?: string;
    /** ARNs of the agents' S3 buckets whose object-level reads and writes are recorded too. @default [] */
    readonly dataEventBuckets?: pulumi.Input<pulumi.Input<string>[]>;
}

/**
 * An immutable record of what agents did: a multi-region CloudTrail with log file validation, delivered
 * to an object-locked (COMPLIANCE), KMS-encrypted, private, TLS-only bucket that nobody may delete from,
 * and to a KMS-encrypted CloudWatch log group.
 */
export class AgentAuditTrail extends pulumi.ComponentResource {
    public readonly bucket: aws.s3.Bucket;
    public readonly bucketArn: pulumi.Output<string>;
    public readonly bucketName: pulumi.Output<string>;
    public readonly kmsKey: aws.kms.Key;
    public readonly kmsKeyArn: pulumi.Output<string>;
    public readonly logGroup: aws.cloudwatch.LogGroup;
    public readonly logGroupArn: pulumi.Output<string>;
    public readonly trail: aws.cloudtrail.Trail;
    public readonly trailArn: pulumi.Output<string>;
    /** What AgentRole's boundary denies entirely: bucket and objects, key, log group and streams, trail. */
    public readonly protectedResourceArns: pulumi.Output<string[]>;
    /** The longest each of those ARNs can be, known now: AgentRole bounds its boundary's size with it. */
    public readonly protectedResourceArnBounds: readonly number[];

    constructor(name: string, args: AgentAuditTrailArgs, opts: pulumi.ComponentResourceOptions = {}) {
        super("agentguard:aws:AgentAuditTrail", name, {}, opts);
        const component = `AgentAuditTrail "${name}"`;
        const agentId = checkAgentId(component, args.agentId);
        const owner = checkOwner(component, args.owner);
        const retentionDays = checkRetentionDays(component, args.retentionDays);
        const logRetentionDays = checkLogRetentionDays(component, args.logRetentionDays);
        const trailName = checkTrailName(component, args.trailName ?? name);
        checkDataEventBucketsNow(component, args.dataEventBuckets);
        const tags = { [AUDIT_TRAIL_TAG]: agentId, [OWNER_TAG]: owner };
        const parent = { parent: this };
        this.protectedResourceArnBounds = auditTrailArnBounds(name, trailName);

        this.kmsKey = new aws.kms.Key(
            `${name}-key`,
            {
                description: `agentguard audit trail ${trailName}`,
                enableKeyRotation: true,
                deletionWindowInDays: 30,
                tags,
            },
            parent,
        );
        const location = this.kmsKey.arn.apply(locationFromKeyArn);
        const arnOfTrail = location.apply((at) => trailArn(at, trailName));
        const keyPolicy = new aws.kms.KeyPolicy(
            `${name}-key-policy`,
            {
                keyId: this.kmsKey.id,
                policy: pulumi
                    .all([location, arnOfTrail])
                    .apply(([at, trail]) => JSON.stringify(auditKeyPolicy(at, trail))),
            },
            parent,
        );

        this.bucket = new aws.s3.Bucket(
            `${name}-bucket`,
            { objectLockEnabled: true, forceDestroy: false, tags },
            parent,
        );
        const bucket = this.bucket.id;
        const versioning = new aws.s3.BucketVersioning(
            `${name}-versioning`,
            { bucket, versioningConfiguration: { status: "Enabled" } },
            parent,
        );
        const objectLock = new aws.s3.BucketObjectLockConfiguration(
            `${name}-object-lock`,
            { bucket, rule: { defaultRetention: { mode: "COMPLIANCE", days: retentionDays } } },
            { parent: this, dependsOn: [versioning] },
        );
        const publicAccessBlock = new aws.s3.BucketPublicAccessBlock(
            `${name}-public-access-block`,
            {
                bucket,
                blockPublicAcls: true,
                blockPublicPolicy: true,
                ignorePublicAcls: true,
                restrictPublicBuckets: true,
            },
            parent,
        );
        const ownership = new aws.s3.BucketOwnershipControls(
            `${name}-ownership`,
            { bucket, rule: { objectOwnership: "BucketOwnerEnforced" } },
            parent,
        );
        const encryption = new aws.s3.BucketServerSideEncryptionConfiguration(
            `${name}-encryption`,
            {
                bucket,
                rules: [
                    {
                        applyServerSideEncryptionByDefault: {
                            sseAlgorithm: "aws:kms",
                            kmsMasterKeyId: this.kmsKey.arn,
                        },
                        bucketKeyEnabled: true,
                    },
                ],
            },
            { parent: this, dependsOn: [keyPolicy] },
        );
        const bucketPolicy = new aws.s3.BucketPolicy(
            `${name}-bucket-policy`,
            {
                bucket,
                policy: pulumi
                    .all([this.bucket.arn, location, arnOfTrail])
                    .apply(([arn, at, trail]) => JSON.stringify(auditBucketPolicy(arn, at, trail))),
            },
            { parent: this, dependsOn: [publicAccessBlock] },
        );

        this.logGroup = new aws.cloudwatch.LogGroup(
            `${name}-log-group`,
            {
                retentionInDays: logRetentionDays,
                kmsKeyId: this.kmsKey.arn,
                deletionProtectionEnabled: true,
                tags,
            },
            { parent: this, dependsOn: [keyPolicy] },
        );
        const logsRole = new aws.iam.Role(
            `${name}-cloudtrail-logs`,
            {
                description: `CloudTrail ${trailName} delivery to CloudWatch Logs`,
                assumeRolePolicy: arnOfTrail.apply((trail) =>
                    JSON.stringify(cloudTrailLogsTrustPolicy(trail)),
                ),
                tags,
            },
            parent,
        );
        const logsRolePolicy = new aws.iam.RolePolicy(
            `${name}-cloudtrail-logs`,
            {
                role: logsRole.name,
                policy: this.logGroup.arn.apply((arn) => JSON.stringify(cloudTrailLogsPolicy(arn))),
            },
            parent,
        );

        this.trail = new aws.cloudtrail.Trail(
            name,
            {
                name: trailName,
                s3BucketName: bucket,
                kmsKeyId: this.kmsKey.arn,
                isMultiRegionTrail: true,
                includeGlobalServiceEvents: true,
                enableLogFileValidation: true,
                enableLogging: true,
                cloudWatchLogsGroupArn: pulumi.interpolate`${this.logGroup.arn}:*`,
                cloudWatchLogsRoleArn: logsRole.arn,
                eventSelectors: dataEventSelectors(component, args.dataEventBuckets),
                tags,
            },
            {
                parent: this,
                dependsOn: [bucketPolicy, keyPolicy, logsRolePolicy, objectLock, encryption, ownership],
            },
        );

        this.bucketArn = this.bucket.arn;
        this.bucketName = this.bucket.id;
        this.kmsKeyArn = this.kmsKey.arn;
        this.logGroupArn = this.logGroup.arn;
        this.trailArn = this.trail.arn;
        this.protectedResourceArns = pulumi
            .all([this.bucket.arn, this.kmsKey.arn, this.logGroup.arn, this.trail.arn])
            .apply(([bucketArn, keyArn, logGroupArn, trail]) => [
                bucketArn,
                `${bucketArn}/*`,
                keyArn,
                logGroupArn,
                `${logGroupArn}:*`,
                trail,
            ]);
        this.registerOutputs({
            bucket: this.bucket,
            bucketArn: this.bucketArn,
            bucketName: this.bucketName,
            kmsKey: this.kmsKey,
            kmsKeyArn: this.kmsKeyArn,
            logGroup: this.logGroup,
            logGroupArn: this.logGroupArn,
            trail: this.trail,
            trailArn: this.trailArn,
            protectedResourceArns: this.protectedResourceArns,
        });
    }
}

/** Management events always; object-level events for the listed buckets. */
function dataEventSelectors(
    component: string,
    buckets: pulumi.Input<pulumi.Input<string>[]> | undefined,
): pulumi.Output<aws.types.input.cloudtrail.TrailEventSelector[]> {
    return pulumi.output(buckets ?? []).apply((arns) => {
        const checked = arns.map((arn, i) => checkDataEventBucketArn(component, i, arn));
        const selector: aws.types.input.cloudtrail.TrailEventSelector = {
            readWriteType: "All",
            includeManagementEvents: true,
            ...(checked.length > 0 && {
                dataResources: [{ type: "AWS::S3::Object", values: checked.map((arn) => `${arn}/`) }],
            }),
        };
        return [selector];
    });
}
