import * as pulumi from "@pulumi/pulumi";

/** Where the trail lives, parsed from its KMS key's ARN (no provider call, so offline checks work too). */
export interface AwsLocation {
    readonly partition: string;
    readonly region: string;
    readonly accountId: string;
}

const KMS_KEY_ARN = /^arn:(aws(?:-[a-z]+)*):kms:([a-z0-9-]+):(\d{12}):key\/[A-Za-z0-9-]+$/;

export function locationFromKeyArn(keyArn: string): AwsLocation {
    const match = KMS_KEY_ARN.exec(keyArn);
    if (!match)
        throw new Error(
            `AgentAuditTrail: cannot read partition, region and account from KMS key ARN "${keyArn}"`,
        );
    return { partition: match[1], region: match[2], accountId: match[3] };
}

export function trailArn(at: AwsLocation, trailName: string): string {
    return `arn:${at.partition}:cloudtrail:${at.region}:${at.accountId}:trail/${trailName}`;
}

/**
 * The account administers the key (without this statement a key becomes unmanageable); CloudTrail may
 * encrypt only for this trail, CloudWatch Logs only for log groups of this account and region.
 */
export function auditKeyPolicy(at: AwsLocation, trail: string): object {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "AccountAdministersKey",
                Effect: "Allow",
                Principal: { AWS: `arn:${at.partition}:iam::${at.accountId}:root` },
                Action: "kms:*",
                Resource: "*",
            },
            {
                Sid: "CloudTrailEncryptsThisTrail",
                Effect: "Allow",
                Principal: { Service: "cloudtrail.amazonaws.com" },
                Action: ["kms:GenerateDataKey*", "kms:DescribeKey"],
                Resource: "*",
                Condition: { StringEquals: { "aws:SourceArn": trail } },
            },
            {
                Sid: "CloudWatchLogsEncryptsLogGroups",
                Effect: "Allow",
                Principal: { Service: `logs.${at.region}.amazonaws.com` },
                Action: [
                    "kms:Encrypt*",
                    "kms:Decrypt*",
                    "kms:ReEncrypt*",
                    "kms:GenerateDataKey*",
                    "kms:Describe*",
                ],
                Resource: "*",
                Condition: {
                    ArnLike: {
                        "kms:EncryptionContext:aws:logs:arn": `arn:${at.partition}:logs:${at.region}:${at.accountId}:log-group:*`,
                    },
                },
            },
        ],
    };
}

/**
 * TLS only; no principal may delete objects, versions or the bucket (object lock already refuses while
 * retention lasts; this also blocks delete markers that would hide records); CloudTrail may write only
 * for this trail, into this account's prefix.
 */
export function auditBucketPolicy(bucketArn: string, at: AwsLocation, trail: string): object {
    const everything = [bucketArn, `${bucketArn}/*`];
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "DenyInsecureTransport",
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Resource: everything,
                Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
            {
                Sid: "DenyDeletion",
                Effect: "Deny",
                Principal: "*",
                Action: ["s3:DeleteObject*", "s3:DeleteBucket"],
                Resource: everything,
            },
            {
                Sid: "CloudTrailChecksAcl",
                Effect: "Allow",
                Principal: { Service: "cloudtrail.amazonaws.com" },
                Action: "s3:GetBucketAcl",
                Resource: bucketArn,
                Condition: { StringEquals: { "aws:SourceArn": trail } },
            },
            {
                Sid: "CloudTrailDelivers",
                Effect: "Allow",
                Principal: { Service: "cloudtrail.amazonaws.com" },
                Action: "s3:PutObject",
                Resource: `${bucketArn}/AWSLogs/${at.accountId}/*`,
                Condition: {
                    StringEquals: { "s3:x-amz-acl": "bucket-owner-full-control", "aws:SourceArn": trail },
                },
            },
        ],
    };
}

/** Only this trail may use the role that writes to CloudWatch Logs. The ARN may be an Output (a leaf). */
export function cloudTrailLogsTrustPolicy(trail: pulumi.Input<string>): object {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Effect: "Allow",
                Principal: { Service: "cloudtrail.amazonaws.com" },
                Action: "sts:AssumeRole",
                Condition: { StringEquals: { "aws:SourceArn": trail } },
            },
        ],
    };
}

/** Delivery into the audit log group's streams; the ARN may be an Output (the leaf is then one too). */
export function cloudTrailLogsPolicy(logGroupArn: pulumi.Input<string>): object {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "DeliverToAuditLogGroup",
                Effect: "Allow",
                Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
                Resource:
                    typeof logGroupArn === "string"
                        ? `${logGroupArn}:log-stream:*`
                        : pulumi.interpolate`${logGroupArn}:log-stream:*`,
            },
        ],
    };
}
