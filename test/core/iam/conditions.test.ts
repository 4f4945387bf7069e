import { describe, expect, it } from "vitest";
import { evaluateCondition, type RequestingPrincipal } from "../../../core/iam/conditions";

const ACCOUNT = "111122223333";
const agent: RequestingPrincipal = {
    type: "role",
    name: "agent-analyst",
    arn: `arn:aws:iam::${ACCOUNT}:role/agents/agent-analyst`,
    account: ACCOUNT,
    tags: { "agentguard.io/agent": "analyst", team: "data" },
};
/** The same role before deploy: only its name and tags are known. */
const unnamedAccount: RequestingPrincipal = {
    type: "role",
    name: "agent-analyst",
    path: "/",
    tags: agent.tags,
};

describe("evaluateCondition: keys about the principal", () => {
    it("holds without a Condition", () => {
        expect(evaluateCondition(undefined, agent)).toBe(true);
    });

    it("aws:PrincipalArn equal to another role is false; to the agent's own ARN (with its path) true", () => {
        const other = { StringEquals: { "aws:PrincipalArn": `arn:aws:iam::${ACCOUNT}:role/reporting` } };
        expect(evaluateCondition(other, agent)).toBe(false);
        const own = { ArnEquals: { "aws:PrincipalArn": agent.arn } };
        expect(evaluateCondition(own, agent)).toBe(true);
    });

    it("reads condition keys in any case (case games do not hide the key)", () => {
        const c = { StringEquals: { "AWS:principalARN": `arn:aws:iam::${ACCOUNT}:role/reporting` } };
        expect(evaluateCondition(c, agent)).toBe(false);
        expect(evaluateCondition({ stringequals: { "aws:PrincipalArn": agent.arn } }, agent)).toBe(true);
    });

    it("ArnLike matches each part on its own: a star does not cross the colons", () => {
        expect(evaluateCondition({ ArnLike: { "aws:PrincipalArn": "arn:aws:iam::*:role/*" } }, agent)).toBe(
            true,
        );
        expect(evaluateCondition({ ArnLike: { "aws:PrincipalArn": "arn:aws:iam:*" } }, agent)).toBe(false);
        expect(evaluateCondition({ StringLike: { "aws:PrincipalArn": "arn:aws:iam:*" } }, agent)).toBe(true);
    });

    it("with an unknown account, an ARN naming another role is false, one naming this role unknown", () => {
        const other = { StringEquals: { "aws:PrincipalArn": "arn:aws:iam::999999999999:role/reporting" } };
        expect(evaluateCondition(other, unnamedAccount)).toBe(false);
        const same = { StringEquals: { "aws:PrincipalArn": `arn:aws:iam::${ACCOUNT}:role/agent-analyst` } };
        expect(evaluateCondition(same, unnamedAccount)).toBe("unknown");
        const like = { ArnLike: { "aws:PrincipalArn": "arn:aws:iam::*:role/agent-*" } };
        expect(evaluateCondition(like, unnamedAccount)).toBe("unknown");
        expect(
            evaluateCondition(
                { ArnLike: { "aws:PrincipalArn": "arn:aws:iam::*:role/ops-*" } },
                unnamedAccount,
            ),
        ).toBe(false);
        // Without its path, any path may lead to its name.
        const pathless = { ...unnamedAccount, path: undefined };
        expect(
            evaluateCondition({ ArnLike: { "aws:PrincipalArn": "arn:aws:iam::*:role/ops-*" } }, pathless),
        ).toBe("unknown");
    });

    it("StringNotEquals excluding only a different role does not exclude the agent", () => {
        const c = { StringNotEquals: { "aws:PrincipalArn": `arn:aws:iam::${ACCOUNT}:role/reporting` } };
        expect(evaluateCondition(c, agent)).toBe(true);
        expect(evaluateCondition(c, unnamedAccount)).toBe(true);
        const excludesAgent = { StringNotEquals: { "aws:PrincipalArn": agent.arn } };
        expect(evaluateCondition(excludesAgent, agent)).toBe(false);
    });

    it("aws:PrincipalAccount equal to the agent's own account does not exclude it; unknown account is unknown", () => {
        const c = { StringEquals: { "aws:PrincipalAccount": ACCOUNT } };
        expect(evaluateCondition(c, agent)).toBe(true);
        expect(evaluateCondition(c, unnamedAccount)).toBe("unknown");
        expect(evaluateCondition({ StringEquals: { "aws:PrincipalAccount": "999999999999" } }, agent)).toBe(
            false,
        );
    });

    it("aws:PrincipalOrgID cannot be known from the stack: unknown, never false", () => {
        expect(evaluateCondition({ StringEquals: { "aws:PrincipalOrgID": "o-abc123" } }, agent)).toBe(
            "unknown",
        );
    });

    it("aws:PrincipalTag compares the stack's tags; another agent id is false, its own id true", () => {
        const key = "aws:PrincipalTag/agentguard.io/agent";
        expect(evaluateCondition({ StringEquals: { [key]: "coder" } }, agent)).toBe(false);
        expect(evaluateCondition({ StringEquals: { [key]: ["coder", "analyst"] } }, agent)).toBe(true);
        expect(evaluateCondition({ StringEqualsIgnoreCase: { [key]: "ANALYST" } }, agent)).toBe(true);
        expect(evaluateCondition({ StringEquals: { [key]: "coder" } }, { ...agent, tags: undefined })).toBe(
            "unknown",
        );
    });

    it("a tag key that differs only in case is unknown, not absent", () => {
        const c = { StringNotEquals: { "aws:PrincipalTag/AgentGuard.io/Agent": "analyst" } };
        expect(evaluateCondition(c, agent)).toBe("unknown");
    });

    it("IfExists on a key the agent lacks holds (it does not exclude the agent)", () => {
        const c = { StringEqualsIfExists: { "aws:PrincipalTag/clearance": "top" } };
        expect(evaluateCondition(c, agent)).toBe(true);
        expect(evaluateCondition({ StringEquals: { "aws:PrincipalTag/clearance": "top" } }, agent)).toBe(
            false,
        );
    });

    it("ForAllValues on an empty set holds; ForAnyValue on it does not", () => {
        const all = { "ForAllValues:StringEquals": { "aws:PrincipalTag/clearance": "top" } };
        expect(evaluateCondition(all, agent)).toBe(true);
        const any = { "ForAnyValue:StringEquals": { "aws:PrincipalTag/clearance": "top" } };
        expect(evaluateCondition(any, agent)).toBe(false);
        const anyTeam = { "ForAnyValue:StringLike": { "aws:PrincipalTag/team": ["ops", "da*"] } };
        expect(evaluateCondition(anyTeam, agent)).toBe(true);
    });

    it("a negated operator holds when the key is missing", () => {
        expect(evaluateCondition({ StringNotEquals: { "aws:PrincipalTag/clearance": "top" } }, agent)).toBe(
            true,
        );
    });

    it("Null tests presence", () => {
        expect(evaluateCondition({ Null: { "aws:PrincipalTag/clearance": "true" } }, agent)).toBe(true);
        expect(evaluateCondition({ Null: { "aws:PrincipalTag/team": "true" } }, agent)).toBe(false);
        expect(evaluateCondition({ Null: { "aws:PrincipalArn": "false" } }, unnamedAccount)).toBe(true);
    });

    it("aws:PrincipalType and Bool on aws:PrincipalIsAWSService", () => {
        expect(evaluateCondition({ StringEquals: { "aws:PrincipalType": "AssumedRole" } }, agent)).toBe(true);
        expect(evaluateCondition({ StringEquals: { "aws:PrincipalType": "User" } }, agent)).toBe(false);
        expect(evaluateCondition({ Bool: { "aws:PrincipalIsAWSService": "true" } }, agent)).toBe(false);
        expect(evaluateCondition({ Bool: { "aws:PrincipalIsAWSService": false } }, agent)).toBe(true);
    });
});

describe("evaluateCondition: what the requester controls or the stack cannot know", () => {
    it("request keys are satisfiable: unknown, never false", () => {
        for (const c of [
            { IpAddress: { "aws:SourceIp": "10.0.0.0/8" } },
            { StringEquals: { "aws:RequestTag/project": "x" } },
            { DateLessThan: { "aws:CurrentTime": "2020-01-01T00:00:00Z" } },
            { Bool: { "aws:MultiFactorAuthPresent": "true" } },
            { StringEquals: { "kms:ViaService": "s3.eu-west-1.amazonaws.com" } },
            { StringEquals: { "aws:SourceAccount": ACCOUNT } },
            { NumericLessThan: { "aws:MultiFactorAuthAge": "3600" } },
        ]) {
            expect(evaluateCondition(c, agent)).toBe("unknown");
        }
    });

    it("any false key makes the whole Condition false, even next to an unknown one", () => {
        const c = {
            IpAddress: { "aws:SourceIp": "10.0.0.0/8" },
            StringEquals: { "aws:PrincipalArn": `arn:aws:iam::${ACCOUNT}:role/reporting` },
        };
        expect(evaluateCondition(c, agent)).toBe(false);
    });

    it("policy variables, unreadable values and unknown operators are unknown", () => {
        expect(
            evaluateCondition({ StringEquals: { "aws:PrincipalTag/team": "${aws:PrincipalTag/x}" } }, agent),
        ).toBe("unknown");
        expect(evaluateCondition({ StringEquals: { "aws:PrincipalTag/team": { a: 1 } } }, agent)).toBe(
            "unknown",
        );
        expect(evaluateCondition({ StringMatchesRegex: { "aws:PrincipalTag/team": "x" } }, agent)).toBe(
            "unknown",
        );
        expect(evaluateCondition("StringEquals", agent)).toBe("unknown");
    });
});
