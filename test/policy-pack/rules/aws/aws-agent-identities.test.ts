import { describe, expect, it } from "vitest";
import { identifyAgentRoles } from "../../../../core/aws/agent-roles";
import { agentTag } from "../../../../core/aws/tags";
import { awsRestrictAgentIamGrants } from "../../../../policy-pack/rules/aws/aws-restrict-agent-iam-grants";
import { awsRestrictAgentRoleTrust } from "../../../../policy-pack/rules/aws/aws-restrict-agent-role-trust";
import { runStackPolicy, UNKNOWN, type FakeResource } from "../../../helpers/policy-harness";
import { allow, defaultConfig, modelOf, policyDoc, role, trustOf } from "../../lib/aws/fixtures";

const TAGGED = { tags: { "agentguard.io/agent": "x" } };
const ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess";
const grants = (resources: FakeResource[]) => runStackPolicy(awsRestrictAgentIamGrants, resources);
const inline = (...statements: Record<string, unknown>[]) => ({
    inlinePolicies: [{ name: "p", policy: policyDoc(...statements) }],
});

function certaintyOf(resources: FakeResource[], name: string): string | undefined {
    const index = identifyAgentRoles(modelOf(resources), defaultConfig);
    return [...index.roles.values()].find((r) => r.node.name === name)?.certainty;
}

const provider = (defaultTags: unknown) => ({
    provider: { type: "pulumi:providers:aws", name: "agents", props: { region: "us-east-1", defaultTags } },
});
/** The aws provider serialises defaultTags as JSON. */
const agentDefaultTags = JSON.stringify({ tags: { "agentguard.io/agent": "builder" } });

describe("agent tag from the aws provider's defaultTags", () => {
    it("rejects an untagged role whose provider applies the agent tag (red-team h11)", async () => {
        const v = await grants([role("builder", inline(allow("iam:*")), provider(agentDefaultTags))]);
        expect(v).toHaveLength(1);
        expect(v[0].urn).toContain("builder");
        expect(v[0].message).toMatch(
            /IAM agent role builder \(an agent role because its aws provider agents tags it agentguard\.io\/agent through defaultTags\).*iam:\*/,
        );
    });

    it("reads defaultTags given as an object, with a look-alike key case", async () => {
        const tags = { tags: { "AgentGuard.io/Agent ": "b" } };
        const v = await grants([role("builder", inline(allow("iam:PutRolePolicy")), provider(tags))]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(/through defaultTags/);
    });

    it("accepts a harmless role under an agent-tagging provider, and an admin role under a provider without the tag", async () => {
        expect(
            await grants([
                role("reader", inline(allow("s3:GetObject", "arn:aws:s3:::b/*")), provider(agentDefaultTags)),
            ]),
        ).toEqual([]);
        const other = JSON.stringify({ tags: { team: "platform" } });
        expect(await grants([role("ci", { managedPolicyArns: [ADMIN] }, provider(other))])).toEqual([]);
    });

    it("fails closed on unknown defaultTags only for a role that holds forbidden permissions", async () => {
        const v = await grants([role("maybe", { managedPolicyArns: [ADMIN] }, provider(UNKNOWN))]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(
            /maybe may be an agent role \(the defaultTags of its aws provider agents are unknown during preview\)/,
        );
        expect(await grants([role("fine", inline(allow("s3:GetObject")), provider(UNKNOWN))])).toEqual([]);
    });

    it("gives security groups and workloads the provider's tag too", () => {
        const model = modelOf([
            {
                type: "aws:ec2/securityGroup:SecurityGroup",
                name: "sg",
                props: {},
                ...provider(agentDefaultTags),
            },
            { type: "aws:ec2/securityGroup:SecurityGroup", name: "plain", props: {} },
            {
                type: "aws:ec2/securityGroup:SecurityGroup",
                name: "other-provider",
                props: {},
                provider: {
                    type: "pulumi:providers:kubernetes",
                    name: "k",
                    props: { defaultTags: agentDefaultTags },
                },
            },
        ]);
        const state = (name: string) => agentTag(model.resources.find((n) => n.name === name)!).state;
        expect(state("sg")).toBe("tagged");
        expect(state("plain")).toBe("untagged");
        expect(state("other-provider")).toBe("untagged");
        const resources: FakeResource[] = [
            role("fn-role", { arn: "arn:aws:iam::1:role/fn-role" }),
            {
                type: "aws:lambda/function:Function",
                name: "fn",
                props: { role: "arn:aws:iam::1:role/fn-role" },
                ...provider(agentDefaultTags),
            },
        ];
        expect(certaintyOf(resources, "fn-role")).toBe("agent");
    });
});

describe("unknown policy ARNs linked to a declared Policy", () => {
    const harmless: FakeResource = {
        type: "aws:iam/policy:Policy",
        name: "read-drafts",
        props: { arn: UNKNOWN, policy: policyDoc(allow("s3:GetObject", "arn:aws:s3:::drafts/*")) },
    };
    const attach = (props: Record<string, unknown>, deps: string[]): FakeResource => ({
        type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        name: "writer-attach",
        props: { role: "agent-writer", policyArn: UNKNOWN, ...props },
        propertyDependencies: { policyArn: deps },
    });

    it("accepts policyArn: policy.arn, unknown at preview, when the linked policy is harmless", async () => {
        expect(await grants([role("agent-writer", TAGGED), harmless, attach({}, ["read-drafts"])])).toEqual(
            [],
        );
    });

    it("rejects an unknown policyArn computed from the Policy and something else (red-team h12 variant)", async () => {
        const bucket: FakeResource = { type: "aws:s3/bucket:Bucket", name: "bucket", props: {} };
        const v = await grants([
            role("agent-writer", TAGGED),
            harmless,
            bucket,
            attach({}, ["read-drafts", "bucket"]),
        ]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(
            /agent-writer .*cannot be checked: RolePolicyAttachment writer-attach: policyArn has a policy ARN that is unknown during preview and also computed from bucket/,
        );
    });

    it("rejects an unknown policyArn linked to a Policy whose arn is known (so the value is not that arn)", async () => {
        const known = { ...harmless, props: { ...harmless.props, arn: "arn:aws:iam::1:policy/read-drafts" } };
        const v = await grants([role("agent-writer", TAGGED), known, attach({}, ["read-drafts"])]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(
            /policyArn has a policy ARN that is unknown .*more than the linked Policy/,
        );
    });

    it("rejects more unknown managedPolicyArns than linked Policy resources", async () => {
        const v = await grants([
            harmless,
            role(
                "agent-writer",
                { ...TAGGED, managedPolicyArns: [UNKNOWN, UNKNOWN] },
                {
                    propertyDependencies: { managedPolicyArns: ["read-drafts"] },
                },
            ),
        ]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(
            /managedPolicyArns of role agent-writer: managedPolicyArns has a policy ARN that is unknown/,
        );
    });
});

describe("role chaining through trusts of a whole account", () => {
    const opsAdmin = (principal: unknown, props: Record<string, unknown> = {}) =>
        role("ops-admin", { assumeRolePolicy: trustOf(principal), managedPolicyArns: [ADMIN], ...props });
    const agentOps = (resource: string) =>
        role("agent-ops", { ...TAGGED, ...inline(allow("sts:AssumeRole", resource)) });
    const OPS_ARN = "arn:aws:iam::111122223333:role/ops-admin";

    it("rejects an admin role trusting the account root that the agent may assume (red-team h13)", async () => {
        const v = await grants([opsAdmin({ AWS: "arn:aws:iam::111122223333:root" }), agentOps(OPS_ARN)]);
        expect(v).toHaveLength(1);
        expect(v[0].urn).toContain("ops-admin");
        expect(v[0].message).toMatch(
            /IAM agent role ops-admin \(an agent role because its trust policy admits every principal of account 111122223333, and agent role agent-ops may assume it \(sts:AssumeRole on "arn:aws:iam::111122223333:role\/ops-admin"\)\).*AdministratorAccess/,
        );
        const trust = await runStackPolicy(awsRestrictAgentRoleTrust, [
            opsAdmin({ AWS: "arn:aws:iam::111122223333:root" }),
            agentOps(OPS_ARN),
        ]);
        expect(trust.map((t) => t.urn)).toEqual([expect.stringContaining("ops-admin")]);
    });

    it.each([
        ["a bare account id", { AWS: "111122223333" }, OPS_ARN],
        ["AWS *", { AWS: "*" }, OPS_ARN],
        [
            "a wildcard resource",
            { AWS: "arn:aws:iam::111122223333:root" },
            "arn:aws:iam::111122223333:role/ops-*",
        ],
    ])("chains through %s", (_, principal, resource) => {
        expect(certaintyOf([opsAdmin(principal), agentOps(resource)], "ops-admin")).toBe("agent");
    });

    it("does not chain a role whose trust names another specific principal, or one the agent may not assume", () => {
        const other = opsAdmin({ AWS: "arn:aws:iam::111122223333:role/ci" });
        expect(certaintyOf([other, agentOps(OPS_ARN)], "ops-admin")).toBeUndefined();
        const root = opsAdmin({ AWS: "arn:aws:iam::111122223333:root" });
        expect(
            certaintyOf([root, agentOps("arn:aws:iam::111122223333:role/docs-readonly")], "ops-admin"),
        ).toBeUndefined();
        expect(
            certaintyOf([root, role("ci", inline(allow("sts:AssumeRole", OPS_ARN)))], "ops-admin"),
        ).toBeUndefined();
    });

    it("calls a root-trusting role with an unknown name only possibly chained", async () => {
        const v = await grants([
            opsAdmin({ AWS: "arn:aws:iam::111122223333:root" }, { name: UNKNOWN }),
            agentOps(OPS_ARN),
        ]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(/ops-admin may be an agent role .*every principal of account/);
    });

    it("chains from an agent user's sts:AssumeRole too", () => {
        const resources: FakeResource[] = [
            opsAdmin({ AWS: "arn:aws:iam::111122223333:root" }),
            { type: "aws:iam/user:User", name: "agent-bot", props: { name: "agent-bot", ...TAGGED } },
            {
                type: "aws:iam/userPolicy:UserPolicy",
                name: "hop",
                props: { user: "agent-bot", policy: policyDoc(allow("sts:AssumeRole", OPS_ARN)) },
            },
        ];
        expect(certaintyOf(resources, "ops-admin")).toBe("agent");
    });
});

describe("agent IAM users", () => {
    const user = (props: Record<string, unknown> = TAGGED): FakeResource => ({
        type: "aws:iam/user:User",
        name: "agent-bot",
        props: { name: "agent-bot", ...props },
    });
    const group: FakeResource = { type: "aws:iam/group:Group", name: "bots", props: { name: "bots" } };
    const res = (
        type: string,
        name: string,
        props: Record<string, unknown>,
        deps?: Record<string, string[]>,
    ): FakeResource => ({
        type: `aws:iam/${type}`,
        name,
        props,
        propertyDependencies: deps,
    });

    it("rejects an agent-tagged user's UserPolicy and its group's admin attachment (red-team h15)", async () => {
        const v = await grants([
            user(),
            res(
                "userPolicy:UserPolicy",
                "iam",
                { user: UNKNOWN, policy: policyDoc(allow("iam:*")) },
                { user: ["agent-bot"] },
            ),
            group,
            res("groupPolicyAttachment:GroupPolicyAttachment", "bots-admin", {
                group: "bots",
                policyArn: ADMIN,
            }),
            res("groupMembership:GroupMembership", "members", { group: "bots", users: ["agent-bot"] }),
        ]);
        expect(v).toHaveLength(1);
        expect(v[0].urn).toContain("aws:iam/user:User::agent-bot");
        expect(v[0].message).toMatch(/IAM agent user agent-bot \(an agent user because it is tagged/);
        expect(v[0].message).toMatch(
            /GroupPolicyAttachment bots-admin \(group bots via GroupMembership members\).*AdministratorAccess/,
        );
        expect(v[0].message).toMatch(/UserPolicy iam statement 0: Allow "iam:\*"/);
    });

    it.each([
        [
            "UserPolicyAttachment",
            [res("userPolicyAttachment:UserPolicyAttachment", "a", { user: "agent-bot", policyArn: ADMIN })],
        ],
        [
            "PolicyAttachment users[]",
            [res("policyAttachment:PolicyAttachment", "a", { users: ["agent-bot"], policyArn: ADMIN })],
        ],
        [
            "UserGroupMembership + GroupPolicy",
            [
                group,
                res("groupPolicy:GroupPolicy", "g", {
                    group: "bots",
                    policy: policyDoc(allow("iam:CreateAccessKey")),
                }),
                res("userGroupMembership:UserGroupMembership", "m", { user: "agent-bot", groups: ["bots"] }),
            ],
        ],
        [
            "PolicyAttachment groups[] + GroupMembership",
            [
                group,
                res("policyAttachment:PolicyAttachment", "a", { groups: ["bots"], policyArn: ADMIN }),
                res(
                    "groupMembership:GroupMembership",
                    "m",
                    { group: UNKNOWN, users: [UNKNOWN] },
                    { group: ["bots"], users: ["agent-bot"] },
                ),
            ],
        ],
    ])("rejects grants reaching the agent user through %s", async (_, extra) => {
        const v = await grants([user(), ...(extra as FakeResource[])]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(/IAM agent user agent-bot .*forbidden permissions/);
    });

    it("accepts a least-privilege agent user and an untagged admin user", async () => {
        expect(
            await grants([
                user(),
                res("userPolicy:UserPolicy", "p", {
                    user: "agent-bot",
                    policy: policyDoc(allow("s3:GetObject", "arn:aws:s3:::b/*")),
                }),
            ]),
        ).toEqual([]);
        expect(
            await grants([
                user({}),
                res("userPolicyAttachment:UserPolicyAttachment", "a", {
                    user: "agent-bot",
                    policyArn: ADMIN,
                }),
            ]),
        ).toEqual([]);
    });

    it("fails closed on membership in a group this stack does not declare, and on an unlinked unknown user", async () => {
        const v = await grants([
            user(),
            res("userGroupMembership:UserGroupMembership", "m", { user: "agent-bot", groups: ["admins"] }),
        ]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(
            /cannot be checked: UserGroupMembership m adds it to group admins, which is not declared/,
        );
        const orphan = await grants([
            res("userPolicy:UserPolicy", "lost", { user: UNKNOWN, policy: policyDoc(allow("iam:*")) }),
        ]);
        expect(orphan).toHaveLength(1);
        expect(orphan[0].message).toMatch(
            /lost grants forbidden IAM permissions to a role or user that cannot be identified \(its user is unknown/,
        );
    });
});

describe("workloads that run as a role", () => {
    const workload = (
        type: string,
        props: Record<string, unknown>,
        deps?: Record<string, string[]>,
    ): FakeResource => ({
        type,
        name: "w",
        props: { ...TAGGED, ...props },
        propertyDependencies: deps,
    });
    const target = () => role("runner", { name: UNKNOWN, arn: UNKNOWN });
    const ARN = "arn:aws:iam::1:role/runner";

    it.each([
        ["aws:codebuild/project:Project", { serviceRole: UNKNOWN }, { serviceRole: ["runner"] }],
        [
            "aws:bedrock/agentAgent:AgentAgent",
            { agentResourceRoleArn: UNKNOWN },
            { agentResourceRoleArn: ["runner"] },
        ],
        ["aws:sfn/stateMachine:StateMachine", { roleArn: UNKNOWN }, { roleArn: ["runner"] }],
        ["aws:sagemaker/notebookInstance:NotebookInstance", { roleArn: UNKNOWN }, { roleArn: ["runner"] }],
        [
            "aws:apprunner/service:Service",
            { instanceConfiguration: { instanceRoleArn: UNKNOWN } },
            { instanceConfiguration: ["runner"] },
        ],
        [
            "aws:batch/jobDefinition:JobDefinition",
            { containerProperties: UNKNOWN },
            { containerProperties: ["runner"] },
        ],
    ])("takes the role an agent-tagged %s runs as, joined by dependency", (type, props, deps) => {
        expect(certaintyOf([target(), workload(type, props, deps)], "runner")).toBe("agent");
        const untagged = { ...workload(type, props, deps), props: { ...props } };
        expect(certaintyOf([target(), untagged], "runner")).toBeUndefined();
    });

    it("joins by known ARN: App Runner's nested instanceRoleArn, Batch's jobRoleArn inside its JSON", () => {
        const named = role("runner", { arn: ARN });
        const apprunner = workload("aws:apprunner/service:Service", {
            instanceConfiguration: { instanceRoleArn: ARN },
        });
        expect(certaintyOf([named, apprunner], "runner")).toBe("agent");
        const batch = workload("aws:batch/jobDefinition:JobDefinition", {
            containerProperties: JSON.stringify({ image: "x", jobRoleArn: ARN }),
        });
        expect(certaintyOf([named, batch], "runner")).toBe("agent");
    });

    it("rejects the admin role behind an agent-tagged launch template's instance profile (red-team h17)", async () => {
        const v = await grants([
            role("fleet", { name: UNKNOWN, managedPolicyArns: [ADMIN] }),
            {
                type: "aws:iam/instanceProfile:InstanceProfile",
                name: "profile",
                props: { role: UNKNOWN, arn: UNKNOWN },
                propertyDependencies: { role: ["fleet"] },
            },
            workload(
                "aws:ec2/launchTemplate:LaunchTemplate",
                { iamInstanceProfile: { arn: UNKNOWN } },
                {
                    iamInstanceProfile: ["profile"],
                },
            ),
        ]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(
            /IAM agent role fleet \(an agent role because agent-tagged LaunchTemplate w runs as it\).*AdministratorAccess/,
        );
    });

    it("calls the role of a workload with unknown tags only possibly an agent role", () => {
        const w = {
            ...workload("aws:sfn/stateMachine:StateMachine", { roleArn: ARN }),
            props: { tags: UNKNOWN, roleArn: ARN },
        };
        expect(certaintyOf([role("runner", { arn: ARN }), w], "runner")).toBe("possible");
    });
});

describe("escalation actions outside the catalogue's permission labels", () => {
    it("rejects sts:AssumeRoot even on one account, and Identity Center / SSM / EKS escalations (red-team h14)", async () => {
        const st = (Sid: string, Action: string, Resource = "*") => ({
            Sid,
            Effect: "Allow",
            Action,
            Resource,
        });
        const v = await grants([
            role("agent-helper", {
                ...TAGGED,
                ...inline(
                    st("Root", "sts:AssumeRoot", "arn:aws:iam::111122223333:root"),
                    st("Sso", "sso:PutInlinePolicyToPermissionSet"),
                    st("Assoc", "ssm:CreateAssociation"),
                    st("Pods", "eks:CreatePodIdentityAssociation"),
                ),
            }),
        ]);
        expect(v).toHaveLength(1);
        for (const sid of ["Root", "Sso", "Assoc", "Pods"]) expect(v[0].message).toContain(`(Sid "${sid}")`);
        expect(v[0].message).toMatch(/sts:AssumeRoot" grants .*root session/);
    });
});
