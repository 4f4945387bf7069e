import { describe, expect, it } from "vitest";
import { buildReachGraph, type ReachResource } from "../../../core/reach";
import { credentialOutcomes } from "../../../core/reach/credentials";

const ACCOUNT = "111122223333";
const SECRET_ARN = `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:db-password-AbCdEf`;

function resource(type: string, name: string, props: Record<string, unknown>): ReachResource {
    return {
        urn: `urn:pulumi:dev::p::${type}::${name}`,
        type,
        name,
        props,
        dependencies: [],
        propertyDependencies: {},
    };
}

const doc = (...statements: Record<string, unknown>[]) => ({ Version: "2012-10-17", Statement: statements });

function role(name: string, props: Record<string, unknown>): ReachResource {
    return resource("aws:iam/role:Role", name, { name, ...props });
}

/** A role trusted as written, that reads one secret. */
function reader(principal: unknown, condition?: Record<string, unknown>): ReachResource {
    return role("secret-reader", {
        assumeRolePolicy: JSON.stringify(
            doc({ Effect: "Allow", Principal: principal, Action: "sts:AssumeRole", Condition: condition }),
        ),
        testPolicy: doc({ Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: SECRET_ARN }),
    });
}

const secret = resource("aws:secretsmanager/secret:Secret", "db-password", { name: "db-password" });

function closure(agentPolicy: unknown, target: ReachResource) {
    const agent = role("agent-analyst", {
        tags: { "agentguard.io/agent": "analyst" },
        testPolicy: agentPolicy,
    });
    const graph = buildReachGraph([agent, target, secret], {
        agents: [{ resource: agent, certainty: "agent", reasons: ["tagged"] }],
        permissionsOf: (p) => ({
            documents: p.props.testPolicy
                ? [{ source: `policy of ${p.name}`, document: p.props.testPolicy }]
                : [],
            managed: [],
            unresolved: [],
        }),
        outcomesOf: credentialOutcomes,
    });
    return graph.closures()[0];
}

const assume = doc({ Effect: "Allow", Action: "sts:AssumeRole", Resource: `arn:aws:iam::${ACCOUNT}:role/*` });
const AGENT_ARN = `arn:aws:iam::${ACCOUNT}:role/agent-analyst`;

describe("role trust conditions in the walk", () => {
    it("a trust naming the agent with a condition on another agent's tag admits nothing", () => {
        const c = closure(
            doc(),
            reader({ AWS: AGENT_ARN }, { StringEquals: { "aws:PrincipalTag/agentguard.io/agent": "coder" } }),
        );
        expect(c.findings).toEqual([]);
    });

    it("a trust of the account whose condition excludes the agent: sts:AssumeRole reaches nothing", () => {
        const c = closure(
            assume,
            reader(
                { AWS: `arn:aws:iam::${ACCOUNT}:root` },
                { ArnEquals: { "aws:PrincipalArn": `arn:aws:iam::${ACCOUNT}:role/billing` } },
            ),
        );
        expect(c.findings).toEqual([]);
    });

    it("a condition the requester controls keeps the edge, as a guess", () => {
        const c = closure(
            assume,
            reader({ AWS: `arn:aws:iam::${ACCOUNT}:root` }, { StringEquals: { "sts:ExternalId": "x" } }),
        );
        expect(c.findings.map((f) => [f.outcome.kind, f.certain])).toEqual([["credentials", false]]);
    });

    it("a condition that holds for the agent keeps the edge certain", () => {
        const c = closure(
            doc(),
            reader(
                { AWS: AGENT_ARN },
                { StringEquals: { "aws:PrincipalTag/agentguard.io/agent": "analyst" } },
            ),
        );
        expect(c.findings.map((f) => [f.outcome.kind, f.certain])).toEqual([["credentials", true]]);
        expect(c.findings[0].path.map((e) => e.kind)).toEqual(["assume", "read-secret"]);
    });

    it("a trust letting callers tag their session makes the role's tags unknown to conditions", () => {
        const policy: ReachResource = {
            ...resource("aws:secretsmanager/secretPolicy:SecretPolicy", "p", {
                secretArn: SECRET_ARN,
                policy: JSON.stringify(
                    doc({
                        Effect: "Allow",
                        Principal: "*",
                        Action: "secretsmanager:GetSecretValue",
                        Resource: "*",
                        Condition: { StringEquals: { "aws:PrincipalTag/agentguard.io/agent": "coder" } },
                    }),
                ),
            }),
        };
        const withSecretArn = { ...secret, props: { ...secret.props, arn: SECRET_ARN } };
        const run = (actions: string[]) => {
            const agent = role("agent-analyst", {
                tags: { "agentguard.io/agent": "analyst" },
                assumeRolePolicy: JSON.stringify(
                    doc({ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: actions }),
                ),
            });
            const graph = buildReachGraph([agent, withSecretArn, policy], {
                agents: [{ resource: agent, certainty: "agent", reasons: ["tagged"] }],
                permissionsOf: () => ({ documents: [], managed: [], unresolved: [] }),
                outcomesOf: credentialOutcomes,
            });
            return graph.closures()[0].findings.map((f) => [f.outcome.kind, f.certain]);
        };
        expect(run(["sts:AssumeRole"])).toEqual([]);
        expect(run(["sts:AssumeRole", "sts:TagSession"])).toEqual([["credentials", false]]);
    });

    it("an identity-policy Allow whose Condition excludes the principal itself grants it nothing", () => {
        const grant = (condition: Record<string, unknown>) =>
            doc({
                Effect: "Allow",
                Action: "secretsmanager:GetSecretValue",
                Resource: SECRET_ARN,
                Condition: condition,
            });
        const other = { StringEquals: { "aws:PrincipalTag/agentguard.io/agent": "coder" } };
        expect(closure(grant(other), role("unrelated", {})).findings).toEqual([]);
        const request = { IpAddress: { "aws:SourceIp": "10.0.0.0/8" } };
        expect(closure(grant(request), role("unrelated", {})).findings.map((f) => f.outcome.kind)).toEqual([
            "credentials",
        ]);
    });
});
