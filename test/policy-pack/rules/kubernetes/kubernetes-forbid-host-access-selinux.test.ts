import { describe, expect, it } from "vitest";
import { kubernetesForbidHostAccess } from "../../../../policy-pack/rules/kubernetes/kubernetes-forbid-host-access";
import { runStackPolicy, UNKNOWN, type FakeResource } from "../../../helpers/policy-harness";
import { cronJob, deployment, namespace, pod, serviceAccount } from "./fixtures";

/** SELinux options, hostUsers, and agents that may create pods where restricted Pod Security is not enforced. */

const run = (resources: FakeResource[]) => runStackPolicy(kubernetesForbidHostAccess, resources);
const container = (securityContext: unknown) => ({ name: "c", image: "busybox:1.36", securityContext });

const RBAC = "kubernetes:rbac.authorization.k8s.io/v1";
const role = (name: string, ns: string, rules: unknown): FakeResource => ({
    type: `${RBAC}:Role`,
    name,
    props: { metadata: { name, namespace: ns }, rules },
});
const roleBinding = (ns: string, roleRef: { kind: string; name: string }, sa = "runner"): FakeResource => ({
    type: `${RBAC}:RoleBinding`,
    name: "rb",
    props: {
        metadata: { name: "rb", namespace: ns },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", ...roleRef },
        subjects: [{ kind: "ServiceAccount", name: sa, namespace: ns }],
    },
});
const createPods = [{ apiGroups: [""], resources: ["pods"], verbs: ["create"] }];
/** An agent namespace without restricted enforcement, with `labels` on top. */
const unrestricted = (name: string, labels: Record<string, string> = {}): FakeResource => ({
    type: "kubernetes:core/v1:Namespace",
    name,
    props: { metadata: { name, labels: { "agentguard.io/owner": "team-a", ...labels } } },
});

describe("kubernetes-forbid-host-access: SELinux", () => {
    it.each([
        ["container_t", "container_t"],
        ["container_init_t", "container_init_t"],
        ["an empty type", ""],
    ])("passes type %s", async (_label, type) => {
        const spec = { securityContext: { seLinuxOptions: { type } }, containers: [container({})] };
        expect(await run([namespace("agent-a"), pod("p", "agent-a", spec)])).toEqual([]);
    });

    it.each([
        [
            "spc_t at pod level",
            { securityContext: { seLinuxOptions: { type: "spc_t" } } },
            /spec\.securityContext\.seLinuxOptions\.type is "spc_t"/,
        ],
        [
            "unconfined_t in a container",
            { containers: [container({ seLinuxOptions: { type: "unconfined_t" } })] },
            /containers\[0\]\.securityContext\.seLinuxOptions\.type is "unconfined_t"/,
        ],
        [
            "a *_unconfined_t type in an init container",
            { initContainers: [container({ seLinuxOptions: { type: "virt_unconfined_t" } })] },
            /initContainers\[0\].*"virt_unconfined_t"/,
        ],
        [
            "container_engine_t in an ephemeral container",
            { ephemeralContainers: [container({ seLinuxOptions: { type: "container_engine_t" } })] },
            /ephemeralContainers\[0\].*"container_engine_t"/,
        ],
        ["a made-up type", { securityContext: { seLinuxOptions: { type: "Container_T" } } }, /"Container_T"/],
        [
            "a user",
            { securityContext: { seLinuxOptions: { user: "system_u" } } },
            /seLinuxOptions\.user is "system_u".*must not choose its SELinux user/,
        ],
        [
            "a role",
            { containers: [container({ seLinuxOptions: { role: "system_r" } })] },
            /seLinuxOptions\.role is "system_r"/,
        ],
        [
            "a level spanning every category",
            { securityContext: { seLinuxOptions: { level: "s0-s0:c0.c1023" } } },
            /seLinuxOptions\.level is "s0-s0:c0\.c1023".*MCS categories/,
        ],
        [
            "another pod's categories",
            { containers: [container({ seLinuxOptions: { type: "container_t", level: "s0:c1,c2" } })] },
            /level is "s0:c1,c2"/,
        ],
        [
            "an unknown type",
            { securityContext: { seLinuxOptions: { type: UNKNOWN } } },
            /seLinuxOptions\.type is unknown during preview/,
        ],
        [
            "unknown options",
            { containers: [container({ seLinuxOptions: UNKNOWN })] },
            /seLinuxOptions is unknown during preview/,
        ],
        [
            "options that are not an object",
            { securityContext: { seLinuxOptions: "spc_t" } },
            /seLinuxOptions is "spc_t"/,
        ],
    ])("rejects %s in an agent pod", async (_label, spec, message) => {
        const v = await run([namespace("agent-a"), pod("p", "agent-a", spec)]);
        expect(v).toHaveLength(1);
        expect(v[0].enforcementLevel).toBe("mandatory");
        expect(v[0].message).toMatch(message);
    });

    it("rejects spc_t in Deployment and CronJob templates", async () => {
        const spec = { securityContext: { seLinuxOptions: { type: "spc_t" } }, containers: [] };
        const v = await run([
            namespace("agent-a"),
            deployment("d", "agent-a", spec),
            cronJob("c", "agent-a", spec),
        ]);
        expect(v.map((x) => x.message)).toEqual([
            expect.stringMatching(
                /^Deployment d .*spec\.template\.spec\.securityContext\.seLinuxOptions\.type is "spc_t"/m,
            ),
            expect.stringMatching(
                /^CronJob c .*jobTemplate\.spec\.template\.spec\.securityContext\.seLinuxOptions\.type/m,
            ),
        ]);
    });

    it("does not judge spc_t in a kube-system DaemonSet (a CNI or device plugin)", async () => {
        const ds: FakeResource = {
            type: "kubernetes:apps/v1:DaemonSet",
            name: "cni",
            props: {
                metadata: { name: "cni", namespace: "kube-system" },
                spec: {
                    template: {
                        spec: {
                            securityContext: { seLinuxOptions: { type: "spc_t" } },
                            containers: [container({ privileged: true })],
                        },
                    },
                },
            },
        };
        expect(await run([ds])).toEqual([]);
    });
});

describe("kubernetes-forbid-host-access: hostUsers", () => {
    it("passes a user-namespaced pod (hostUsers: false)", async () => {
        expect(await run([namespace("agent-a"), pod("p", "agent-a", { hostUsers: false })])).toEqual([]);
    });

    it("still rejects privileged and hostNetwork when hostUsers is false", async () => {
        const spec = { hostUsers: false, hostNetwork: true, containers: [container({ privileged: true })] };
        const v = await run([namespace("agent-a"), pod("p", "agent-a", spec)]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(/hostNetwork is true/);
        expect(v[0].message).toMatch(/privileged is true/);
    });
});

describe("kubernetes-forbid-host-access: agents that create pods at run time", () => {
    const sa = serviceAccount("runner", "agent-a");

    it("passes pod creation in a namespace that enforces restricted Pod Security", async () => {
        const v = await run([
            namespace("agent-a", { "pod-security.kubernetes.io/enforce-version": "latest" }),
            sa,
            role("launcher", "agent-a", createPods),
            roleBinding("agent-a", { kind: "Role", name: "launcher" }),
        ]);
        expect(v).toEqual([]);
    });

    it("passes read-only grants in an unrestricted agent namespace", async () => {
        const reads = [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] }];
        const v = await run([
            unrestricted("agent-a"),
            sa,
            role("reader", "agent-a", reads),
            roleBinding("agent-a", { kind: "Role", name: "reader" }),
        ]);
        expect(v).toEqual([]);
    });

    it("rejects pod creation in an agent namespace without the enforce label", async () => {
        const v = await run([
            unrestricted("agent-a"),
            sa,
            role("launcher", "agent-a", createPods),
            roleBinding("agent-a", { kind: "Role", name: "launcher" }),
        ]);
        expect(v).toHaveLength(1);
        expect(v[0].enforcementLevel).toBe("mandatory");
        expect(v[0].message).toMatch(
            /RoleBinding rb in agent namespace agent-a lets agent service account agent-a\/runner create pods \(Role launcher: create on pods \(rules\[0\]\)\).*enforce is missing.*privileged or host-access pod at run time/,
        );
    });

    it.each([
        [
            "baseline enforcement",
            { "pod-security.kubernetes.io/enforce": "baseline" },
            /enforce of agent-a is "baseline"/,
        ],
        ["privileged enforcement", { "pod-security.kubernetes.io/enforce": "privileged" }, /"privileged"/],
        [
            "an old version",
            {
                "pod-security.kubernetes.io/enforce": "restricted",
                "pod-security.kubernetes.io/enforce-version": "v1.22",
            },
            /enforce-version of agent-a is "v1.22"/,
        ],
        [
            "an unknown enforce label",
            { "pod-security.kubernetes.io/enforce": UNKNOWN },
            /enforce of agent-a is unknown during preview/,
        ],
    ])("rejects pod creation under %s", async (_label, labels, message) => {
        const v = await run([
            unrestricted("agent-a", labels as Record<string, string>),
            sa,
            role("launcher", "agent-a", createPods),
            roleBinding("agent-a", { kind: "Role", name: "launcher" }),
        ]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(message);
    });

    it("rejects a NamespacePatch that lowers enforcement of a restricted namespace", async () => {
        const patch: FakeResource = {
            type: "kubernetes:core/v1:NamespacePatch",
            name: "lower",
            props: {
                metadata: { name: "agent-a", labels: { "pod-security.kubernetes.io/enforce": "privileged" } },
            },
        };
        const v = await run([
            namespace("agent-a"),
            patch,
            sa,
            role("launcher", "agent-a", createPods),
            roleBinding("agent-a", { kind: "Role", name: "launcher" }),
        ]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(/enforce of lower is "privileged"/);
    });

    it.each([
        [
            "a Deployment writer",
            [{ apiGroups: ["apps"], resources: ["deployments"], verbs: ["patch"] }],
            /patch on deployments/,
        ],
        [
            "a wildcard verb on jobs",
            [{ apiGroups: ["batch"], resources: ["jobs"], verbs: ["*"] }],
            /\* on jobs/,
        ],
        ["a resource glob", [{ apiGroups: ["*"], resources: ["*"], verbs: ["create"] }], /create on \*/],
        ["mixed case", [{ apiGroups: [""], resources: ["Pods"], verbs: ["CREATE"] }], /create on pods/],
    ])("rejects %s in an unrestricted agent namespace", async (_label, rules, message) => {
        const v = await run([
            unrestricted("agent-a"),
            sa,
            role("launcher", "agent-a", rules),
            roleBinding("agent-a", { kind: "Role", name: "launcher" }),
        ]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(message);
    });

    it("rejects the built-in edit role and rules aggregated into view", async () => {
        const aggregated: FakeResource = {
            type: `${RBAC}:ClusterRole`,
            name: "sneaky",
            props: {
                metadata: {
                    name: "sneaky",
                    labels: { "rbac.authorization.k8s.io/aggregate-to-view": "true" },
                },
                rules: createPods,
            },
        };
        const edit = await run([
            unrestricted("agent-a"),
            sa,
            roleBinding("agent-a", { kind: "ClusterRole", name: "edit" }),
        ]);
        expect(edit.map((x) => x.message)).toEqual([expect.stringMatching(/the built-in edit ClusterRole/)]);
        const view = await run([
            unrestricted("agent-a"),
            sa,
            aggregated,
            roleBinding("agent-a", { kind: "ClusterRole", name: "view" }),
        ]);
        expect(view.map((x) => x.message)).toEqual([expect.stringMatching(/aggregated from sneaky/)]);
    });

    it("fails closed when the agent namespace is not declared in the stack", async () => {
        const v = await run([
            sa,
            role("launcher", "agent-a", createPods),
            roleBinding("agent-a", { kind: "Role", name: "launcher" }),
        ]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(/namespace agent-a is not declared in this stack/);
    });

    it("does not judge pod creation by a controller in kube-system", async () => {
        const v = await run([
            role("launcher", "kube-system", createPods),
            roleBinding("kube-system", { kind: "Role", name: "launcher" }, "operator"),
        ]);
        expect(v).toEqual([]);
    });
});
