import type * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { OWNER_TAG } from "./agent-tags";
import { planAuditTrail } from "./audit-trail-args";
import { createBucket, createKey, createLogDelivery, createTrail } from "./audit-trail-resources";
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
        // Every plain argument is checked before the component or any child exists.
        const plan = planAuditTrail(name, args);
        super("agentguard:aws:AgentAuditTrail", name, {}, opts);
        const scope = {
            name,
            plan,
            tags: { [AUDIT_TRAIL_TAG]: plan.agentId, [OWNER_TAG]: plan.owner },
            parent: this,
        };
        this.protectedResourceArnBounds = auditTrailArnBounds(name, plan.trailName);
        const key = createKey(scope);
        const bucket = createBucket(scope, key);
        const logs = createLogDelivery(scope, key);
        this.trail = createTrail(scope, key, bucket, logs, args.dataEventBuckets);

        this.kmsKey = key.key;
        this.bucket = bucket.bucket;
        this.logGroup = logs.logGroup;
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
