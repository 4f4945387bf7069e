import * as pulumi from "@pulumi/pulumi";
import { beforeEach, describe, expect, it } from "vitest";
import { AgentAuditTrail, AgentRole, type AgentAuditTrailArgs } from "../../../components/aws";
import { normalizePolicyDocument } from "../../../core/iam";
import { installPulumiMocks, outputValue, type RecordedResource } from "../../helpers/pulumi-mocks";
import { ACCOUNT, REGION, awsOutputs } from "./aws-mock-outputs";

const mocks = installPulumiMocks({ outputs: awsOutputs });
beforeEach(() => mocks.reset());

const BUCKET = "aws:s3/bucket:Bucket";
const find = (type: string, name: string): RecordedResource => mocks.findResource(type, name);
const policyOf = (r: RecordedResource, key = "policy") => normalizePolicyDocument(r.inputs[key]);
const TRAIL_ARN = `arn:aws:cloudtrail:${REGION}:${ACCOUNT}:trail/audit`;

async function build(args: Partial<AgentAuditTrailArgs> = {}, name = "audit"): Promise<AgentAuditTrail> {
    const trail = new AgentAuditTrail(name, { agentId: "all-agents", owner: "security", ...args });
    await mocks.settle();
    return trail;
}

describe("AgentAuditTrail bucket", () => {
    it("enables object lock at creation with COMPLIANCE retention and versioning", async () => {
        await build();
        expect(find(BUCKET, "audit-bucket").inputs).toMatchObject({
            objectLockEnabled: true,
            forceDestroy: false,
        });
        expect(
            find("aws:s3/bucketVersioning:BucketVersioning", "audit-versioning").inputs
                .versioningConfiguration,
        ).toEqual({
            status: "Enabled",
        });
        expect(
            find("aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration", "audit-object-lock")
                .inputs.rule,
        ).toEqual({
            defaultRetention: { mode: "COMPLIANCE", days: 365 },
        });
    });

    it("uses the given retention and rejects one under the minimum, over the maximum or fractional", async () => {
        await build({ retentionDays: 400 });
        const lock = find(
            "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
            "audit-object-lock",
        );
        expect(lock.inputs.rule).toEqual({ defaultRetention: { mode: "COMPLIANCE", days: 400 } });
        for (const days of [89, 3651, 100.5, 0]) {
            expect(() => new AgentAuditTrail("r", { agentId: "a", owner: "o", retentionDays: days })).toThrow(
                new RegExp(`retentionDays = ${days} is not allowed; expected an integer from 90 to 3650`),
            );
        }
        expect(mocks.tryFindResource(BUCKET, "r-bucket")).toBeUndefined();
    });

    it("blocks every kind of public access and disables ACLs", async () => {
        await build();
        expect(
            find("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "audit-public-access-block")
                .inputs,
        ).toMatchObject({
            blockPublicAcls: true,
            blockPublicPolicy: true,
            ignorePublicAcls: true,
            restrictPublicBuckets: true,
        });
        expect(
            find("aws:s3/bucketOwnershipControls:BucketOwnershipControls", "audit-ownership").inputs.rule,
        ).toEqual({
            objectOwnership: "BucketOwnerEnforced",
        });
    });

    it("encrypts with its own rotating KMS key", async () => {
        const trail = await build();
        expect(find("aws:kms/key:Key", "audit-key").inputs).toMatchObject({
            enableKeyRotation: true,
            deletionWindowInDays: 30,
        });
        const sse = find(
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            "audit-encryption",
        );
        expect(sse.inputs.rules).toEqual([
            {
                applyServerSideEncryptionByDefault: {
                    sseAlgorithm: "aws:kms",
                    kmsMasterKeyId: await outputValue(trail.kmsKeyArn),
                },
                bucketKeyEnabled: true,
            },
        ]);
    });

    it("denies plain-HTTP access and all deletion to everyone, and lets only this trail deliver", async () => {
        const trail = await build();
        const bucketArn = await outputValue(trail.bucketArn);
        const statements = policyOf(find("aws:s3/bucketPolicy:BucketPolicy", "audit-bucket-policy"));
        const bySid = Object.fromEntries(statements.map((s) => [s.sid, s]));
        expect(bySid.DenyInsecureTransport).toMatchObject({
            effect: "Deny",
            principal: "*",
            actions: ["s3:*"],
            resources: [bucketArn, `${bucketArn}/*`],
            condition: { Bool: { "aws:SecureTransport": "false" } },
        });
        expect(bySid.DenyDeletion).toMatchObject({
            effect: "Deny",
            principal: "*",
            actions: ["s3:DeleteObject*", "s3:DeleteBucket"],
            resources: [bucketArn, `${bucketArn}/*`],
        });
        expect(bySid.DenyDeletion.condition).toBeUndefined();
        for (const sid of ["CloudTrailChecksAcl", "CloudTrailDelivers"]) {
            expect(bySid[sid].principal).toEqual({ Service: "cloudtrail.amazonaws.com" });
            expect(bySid[sid].condition?.StringEquals).toMatchObject({ "aws:SourceArn": TRAIL_ARN });
        }
        expect(bySid.CloudTrailDelivers.resources).toEqual([`${bucketArn}/AWSLogs/${ACCOUNT}/*`]);
        const allows = statements.filter((s) => s.effect === "Allow");
        expect(
            allows.every((s) => JSON.stringify(s.principal) === '{"Service":"cloudtrail.amazonaws.com"}'),
        ).toBe(true);
    });

    it("lets CloudTrail use the key only for this trail", async () => {
        await build();
        const statements = policyOf(find("aws:kms/keyPolicy:KeyPolicy", "audit-key-policy"));
        const cloudTrail = statements.find((s) => s.sid === "CloudTrailEncryptsThisTrail");
        expect(cloudTrail?.condition).toEqual({ StringEquals: { "aws:SourceArn": TRAIL_ARN } });
        expect(statements.find((s) => s.sid === "AccountAdministersKey")?.principal).toEqual({
            AWS: `arn:aws:iam::${ACCOUNT}:root`,
        });
    });
});

describe("AgentAuditTrail trail and logs", () => {
    it("records every region with log file validation into the bucket and the encrypted log group", async () => {
        const trail = await build();
        const logGroupArn = await outputValue(trail.logGroupArn);
        const logGroup = find("aws:cloudwatch/logGroup:LogGroup", "audit-log-group");
        expect(logGroup.inputs).toMatchObject({
            retentionInDays: 365,
            kmsKeyId: await outputValue(trail.kmsKeyArn),
            deletionProtectionEnabled: true,
        });
        const role = find("aws:iam/role:Role", "audit-cloudtrail-logs");
        expect(find("aws:cloudtrail/trail:Trail", "audit").inputs).toMatchObject({
            name: "audit",
            s3BucketName: await outputValue(trail.bucketName),
            kmsKeyId: await outputValue(trail.kmsKeyArn),
            isMultiRegionTrail: true,
            includeGlobalServiceEvents: true,
            enableLogFileValidation: true,
            enableLogging: true,
            cloudWatchLogsGroupArn: `${logGroupArn}:*`,
            cloudWatchLogsRoleArn: `arn:aws:iam::${ACCOUNT}:role/${role.name}`,
            eventSelectors: [{ readWriteType: "All", includeManagementEvents: true }],
        });
        expect(await outputValue(trail.trailArn)).toBe(TRAIL_ARN);
    });

    it("gives CloudTrail a logs role only this trail can assume, writing only to its log group", async () => {
        const trail = await build();
        const [trust] = policyOf(find("aws:iam/role:Role", "audit-cloudtrail-logs"), "assumeRolePolicy");
        expect(trust).toMatchObject({
            principal: { Service: "cloudtrail.amazonaws.com" },
            actions: ["sts:AssumeRole"],
            condition: { StringEquals: { "aws:SourceArn": TRAIL_ARN } },
        });
        const [write] = policyOf(find("aws:iam/rolePolicy:RolePolicy", "audit-cloudtrail-logs"));
        expect(write.actions).toEqual(["logs:CreateLogStream", "logs:PutLogEvents"]);
        expect(write.resources).toEqual([`${await outputValue(trail.logGroupArn)}:log-stream:*`]);
    });

    it("records object-level events of the agents' buckets", async () => {
        await build({
            dataEventBuckets: ["arn:aws:s3:::agent-a-data", pulumi.output("arn:aws:s3:::agent-b-data")],
        });
        expect(find("aws:cloudtrail/trail:Trail", "audit").inputs.eventSelectors).toEqual([
            {
                readWriteType: "All",
                includeManagementEvents: true,
                dataResources: [
                    {
                        type: "AWS::S3::Object",
                        values: ["arn:aws:s3:::agent-a-data/", "arn:aws:s3:::agent-b-data/"],
                    },
                ],
            },
        ]);
    });

    it.each(["arn:aws:s3:::*", "arn:aws:s3:::bucket/key", "agent-a-data"])(
        "rejects the data event bucket %s",
        (arn) => {
            expect(
                () =>
                    new AgentAuditTrail("data-check", { agentId: "a", owner: "o", dataEventBuckets: [arn] }),
            ).toThrow(/dataEventBuckets\[0\] = .* is not allowed; expected an S3 bucket ARN/);
        },
    );

    it.each([
        [{ logRetentionDays: 30 }, /logRetentionDays = 30 is not allowed; expected one of 90, 120/],
        [{ trailName: "a" }, /trailName = "a" is not allowed/],
        [{ trailName: "bad--name" }, /trailName = "bad--name" is not allowed/],
        [{ agentId: "Bad Id" }, /agentId = "Bad Id" is not allowed/],
    ] as const)("rejects %o before creating anything", (args, message) => {
        expect(() => new AgentAuditTrail("x", { agentId: "a", owner: "o", ...args })).toThrow(message);
        expect(mocks.resources.filter((r) => r.type.startsWith("aws:"))).toEqual([]);
    });

    it("tags its resources as the audit trail, not as agent resources", async () => {
        await build();
        const tagged = mocks.resources.filter((r) => r.inputs.tags !== undefined);
        expect(tagged.length).toBeGreaterThanOrEqual(5);
        for (const r of tagged) {
            expect(r.inputs.tags, r.name).toEqual({
                "agentguard.io/audit-trail": "all-agents",
                "agentguard.io/owner": "security",
            });
        }
    });
});

describe("AgentAuditTrail with AgentRole", () => {
    it("has the agent boundary deny everything on the bucket, key, log group and trail", async () => {
        const trail = await build();
        new AgentRole("agent", {
            agentId: "a",
            owner: "ml",
            namespace: "agent-a",
            serviceAccount: "runner",
            trust: { kind: "pod-identity", clusterName: "prod" },
            auditTrail: trail,
        });
        await mocks.settle();
        const boundary = policyOf(find("aws:iam/policy:Policy", "agent-boundary"));
        const denied = boundary.find((s) => s.sid === "DenyAuditTrail");
        const bucketArn = await outputValue(trail.bucketArn);
        const logGroupArn = await outputValue(trail.logGroupArn);
        expect(denied).toMatchObject({ effect: "Deny", actions: ["*"] });
        expect(denied?.resources).toEqual([
            bucketArn,
            `${bucketArn}/*`,
            await outputValue(trail.kmsKeyArn),
            logGroupArn,
            `${logGroupArn}:*`,
            TRAIL_ARN,
        ]);
        expect(denied?.condition).toBeUndefined();
    });

    it("creates exactly its named children, all parented to the component", async () => {
        const trail = await build();
        const urn = await outputValue(trail.urn);
        const children = mocks.resources.filter((r) => r.type.startsWith("aws:"));
        expect(children.map((r) => r.name).sort()).toEqual(
            [
                "audit",
                "audit-bucket",
                "audit-bucket-policy",
                "audit-cloudtrail-logs",
                "audit-cloudtrail-logs",
                "audit-encryption",
                "audit-key",
                "audit-key-policy",
                "audit-log-group",
                "audit-object-lock",
                "audit-ownership",
                "audit-public-access-block",
                "audit-versioning",
            ].sort(),
        );
        for (const r of children) expect(r.parentUrn, r.name).toBe(urn);
    });
});
