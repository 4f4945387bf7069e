import { describe, expect, it } from "vitest";
import { kubernetesForbidAgentRbacEscalation } from "../../../../policy-pack/rules/kubernetes/kubernetes-forbid-agent-rbac-escalation";
import { runStackPolicy, UNKNOWN, type FakeResource } from "../../../helpers/policy-harness";
import { namespace, serviceAccount } from "./fixtures";

const POLICY = "kubernetes-forbid-agent-rbac-escalation";
const run = (resources: FakeResource[]) => runStackPolicy(kubernetesForbidAgentRbacEscalation, resources);

const RBAC = "kubernetes:rbac.authorization.k8s.io/v1";
const role = (name: string, ns: string, rules: unknown): FakeResource => ({
    type: `${RBAC}:Role`,
    name,
    props: { metadata: { name, namespace: ns }, rules },
});
const clusterRole = (name: string, metadata: Record<string, unknown>, rules: unknown): FakeResource => ({
    type: `${RBAC}:ClusterRole`,
    name,
    props: { metadata: { name, ...metadata }, rules },
});
const ref = (kind: string, name: string) => ({ apiGroup: "rbac.authorization.k8s.io", kind, name });
const agentSa = [{ kind: "ServiceAccount", name: "runner", namespace: "agent-a" }];
const roleBinding = (name: string, metadata: Record<string, unknown>, roleRef: unknown): FakeResource => ({
    type: `${RBAC}:RoleBinding`,
    name,
    props: { metadata: { name, ...metadata }, roleRef, subjects: agentSa },
});
const clusterRoleBinding = (name: string, roleName: string): FakeResource => ({
    type: `${RBAC}:ClusterRoleBinding`,
    name,
    props: { metadata: { name }, roleRef: ref("ClusterRole", roleName), subjects: agentSa },
});
const base = [namespace("agent-a"), serviceAccount("runner", "agent-a")];
const label = (suffix: string) => ({ [`rbac.authorization.k8s.io/aggregate-to-${suffix}`]: "true" });
const readSecrets = [{ apiGroups: [""], resources: ["secrets"], verbs: ["get"] }];
const readPods = [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] }];

describe(`${POLICY}: ClusterRoles aggregated into view, edit and admin`, () => {
    it("rejects binding view when a stack ClusterRole aggregates secrets into it", async () => {
        const v = await run([
            ...base,
            clusterRole("x", { labels: label("view") }, readSecrets),
            clusterRoleBinding("b", "view"),
        ]);
        expect(v).toHaveLength(1);
        expect(v[0]).toMatchObject({ policy: POLICY, enforcementLevel: "mandatory" });
        expect(v[0].urn).toContain("ClusterRoleBinding::b");
        expect(v[0].message).toMatch(
            /ClusterRoleBinding b grants agent service account agent-a\/runner the get verb on secrets .*aggregated from ClusterRole x by its label rbac.authorization.k8s.io\/aggregate-to-view via ClusterRole view/,
        );
    });

    it("also judges view bound through a RoleBinding in the agent's namespace", async () => {
        const v = await run([
            ...base,
            clusterRole("x", { labels: label("view") }, readSecrets),
            roleBinding("rb", { namespace: "agent-a" }, ref("ClusterRole", "view")),
        ]);
        expect(v[0].message).toMatch(/RoleBinding rb in namespace agent-a .*aggregated from ClusterRole x/);
    });

    it("passes a labelled role with harmless rules, and a dangerous labelled role bound to no agent", async () => {
        expect(
            await run([
                ...base,
                clusterRole("x", { labels: label("view") }, readPods),
                clusterRoleBinding("b", "view"),
            ]),
        ).toEqual([]);
        expect(await run([...base, clusterRole("x", { labels: label("view") }, readSecrets)])).toEqual([]);
    });

    it("ignores aggregate-to-edit and -admin labels, and a false value, for an agent bound to view", async () => {
        const v = await run([
            ...base,
            clusterRole("e", { labels: label("edit") }, readSecrets),
            clusterRole("a", { labels: label("admin") }, readSecrets),
            clusterRole(
                "f",
                { labels: { "rbac.authorization.k8s.io/aggregate-to-view": "false" } },
                readSecrets,
            ),
            clusterRoleBinding("b", "view"),
        ]);
        expect(v).toEqual([]);
    });

    it("still rejects an agent bound to admin with an aggregate-to-edit role in the stack", async () => {
        const v = await run([
            ...base,
            clusterRole("e", { labels: label("edit") }, readPods),
            clusterRoleBinding("b", "admin"),
        ]);
        expect(v[0].message).toContain("the built-in admin ClusterRole");
    });

    it("fails closed when a ClusterRole's labels are unknown and its rules are not harmless", async () => {
        const v = await run([
            ...base,
            clusterRole("x", { labels: UNKNOWN }, readSecrets),
            clusterRoleBinding("b", "view"),
        ]);
        expect(v[0].message).toMatch(
            /ClusterRole view, whose grants cannot be checked because ClusterRole x may fold into view by its labels \(metadata.labels is unknown during preview\)/,
        );
        const valueUnknown = await run([
            ...base,
            clusterRole(
                "y",
                { labels: { "rbac.authorization.k8s.io/aggregate-to-view": UNKNOWN } },
                readSecrets,
            ),
            clusterRoleBinding("b", "view"),
        ]);
        expect(valueUnknown[0].message).toMatch(
            /label rbac.authorization.k8s.io\/aggregate-to-view is unknown/,
        );
        const harmless = [
            ...base,
            clusterRole("z", { labels: UNKNOWN }, readPods),
            clusterRoleBinding("b", "view"),
        ];
        expect(await run(harmless)).toEqual([]);
    });

    it("fails closed on a labelled role whose rules are unknown or come from its own aggregationRule", async () => {
        const unknownRules = await run([
            ...base,
            clusterRole("x", { labels: label("view") }, UNKNOWN),
            clusterRoleBinding("b", "view"),
        ]);
        expect(unknownRules[0].message).toMatch(
            /ClusterRole x may fold into view .*rules are unknown during preview/,
        );
        const aggregated: FakeResource = {
            type: `${RBAC}:ClusterRole`,
            name: "agg",
            props: {
                metadata: { name: "agg", labels: label("view") },
                aggregationRule: { clusterRoleSelectors: [{ matchLabels: { team: "x" } }] },
            },
        };
        const v = await run([...base, aggregated, clusterRoleBinding("b", "view")]);
        expect(v[0].message).toMatch(/ClusterRole agg may fold into view .*aggregationRule/);
    });

    it("rejects a ClusterRolePatch labelling cluster-admin aggregate-to-view, and fails closed on others", async () => {
        const patch = (name: string): FakeResource => ({
            type: `${RBAC}:ClusterRolePatch`,
            name: `${name}-patch`,
            props: { metadata: { name, labels: label("view") } },
        });
        const v = await run([...base, patch("cluster-admin"), clusterRoleBinding("b", "view")]);
        expect(v[0].message).toMatch(
            /the built-in cluster-admin ClusterRole, aggregated from ClusterRole cluster-admin-patch/,
        );
        const other = await run([...base, patch("ops-reader"), clusterRoleBinding("b", "view")]);
        expect(other[0].message).toMatch(
            /it patches the existing ClusterRole ops-reader, whose rules are not in this stack/,
        );
    });
});

describe(`${POLICY}: pod creation outside agent namespaces`, () => {
    const createPods = [{ apiGroups: [""], resources: ["pods"], verbs: ["create"] }];

    it("rejects a RoleBinding in kube-system letting an agent create pods there", async () => {
        const v = await run([
            ...base,
            role("r", "kube-system", createPods),
            roleBinding("b", { namespace: "kube-system" }, ref("Role", "r")),
        ]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(
            /RoleBinding b in namespace kube-system grants agent service account agent-a\/runner the create verb on pods .*in namespace kube-system \(not an agent namespace\) runs pods as any service account there.*via Role r/,
        );
    });

    it("rejects create on `*` resources in kube-system through a ClusterRole bound by RoleBinding", async () => {
        const v = await run([
            ...base,
            clusterRole("launcher", {}, [{ apiGroups: ["", "apps"], resources: ["*"], verbs: ["create"] }]),
            roleBinding("b", { namespace: "kube-system" }, ref("ClusterRole", "launcher")),
        ]);
        expect(v[0].message).toMatch(/writing pods, deployments, .* in namespace kube-system/);
    });

    it("rejects a ClusterRoleBinding to a role creating deployments", async () => {
        const v = await run([
            ...base,
            clusterRole("deployer", {}, [
                { apiGroups: ["apps"], resources: ["deployments"], verbs: ["patch"] },
            ]),
            clusterRoleBinding("b", "deployer"),
        ]);
        expect(v[0].message).toContain("in every namespace (a ClusterRoleBinding), kube-system included");
    });

    it("fails closed when the RoleBinding's namespace is unknown", async () => {
        const deployer = clusterRole("deployer", {}, [{ resources: ["jobs"], verbs: ["create"] }]);
        const v = await run([
            ...base,
            deployer,
            roleBinding("b", { namespace: UNKNOWN }, ref("ClusterRole", "deployer")),
        ]);
        expect(v[0].message).toMatch(/writing jobs in a namespace unknown during preview/);
    });

    it("passes creating pods and workloads in the agent's own namespace", async () => {
        const launcher = [
            { apiGroups: [""], resources: ["pods"], verbs: ["create", "delete"] },
            { apiGroups: ["apps", "batch"], resources: ["deployments", "jobs"], verbs: ["create", "patch"] },
        ];
        expect(
            await run([
                ...base,
                role("r", "agent-a", launcher),
                roleBinding("b", { namespace: "agent-a" }, ref("Role", "r")),
            ]),
        ).toEqual([]);
        // The same ClusterRole, bound only in the agent namespace, is confined there.
        expect(
            await run([
                ...base,
                clusterRole("launcher", {}, launcher),
                roleBinding("b", { namespace: "agent-a" }, ref("ClusterRole", "launcher")),
            ]),
        ).toEqual([]);
    });

    it("passes a platform service account creating pods in kube-system", async () => {
        const binding: FakeResource = {
            ...roleBinding("b", { namespace: "kube-system" }, ref("Role", "r")),
        };
        const props = {
            ...binding.props,
            subjects: [{ kind: "ServiceAccount", name: "ci", namespace: "ci" }],
        };
        expect(await run([role("r", "kube-system", createPods), { ...binding, props }])).toEqual([]);
    });
});

describe(`${POLICY}: kube-system/aws-auth and network-policy CRDs`, () => {
    const configmaps = (verbs: string[], resourceNames?: string[]) => [
        { apiGroups: [""], resources: ["configmaps"], verbs, ...(resourceNames ? { resourceNames } : {}) },
    ];

    it("rejects an agent allowed to patch aws-auth in kube-system", async () => {
        const v = await run([
            ...base,
            role("r", "kube-system", configmaps(["get", "patch"], ["aws-auth"])),
            roleBinding("b", { namespace: "kube-system" }, ref("Role", "r")),
        ]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(
            /the patch verb on configmaps .*reaches kube-system\/aws-auth.*via Role r/,
        );
    });

    it("rejects a ClusterRoleBinding writing every configmap", async () => {
        const v = await run([
            ...base,
            clusterRole("cm", {}, configmaps(["update"])),
            clusterRoleBinding("b", "cm"),
        ]);
        expect(v[0].message).toMatch(/update verb on configmaps .*kube-system\/aws-auth/);
    });

    it("passes configmap writes in another namespace and for another name in kube-system", async () => {
        expect(
            await run([
                ...base,
                role("r", "prod", configmaps(["patch"])),
                roleBinding("b", { namespace: "prod" }, ref("Role", "r")),
            ]),
        ).toEqual([]);
        expect(
            await run([
                ...base,
                role("r", "kube-system", configmaps(["update", "patch"], ["other"])),
                roleBinding("b", { namespace: "kube-system" }, ref("Role", "r")),
            ]),
        ).toEqual([]);
    });

    it("rejects an agent writing Cilium policies in a made-up group", async () => {
        const rules = [
            { apiGroups: ["not-cilium.io"], resources: ["ciliumnetworkpolicies"], verbs: ["update"] },
        ];
        const v = await run([...base, clusterRole("cnp", {}, rules), clusterRoleBinding("b", "cnp")]);
        expect(v[0].message).toMatch(/writing ciliumnetworkpolicies lets the agent undo the guardrails/);
    });
});
