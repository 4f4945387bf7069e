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

    describe('conditions on Principal "*" (only one that certainly excludes the agent role protects it)', () => {
        const deleteObjects = (condition: Record<string, unknown>, principal: unknown = "*") =>
            bucketPolicy([
                {
                    Effect: "Allow",
                    Principal: principal,
                    Action: "s3:DeleteObjectVersion",
                    Resource: "*",
                    Condition: condition,
                },
            ]);
        const namedAgent = { ...agentRole, props: { ...agentRole.props, name: "agent-x" } };

        it("rejects aws:PrincipalAccount = the agent's own account: it does not exclude the agent", async () => {
            const v = await run([
                agentRole,
                deleteObjects({ StringEquals: { "aws:PrincipalAccount": "123456789012" } }),
            ]);
            expect(v[0]?.message).toMatch(
                /every principal \(Principal "\*"\), and its Condition admits agent role agent-x/,
            );
        });

        it("rejects aws:PrincipalOrgID (the agent is in the organization): may admit", async () => {
            const v = await run([
                agentRole,
                deleteObjects({ StringEquals: { "aws:PrincipalOrgID": "o-abc" } }),
            ]);
            expect(v[0]?.message).toMatch(
                /may admit agent role agent-x \(the stack cannot show that it excludes it\)/,
            );
        });

        it("rejects IfExists on a tag the agent lacks, and StringNotEquals excluding only another role", async () => {
            for (const condition of [
                { StringEqualsIfExists: { "aws:PrincipalTag/clearance": "top" } },
                { StringNotEquals: { "aws:principalarn": "arn:aws:iam::123456789012:role/admin" } },
                { "ForAllValues:StringEquals": { "aws:PrincipalTag/clearance": "top" } },
            ]) {
                expect(
                    await run([agentRole, deleteObjects(condition)]),
                    JSON.stringify(condition),
                ).toHaveLength(1);
            }
        });

        it("accepts a condition that excludes the agent: another role's ARN, another agent id, no agent tag", async () => {
            for (const condition of [
                { ArnEquals: { "aws:PrincipalArn": "arn:aws:iam::123456789012:role/admin" } },
                { StringEquals: { "aws:PrincipalTag/agentguard.io/agent": "other" } },
                { Null: { "aws:PrincipalTag/agentguard.io/agent": "true" } },
            ]) {
                expect(await run([agentRole, deleteObjects(condition)]), JSON.stringify(condition)).toEqual(
                    [],
                );
            }
        });

        it("names the agent role with a path, in another case, or as a session", async () => {
            for (const principal of [
                "arn:aws:iam::123456789012:role/team/agent-x",
                "arn:aws:iam::123456789012:role/AGENT-X",
                "arn:aws:sts::123456789012:assumed-role/agent-x/s1",
            ]) {
                const v = await run([
                    namedAgent,
                    bucketPolicy([
                        {
                            Effect: "Allow",
                            Principal: { AWS: principal },
                            Action: "s3:DeleteObjectVersion",
                            Resource: "*",
                        },
                    ]),
                ]);
                expect(v[0]?.message, principal).toMatch(/grants agent role agent-x/);
            }
        });
    });
});
