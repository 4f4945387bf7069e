import { describe, expect, it } from "vitest";
import { awsRestrictAgentRoleTrust } from "../../../../policy-pack/rules/aws/aws-restrict-agent-role-trust";
import { runStackPolicy, UNKNOWN } from "../../../helpers/policy-harness";
import { irsaTrust, role, serviceTrust, SUB_KEY, trustOf } from "../../lib/aws/fixtures";

const TAGS = { tags: { "agentguard.io/agent": "x" } };
const exactSubject = irsaTrust({
    StringEquals: {
        [SUB_KEY]: "system:serviceaccount:agent-x:runner",
        "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE:aud": "sts.amazonaws.com",
    },
});

async function trustViolations(props: Record<string, unknown>) {
    return runStackPolicy(awsRestrictAgentRoleTrust, [role("agent-r", { ...TAGS, ...props })]);
}

describe("aws-restrict-agent-role-trust", () => {
    it.each([
        ["an exact EKS service-account subject", exactSubject],
        ["EKS Pod Identity", serviceTrust("pods.eks.amazonaws.com")],
        ["ecs-tasks", serviceTrust("ecs-tasks.amazonaws.com")],
        ["a specific role", trustOf({ AWS: "arn:aws:iam::111122223333:role/orchestrator" })],
    ])("accepts a tagged agent role trusted by %s", async (_, trust) => {
        expect(await trustViolations({ assumeRolePolicy: trust })).toEqual([]);
    });

    it.each([
        ["Principal *", trustOf("*"), /Principal "\*"/],
        ["AWS *", trustOf({ AWS: "*" }), /wildcard AWS principal "\*"/],
        [
            "another account's root",
            trustOf({ AWS: "arn:aws:iam::444455556666:root" }),
            /root of account 444455556666/,
        ],
        [
            "a bare account id",
            trustOf({ AWS: ["arn:aws:iam::111122223333:role/x", "444455556666"] }),
            /root of account/,
        ],
        [
            "a wildcard service principal",
            trustOf({ Service: "*.amazonaws.com" }),
            /wildcard Service principal/,
        ],
        [
            "an OIDC provider without :sub",
            irsaTrust({ StringEquals: { "x:aud": "sts.amazonaws.com" } }),
            /any service account/,
        ],
        [
            "StringLike wildcard :sub",
            irsaTrust({ StringLike: { [SUB_KEY]: "system:serviceaccount:agent-x:*" } }),
            /wildcard service-account subject/,
        ],
        [
            "StringNotEquals on :sub",
            irsaTrust({ StringNotEquals: { [SUB_KEY]: "system:serviceaccount:a:b" } }),
            /admits every other subject/,
        ],
        [
            "NotPrincipal",
            JSON.stringify({
                Statement: [
                    {
                        Effect: "Allow",
                        NotPrincipal: { AWS: "arn:aws:iam::1:role/x" },
                        Action: "sts:AssumeRole",
                    },
                ],
            }),
            /NotPrincipal/,
        ],
        ["an unknown trust policy", UNKNOWN, /unknown during preview/],
        ["Federated *", trustOf({ Federated: "*" }), /wildcard Federated principal/],
    ])("rejects a tagged agent role trusted by %s", async (_, trust, message) => {
        const v = await trustViolations({ assumeRolePolicy: trust });
        expect(v.length).toBeGreaterThan(0);
        expect(v[0]).toMatchObject({
            enforcementLevel: "mandatory",
            urn: expect.stringContaining("agent-r"),
        });
        expect(v[0].message).toMatch(message);
        expect(v[0].message).toMatch(/IAM agent role agent-r .*assumed/);
    });

    it("rejects an untagged role made an agent role by its wildcard subject", async () => {
        const trust = irsaTrust({ StringLike: { [SUB_KEY]: "system:serviceaccount:*" } });
        const v = await runStackPolicy(awsRestrictAgentRoleTrust, [
            role("sneaky", { assumeRolePolicy: trust }),
        ]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(/sneaky .*admits service account "system:serviceaccount:\*"/);
    });

    it("leaves non-agent roles alone, even with broad trust", async () => {
        const v = await runStackPolicy(awsRestrictAgentRoleTrust, [
            role("ci", { assumeRolePolicy: trustOf({ AWS: "arn:aws:iam::444455556666:root" }) }),
        ]);
        expect(v).toEqual([]);
    });

    it("ignores Deny statements, which only narrow the trust", async () => {
        const trust = JSON.stringify({
            Statement: [
                JSON.parse(exactSubject).Statement[0],
                { Effect: "Deny", Principal: "*", Action: "sts:AssumeRole" },
            ],
        });
        expect(await trustViolations({ assumeRolePolicy: trust })).toEqual([]);
    });
});
