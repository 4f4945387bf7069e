import * as pulumi from "@pulumi/pulumi";
import { beforeEach, describe, expect, it } from "vitest";
import { AgentAuditTrail, AgentRole, type AgentRoleArgs } from "../../../components/aws";
import {
    analyzeGrants,
    buildAgentPermissionsBoundary,
    catalogServices,
    normalizePolicyDocument,
} from "../../../core/iam";
import { installPulumiMocks, outputValue, type RecordedResource } from "../../helpers/pulumi-mocks";
import { ACCOUNT, awsOutputs } from "./aws-mock-outputs";

const mocks = installPulumiMocks({ outputs: awsOutputs });
beforeEach(() => mocks.reset());

const ROLE = "aws:iam/role:Role";
const POLICY = "aws:iam/policy:Policy";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
const ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment";
const POD_IDENTITY = "aws:eks/podIdentityAssociation:PodIdentityAssociation";
const ISSUER = "oidc.eks.eu-west-1.amazonaws.com/id/ABCDEF0123456789";
const PROVIDER_ARN = `arn:aws:iam::${ACCOUNT}:oidc-provider/${ISSUER}`;
const BUCKET_READ = {
    Effect: "Allow",
    Action: ["s3:GetObject"],
    Resource: "arn:aws:s3:::agent-a-data/*",
} as const;

const baseArgs = (): AgentRoleArgs => ({
    agentId: "a",
    owner: "ml-platform",
    namespace: "agent-a",
    serviceAccount: "runner",
    trust: { kind: "irsa", oidcProviderArn: PROVIDER_ARN },
});

async function build(name: string, args: Partial<AgentRoleArgs> = {}): Promise<AgentRole> {
    const role = new AgentRole(name, { ...baseArgs(), ...args });
    await mocks.settle();
    return role;
}

/** A document as deployed: a JSON string, or an object (its Output leaves resolved by the mocks). */
const json = (r: RecordedResource, key: string): Record<string, unknown> => {
    const value = r.inputs[key];
    return typeof value === "string" ? JSON.parse(value) : (value as Record<string, unknown>);
};
const statementsOf = (r: RecordedResource, key = "policy") => normalizePolicyDocument(json(r, key));
const awsChildren = () => mocks.resources.filter((r) => r.type.startsWith("aws:"));

describe("AgentRole trust", () => {
    it("admits exactly the intended service account through IRSA", async () => {
        await build("a");
        const [statement, ...rest] = statementsOf(mocks.findResource(ROLE, "a"), "assumeRolePolicy");
        expect(rest).toEqual([]);
        expect(statement).toMatchObject({
            effect: "Allow",
            principal: { Federated: PROVIDER_ARN },
            actions: ["sts:AssumeRoleWithWebIdentity"],
            condition: {
                StringEquals: {
                    [`${ISSUER}:sub`]: "system:serviceaccount:agent-a:runner",
                    [`${ISSUER}:aud`]: "sts.amazonaws.com",
                },
            },
        });
        expect(Object.keys(statement.condition ?? {})).toEqual(["StringEquals"]);
    });

    it("takes the service account from an AgentRuntime's outputs", async () => {
        const runtime = {
            namespaceName: pulumi.output("agent-b"),
            serviceAccountName: pulumi.output("agent"),
        };
        await build("b", { namespace: undefined, serviceAccount: undefined, runtime });
        const [statement] = statementsOf(mocks.findResource(ROLE, "b"), "assumeRolePolicy");
        const equals = (statement.condition as { StringEquals: Record<string, string> }).StringEquals;
        expect(equals[`${ISSUER}:sub`]).toBe("system:serviceaccount:agent-b:agent");
    });

    it("accepts a matching issuer URL and rejects a different one", async () => {
        await build("c", {
            trust: { kind: "irsa", oidcProviderArn: PROVIDER_ARN, oidcProviderUrl: `https://${ISSUER}` },
        });
        expect(
            () =>
                new AgentRole("d", {
                    ...baseArgs(),
                    trust: {
                        kind: "irsa",
                        oidcProviderArn: PROVIDER_ARN,
                        oidcProviderUrl: "https://evil.example",
                    },
                }),
        ).toThrow(
            /trust.oidcProviderUrl = "https:\/\/evil.example" is not allowed; expected the provider's issuer/,
        );
    });

    it.each([
        ["a wildcard namespace", { namespace: "agent-*" }, /namespace = "agent-\*"/],
        ["a wildcard service account", { serviceAccount: "*" }, /serviceAccount = "\*"/],
        [
            "a missing service account",
            { serviceAccount: undefined },
            /give runtime, or both namespace and serviceAccount/,
        ],
        [
            "a malformed provider ARN",
            { trust: { kind: "irsa", oidcProviderArn: "arn:aws:iam::1:role/x" } },
            /trust.oidcProviderArn/,
        ],
    ] as const)("rejects %s before creating anything", (_what, args, message) => {
        expect(() => new AgentRole("bad", { ...baseArgs(), ...(args as Partial<AgentRoleArgs>) })).toThrow(
            message,
        );
        expect(awsChildren()).toEqual([]);
    });

    it("rejects runtime together with namespace/serviceAccount", () => {
        const runtime = { namespaceName: "agent-a", serviceAccountName: "runner" };
        expect(() => new AgentRole("both", { ...baseArgs(), runtime })).toThrow(
            /either runtime or namespace \+ serviceAccount/,
        );
    });

    it("uses Pod Identity restricted by session tags to one cluster, namespace and service account", async () => {
        const role = await build("p", { trust: { kind: "pod-identity", clusterName: "prod" } });
        const [statement] = statementsOf(mocks.findResource(ROLE, "p"), "assumeRolePolicy");
        expect(statement).toMatchObject({
            principal: { Service: "pods.eks.amazonaws.com" },
            actions: ["sts:AssumeRole", "sts:TagSession"],
            condition: {
                StringEquals: {
                    "aws:RequestTag/eks-cluster-name": "prod",
                    "aws:RequestTag/kubernetes-namespace": "agent-a",
                    "aws:RequestTag/kubernetes-service-account": "runner",
                },
            },
        });
        const association = mocks.findResource(POD_IDENTITY, "p");
        expect(association.inputs).toMatchObject({
            clusterName: "prod",
            namespace: "agent-a",
            serviceAccount: "runner",
            roleArn: await outputValue(role.roleArn),
            disableSessionTags: false,
        });
    });
});

describe("AgentRole permissions", () => {
    it("puts compliant statements in one inline policy", async () => {
        await build("ok", { statements: [BUCKET_READ] });
        const policy = mocks.findResource(ROLE_POLICY, "ok-permissions");
        expect(json(policy, "policy")).toEqual({ Version: "2012-10-17", Statement: [BUCKET_READ] });
    });

    it("creates no permissions policy without statements", async () => {
        await build("none");
        expect(mocks.tryFindResource(ROLE_POLICY, "none-permissions")).toBeUndefined();
    });

    it.each([
        [
            "permissions-management",
            { Effect: "Allow", Action: "iam:PutRolePolicy", Resource: "*" },
            "iam:PutRolePolicy",
        ],
        [
            "credentials",
            { Effect: "Allow", Action: "iam:CreateAccessKey", Resource: "*" },
            "iam:CreateAccessKey",
        ],
        ["role-assumption", { Effect: "Allow", Action: "sts:AssumeRole", Resource: "*" }, "sts:AssumeRole"],
        [
            "privilege-escalation",
            { Effect: "Allow", Action: "ssm:SendCommand", Resource: "*" },
            "ssm:SendCommand",
        ],
        [
            "network-tampering",
            { Effect: "Allow", Action: "ec2:AuthorizeSecurityGroupEgress", Resource: "*" },
            "ec2:AuthorizeSecurityGroupEgress",
        ],
        [
            "audit-tampering",
            { Effect: "Allow", Action: "cloudtrail:StopLogging", Resource: "*" },
            "cloudtrail:StopLogging",
        ],
        [
            "role-assumption",
            {
                Effect: "Allow",
                Action: "sts:AssumeRole",
                Resource: "arn:aws:iam::123456789012:role/OrganizationAccountAccessRole",
            },
            "sts:AssumeRole",
        ],
        [
            "credentials",
            { Effect: "Allow", Action: "sagemaker:CreatePresignedDomainUrl", Resource: "*" },
            "sagemaker:CreatePresignedDomainUrl",
        ],
        ["all-actions", { Effect: "Allow", Action: "*", Resource: "*" }, "*"],
        ["not-action-allow", { Effect: "Allow", NotAction: "s3:*", Resource: "*" }, "NotAction"],
    ] as const)(
        "rejects %s at construction, naming the statement, action and category",
        (category, statement, action) => {
            const statements = [
                BUCKET_READ,
                { Sid: "Offending", ...statement },
            ] as AgentRoleArgs["statements"];
            let message = "";
            try {
                new AgentRole("bad", { ...baseArgs(), statements });
            } catch (err) {
                message = String(err);
            }
            expect(message).toContain(`[${category}]`);
            expect(message).toContain('statement 1 (Sid "Offending")');
            expect(message).toContain(action);
            expect(awsChildren()).toEqual([]);
        },
    );

    it("rejects iam:PassRole with compute creation in separate statements", () => {
        const statements = [
            { Effect: "Allow", Action: "iam:PassRole", Resource: `arn:aws:iam::${ACCOUNT}:role/worker` },
            { Effect: "Allow", Action: "lambda:CreateFunction", Resource: "*" },
        ] as const;
        expect(() => new AgentRole("combo", { ...baseArgs(), statements })).toThrow(
            /\[privilege-escalation\].*lambda:CreateFunction.*iam:PassRole/,
        );
    });

    it.each(["IAM:PutRolePolicy", "iam:put*", "I?m:Put*", "iam:*", "*:*"])(
        "rejects the evasion %s",
        (action) => {
            const statements = [
                { Effect: "Allow", Action: ["s3:GetObject", action], Resource: "*" },
            ] as const;
            expect(() => new AgentRole("evasion", { ...baseArgs(), statements })).toThrow(
                /statements grant what an agent role may not hold/,
            );
        },
    );

    it("rejects a lowercase element name and a Principal in an identity statement", () => {
        const lower = [
            { Effect: "Allow", action: "iam:*", Resource: "*" },
        ] as unknown as AgentRoleArgs["statements"];
        expect(() => new AgentRole("lower", { ...baseArgs(), statements: lower })).toThrow(
            /element names are case-sensitive/,
        );
        const withPrincipal = [{ ...BUCKET_READ, Principal: "*" }] as unknown as AgentRoleArgs["statements"];
        expect(() => new AgentRole("principal", { ...baseArgs(), statements: withPrincipal })).toThrow(
            /statements\[0\].Principal/,
        );
    });

    it("accepts role assumption of one exact role and exempts only it in the boundary", async () => {
        const reader = `arn:aws:iam::${ACCOUNT}:role/reader`;
        await build("assume", {
            statements: [{ Effect: "Allow", Action: "sts:AssumeRole", Resource: reader }],
        });
        const boundary = statementsOf(mocks.findResource(POLICY, "assume-boundary"));
        expect(boundary.find((s) => s.sid === "DenyOtherRoleAssumption")?.notResources).toEqual([reader]);
    });
});

describe("AgentRole boundary", () => {
    it("creates the boundary and guardrails, and together they deny every forbidden family", async () => {
        const role = await build("bounded");
        const boundary = mocks.findResource(POLICY, "bounded-boundary");
        expect(mocks.findResource(ROLE, "bounded").inputs.permissionsBoundary).toBe(
            await outputValue(role.permissionsBoundaryArn),
        );
        const guardrails = mocks
            .resourcesOfType(POLICY)
            .filter((p) => p.name.startsWith("bounded-guardrails-"));
        expect(guardrails.length).toBeGreaterThan(0);
        expect(
            mocks
                .resourcesOfType(ATTACHMENT)
                .map((a) => a.name)
                .sort(),
        ).toEqual(guardrails.map((g) => g.name).sort());
        const everything = {
            source: "every service",
            document: {
                Statement: catalogServices().map((s) => ({
                    Effect: "Allow",
                    Action: `${s}:*`,
                    Resource: "*",
                })),
            },
        };
        const documents = [boundary, ...guardrails].map((p) => ({
            source: p.name,
            document: json(p, "policy"),
        }));
        // Object deletion is judged by bucket name (agents delete their own objects); the boundary denies it
        // on the audit trail's ARNs only, so it is left out here.
        const objectDeletion = {
            source: "object deletion",
            document: { Statement: [{ Effect: "Deny", Action: "s3:DeleteObject*", Resource: "*" }] },
        };
        expect(analyzeGrants([everything, ...documents, objectDeletion]).map((f) => f.category)).toEqual([
            "all-actions",
        ]);
    });

    it("uses a given boundary instead of creating one", async () => {
        const given = `arn:aws:iam::${ACCOUNT}:policy/platform-boundary`;
        const role = await build("given", { permissionsBoundaryArn: given });
        expect(mocks.findResource(ROLE, "given").inputs.permissionsBoundary).toBe(given);
        expect(mocks.resourcesOfType(POLICY)).toEqual([]);
        expect(role.boundaryPolicy).toBeUndefined();
    });

    it("denies everything on the audit trail's resources", async () => {
        const protectedArns = ["arn:aws:s3:::audit", "arn:aws:s3:::audit/*"];
        await build("audited", { auditTrail: { protectedResourceArns: protectedArns } });
        const boundary = statementsOf(mocks.findResource(POLICY, "audited-boundary"));
        expect(boundary.find((s) => s.sid === "DenyAuditTrail")).toMatchObject({
            effect: "Deny",
            actions: ["*"],
            resources: protectedArns,
        });
    });
});

describe("AgentRole boundary document as deployed", () => {
    const reader = `arn:aws:iam::${ACCOUNT}:role/reader`;
    const protectedArns = ["arn:aws:s3:::audit", "arn:aws:s3:::audit/*"];
    const expected = (assumable: string[]) =>
        buildAgentPermissionsBoundary({ assumableRoleArns: assumable, protectedResourceArns: protectedArns });

    it("is declared as an object whose ARN lists are Outputs, and deploys exactly the core's document", async () => {
        await build("obj", {
            statements: [{ Effect: "Allow", Action: "sts:AssumeRole", Resource: reader }],
            auditTrail: {
                protectedResourceArns: protectedArns.map((a) => pulumi.output(a)),
                protectedResourceArnBounds: [40, 42],
            },
        });
        const policy = mocks.findResource(POLICY, "obj-boundary");
        expect(typeof policy.inputs.policy).toBe("object");
        expect(policy.inputs.policy).toEqual(expected([reader]));
    });

    it("falls back to one JSON document when its shape is not known at construction, with the same content", async () => {
        await build("str", {
            statements: [{ Effect: "Allow", Action: "sts:AssumeRole", Resource: pulumi.output(reader) }],
            auditTrail: { protectedResourceArns: pulumi.output(protectedArns) },
        });
        const policy = mocks.findResource(POLICY, "str-boundary");
        expect(typeof policy.inputs.policy).toBe("string");
        expect(JSON.parse(policy.inputs.policy as string)).toEqual(expected([reader]));
    });
});

describe("AgentRole boundary size at construction", () => {
    const assumeOutputs = (count: number) =>
        Array.from({ length: count }, (_, i) => ({
            Effect: "Allow" as const,
            Action: ["sts:AssumeRole"],
            Resource: pulumi.output(`arn:aws:iam::${ACCOUNT}:role/target-${i}`),
        }));

    it("refuses an audit trail name that can push the boundary past IAM's 6,144 characters, saying what to shorten", () => {
        // Its log group (and streams) ARNs carry the component name: 1,400 characters twice are too many.
        const trail = new AgentAuditTrail(`audit-${"x".repeat(1400)}`, {
            agentId: "all-agents",
            owner: "security",
            trailName: "agents",
        });
        expect(() => new AgentRole("long", { ...baseArgs(), auditTrail: trail })).toThrow(
            /AgentRole "long": the permissions boundary can reach \d+ characters, over IAM's 6144 .*AgentAuditTrail's name is in its bucket and log group names, and its trailName/,
        );
    });

    it("accepts the reference stack's audit trail with role assumption of exact roles", async () => {
        const trail = new AgentAuditTrail("agents", { agentId: "all-agents", owner: "security" });
        await build("short", { auditTrail: trail, statements: assumeOutputs(1) });
        expect(mocks.findResource(POLICY, "short-boundary")).toBeDefined();
    });

    it("counts role ARNs not known yet at their longest", () => {
        expect(() => new AgentRole("many", { ...baseArgs(), statements: assumeOutputs(40) })).toThrow(
            /40 assumable role ARN\(s\), up to 4080 characters \(each ARN not known yet counts at 102/,
        );
        expect(
            () =>
                new AgentRole("given", {
                    ...baseArgs(),
                    statements: assumeOutputs(40),
                    permissionsBoundaryArn: `arn:aws:iam::${ACCOUNT}:policy/b`,
                }),
        ).not.toThrow();
    });
});

describe("AgentRole kill switch and session revocation", () => {
    it("attaches an explicit deny-all policy when suspended", async () => {
        await build("off", { suspended: true, statements: [BUCKET_READ] });
        expect(statementsOf(mocks.findResource(ROLE_POLICY, "off-suspended"))).toEqual([
            { index: 0, sid: "AgentSuspended", effect: "Deny", actions: ["*"], resources: ["*"] },
        ]);
        const verdict = analyzeGrants(
            mocks.resourcesOfType(ROLE_POLICY).map((p) => ({ source: p.name, document: json(p, "policy") })),
        );
        expect(verdict).toEqual([]);
    });

    it("attaches no deny-all policy when not suspended", async () => {
        await build("on", { suspended: false });
        expect(mocks.tryFindResource(ROLE_POLICY, "on-suspended")).toBeUndefined();
    });

    it("denies sessions issued before the revocation time", async () => {
        await build("revoked", { revokeSessionsIssuedBefore: "2024-05-01T10:00:00+02:00" });
        const [statement] = statementsOf(mocks.findResource(ROLE_POLICY, "revoked-revoke-sessions"));
        expect(statement).toMatchObject({
            effect: "Deny",
            actions: ["*"],
            resources: ["*"],
            condition: { DateLessThan: { "aws:TokenIssueTime": "2024-05-01T08:00:00.000Z" } },
        });
    });

    it.each([
        "yesterday",
        "2024-05-01",
        "2024-05-01T10:00:00",
        "2025-02-30T00:00:00Z",
        "2999-01-01T00:00:00Z",
    ])("rejects the revocation time %s", (time) => {
        expect(() => new AgentRole("bad-time", { ...baseArgs(), revokeSessionsIssuedBefore: time })).toThrow(
            /revokeSessionsIssuedBefore = .* is not allowed; expected an ISO 8601 time/,
        );
    });

    it("rejects a non-boolean kill switch", () => {
        const args = { ...baseArgs(), suspended: "yes" } as unknown as AgentRoleArgs;
        expect(() => new AgentRole("bad-switch", args)).toThrow(
            /suspended = "yes" is not allowed; expected true or false/,
        );
    });
});

describe("AgentRole tags and names", () => {
    it("tags every taggable resource with agent, owner and risk tier", async () => {
        await build("t", {
            riskTier: 2,
            trust: { kind: "pod-identity", clusterName: "prod" },
            tags: { team: "x" },
        });
        const taggable = mocks.resources.filter(
            (r) => r.type === ROLE || r.type === POLICY || r.type === POD_IDENTITY,
        );
        expect(taggable.length).toBeGreaterThan(3);
        for (const r of taggable) {
            expect(r.inputs.tags, r.name).toEqual({
                team: "x",
                "agentguard.io/agent": "a",
                "agentguard.io/owner": "ml-platform",
                "agentguard.io/risk-tier": "2",
            });
        }
    });

    it("rejects extra tags that would forge identification", () => {
        expect(
            () => new AgentRole("forge", { ...baseArgs(), tags: { "agentguard.io/agent": "other" } }),
        ).toThrow(/tags\["agentguard.io\/agent"\]/);
    });

    it("parents every child to the component and names them after it", async () => {
        const role = await build("n", { suspended: true, statements: [BUCKET_READ] });
        const urn = await outputValue(role.urn);
        for (const r of awsChildren()) {
            expect(r.parentUrn, r.name).toBe(urn);
            expect(r.name === "n" || r.name.startsWith("n-"), r.name).toBe(true);
        }
    });

    it("rejects an invalid agentId, owner and risk tier", () => {
        expect(() => new AgentRole("x", { ...baseArgs(), agentId: "Agent_A" })).toThrow(
            /agentId = "Agent_A" is not allowed/,
        );
        expect(() => new AgentRole("x", { ...baseArgs(), owner: "" })).toThrow(/owner = "" is not allowed/);
        expect(() => new AgentRole("x", { ...baseArgs(), riskTier: 4 as 1 })).toThrow(
            /riskTier = 4 is not allowed; expected 1 \(low\), 2 \(medium\) or 3 \(high\)/,
        );
    });
});
