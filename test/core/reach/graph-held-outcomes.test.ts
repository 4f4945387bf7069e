import { describe, expect, it } from "vitest";
import { buildReachGraph, type AgentSeed, type GraphNode, type ReachResource } from "../../../core/reach";
import type { NodeOutcome } from "../../../core/reach/graph";

const binding: ReachResource = {
    urn: "urn:pulumi:t::t::kubernetes:rbac.authorization.k8s.io/v1:RoleBinding::b",
    type: "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
    name: "b",
    props: {},
    dependencies: [],
    propertyDependencies: {},
};
const seed: AgentSeed = { resource: binding, certainty: "agent", reasons: ["sa"], label: "sa (through b)" };
const secrets: GraphNode = { id: "k8s-secrets:kube-system", label: "Secrets of namespace kube-system" };
const held: NodeOutcome = {
    outcome: { kind: "credentials", why: "they hold credentials" },
    certain: true,
    unlessJudgedDirectly: true,
};

function findings(judgedDirectly: boolean, outcome: NodeOutcome = held) {
    const graph = buildReachGraph([binding], {
        agents: [],
        permissionsOf: () => ({ documents: [], managed: [], unresolved: [] }),
        links: [
            {
                seed,
                to: secrets,
                edge: {
                    from: binding.urn,
                    to: secrets.id,
                    kind: "read-secret",
                    certain: true,
                    judgedDirectly,
                },
            },
        ],
        outcomesOf: (node) => (node.id === secrets.id ? [outcome] : []),
    });
    return graph.closures().flatMap((c) => c.findings.map((f) => f.outcome.kind));
}

describe("outcomes a node holds, and the edge that reaches it", () => {
    it("reports an outcome reached through an edge no direct rule judges", () => {
        expect(findings(false)).toEqual(["credentials"]);
    });

    it("leaves an unlessJudgedDirectly outcome to the direct rule when the reaching edge is judged directly", () => {
        expect(findings(true)).toEqual([]);
    });

    it("still reports other outcomes through a judged edge (the hook is opt-in)", () => {
        expect(findings(true, { ...held, unlessJudgedDirectly: undefined })).toEqual(["credentials"]);
    });
});
