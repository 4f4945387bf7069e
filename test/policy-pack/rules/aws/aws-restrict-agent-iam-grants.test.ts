import { describe, expect, it } from "vitest";
import { awsRestrictAgentIamGrants } from "../../../../policy-pack/rules/aws/aws-restrict-agent-iam-grants";
import { runStackPolicy, UNKNOWN, type FakeResource } from "../../../helpers/policy-harness";
import { allow, irsaTrust, policyDoc, role, serviceTrust, SUB_KEY } from "../../lib/aws/fixtures";

const TAGS = { tags: { "agentguard.io/agent": "builder" } };

/** A tagged agent role with one inline policy: the happy path when the policy is least-privilege. */
function agentRole(statements: Record<string, unknown>[], props: Record<string, unknown> = {}): FakeResource {
    return role("agent-builder", {
        ...TAGS,
        inlinePolicies: [{ name: "launch", policy: policyDoc(...statements) }],
        ...props,
    });
}

async function violations(resources: FakeResource[]) {
    return runStackPolicy(awsRestrictAgentIamGrants, resources);
}

describe("aws-restrict-agent-iam-grants", () => {
    it("accepts a least-privilege agent role", async () => {
        expect(
            await violations([agentRole([allow(["s3:GetObject", "s3:PutObject"], "arn:aws:s3:::drafts/*")])]),
        ).toEqual([]);
    });

    it("rejects the tagged role with iam:PassRole + ec2:RunInstances (red-team p2) as privilege escalation", async () => {
        const v = await violations([agentRole([allow(["iam:PassRole", "ec2:RunInstances"])])]);
        expect(v).toHaveLength(1);
        expect(v[0]).toMatchObject({
            enforcementLevel: "mandatory",
            urn: expect.stringContaining("agent-builder"),
        });
        expect(v[0].message).toMatch(/IAM agent role agent-builder/);
        expect(v[0].message).toMatch(/privilege escalation/);
        expect(v[0].message).toMatch(/inline policy launch/);
    });

    it("accepts the CI deployer with iam:PassRole + ecs:* trusted by codebuild (red-team p6)", async () => {
        const deployer = role("deployer", {
            assumeRolePolicy: serviceTrust("codebuild.amazonaws.com"),
            inlinePolicies: [{ name: "deploy", policy: policyDoc(allow(["iam:PassRole", "ecs:*"])) }],
        });
        expect(await violations([deployer])).toEqual([]);
    });

    it("accepts a CI deployer role with iam:* trusted by codebuild", async () => {
        const ci = role("ci", {
            assumeRolePolicy: serviceTrust("codebuild.amazonaws.com"),
            inlinePolicies: [{ name: "all-iam", policy: policyDoc(allow("iam:*")) }],
        });
        expect(await violations([ci])).toEqual([]);
    });

    it("rejects an untagged role whose IRSA trust admits system:serviceaccount:agent-x:*", async () => {
        const sneaky = role("sneaky", {
            assumeRolePolicy: irsaTrust({ StringLike: { [SUB_KEY]: "system:serviceaccount:agent-x:*" } }),
            inlinePolicies: [{ name: "keys", policy: policyDoc(allow("iam:CreateAccessKey")) }],
        });
        const v = await violations([sneaky]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(/sneaky .*system:serviceaccount:agent-x:\*.*iam:CreateAccessKey/);
        expect(v[0].message).toMatch(/credentials/);
    });

    it("rejects iam:* reached through a RolePolicyAttachment with unknown policyArn, joined by property dependency", async () => {
        const v = await violations([
            role("agent-r", { ...TAGS, name: UNKNOWN }),
            {
                type: "aws:iam/policy:Policy",
                name: "wide",
                props: { arn: UNKNOWN, policy: policyDoc(allow("iam:*")) },
            },
            {
                type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
                name: "att",
                props: { role: UNKNOWN, policyArn: UNKNOWN },
                propertyDependencies: { role: ["agent-r"], policyArn: ["wide"] },
            },
        ]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(/Policy wide \(via RolePolicyAttachment att\)/);
        expect(v[0].message).toMatch(/permissions management/);
    });

    it("rejects AdministratorAccess attached through managedPolicyArns", async () => {
        const v = await violations([
            role("agent-r", { ...TAGS, managedPolicyArns: ["arn:aws:iam::aws:policy/AdministratorAccess"] }),
        ]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(/AdministratorAccess/);
    });

    it.each([
        ["upper-case action", allow("IAM:AttachRolePolicy")],
        ["a wildcard action", allow("iam:Attach*")],
        ["a single-character wildcard", allow("iam:PutRolePolic?")],
        ["Action *", allow("*")],
        ["NotAction", { Effect: "Allow", NotAction: "s3:*", Resource: "*" }],
        ["sts:AssumeRole on *", allow("sts:AssumeRole")],
    ])("rejects the evasion: %s", async (_, statement) => {
        const v = await violations([agentRole([statement])]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(/IAM agent role agent-builder .*forbidden permissions/);
    });

    it("lets an explicit unconditional Deny win over the Allow", async () => {
        const v = await violations([
            agentRole([
                allow(["iam:PassRole", "ec2:RunInstances"]),
                { Effect: "Deny", Action: "iam:PassRole", Resource: "*" },
            ]),
        ]);
        expect(v).toEqual([]);
    });

    it("fails closed on an unknown document, saying what was unknown", async () => {
        const v = await violations([
            role("agent-r", { ...TAGS, inlinePolicies: [{ name: "later", policy: UNKNOWN }] }),
        ]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(
            /cannot be checked: the document of inline policy later of role agent-r is unknown/,
        );
    });

    it("fails closed on a customer-managed policy that is not in the stack", async () => {
        const v = await violations([
            role("agent-r", { ...TAGS, managedPolicyArns: ["arn:aws:iam::111122223333:policy/elsewhere"] }),
        ]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(/policy\/elsewhere, which is not declared in this stack/);
    });

    it("reports an untagged role with an unknown trust policy only when it holds forbidden permissions", async () => {
        const risky = role("maybe", {
            assumeRolePolicy: UNKNOWN,
            inlinePolicies: [{ name: "p", policy: policyDoc(allow("iam:CreateUser")) }],
        });
        const v = await violations([risky]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(/maybe may be an agent role \(its trust policy .* unknown/);
        const harmless = role("fine", {
            assumeRolePolicy: UNKNOWN,
            inlinePolicies: [{ name: "p", policy: policyDoc(allow("s3:GetObject")) }],
        });
        expect(await violations([harmless])).toEqual([]);
    });

    it("does not report a role whose trust is unknown only because it names an IAM user of a stack without agents", async () => {
        const deployer = role(
            "deployer",
            {
                assumeRolePolicy: UNKNOWN,
                inlinePolicies: [{ name: "p", policy: policyDoc(allow("iam:CreateUser")) }],
            },
            { propertyDependencies: { assumeRolePolicy: ["ci"] } },
        );
        const ci = { type: "aws:iam/user:User", name: "ci", props: { name: "ci", arn: UNKNOWN } };
        expect(await violations([ci, deployer])).toEqual([]);
        // The same role where the stack declares an agent namespace: mandatory, saying why.
        const agents = {
            type: "kubernetes:core/v1:Namespace",
            name: "agent-x",
            props: { metadata: { name: "agent-x" } },
        };
        const v = await violations([agents, ci, deployer]);
        expect(v).toHaveLength(1);
        expect(v[0].enforcementLevel).toBe("mandatory");
        expect(v[0].message).toMatch(
            /deployer may be an agent role .*an agent identity could be behind it, as this stack has agent namespace "agent-x"/,
        );
    });

    it("finds an escalation combination split across two documents of one role", async () => {
        const v = await violations([
            agentRole([allow("iam:PassRole")]),
            {
                type: "aws:iam/rolePolicy:RolePolicy",
                name: "run",
                props: { role: "agent-builder", policy: policyDoc(allow("ec2:RunInstances")) },
            },
        ]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(/privilege escalation/);
    });

    it("reports an attachment with forbidden permissions whose role cannot be identified", async () => {
        const v = await violations([
            {
                type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
                name: "lost",
                props: { role: UNKNOWN, policyArn: "arn:aws:iam::aws:policy/IAMFullAccess" },
            },
        ]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(
            /lost grants forbidden IAM permissions to a role or user that cannot be identified/,
        );
    });

    it("accepts sts:AssumeRole on one named role", async () => {
        const v = await violations([
            agentRole([allow("sts:AssumeRole", "arn:aws:iam::111122223333:role/reader")]),
        ]);
        expect(v).toEqual([]);
    });

    it("fails closed on an AWS managed policy it cannot judge, and on a malformed document", async () => {
        const v = await violations([
            role("agent-r", {
                ...TAGS,
                managedPolicyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
                inlinePolicies: [
                    {
                        name: "bad",
                        policy: policyDoc({ Effect: "Maybe", Action: "s3:GetObject", Resource: "*" }),
                    },
                ],
            }),
        ]);
        expect(v.map((x) => x.message)).toEqual([
            expect.stringMatching(
                /cannot be checked: inline policy bad of role agent-r is not a valid IAM policy document/,
            ),
            expect.stringMatching(/cannot be checked: .*AWS managed policy ReadOnlyAccess/),
        ]);
    });

    it("rejects a RolePolicy joined by property dependency to an agent role with an unknown name", async () => {
        const v = await violations([
            role("agent-r", { ...TAGS, name: UNKNOWN }),
            {
                type: "aws:iam/rolePolicy:RolePolicy",
                name: "extra",
                props: { role: UNKNOWN, policy: policyDoc(allow("iam:PutRolePolicy")) },
                propertyDependencies: { role: ["agent-r"] },
            },
        ]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(/RolePolicy extra statement 0: Allow "iam:PutRolePolicy"/);
    });

    it("rejects a role reached by role chaining from an agent role", async () => {
        const v = await violations([
            agentRole([allow("sts:AssumeRole", "arn:aws:iam::111122223333:role/hop")]),
            role("hop", {
                assumeRolePolicy: JSON.stringify({
                    Statement: [
                        {
                            Effect: "Allow",
                            Principal: { AWS: "arn:aws:iam::111122223333:role/agent-builder" },
                            Action: "sts:AssumeRole",
                        },
                    ],
                }),
                managedPolicyArns: ["arn:aws:iam::aws:policy/IAMFullAccess"],
            }),
        ]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(
            /IAM agent role hop \(an agent role because its trust policy admits agent role agent-builder/,
        );
    });

    it("rejects a Pod Identity association of an agent namespace whose role cannot be resolved", async () => {
        const v = await violations([
            {
                type: "aws:eks/podIdentityAssociation:PodIdentityAssociation",
                name: "pia",
                props: {
                    clusterName: "prod",
                    namespace: "agent-x",
                    serviceAccount: "runner",
                    roleArn: UNKNOWN,
                },
            },
        ]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(/Pod Identity association pia binds agent namespace "agent-x"/);
    });
});

describe("aws-restrict-agent-iam-grants: the buckets that hold the audit record", () => {
    const bucket: FakeResource = {
        type: "aws:s3/bucketV2:BucketV2",
        name: "trail-logs",
        props: { bucket: "org-trail-logs" },
    };
    const trail = (s3BucketName: unknown, deps?: string[]): FakeResource => ({
        type: "aws:cloudtrail/trail:Trail",
        name: "org-trail",
        props: { name: "org-trail", s3BucketName },
        propertyDependencies: deps ? { s3BucketName: deps } : undefined,
    });
    const deletes = (resource: string) => agentRole([allow(["s3:GetObject", "s3:DeleteObject"], resource)]);

    it("rejects object deletion on the exact bucket a trail writes to, by name or by reference", async () => {
        const byName = await violations([
            bucket,
            trail("org-trail-logs"),
            deletes("arn:aws:s3:::org-trail-logs/*"),
        ]);
        expect(byName).toHaveLength(1);
        expect(byName[0].message).toMatch(
            /Allow "s3:DeleteObject" grants changes that can stop, shorten or erase the audit record/,
        );
        const byRef = await violations([
            bucket,
            trail(UNKNOWN, ["trail-logs"]),
            deletes("arn:aws:s3:::org-trail-*/AWSLogs/*"),
        ]);
        expect(byRef).toHaveLength(1);
    });

    it("fails closed on a trail bucket that is unknown and not linked", async () => {
        expect(await violations([trail(UNKNOWN), deletes("arn:aws:s3:::drafts/*")])).toHaveLength(1);
    });

    it("accepts object deletion on the agent's own bucket next to a trail", async () => {
        expect(await violations([bucket, trail("org-trail-logs"), deletes("arn:aws:s3:::drafts/*")])).toEqual(
            [],
        );
    });
});
