import { describe, expect, it } from "vitest";
import { kubernetesForbidAgentRbacEscalation } from "../../../../policy-pack/rules/kubernetes/kubernetes-forbid-agent-rbac-escalation";
import { runStackPolicy, type FakeResource } from "../../../helpers/policy-harness";
import { namespace, serviceAccount } from "./fixtures";

/** RBAC objects of the wrong shape must fail closed, naming the field, never read as "binds nobody". */
const run = (resources: FakeResource[]) => runStackPolicy(kubernetesForbidAgentRbacEscalation, resources);
const RBAC = "kubernetes:rbac.authorization.k8s.io/v1";
const ref = (kind: string, name: string) => ({ apiGroup: "rbac.authorization.k8s.io", kind, name });
const clusterRole = (name: string, rules: unknown, metadata: Record<string, unknown> = {}): FakeResource => ({
    type: `${RBAC}:ClusterRole`,
    name,
    props: { metadata: { name, ...metadata }, rules },
});
const binding = (
    subjects: unknown,
    roleRef: unknown = ref("ClusterRole", "cluster-admin"),
): FakeResource => ({
    type: `${RBAC}:ClusterRoleBinding`,
    name: "crb",
    props: { metadata: { name: "crb" }, roleRef, subjects },
});
const sa = { kind: "ServiceAccount", name: "runner", namespace: "agent-a" };
const base = [namespace("agent-a"), serviceAccount("runner", "agent-a")];

describe("kubernetes-forbid-agent-rbac-escalation: subject shapes", () => {
    it.each([
        [
            "subjects as an object",
            sa,
            /subjects is \{"kind":"ServiceAccount".*\(an object\), not a list of subjects/,
        ],
        [
            "subjects as a string",
            "system:serviceaccount:agent-a:runner",
            /subjects is "system:serviceaccount:agent-a:runner" \(a string\), not a list of subjects/,
        ],
        [
            "a subject as a string",
            ["system:serviceaccounts"],
            /subjects\[0\] is "system:serviceaccounts" \(a string\), not a subject object/,
        ],
        ["a subject as null", [null], /subjects\[0\] is null, not a subject object/],
        [
            "a kind in lower case",
            [{ ...sa, kind: "serviceaccount" }],
            /subjects\[0\]\.kind is "serviceaccount" \(a string\), not one of ServiceAccount, User, Group/,
        ],
        [
            "a kind as a list",
            [{ ...sa, kind: ["ServiceAccount"] }],
            /subjects\[0\]\.kind is \["ServiceAccount"\] \(a list\)/,
        ],
        [
            "a namespace as a list",
            [{ ...sa, namespace: ["agent-a"] }],
            /subjects\[0\]\.namespace is \["agent-a"\] \(a list\), not a namespace name string/,
        ],
        [
            "a group name as a list",
            [{ kind: "Group", name: ["system:serviceaccounts"] }],
            /subjects\[0\]\.name is \["system:serviceaccounts"\] \(a list\), not a name string/,
        ],
    ])("rejects %s, naming the field", async (_label, subjects, message) => {
        const v = await run([...base, binding(subjects)]);
        expect(v, JSON.stringify(v, null, 1)).toHaveLength(1);
        expect(v[0].enforcementLevel).toBe("mandatory");
        expect(v[0].message).toMatch(
            /ClusterRoleBinding crb grants subjects that may be agent service accounts/,
        );
        expect(v[0].message).toMatch(message);
    });

    it("keeps the agent subjects found next to a malformed one", async () => {
        const v = await run([...base, binding([7, sa])]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(/grants agent service account agent-a\/runner/);
    });

    it("passes the documented shape bound to a safe role, and a malformed binding of a safe role", async () => {
        expect(await run([...base, binding([sa], ref("ClusterRole", "view"))])).toEqual([]);
        expect(await run([...base, binding(sa, ref("ClusterRole", "view"))])).toEqual([]);
    });
});

describe("kubernetes-forbid-agent-rbac-escalation: role shapes", () => {
    const bound = (role: FakeResource) => [...base, role, binding([sa], ref("ClusterRole", role.name))];

    it.each([
        [
            "rules as an object",
            { verbs: ["get"], resources: ["pods"] },
            /its rules is \{.*\(an object\), not a list of PolicyRules/,
        ],
        ["a rule as a string", ["*"], /rules\[0\] is "\*" \(a string\), not a PolicyRule object/],
        [
            "verbs as a string",
            [{ apiGroups: [""], resources: ["pods"], verbs: "*" }],
            /verbs is "\*" \(a string\), not a list of strings/,
        ],
        [
            "resources as a string",
            [{ apiGroups: [""], resources: "secrets", verbs: ["get"] }],
            /resources is "secrets" \(a string\)[^]*secrets hold other identities' credentials/,
        ],
        [
            "apiGroups as a string",
            [{ apiGroups: "*", resources: ["pods"], verbs: ["get"] }],
            /apiGroups is "\*" \(a string\)[^]*wildcard apiGroup/,
        ],
    ])("rejects %s, naming the field", async (_label, rules, message) => {
        const v = await run(bound(clusterRole("odd", rules)));
        expect(v).toHaveLength(1);
        expect(v[0].enforcementLevel).toBe("mandatory");
        expect(v[0].message).toMatch(message);
    });

    it("passes the documented shape", async () => {
        const rules = [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] }];
        expect(await run(bound(clusterRole("reader", rules)))).toEqual([]);
    });

    it("still reports the role's other grants next to a malformed rule", async () => {
        const rules = [
            "*",
            { apiGroups: ["rbac.authorization.k8s.io"], resources: ["roles"], verbs: ["escalate"] },
        ];
        const v = await run(bound(clusterRole("odd", rules)));
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(/rules\[0\] is "\*"/);
        expect(v[0].message).toMatch(/the escalate verb on roles/);
    });

    it("rejects a roleRef of the wrong shape", async () => {
        const v = await run([...base, binding([sa], ["ClusterRole", "view"])]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(
            /roleRef is \["ClusterRole","view"\] \(a list\), not an object with kind/,
        );
    });

    it("judges a ClusterRole whose labels are a list as possibly aggregated into view", async () => {
        const labels = ["rbac.authorization.k8s.io/aggregate-to-view=true"];
        const wide = clusterRole("wide", [{ apiGroups: [""], resources: ["secrets"], verbs: ["get"] }], {
            labels,
        });
        const v = await run([...base, wide, binding([sa], ref("ClusterRole", "view"))]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(
            /metadata\.labels is \["rbac.*\(a list\), not an object of label values/,
        );
    });
});
