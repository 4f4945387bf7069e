import { describe, expect, it } from "vitest";
import { agentTagLimit, mayWriteSecretTags } from "../../../core/reach/abac";
import { normalizePolicyDocument } from "../../../core/iam";

const reader = { type: "role" as const, name: "agent-analyst", tags: { "AgentGuard.io/Agent": "analyst" } };
const own = "${aws:PrincipalTag/agentguard.io/agent}";

describe("agentTagLimit", () => {
    it("reads ids and the reader's own tag (any key case) from StringEquals on the resource's agent tag", () => {
        const key = "aws:ResourceTag/agentguard.io/agent";
        expect(agentTagLimit({ StringEquals: { [key]: ["coder", own] } }, reader)).toEqual(
            new Set(["coder", "analyst"]),
        );
        expect(
            agentTagLimit({ stringequals: { "kms:ResourceTag/agentguard.io/agent": own } }, reader),
        ).toEqual(new Set(["analyst"]));
    });

    it("an untagged reader's own tag limits to nothing; unknown tags give no limit", () => {
        const c = { StringEquals: { "aws:ResourceTag/agentguard.io/agent": own } };
        expect(agentTagLimit(c, { type: "role", tags: {} })).toEqual(new Set());
        expect(agentTagLimit(c, { type: "role" })).toBeUndefined();
    });

    it("no limit from other tags, IfExists, patterns or other variables", () => {
        for (const c of [
            { StringEquals: { "aws:ResourceTag/team": "data" } },
            { StringEqualsIfExists: { "aws:ResourceTag/agentguard.io/agent": "analyst" } },
            { StringEquals: { "aws:ResourceTag/agentguard.io/agent": "ana*" } },
            { StringEquals: { "aws:ResourceTag/agentguard.io/agent": "${aws:username}" } },
            { StringEquals: { "aws:ResourceTag/AgentGuard.io/Agent": "analyst" } },
        ]) {
            expect(agentTagLimit(c, reader), JSON.stringify(c)).toBeUndefined();
        }
    });
});

describe("mayWriteSecretTags", () => {
    const doc = (statement: Record<string, unknown>) =>
        normalizePolicyDocument({
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Resource: "*", ...statement }],
        });

    it("finds tag writes by name, wildcard or NotAction", () => {
        expect(mayWriteSecretTags(doc({ Action: "secretsmanager:Tag*" }))).toBe(true);
        expect(mayWriteSecretTags(doc({ Action: "ssm:AddTagsToResource" }))).toBe(true);
        expect(mayWriteSecretTags(doc({ NotAction: "s3:*" }))).toBe(true);
        expect(mayWriteSecretTags(doc({ Action: ["secretsmanager:GetSecretValue", "kms:Decrypt"] }))).toBe(
            false,
        );
    });
});
