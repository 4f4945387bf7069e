import { describe, expect, it } from "vitest";
import { kubernetesForbidHostAccess } from "../../../../policy-pack/rules/kubernetes/kubernetes-forbid-host-access";
import { runStackPolicy, UNKNOWN, type FakeResource } from "../../../helpers/policy-harness";
import { cronJob, deployment, namespace, pod } from "./fixtures";

const run = (resources: FakeResource[], config?: Record<string, unknown>) =>
    runStackPolicy(kubernetesForbidHostAccess, resources, { config });
const container = (securityContext: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    name: "c",
    image: "busybox:1.36",
    securityContext,
    ...extra,
});

describe("kubernetes-forbid-host-access", () => {
    it("passes a confined pod in an agent namespace", async () => {
        expect(await run([namespace("agent-a"), pod("p", "agent-a")])).toEqual([]);
    });

    it.each([
        ["hostNetwork", { hostNetwork: true }, /spec\.hostNetwork is true/],
        ["hostPID", { hostPID: true }, /spec\.hostPID is true/],
        ["hostIPC", { hostIPC: true }, /spec\.hostIPC is true/],
        [
            "a hostPath volume",
            { volumes: [{ name: "root", hostPath: { path: "/" } }] },
            /volumes\[0\]\.hostPath/,
        ],
        ["a privileged container", { containers: [container({ privileged: true })] }, /privileged is true/],
        [
            "allowPrivilegeEscalation",
            { containers: [container({ allowPrivilegeEscalation: true })] },
            /allowPrivilegeEscalation is true/,
        ],
        [
            "an added capability",
            { containers: [container({ capabilities: { add: ["SYS_ADMIN"] } })] },
            /capabilities\.add\[0\] is "SYS_ADMIN"/,
        ],
        [
            "a hostPort",
            { containers: [container({}, { ports: [{ containerPort: 80, hostPort: 80 }] })] },
            /hostPort is 80/,
        ],
        [
            "a privileged init container",
            { initContainers: [container({ privileged: true })] },
            /initContainers\[0\]/,
        ],
        [
            "a privileged ephemeral container",
            { ephemeralContainers: [container({ privileged: true })] },
            /ephemeralContainers\[0\]/,
        ],
        [
            "a Windows host process",
            { securityContext: { windowsOptions: { hostProcess: true } } },
            /windowsOptions\.hostProcess/,
        ],
    ])("rejects %s in an agent pod", async (_label, spec, message) => {
        const v = await run([namespace("agent-a"), pod("p", "agent-a", spec)]);
        expect(v).toHaveLength(1);
        expect(v[0].enforcementLevel).toBe("mandatory");
        expect(v[0].message).toMatch(message);
        expect(v[0].message).toContain("Pod p in agent namespace agent-a");
    });

    it("allows NET_BIND_SERVICE, which restricted Pod Security permits", async () => {
        const spec = {
            containers: [container({ capabilities: { add: ["NET_BIND_SERVICE"], drop: ["ALL"] } })],
        };
        expect(await run([pod("p", "agent-a", spec)])).toEqual([]);
    });

    it("rejects hostNetwork inside a Deployment template and a CronJob job template", async () => {
        const v = await run([
            deployment("d", "agent-a", { hostNetwork: true, containers: [] }),
            cronJob("c", "agent-a", { hostPID: true, containers: [] }),
        ]);
        expect(v.map((x) => x.message)).toEqual([
            expect.stringMatching(/Deployment d .*spec\.template\.spec\.hostNetwork is true/),
            expect.stringMatching(/CronJob c .*spec\.jobTemplate\.spec\.template\.spec\.hostPID is true/),
        ]);
    });

    it("rejects a hostPath volume in a ReplicationController and in a PodTemplate", async () => {
        const hostRoot = { volumes: [{ name: "root", hostPath: { path: "/" } }], containers: [] };
        const v = await run([
            {
                type: "kubernetes:core/v1:ReplicationController",
                name: "rc",
                props: {
                    metadata: { name: "rc", namespace: "agent-a" },
                    spec: { selector: { a: "b" }, template: { metadata: {}, spec: hostRoot } },
                },
            },
            {
                type: "kubernetes:core/v1:PodTemplate",
                name: "tpl",
                props: { metadata: { name: "tpl", namespace: "agent-a" }, template: { spec: hostRoot } },
            },
        ]);
        expect(v.map((x) => x.message).sort()).toEqual([
            expect.stringMatching(/PodTemplate tpl .*template\.spec\.volumes\[0\]\.hostPath/),
            expect.stringMatching(/ReplicationController rc .*spec\.template\.spec\.volumes\[0\]\.hostPath/),
        ]);
    });

    it("rejects a host-access patch applied to an existing workload", async () => {
        const patch: FakeResource = {
            ...deployment("d", "agent-a", { hostNetwork: true }),
            type: "kubernetes:apps/v1:DeploymentPatch",
        };
        expect(await run([patch])).toHaveLength(1);
    });

    it("ignores host access outside agent namespaces (a node exporter in monitoring)", async () => {
        expect(
            await run([
                namespace("monitoring"),
                pod("exporter", "monitoring", { hostNetwork: true, hostPID: true }),
            ]),
        ).toEqual([]);
    });

    it("treats a namespace labelled agentguard.io/agent as an agent namespace whatever its name", async () => {
        const v = await run([
            namespace("research", { "agentguard.io/agent": "r" }),
            pod("p", "research", { hostPID: true }),
        ]);
        expect(v).toHaveLength(1);
    });

    it("catches a pod that omits metadata.namespace when its provider defaults to an agent namespace", async () => {
        const p: FakeResource = {
            ...pod("p", undefined, { hostNetwork: true }),
            provider: {
                type: "pulumi:providers:kubernetes",
                name: "agent-provider",
                props: { namespace: "agent-a" },
            },
        };
        const v = await run([p]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toContain("agent namespace agent-a");
        // and the same pod on the default provider lands in `default`, not an agent namespace
        expect(await run([pod("p", undefined, { hostNetwork: true })])).toEqual([]);
    });

    it("resolves an unknown namespace through the metadata property dependency to a labelled Namespace", async () => {
        const ns = namespace("lab", { "agentguard.io/agent": "lab" });
        const p: FakeResource = {
            ...pod("p", UNKNOWN, { hostIPC: true }),
            propertyDependencies: { metadata: ["lab"] },
        };
        const v = await run([ns, p]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toContain("agent namespace lab");
        const monitoring = namespace("monitoring");
        const q: FakeResource = {
            ...pod("q", UNKNOWN, { hostIPC: true }),
            propertyDependencies: { metadata: ["monitoring"] },
        };
        expect(await run([monitoring, q])).toEqual([]);
    });

    it("fails closed when the namespace cannot be determined, saying so", async () => {
        const v = await run([pod("p", UNKNOWN, { hostNetwork: true })]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(
            /namespace that could not be determined.*metadata\.namespace of p is unknown/,
        );
        // but an unknown namespace alone is no violation when the pod is confined
        expect(await run([pod("q", UNKNOWN)])).toEqual([]);
    });

    it.each([
        ["hostNetwork", { hostNetwork: UNKNOWN }, /spec\.hostNetwork is unknown/],
        ["the container list", { containers: UNKNOWN }, /spec\.containers is unknown/],
        ["a security context", { containers: [container(UNKNOWN as never)] }, /securityContext is unknown/],
        ["a volume", { volumes: [UNKNOWN] }, /spec\.volumes\[0\] is unknown/],
    ])("fails closed when %s is unknown", async (_label, spec, message) => {
        const v = await run([pod("p", "agent-a", spec)]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(message);
    });

    it("fails closed when the whole pod template is unknown", async () => {
        const d = deployment("d", "agent-a", {});
        const unknownTemplate = { ...d, props: { ...d.props, spec: { template: UNKNOWN } } };
        const v = await run([unknownTemplate]);
        expect(v[0].message).toMatch(/spec\.template is unknown/);
    });

    it("places a pod whose namespace is an autonamed Namespace's absent name by the metadata dependency", async () => {
        // `namespace: ns.metadata.name` of an autonamed Namespace arrives absent, not unknown, offline.
        const autonamed = (labels: Record<string, string>): FakeResource => ({
            type: "kubernetes:core/v1:Namespace",
            name: "sandbox",
            props: { metadata: { labels } },
        });
        const placed: FakeResource = {
            ...pod("p", undefined, { hostPID: true }),
            propertyDependencies: { metadata: ["sandbox"] },
        };
        const v = await run([autonamed({ "agentguard.io/agent": "s" }), placed]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toContain("agent namespace sandbox-xxxxxxxx");
        // the same autonamed Namespace without the agent label is not an agent namespace
        expect(await run([autonamed({}), placed])).toEqual([]);
        // a Namespace that carries its own name is not mistaken for the pod's namespace
        expect(await run([namespace("sandbox", { "agentguard.io/agent": "s" }), placed])).toEqual([]);
    });

    it("honours an exemption with a reason", async () => {
        const config = { exemptions: [{ resource: "p", reason: "debug pod approved in SEC-12 until May" }] };
        expect(await run([pod("p", "agent-a", { hostPID: true })], config)).toEqual([]);
    });
});
