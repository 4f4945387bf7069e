/** AgentAuditTrail's children, one step per function, in the order the component registers them. */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { checkDataEventBucketArn, type AuditTrailPlan } from "./audit-trail-args";
import {
    auditBucketPolicy,
    auditKeyPolicy,
    cloudTrailLogsPolicy,
    cloudTrailLogsTrustPolicy,
    locationFromKeyArn,
    trailArn,
    type AwsLocation,
} from "./audit-trail-policies";

/** What every child shares. */
export interface AuditScope {
    readonly name: string;
    readonly plan: AuditTrailPlan;
    readonly tags: Record<string, string>;
    readonly parent: pulumi.Resource;
}

/** The KMS key and its policy; the key's account and region also give the trail's ARN ahead of the trail. */
export interface AuditKey {
    readonly key: aws.kms.Key;
    readonly policy: aws.kms.KeyPolicy;
    readonly location: pulumi.Output<AwsLocation>;
    readonly trailArn: pulumi.Output<string>;
}

export function createKey({ name, plan, tags, parent }: AuditScope): AuditKey {
    const key = new aws.kms.Key(
        `${name}-key`,
        {
            description: `agentguard audit trail ${plan.trailName}`,
            enableKeyRotation: true,
            deletionWindowInDays: 30,
            tags,
        },
        { parent },
    );
    const location = key.arn.apply(locationFromKeyArn);
    const arnOfTrail = location.apply((at) => trailArn(at, plan.trailName));
    const policy = new aws.kms.KeyPolicy(
        `${name}-key-policy`,
        {
            keyId: key.id,
            policy: pulumi
                .all([location, arnOfTrail])
                .apply(([at, trail]) => JSON.stringify(auditKeyPolicy(at, trail))),
        },
        { parent },
    );
    return { key, policy, location, trailArn: arnOfTrail };
}

/** The bucket and its configuration; `ready` is what must exist before the trail delivers to it. */
export interface AuditBucket {
    readonly bucket: aws.s3.Bucket;
    readonly ready: pulumi.Resource[];
}

/** Object-locked (COMPLIANCE), versioned, private, owner-enforced, KMS-encrypted, with the trail's policy. */
export function createBucket({ name, plan, tags, parent }: AuditScope, key: AuditKey): AuditBucket {
    const bucket = new aws.s3.Bucket(
        `${name}-bucket`,
        { objectLockEnabled: true, forceDestroy: false, tags },
        { parent },
    );
    const id = bucket.id;
    const versioning = new aws.s3.BucketVersioning(
        `${name}-versioning`,
        { bucket: id, versioningConfiguration: { status: "Enabled" } },
        { parent },
    );
    const objectLock = new aws.s3.BucketObjectLockConfiguration(
        `${name}-object-lock`,
        { bucket: id, rule: { defaultRetention: { mode: "COMPLIANCE", days: plan.retentionDays } } },
        { parent, dependsOn: [versioning] },
    );
    const publicAccessBlock = new aws.s3.BucketPublicAccessBlock(
        `${name}-public-access-block`,
        {
            bucket: id,
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
        },
        { parent },
    );
    const ownership = new aws.s3.BucketOwnershipControls(
        `${name}-ownership`,
        { bucket: id, rule: { objectOwnership: "BucketOwnerEnforced" } },
        { parent },
    );
    const encryption = new aws.s3.BucketServerSideEncryptionConfiguration(
        `${name}-encryption`,
        {
            bucket: id,
            rules: [
                {
                    applyServerSideEncryptionByDefault: {
                        sseAlgorithm: "aws:kms",
                        kmsMasterKeyId: key.key.arn,
                    },
                    bucketKeyEnabled: true,
                },
            ],
        },
        { parent, dependsOn: [key.policy] },
    );
    const bucketPolicy = new aws.s3.BucketPolicy(
        `${name}-bucket-policy`,
        {
            bucket: id,
            policy: pulumi
                .all([bucket.arn, key.location, key.trailArn])
                .apply(([arn, at, trail]) => JSON.stringify(auditBucketPolicy(arn, at, trail))),
        },
        { parent, dependsOn: [publicAccessBlock] },
    );
    return { bucket, ready: [bucketPolicy, objectLock, encryption, ownership] };
}

/** The KMS-encrypted log group and the role CloudTrail delivers to it with. */
export interface AuditLogDelivery {
    readonly logGroup: aws.cloudwatch.LogGroup;
    readonly role: aws.iam.Role;
    readonly rolePolicy: aws.iam.RolePolicy;
}

export function createLogDelivery({ name, plan, tags, parent }: AuditScope, key: AuditKey): AuditLogDelivery {
    const logGroup = new aws.cloudwatch.LogGroup(
        `${name}-log-group`,
        {
            retentionInDays: plan.logRetentionDays,
            kmsKeyId: key.key.arn,
            deletionProtectionEnabled: true,
            tags,
        },
        { parent, dependsOn: [key.policy] },
    );
    const role = new aws.iam.Role(
        `${name}-cloudtrail-logs`,
        {
            description: `CloudTrail ${plan.trailName} delivery to CloudWatch Logs`,
            // Objects with Output leaves: a preview knows the principal and actions, only the ARNs are unknown.
            assumeRolePolicy: cloudTrailLogsTrustPolicy(key.trailArn) as aws.iam.PolicyDocument,
            tags,
        },
        { parent },
    );
    const rolePolicy = new aws.iam.RolePolicy(
        `${name}-cloudtrail-logs`,
        {
            role: role.name,
            policy: cloudTrailLogsPolicy(logGroup.arn) as aws.iam.PolicyDocument,
        },
        { parent },
    );
    return { logGroup, role, rolePolicy };
}

/** The multi-region trail with log file validation, once everything it delivers to is in place. */
export function createTrail(
    { name, plan, tags, parent }: AuditScope,
    key: AuditKey,
    bucket: AuditBucket,
    logs: AuditLogDelivery,
    dataEventBuckets: pulumi.Input<pulumi.Input<string>[]> | undefined,
): aws.cloudtrail.Trail {
    return new aws.cloudtrail.Trail(
        name,
        {
            name: plan.trailName,
            s3BucketName: bucket.bucket.id,
            kmsKeyId: key.key.arn,
            isMultiRegionTrail: true,
            includeGlobalServiceEvents: true,
            enableLogFileValidation: true,
            enableLogging: true,
            cloudWatchLogsGroupArn: pulumi.interpolate`${logs.logGroup.arn}:*`,
            cloudWatchLogsRoleArn: logs.role.arn,
            eventSelectors: dataEventSelectors(plan.component, dataEventBuckets),
            tags,
        },
        { parent, dependsOn: [...bucket.ready, key.policy, logs.rolePolicy] },
    );
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
