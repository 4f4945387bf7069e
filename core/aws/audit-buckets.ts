import type { ResourceNode, StackModel } from "../stack/stack-model";
import { isUnknown } from "../unknowns";

/** Resources that deliver the audit record to a bucket, and the property naming it. */
const DELIVERY: Readonly<Record<string, string>> = {
    "aws:cloudtrail/trail:Trail": "s3BucketName",
    "aws:cfg/deliveryChannel:DeliveryChannel": "s3BucketName",
};
const BUCKET_TYPES = new Set(["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"]);

/**
 * Names (IAM glob patterns) of the buckets the stack's trails and Config delivery channels write to: a
 * known name, or the bucket resource the property was computed from (its known name, or `<logical name>-*`
 * when autonamed). A name unknown and not linked to a bucket stands for any bucket (fail closed).
 */
export function auditBucketNames(model: StackModel): string[] {
    const out = new Set<string>();
    for (const [type, property] of Object.entries(DELIVERY)) {
        for (const node of model.ofType(type)) {
            const value = node.props[property];
            if (typeof value === "string" && !isUnknown(value)) {
                out.add(value);
                continue;
            }
            const buckets = (node.propertyDependencies[property] ?? []).filter((d) =>
                BUCKET_TYPES.has(d.type),
            );
            for (const bucket of buckets) out.add(bucketName(bucket));
            if (buckets.length === 0 && value !== undefined) out.add("*");
        }
    }
    return [...out];
}

function bucketName(bucket: ResourceNode): string {
    const name = bucket.props.bucket;
    if (typeof name === "string" && !isUnknown(name)) return name;
    const prefix = bucket.props.bucketPrefix;
    if (typeof prefix === "string" && !isUnknown(prefix)) return `${prefix}*`;
    return name === undefined ? `${bucket.name}-*` : "*";
}
