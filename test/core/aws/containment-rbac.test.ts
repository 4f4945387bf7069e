import { describe, expect, it } from "vitest";
import { stackReachGraph } from "../../../core/aws/reach";
import type { FakeResource } from "../../helpers/policy-harness";
import { defaultConfig, modelOf, namespace } from "../../policy-pack/lib/aws/fixtures";

const RBAC = "kubernetes:rbac.authorization.k8s.io/v1";
const labels = { "agentguard.io/containment": "c" };

/** AgentContainment's Kubernetes hold: its ClusterRole, bound in agent-coder to the containment group. */
function held(): FakeResource[] {
    return [
        namespace("agent-coder", { "agentguard.io/agent": "coder" }),
        namespace("tools"),
        {
            type: `${RBAC}:ClusterRole`,
            name: "c-cluster-role",
            props: {
                metadata: { name: "agentguard-containment-c", labels },
                rules: [
                    { apiGroups: [""], resources: ["resourcequotas"], verbs: ["get", "create", "update"] },
                ],
            },
        },
        {
            type: `${RBAC}:RoleBinding`,
            name: "c-coder-binding",
            props: {
                metadata: { name: "agentguard-containment-c", namespace: "agent-coder", labels },
                subjects: [
                    { kind: "Group", name: "agentguard:containment", apiGroup: "rbac.authorization.k8s.io" },
                ],
                roleRef: {
                    kind: "ClusterRole",
                    name: "agentguard-containment-c",
                    apiGroup: "rbac.authorization.k8s.io",
                },
            },
        },
    ];
}

/** A Role (or ClusterRole) with the rules, bound to the agent's service account. */
function agentGrant(
    rules: Record<string, unknown>[],
    options: { cluster?: boolean; namespace?: string } = {},
): FakeResource[] {
    const ns = options.namespace ?? "agent-coder";
    const kind = options.cluster ? "ClusterRole" : "Role";
    return [
        {
            type: `${RBAC}:${kind}`,
            name: "agent-ops",
            props: { metadata: { name: "agent-ops", ...(!options.cluster && { namespace: ns }) }, rules },
        },
        {
            type: `${RBAC}:${options.cluster ? "ClusterRoleBinding" : "RoleBinding"}`,
            name: "agent-ops-binding",
            props: {
                metadata: { name: "agent-ops", ...(!options.cluster && { namespace: ns }) },
                subjects: [{ kind: "ServiceAccount", name: "runner", namespace: "agent-coder" }],
                roleRef: { kind, name: "agent-ops", apiGroup: "rbac.authorization.k8s.io" },
            },
        },
    ];
}

/** The tamper edges of the agent's binding, as "permission → target label". */
function tamper(resources: FakeResource[]): string[] {
    const graph = stackReachGraph(modelOf(resources), defaultConfig);
    const closure = graph.closures().find((c) => c.agent.resource.name === "agent-ops-binding");
    if (!closure) return [];
    return [...closure.reached.values()]
        .map((path) => path[path.length - 1])
        .filter((edge) => edge?.kind === "tamper")
        .map((edge) => `${edge.permission} → ${graph.node(edge.to)?.label}`)
        .sort();
}

const rule = (verbs: string[], resources: string[], resourceNames?: string[]) => ({
    apiGroups: ["*"],
    resources,
    verbs,
    ...(resourceNames && { resourceNames }),
});

describe("reach graph: Kubernetes RBAC on automated containment's hold", () => {
    it("deleting the containment RoleBinding in the agent's own namespace is a tamper edge", () => {
        expect(tamper([...held(), ...agentGrant([rule(["delete"], ["rolebindings"])])])).toEqual([
            "delete on rolebindings (rules[0]) (Role agent-ops) → RoleBinding c-coder-binding",
        ]);
    });

    it("updating ResourceQuotas in its own held namespace lifts the pods=0 hold", () => {
        expect(tamper([...held(), ...agentGrant([rule(["update", "patch"], ["resourcequotas"])])])).toEqual([
            "update on resourcequotas (rules[0]), patch on resourcequotas (rules[0]) (Role agent-ops) → ResourceQuotas of namespace agent-coder",
        ]);
    });

    it("a ClusterRoleBinding that may escalate or patch ClusterRoles reaches the containment ClusterRole and the binding", () => {
        const found = tamper([
            ...held(),
            ...agentGrant([rule(["escalate", "patch"], ["clusterroles", "rolebindings"])], { cluster: true }),
        ]);
        expect(found.map((f) => f.slice(f.indexOf("→")))).toEqual([
            "→ ClusterRole c-cluster-role",
            "→ RoleBinding c-coder-binding",
        ]);
    });

    it("wildcards reach all three", () => {
        expect(tamper([...held(), ...agentGrant([rule(["*"], ["*"])], { cluster: true })])).toHaveLength(3);
    });

    it("is judged by kubernetes-forbid-agent-rbac-escalation, so the path is shown, not reported twice", () => {
        const graph = stackReachGraph(
            modelOf([...held(), ...agentGrant([rule(["delete"], ["rolebindings"])])]),
            defaultConfig,
        );
        expect(graph.closures().flatMap((c) => c.findings)).toEqual([]);
    });

    it("no edge for reading, for resourceNames naming another binding, or for a binding in another namespace", () => {
        expect(
            tamper([
                ...held(),
                ...agentGrant([rule(["get", "list", "watch"], ["rolebindings", "resourcequotas"])]),
            ]),
        ).toEqual([]);
        expect(
            tamper([...held(), ...agentGrant([rule(["delete"], ["rolebindings"], ["agent-tools"])])]),
        ).toEqual([]);
        expect(
            tamper([
                ...held(),
                ...agentGrant([rule(["delete", "update"], ["rolebindings", "resourcequotas"])], {
                    namespace: "tools",
                }),
            ]),
        ).toEqual([]);
    });

    it("resourceNames naming the containment binding, or a glob over it, still reach it", () => {
        expect(
            tamper([...held(), ...agentGrant([rule(["delete"], ["rolebindings"], ["agentguard-*"])])]),
        ).toHaveLength(1);
    });
});
