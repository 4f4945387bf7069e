import { describe, expect, it } from "vitest";
import { kubernetesForbidAgentRbacEscalation } from "../../../../policy-pack/rules/kubernetes/kubernetes-forbid-agent-rbac-escalation";
import { runStackPolicy, UNKNOWN, type FakeResource } from "../../../helpers/policy-harness";
import { namespace, serviceAccount } from "./fixtures";

const run = (resources: FakeResource[], config?: Record<string, unknown>) =>
    runStackPolicy(kubernetesForbidAgentRbacEscalation, resources, { config });

const RBAC = "kubernetes:rbac.authorization.k8s.io/v1";
const role = (name: string, ns: string, rules: unknown): FakeResource => ({
    type: `${RBAC}:Role`,
    name,
    props: { metadata: { name, namespace: ns }, rules },
});
const clusterRole = (name: string, props: Record<string, unknown>): FakeResource => ({
    type: `${RBAC}:ClusterRole`,
    name,
    props: { metadata: { name }, ...props },
});
const saSubject = (name: string, ns?: string) => ({
    kind: "ServiceAccount",
    name,
    ...(ns ? { namespace: ns } : {}),
});
const roleBinding = (name: string, ns: string, roleRef: unknown, subjects: unknown): FakeResource => ({
    type: `${RBAC}:RoleBinding`,
    name,
    props: { metadata: { name, namespace: ns }, roleRef, subjects },
});
const clusterRoleBinding = (name: string, roleRef: unknown, subjects: unknown): FakeResource => ({
    type: `${RBAC}:ClusterRoleBinding`,
    name,
    props: { metadata: { name }, roleRef, subjects },
});
const ref = (kind: string, name: string) => ({ apiGroup: "rbac.authorization.k8s.io", kind, name });
const readPods = [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] }];
const escalateRoles = [
    { apiGroups: ["rbac.authorization.k8s.io"], resources: ["roles"], verbs: ["get", "escalate"] },
];

describe("kubernetes-forbid-agent-rbac-escalation", () => {
    const base = [namespace("agent-a"), serviceAccount("runner", "agent-a")];

    it("passes an agent bound to a narrow Role declared in the stack", async () => {
        const v = await run([
            ...base,
            role("reader", "agent-a", readPods),
            roleBinding("rb", "agent-a", ref("Role", "reader"), [saSubject("runner", "agent-a")]),
        ]);
        expect(v).toEqual([]);
    });

    it("rejects the escalate verb on roles, naming binding, subject, role and grant", async () => {
        const v = await run([
            ...base,
            role("role-editor", "agent-a", escalateRoles),
            roleBinding("ops", "agent-a", ref("Role", "role-editor"), [saSubject("runner", "agent-a")]),
        ]);
        expect(v).toHaveLength(1);
        expect(v[0].enforcementLevel).toBe("mandatory");
        expect(v[0].message).toMatch(
            /RoleBinding ops in namespace agent-a grants agent service account agent-a\/runner the escalate verb on roles.*via Role role-editor/,
        );
    });

    it.each(["cluster-admin", "admin", "edit"])(
        "rejects a ClusterRoleBinding to built-in %s",
        async (name) => {
            const v = await run([
                ...base,
                clusterRoleBinding("crb", ref("ClusterRole", name), [saSubject(UNKNOWN, "agent-a")]),
            ]);
            expect(v).toHaveLength(1);
            expect(v[0].message).toContain(`ClusterRoleBinding crb grants agent service account agent-a/`);
            expect(v[0].message).toContain(`built-in ${name} ClusterRole`);
        },
    );

    it("rejects a RoleBinding to edit in another namespace: any namespace counts", async () => {
        const v = await run([
            ...base,
            roleBinding("rb", "prod", ref("ClusterRole", "edit"), [saSubject("runner", "agent-a")]),
        ]);
        expect(v).toHaveLength(1);
    });

    it("takes a ServiceAccount subject without namespace to be in the binding's namespace", async () => {
        const v = await run([
            roleBinding("rb", "agent-a", ref("ClusterRole", "admin"), [saSubject("runner")]),
        ]);
        expect(v).toHaveLength(1);
        expect(
            await run([roleBinding("rb", "prod", ref("ClusterRole", "admin"), [saSubject("runner")])]),
        ).toEqual([]);
    });

    it.each([
        ["a service account user name", { kind: "User", name: "system:serviceaccount:agent-a:runner" }],
        [
            "the agent namespace's service account group",
            { kind: "Group", name: "system:serviceaccounts:agent-a" },
        ],
        ["every service account", { kind: "Group", name: "system:serviceaccounts" }],
        ["every authenticated user", { kind: "Group", name: "system:authenticated" }],
        ["anonymous requests", { kind: "Group", name: "system:unauthenticated" }],
    ])("rejects reaching agents through %s", async (_label, subject) => {
        const v = await run([clusterRoleBinding("crb", ref("ClusterRole", "cluster-admin"), [subject])]);
        expect(v).toHaveLength(1);
    });

    it("does not cry wolf on a platform group bound to cluster-admin", async () => {
        const subjects = [{ kind: "Group", name: "platform-admins" }, saSubject("argo", "argocd")];
        expect(
            await run([clusterRoleBinding("platform", ref("ClusterRole", "cluster-admin"), subjects)]),
        ).toEqual([]);
    });

    it("rejects a declared ClusterRole with wildcard rules", async () => {
        const v = await run([
            clusterRole("everything", { rules: [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }] }),
            clusterRoleBinding("crb", ref("ClusterRole", "everything"), [saSubject("runner", "agent-a")]),
        ]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toContain("via ClusterRole everything");
    });

    it("allows the built-in view ClusterRole", async () => {
        expect(
            await run([
                clusterRoleBinding("crb", ref("ClusterRole", "view"), [saSubject("runner", "agent-a")]),
            ]),
        ).toEqual([]);
    });

    it("fails closed on a role not declared in the stack", async () => {
        const v = await run([
            roleBinding("rb", "agent-a", ref("Role", "elsewhere"), [saSubject("runner", "agent-a")]),
        ]);
        expect(v[0].message).toMatch(
            /Role elsewhere, whose grants cannot be checked because it is not declared in this stack/,
        );
    });

    it("fails closed on an aggregated ClusterRole", async () => {
        const v = await run([
            clusterRole("agg", { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { x: "y" } }] } }),
            clusterRoleBinding("crb", ref("ClusterRole", "agg"), [saSubject("runner", "agent-a")]),
        ]);
        expect(v[0].message).toMatch(/aggregationRule/);
    });

    it("fails closed on unknown role rules", async () => {
        const v = await run([
            role("r", "agent-a", UNKNOWN),
            roleBinding("rb", "agent-a", ref("Role", "r"), [saSubject("runner", "agent-a")]),
        ]);
        expect(v[0].message).toMatch(/rules are unknown during preview/);
    });

    it("resolves an unknown roleRef through its property dependency", async () => {
        const binding: FakeResource = {
            ...roleBinding("rb", "agent-a", UNKNOWN, [saSubject("runner", "agent-a")]),
            propertyDependencies: { roleRef: ["role-editor"] },
        };
        const v = await run([role("role-editor", "agent-a", escalateRoles), binding]);
        expect(v[0].message).toMatch(/escalate verb on roles/);
        const safe = { ...binding, propertyDependencies: { roleRef: ["reader"] } };
        expect(await run([role("reader", "agent-a", readPods), safe])).toEqual([]);
    });

    it("resolves an unknown subject through the ServiceAccount it came from, failing closed otherwise", async () => {
        const subjects = [{ kind: "ServiceAccount", name: UNKNOWN, namespace: UNKNOWN }];
        const binding = clusterRoleBinding("crb", ref("ClusterRole", "cluster-admin"), subjects);
        const v = await run([...base, { ...binding, propertyDependencies: { subjects: ["runner"] } }]);
        expect(v[0].message).toContain("agent service account agent-a/runner");
        const other = serviceAccount("ci", "ci");
        expect(await run([other, { ...binding, propertyDependencies: { subjects: ["ci"] } }])).toEqual([]);
        const unresolved = await run([binding]);
        expect(unresolved[0].message).toMatch(
            /subjects that may be agent service accounts \(subjects\[0\]\.namespace is unknown/,
        );
    });

    it("honours an exemption with a reason", async () => {
        const config = { exemptions: [{ resource: "crb", reason: "break-glass binding, SEC-3 approved" }] };
        const binding = clusterRoleBinding("crb", ref("ClusterRole", "cluster-admin"), [
            saSubject("runner", "agent-a"),
        ]);
        expect(await run([binding], config)).toEqual([]);
    });
});
