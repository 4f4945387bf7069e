import { describe, expect, it } from "vitest";
import { analyzeGrants, IamDocumentError, type IamFinding } from "../../../core/iam";

type Statement = Record<string, unknown>;
const doc = (...Statement: Statement[]): { Version: string; Statement: Statement[] } => ({
    Version: "2012-10-17",
    Statement,
});
const allow = (Action: unknown, Resource: unknown = "*", extra: Statement = {}): Statement => ({
    Effect: "Allow",
    Action,
    Resource,
    ...extra,
});
const deny = (Action: unknown, Resource: unknown = "*", extra: Statement = {}): Statement => ({
    Effect: "Deny",
    Action,
    Resource,
    ...extra,
});
const analyze = (...statements: Statement[]): IamFinding[] =>
    analyzeGrants([{ source: "inline policy p", document: doc(...statements) }]);
const categories = (findings: readonly IamFinding[]): string[] =>
    [...new Set(findings.map((f) => f.category))].sort();

const COMPLIANT = allow(["s3:GetObject", "s3:PutObject"], "arn:aws:s3:::agent-bucket/*");

describe("analyzeGrants: families", () => {
    it("accepts a scoped data-plane grant", () => {
        expect(analyze(COMPLIANT, allow("sqs:SendMessage", "arn:aws:sqs:eu-west-1:1:q"))).toEqual([]);
    });

    it("flags * and *:* as all actions", () => {
        expect(categories(analyze(allow("*")))).toEqual(["all-actions"]);
        expect(categories(analyze(allow("*:*")))).toEqual(["all-actions"]);
    });

    it("flags an Allow with NotAction, and the families it grants", () => {
        const found = categories(analyze({ Effect: "Allow", NotAction: "s3:*", Resource: "*" }));
        expect(found).toEqual(
            expect.arrayContaining(["not-action-allow", "permissions-management", "credentials"]),
        );
    });

    it("does not flag NotAction in a Deny", () => {
        expect(analyze(COMPLIANT, { Effect: "Deny", NotAction: "s3:*", Resource: "*" })).toEqual([]);
    });

    it("flags IAM writes as permissions management and accepts IAM reads", () => {
        expect(categories(analyze(allow("iam:PutRolePolicy")))).toEqual(["permissions-management"]);
        expect(categories(analyze(allow("iam:TagRole", "arn:aws:iam::1:role/x")))).toEqual([
            "permissions-management",
        ]);
        expect(analyze(allow(["iam:GetRole", "iam:List*"]))).toEqual([]);
    });

    it("flags resource-policy changes in other services as permissions management", () => {
        expect(categories(analyze(allow("kms:PutKeyPolicy", "arn:aws:kms:eu-west-1:1:key/k")))).toEqual([
            "permissions-management",
        ]);
    });

    it("flags credential creation", () => {
        expect(categories(analyze(allow("sts:GetFederationToken")))).toEqual(["credentials"]);
        expect(categories(analyze(allow("iam:CreateAccessKey")))).toEqual([
            "credentials",
            "permissions-management",
        ]);
    });

    it("flags role assumption on *, on a wildcard role ARN, with NotResource and without Resource", () => {
        expect(categories(analyze(allow("sts:AssumeRole")))).toEqual(["role-assumption"]);
        expect(categories(analyze(allow("sts:AssumeRole", "arn:aws:iam::*:role/*")))).toEqual([
            "role-assumption",
        ]);
        expect(
            categories(analyze(allow("sts:AssumeRoleWithWebIdentity", "arn:aws:iam::1:role/agent-?"))),
        ).toEqual(["role-assumption"]);
        const notResource = {
            Effect: "Allow",
            Action: "sts:AssumeRole",
            NotResource: "arn:aws:iam::1:role/admin",
        };
        expect(categories(analyze(notResource))).toEqual(["role-assumption"]);
        expect(categories(analyze({ Effect: "Allow", Action: "sts:AssumeRole" }))).toEqual([
            "role-assumption",
        ]);
    });

    it("accepts role assumption of one exact role ARN", () => {
        expect(analyze(allow("sts:AssumeRole", "arn:aws:iam::123456789012:role/reader"))).toEqual([]);
    });

    it("flags standalone escalation actions", () => {
        expect(categories(analyze(allow("ssm:SendCommand")))).toEqual(["privilege-escalation"]);
        expect(
            categories(analyze(allow("lambda:UpdateFunctionCode", "arn:aws:lambda:eu-west-1:1:function:f"))),
        ).toEqual(["privilege-escalation"]);
        expect(categories(analyze(allow("ec2-instance-connect:SendSSHPublicKey")))).toEqual([
            "privilege-escalation",
        ]);
    });

    it("flags iam:PassRole on every role even without compute, and not on one role alone", () => {
        expect(categories(analyze(allow("iam:PassRole")))).toEqual([
            "permissions-management",
            "privilege-escalation",
        ]);
        expect(categories(analyze(allow("iam:PassRole", "arn:aws:iam::1:role/worker")))).toEqual([
            "permissions-management",
        ]);
    });

    it("flags network tampering and accepts network reads", () => {
        expect(categories(analyze(allow(["ec2:AuthorizeSecurityGroupEgress"])))).toEqual([
            "network-tampering",
        ]);
        expect(categories(analyze(allow("ec2:ReplaceRoute")))).toEqual(["network-tampering"]);
        expect(analyze(allow(["ec2:Describe*"]))).toEqual([]);
    });

    it("flags audit tampering", () => {
        expect(categories(analyze(allow("cloudtrail:StopLogging")))).toEqual(["audit-tampering"]);
        expect(categories(analyze(allow("logs:Delete*")))).toContain("audit-tampering");
        expect(categories(analyze(allow("s3:PutBucketObjectLockConfiguration")))).toContain(
            "audit-tampering",
        );
    });

    it("reports an unknown service prefix instead of ignoring it", () => {
        const [finding] = analyze(allow("madeupservice:*"));
        expect(finding.category).toBe("unknown-service");
        expect(finding.message).toMatch(/madeupservice:\*/);
    });

    it("ignores an unknown action of a known service (it grants nothing)", () => {
        expect(analyze(allow("s3:NoSuchAction"))).toEqual([]);
    });
});

describe("analyzeGrants: evasions", () => {
    it.each([
        ["upper case", "IAM:PUTROLEPOLICY"],
        ["mixed case", "Iam:putRolePolicy"],
        ["single-character wildcard", "iam:Put?olePolicy"],
        ["wildcard in the middle", "iam:*Role*"],
        ["wildcard service prefix", "i*m:Put*"],
        ["whole service", "iam:*"],
    ])("catches IAM writes written with %s (%s)", (_how, action) => {
        expect(categories(analyze(allow(action)))).toContain("permissions-management");
    });

    it("catches a grant hidden in a later element of an action array", () => {
        expect(
            categories(analyze(allow(["s3:GetObject", "s3:ListBucket", "iam:AttachRolePolicy"]))),
        ).toContain("permissions-management");
    });

    it("reads string documents and single Statement objects the same way", () => {
        const asString = analyzeGrants([
            { source: "s", document: JSON.stringify(doc(allow("iam:CreateUser"))) },
        ]);
        const asObject = analyzeGrants([{ source: "s", document: { Statement: allow("iam:CreateUser") } }]);
        expect(asString.map((f) => f.category)).toEqual(["permissions-management"]);
        expect(asObject.map((f) => f.category)).toEqual(asString.map((f) => f.category));
    });

    it("rejects a lowercase key that would hide a grant", () => {
        expect(() => analyze({ Effect: "Allow", action: "iam:*", Resource: "*" })).toThrow(IamDocumentError);
    });

    it("does not let a Condition on an Allow hide it", () => {
        const conditional = allow("iam:PutRolePolicy", "*", {
            Condition: { StringEquals: { "aws:RequestedRegion": "x" } },
        });
        expect(categories(analyze(conditional))).toEqual(["permissions-management"]);
    });
});

describe("analyzeGrants: Deny", () => {
    it("lets an unconditional Deny on * remove a grant", () => {
        expect(analyze(allow("iam:*"), deny("iam:*"))).toEqual([]);
        expect(analyze(allow("iam:PutRolePolicy"), deny("IAM:Put*"))).toEqual([]);
    });

    it("removes only what the Deny covers", () => {
        const left = analyze(allow(["iam:PutRolePolicy", "iam:CreateAccessKey"]), deny("iam:PutRolePolicy"));
        expect(left.map((f) => f.message).join("\n")).not.toMatch(/PutRolePolicy/);
        expect(categories(left)).toEqual(["credentials", "permissions-management"]);
    });

    it("does not trust a conditional Deny to remove a grant", () => {
        const conditional = deny("iam:*", "*", {
            Condition: { Bool: { "aws:MultiFactorAuthPresent": "false" } },
        });
        expect(categories(analyze(allow("iam:PutRolePolicy"), conditional))).toEqual([
            "permissions-management",
        ]);
    });

    it("does not trust a Deny on some resources or with NotResource to remove a grant", () => {
        expect(
            categories(analyze(allow("iam:PutRolePolicy"), deny("iam:*", "arn:aws:iam::1:role/a"))),
        ).toEqual(["permissions-management"]);
        const notResource = { Effect: "Deny", Action: "iam:*", NotResource: "arn:aws:iam::1:role/a" };
        expect(categories(analyze(allow("iam:PutRolePolicy"), notResource))).toEqual([
            "permissions-management",
        ]);
    });

    it("applies a Deny from another document attached to the same principal", () => {
        const findings = analyzeGrants([
            { source: "inline a", document: doc(allow("iam:PutRolePolicy")) },
            { source: "managed b", document: doc(deny("iam:*")) },
        ]);
        expect(findings).toEqual([]);
    });

    it("lets a Deny of everything (also via NotAction) remove every finding", () => {
        expect(analyze(allow("*"), deny("*"))).toEqual([]);
        expect(analyze(allow("iam:*"), { Effect: "Deny", NotAction: "s3:GetObject", Resource: "*" })).toEqual(
            [],
        );
    });

    it("keeps all-actions for Allow * even when families are denied: services added later stay granted", () => {
        expect(categories(analyze(allow("*"), deny("iam:*")))).toEqual(["all-actions"]);
    });
});

describe("analyzeGrants: escalation across documents", () => {
    it("flags iam:PassRole in one document with ec2:RunInstances in another", () => {
        const findings = analyzeGrants([
            { source: "inline pass", document: doc(allow("iam:PassRole", "arn:aws:iam::1:role/worker")) },
            { source: "managed compute", document: doc(allow("ec2:RunInstances")) },
        ]);
        const escalation = findings.filter((f) => f.category === "privilege-escalation");
        expect(escalation).toHaveLength(1);
        expect(escalation[0].source).toBe("managed compute");
        expect(escalation[0].message).toMatch(/iam:PassRole from inline pass statement 0/);
    });

    it.each([
        "lambda:CreateFunction",
        "ecs:RunTask",
        "glue:CreateDevEndpoint",
        "cloudformation:CreateStack",
        "sagemaker:CreateNotebookInstance",
        "codebuild:CreateProject",
    ])("flags iam:PassRole with %s", (compute) => {
        const findings = analyze(allow("iam:PassRole", "arn:aws:iam::1:role/r"), allow(compute));
        expect(findings.some((f) => f.category === "privilege-escalation" && f.action === compute)).toBe(
            true,
        );
    });

    it("accepts compute creation without iam:PassRole", () => {
        expect(analyze(allow(["lambda:CreateFunction", "ec2:RunInstances"]))).toEqual([]);
    });

    it("does not flag the combination when the PassRole grant is denied", () => {
        const findings = analyze(allow("iam:PassRole"), allow("ec2:RunInstances"), deny("iam:PassRole"));
        expect(findings).toEqual([]);
    });
});

describe("analyzeGrants: messages and errors", () => {
    it("names the source, statement index, Sid, action and reason", () => {
        const [finding] = analyzeGrants([
            {
                source: "inline policy agent-x",
                document: doc(COMPLIANT, allow("IAM:put*", "*", { Sid: "Sneaky" })),
            },
        ]);
        expect(finding).toMatchObject({
            source: "inline policy agent-x",
            statementIndex: 1,
            sid: "Sneaky",
            action: "IAM:put*",
            category: "permissions-management",
        });
        expect(finding.message).toMatch(
            /^inline policy agent-x statement 1 \(Sid "Sneaky"\): Allow "IAM:put\*" \(iam:Put.*\) grants permissions management/,
        );
    });

    it("throws IamDocumentError naming the source of a malformed document", () => {
        expect(() => analyzeGrants([{ source: "managed m", document: "{oops" }])).toThrow(
            /^managed m: .*not valid JSON/,
        );
    });

    it("analyses thousands of roles quickly once the catalogue is loaded", () => {
        const role = [
            {
                source: "a",
                document: doc(allow(["s3:Get*", "s3:Put*", "sqs:*", "iam:Get*"], "arn:aws:s3:::b/*")),
            },
            { source: "b", document: doc(allow(["ec2:Describe*", "logs:CreateLogStream"]), deny("iam:*")) },
        ];
        analyzeGrants(role);
        const start = performance.now();
        for (let i = 0; i < 3000; i++) analyzeGrants(role);
        expect(performance.now() - start).toBeLessThan(5000);
    });
});

describe("analyzeGrants: administrator roles, presigned URLs and audit deletion (issue 13)", () => {
    const ORG = "arn:aws:iam::123456789012:role/OrganizationAccountAccessRole";
    const SSO = "arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_0a1b";

    it.each([
        ["sts:AssumeRole", ORG],
        ["sts:AssumeRole", SSO],
        ["sts:AssumeRole", "arn:aws:iam::123456789012:root"],
        ["STS:assumerole", "arn:aws:iam::123456789012:role/AWSControlTowerExecution"],
    ])("flags %s on %s as role assumption", (action, resource) => {
        expect(categories(analyze(allow(action, resource)))).toContain("role-assumption");
    });

    it("flags iam:PassRole on an administrator role, also written in lower case, as escalation", () => {
        expect(categories(analyze(allow("IAM:passrole", [ORG])))).toContain("privilege-escalation");
        expect(categories(analyze(allow("iam:PassRole", SSO)))).toContain("privilege-escalation");
    });

    it("accepts role assumption of an exact, ordinary role", () => {
        const found = analyze(allow("sts:AssumeRole", "arn:aws:iam::123456789012:role/agent-x-reader"));
        expect(categories(found)).not.toContain("role-assumption");
    });

    it("flags presigned URL wildcards and single-object statements", () => {
        const statement = { Effect: "Allow", Action: "sagemaker:CreatePresigned*", Resource: "*" };
        const found = analyzeGrants([
            { source: "inline policy p", document: { Version: "2012-10-17", Statement: statement } },
        ]);
        expect(categories(found)).toContain("credentials");
        expect(categories(analyze(allow("quicksight:GenerateEmbedUrl*")))).toContain("credentials");
    });

    it("flags object deletion on a wildcard bucket or NotResource as audit tampering", () => {
        expect(categories(analyze(allow("s3:DeleteObject", "arn:aws:s3:::*/*")))).toContain(
            "audit-tampering",
        );
        expect(categories(analyze(allow("s3:DeleteObjectVersion", "*")))).toContain("audit-tampering");
        expect(categories(analyze(allow("s3:Delete*", "arn:aws:s3:::audit-*/*")))).toContain(
            "audit-tampering",
        );
        const notResource = { Effect: "Allow", Action: "s3:DeleteObject", NotResource: "arn:aws:s3:::x/*" };
        expect(categories(analyze(notResource))).toContain("audit-tampering");
    });

    it("accepts object deletion in the agent's own, named bucket", () => {
        expect(analyze(allow(["s3:DeleteObject", "s3:PutObject"], "arn:aws:s3:::agent-x-scratch/*"))).toEqual(
            [],
        );
    });

    it("flags disabling or deleting KMS keys on any resource", () => {
        const key = "arn:aws:kms:eu-west-1:123456789012:key/0000";
        expect(categories(analyze(allow("kms:ScheduleKeyDeletion", key)))).toEqual(["audit-tampering"]);
        expect(categories(analyze(allow("kms:Disable*")))).toContain("audit-tampering");
        expect(categories(analyze(allow(["kms:Encrypt", "kms:Decrypt"], key)))).toEqual([]);
    });
});
