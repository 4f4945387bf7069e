import { describe, expect, it } from "vitest";
import { awsRestrictAgentResourcePolicies } from "../../../../policy-pack/rules/aws/aws-restrict-agent-resource-policies";
import { runStackPolicy, UNKNOWN, type FakeResource } from "../../../helpers/policy-harness";

const AGENT_ARN = "arn:aws:iam::123456789012:role/agent-x";
const agentRole: FakeResource = {
    type: "aws:iam/role:Role",
    name: "agent-x",
    props: { tags: { "agentguard.io/agent": "x" }, arn: AGENT_ARN, assumeRolePolicy: "{}" },
};
const run = (resources: FakeResource[]) => runStackPolicy(awsRestrictAgentResourcePolicies, resources, {});

function bucketPolicy(statement: unknown, extra: Partial<FakeResource> = {}): FakeResource {
    return {
        type: "aws:s3/bucketPolicy:BucketPolicy",
        name: "audit-policy",
        props: { bucket: "audit", policy: JSON.stringify({ Version: "2012-10-17", Statement: statement }) },
        ...extra,
    };
}

describe("aws-restrict-agent-resource-policies", () => {
    it("rejects a bucket policy that lets an agent role delete audit objects (single statement object)", async () => {
        const v = await run([
            agentRole,
            bucketPolicy({
                Effect: "Allow",
                Principal: { AWS: AGENT_ARN },
                Action: ["s3:DeleteObject", "s3:PutLifecycleConfiguration"],
                Resource: "arn:aws:s3:::*/*",
            }),
        ]);
        expect(v.length).toBeGreaterThan(0);
        expect(v[0].message).toMatch(/grants agent role agent-x: statement 0: .*audit record/);
    });

    it("rejects a KMS key policy that lets everyone (no Condition) schedule the key's deletion", async () => {
        const key: FakeResource = {
            type: "aws:kms/key:Key",
            name: "trail-key",
            props: {
                policy: JSON.stringify({
                    Statement: [
                        { Effect: "Allow", Principal: "*", Action: "kms:ScheduleKeyDeletion", Resource: "*" },
                    ],
                }),
            },
        };
        const v = await run([key]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(/every principal .*kms:ScheduleKeyDeletion/);
    });

    it("rejects NotPrincipal and lower-case actions", async () => {
        const v = await run([
            bucketPolicy([
                {
                    Effect: "Allow",
                    NotPrincipal: { AWS: "arn:aws:iam::1:role/x" },
                    Action: "S3:putbucketpolicy",
                    Resource: "*",
                },
            ]),
        ]);
        expect(v.length).toBeGreaterThan(0);
    });

    it("accepts the account-root delegation of a default key policy and CloudTrail's service grant", async () => {
        const key: FakeResource = {
            type: "aws:kms/key:Key",
            name: "trail-key",
            props: {
                policy: JSON.stringify({
                    Statement: [
                        {
                            Effect: "Allow",
                            Principal: { AWS: "arn:aws:iam::123456789012:root" },
                            Action: "kms:*",
                            Resource: "*",
                        },
                        {
                            Effect: "Allow",
                            Principal: { Service: "cloudtrail.amazonaws.com" },
                            Action: "kms:GenerateDataKey*",
                            Resource: "*",
                        },
                    ],
                }),
            },
        };
        expect(await run([agentRole, key])).toEqual([]);
    });

    it("accepts a conditioned public grant and harmless agent grants", async () => {
        expect(
            await run([
                agentRole,
                bucketPolicy([
                    {
                        Effect: "Allow",
                        Principal: { AWS: AGENT_ARN },
                        Action: "s3:GetObject",
                        Resource: "arn:aws:s3:::b/*",
                    },
                    {
                        Effect: "Allow",
                        Principal: "*",
                        Action: "s3:PutBucketPolicy",
                        Resource: "*",
                        Condition: { StringEquals: { "aws:PrincipalArn": "arn:aws:iam::1:role/admin" } },
                    },
                ]),
            ]),
        ).toEqual([]);
    });

    it("fails closed on an unknown policy computed from an agent role", async () => {
        const v = await run([
            agentRole,
            {
                type: "aws:sqs/queuePolicy:QueuePolicy",
                name: "q",
                props: { policy: UNKNOWN },
                propertyDependencies: { policy: ["agent-x"] },
            },
        ]);
        expect(v[0].message).toMatch(/unknown during preview/);
    });

    it("judges a policy built with the role's unknown ARN through its dependency", async () => {
        const v = await run([
            agentRole,
            bucketPolicy(
                [
                    {
                        Effect: "Allow",
                        Principal: { AWS: UNKNOWN },
                        Action: "s3:DeleteObjectVersion",
                        Resource: "*",
                    },
                ],
                { propertyDependencies: { policy: ["agent-x"] } },
            ),
        ]);
        expect(v[0]?.message).toMatch(/agent role agent-x/);
    });
});
