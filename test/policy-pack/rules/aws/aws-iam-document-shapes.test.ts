import { describe, expect, it } from "vitest";
import { awsRestrictAgentIamGrants } from "../../../../policy-pack/rules/aws/aws-restrict-agent-iam-grants";
import { awsRestrictAgentResourcePolicies } from "../../../../policy-pack/rules/aws/aws-restrict-agent-resource-policies";
import { awsRestrictAgentRoleTrust } from "../../../../policy-pack/rules/aws/aws-restrict-agent-role-trust";
import { runStackPolicy, type FakeResource } from "../../../helpers/policy-harness";
import { allow, policyDoc, role, serviceTrust } from "../../lib/aws/fixtures";

/**
 * IAM JSON with a key given twice: JSON.parse keeps the last, AWS may read another, so every reader of an IAM
 * document refuses it as a mandatory violation naming the key (and the resource's other findings stay).
 */
const TAGS = { tags: { "agentguard.io/agent": "builder" } };
// A Deny as the last "Effect": JSON.parse reads a harmless Deny where AWS may read the first, an Allow.
const SHADOWED_ALLOW =
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*","Effect":"Deny"}]}';
const TWO_STATEMENTS = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}],"Statement":[]}`;

describe("IAM documents with duplicate keys", () => {
    describe("aws-restrict-agent-iam-grants", () => {
        const agentRole = (policies: { name: string; policy: string }[]) =>
            role("agent-builder", { ...TAGS, inlinePolicies: policies });

        it.each([
            ["two Effect keys in a statement", SHADOWED_ALLOW, /Statement\[0\] has the key "Effect" twice/],
            ["two Statement keys", TWO_STATEMENTS, /top-level object has the key "Statement" twice/],
            [
                "keys that differ only in case",
                '{"Statement":[{"Effect":"Deny","effect":"Allow","Action":"iam:*","Resource":"*"}]}',
                /keys "Effect" and "effect", which differ only in case/,
            ],
        ])("rejects an inline policy with %s, naming the key", async (_label, policy, message) => {
            const v = await runStackPolicy(awsRestrictAgentIamGrants, [agentRole([{ name: "dup", policy }])]);
            const hit = v.filter((x) => message.test(x.message));
            expect(hit, JSON.stringify(v, null, 1)).toHaveLength(1);
            expect(hit[0].enforcementLevel).toBe("mandatory");
            expect(hit[0].message).toMatch(/inline policy dup of role agent-builder/);
        });

        it("accepts the same policy written once", async () => {
            const policy = policyDoc(allow("s3:GetObject", "arn:aws:s3:::drafts/*"));
            expect(
                await runStackPolicy(awsRestrictAgentIamGrants, [agentRole([{ name: "ok", policy }])]),
            ).toEqual([]);
        });

        it("still reports the role's other grants next to the ambiguous document", async () => {
            const v = await runStackPolicy(awsRestrictAgentIamGrants, [
                agentRole([
                    { name: "dup", policy: SHADOWED_ALLOW },
                    { name: "escalate", policy: policyDoc(allow(["iam:PassRole", "ec2:RunInstances"])) },
                ]),
            ]);
            const all = v.map((x) => x.message).join("\n");
            expect(all).toMatch(/"Effect" twice/);
            expect(all).toMatch(/privilege escalation/);
        });
    });

    describe("aws-restrict-agent-role-trust", () => {
        it("rejects an agent role whose trust policy has two Principal keys", async () => {
            const trust =
                '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}';
            const v = await runStackPolicy(awsRestrictAgentRoleTrust, [
                role("agent-r", { ...TAGS, assumeRolePolicy: trust }),
            ]);
            expect(v).toHaveLength(1);
            expect(v[0].enforcementLevel).toBe("mandatory");
            expect(v[0].message).toMatch(/Statement\[0\] has the key "Principal" twice/);
        });

        it("accepts the same trust policy written once", async () => {
            const trust = serviceTrust("ec2.amazonaws.com");
            expect(
                await runStackPolicy(awsRestrictAgentRoleTrust, [
                    role("agent-r", { ...TAGS, assumeRolePolicy: trust }),
                ]),
            ).toEqual([]);
        });
    });

    describe("aws-restrict-agent-resource-policies", () => {
        const bucketPolicy = (policy: string, name = "audit-policy"): FakeResource => ({
            type: "aws:s3/bucketPolicy:BucketPolicy",
            name,
            props: { bucket: "audit", policy },
        });

        it("rejects a bucket policy with two Action keys in a statement, naming the key", async () => {
            const policy =
                '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:DeleteBucket","Action":"s3:GetObject","Resource":"*"}]}';
            const v = await runStackPolicy(awsRestrictAgentResourcePolicies, [bucketPolicy(policy)]);
            expect(v).toHaveLength(1);
            expect(v[0].enforcementLevel).toBe("mandatory");
            expect(v[0].message).toMatch(
                /audit-policy's policy cannot be read: ambiguous: Statement\[0\] has the key "Action" twice/,
            );
        });

        it("accepts the same bucket policy written once", async () => {
            const policy = JSON.stringify({
                Version: "2012-10-17",
                Statement: [{ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "*" }],
            });
            expect(await runStackPolicy(awsRestrictAgentResourcePolicies, [bucketPolicy(policy)])).toEqual(
                [],
            );
        });
    });

    describe("inlinePolicies of the wrong shape (aws-restrict-agent-iam-grants)", () => {
        const escalate = policyDoc(allow("iam:*"));
        it.each([
            [
                "an object",
                { name: "all", policy: escalate },
                /inlinePolicies of role agent-builder is \{"name":"all".*\(an object\), not a list of \{ name, policy \} objects/,
            ],
            [
                "a list of strings",
                [escalate],
                /inlinePolicies\[0\] of role agent-builder is .*\(a string\), not a \{ name, policy \} object/,
            ],
        ])("rejects inlinePolicies as %s, naming the field", async (_label, inlinePolicies, message) => {
            const v = await runStackPolicy(awsRestrictAgentIamGrants, [
                role("agent-builder", { ...TAGS, inlinePolicies }),
            ]);
            expect(v).toHaveLength(1);
            expect(v[0].enforcementLevel).toBe("mandatory");
            expect(v[0].message).toMatch(message);
        });
    });
});
