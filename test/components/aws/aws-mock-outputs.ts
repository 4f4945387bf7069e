import type * as pulumi from "@pulumi/pulumi";

export const ACCOUNT = "123456789012";
export const REGION = "eu-west-1";

/**
 * Outputs the AWS provider would compute (ARNs, names) for the resource types the AWS components create;
 * every other resource echoes its inputs, as the generic mocks do.
 */
export function awsOutputs(args: pulumi.runtime.MockResourceArgs): Record<string, unknown> {
    const inputs = args.inputs as Record<string, unknown>;
    const id = `${args.name}-id`;
    switch (args.type) {
        case "aws:kms/key:Key":
            return { ...inputs, arn: `arn:aws:kms:${REGION}:${ACCOUNT}:key/${id}` };
        case "aws:iam/role:Role":
            return { ...inputs, name: args.name, arn: `arn:aws:iam::${ACCOUNT}:role/${args.name}` };
        case "aws:iam/policy:Policy":
            return { ...inputs, name: args.name, arn: `arn:aws:iam::${ACCOUNT}:policy/${args.name}` };
        case "aws:s3/bucket:Bucket":
            return { ...inputs, bucket: id, arn: `arn:aws:s3:::${id}` };
        case "aws:cloudwatch/logGroup:LogGroup":
            return { ...inputs, name: id, arn: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${id}` };
        case "aws:cloudtrail/trail:Trail":
            return { ...inputs, arn: `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/${String(inputs.name)}` };
        case "aws:lambda/function:Function":
            return {
                ...inputs,
                arn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${String(inputs.name ?? args.name)}`,
            };
        case "aws:sns/topic:Topic":
            return { ...inputs, arn: `arn:aws:sns:${REGION}:${ACCOUNT}:${String(inputs.name ?? args.name)}` };
        case "aws:cloudwatch/eventRule:EventRule":
            return { ...inputs, arn: `arn:aws:events:${REGION}:${ACCOUNT}:rule/${String(inputs.name)}` };
        case "aws:cloudwatch/metricAlarm:MetricAlarm":
            return { ...inputs, arn: `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${String(inputs.name)}` };
        default:
            return inputs;
    }
}
