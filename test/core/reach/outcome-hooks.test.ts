import { describe, expect, it } from "vitest";
import { buildReachGraph, formatReachPath, type AgentSeed, type ReachResource } from "../../../core/reach";

const FUNCTION = "aws:lambda/function:Function";

function resource(type: string, name: string, props: Record<string, unknown>): ReachResource {
    return {
        urn: `urn:pulumi:t::t::${type}::${name}`,
        type,
        name,
        props,
        dependencies: [],
        propertyDependencies: {},
    };
}

const agent = resource("aws:iam/role:Role", "agent-coder", {
    name: "agent-coder",
    tags: { "agentguard.io/agent": "coder" },
});
const tool = resource(FUNCTION, "tool", { name: "tool", role: "arn:aws:iam::111122223333:role/tool" });
const seed: AgentSeed = { resource: agent, certainty: "agent", reasons: ["tagged"] };
const update = {
    documents: [
        {
            source: "policy of agent-coder",
            document: {
                Version: "2012-10-17",
                Statement: [
                    {
                        Effect: "Allow",
                        Action: "lambda:UpdateFunctionCode",
                        Resource: "arn:aws:lambda:eu-west-1:111122223333:function:tool",
                    },
                ],
            },
        },
    ],
    managed: [],
    unresolved: [],
};

describe("reach graph outcome hooks", () => {
    it("turns an outcome a reached node holds into a finding with the path that reached it", () => {
        const graph = buildReachGraph([agent, tool], {
            agents: [seed],
            permissionsOf: (p) => (p === agent ? update : { documents: [], managed: [], unresolved: [] }),
            outcomesOf: (node) =>
                node.id === tool.urn
                    ? [{ outcome: { kind: "open-egress", why: "it has no vpcConfig" }, certain: true }]
                    : [],
        });
        const egress = graph.closureOf(seed).findings.filter((f) => f.outcome.kind === "open-egress");
        expect(egress).toHaveLength(1);
        expect(egress[0].certain).toBe(true);
        expect(formatReachPath(egress[0], (id) => graph.node(id))).toBe(
            "agent coder (role agent-coder) → lambda:UpdateFunctionCode on Lambda function tool → it has no vpcConfig",
        );
    });

    it("holds an outcome only through the edge kinds it names, and a guessed outcome is not certain", () => {
        const outcomesOf = (via: "run-as" | "read-secret", certain: boolean) => () => [
            { outcome: { kind: "open-egress" as const, why: "open" }, certain, via: [via] },
        ];
        const build = (via: "run-as" | "read-secret", certain: boolean) =>
            buildReachGraph([agent, tool], {
                agents: [seed],
                permissionsOf: (p) => (p === agent ? update : { documents: [], managed: [], unresolved: [] }),
                outcomesOf: outcomesOf(via, certain),
            })
                .closureOf(seed)
                .findings.filter((f) => f.outcome.kind === "open-egress");
        expect(build("read-secret", true)).toEqual([]);
        const guessed = build("run-as", false);
        expect(guessed).toHaveLength(1);
        expect(guessed[0].certain).toBe(false);
    });

    it("walks links from a new seed and reports outcomes at their end", () => {
        const binding = resource("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "read-secrets", {});
        const bindingSeed: AgentSeed = {
            resource: binding,
            certainty: "agent",
            reasons: ["agent-a/runner"],
            label: "service account agent-a/runner (through RoleBinding read-secrets)",
        };
        const graph = buildReachGraph([binding], {
            agents: [],
            permissionsOf: () => ({ documents: [], managed: [], unresolved: [] }),
            links: [
                {
                    seed: bindingSeed,
                    to: { id: "secrets:batch", label: "Secrets of namespace batch" },
                    edge: {
                        from: binding.urn,
                        to: "secrets:batch",
                        kind: "read-secret",
                        permission: "get on secrets",
                        certain: true,
                    },
                },
            ],
            outcomesOf: (node) =>
                node.id === "secrets:batch"
                    ? [{ outcome: { kind: "credentials", why: "not the agent's own" }, certain: true }]
                    : [],
        });
        const closures = graph.closures();
        expect(closures.map((c) => c.agent.resource.urn)).toEqual([binding.urn]);
        const [finding] = closures[0].findings;
        expect(finding.outcome).toEqual({ kind: "credentials", why: "not the agent's own" });
        expect(formatReachPath(finding, (id) => graph.node(id))).toBe(
            "agent service account agent-a/runner (through RoleBinding read-secrets) → get on secrets on Secrets of namespace batch → not the agent's own",
        );
    });
});
