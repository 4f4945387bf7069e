import { describe, expect, it } from "vitest";
import { kubernetesForbidHostAccess } from "../../../../policy-pack/rules/kubernetes/kubernetes-forbid-host-access";
import { kubernetesDisableTokenAutomount } from "../../../../policy-pack/rules/kubernetes/kubernetes-disable-token-automount";
import { kubernetesRequireDefaultDenyEgress } from "../../../../policy-pack/rules/kubernetes/kubernetes-require-default-deny-egress";
import {
    runResourcePolicy,
    runStackPolicy,
    UNKNOWN,
    urnOf,
    type FakeResource,
} from "../../../helpers/policy-harness";
import { defaultDenyEgress, pod, serviceAccount } from "./fixtures";

/** How every Kubernetes rule tells agent namespaces (AgentNamespaces and placement), seen through the rules. */

const hostAccess = (resources: FakeResource[]) => runStackPolicy(kubernetesForbidHostAccess, resources);
const defaultDeny = (resources: FakeResource[]) =>
    runStackPolicy(kubernetesRequireDefaultDenyEgress, resources);
const POD_URN = urnOf("kubernetes:core/v1:Pod", "p");
const hostPidPod = (ns: string | undefined, deps: string[] = []): FakeResource => ({
    ...pod("p", ns, { hostPID: true }),
    ...(deps.length > 0 ? { propertyDependencies: { metadata: deps } } : {}),
});
const ns = (name: string, metadata: unknown, type = "kubernetes:core/v1:Namespace"): FakeResource => ({
    type,
    name,
    props: { metadata },
});

describe("agent namespaces: labels unknown during preview", () => {
    it("treats a Namespace whose labels object is unknown as possibly an agent namespace, saying so", async () => {
        const v = await hostAccess([
            ns("research", { name: "research", labels: UNKNOWN }),
            hostPidPod("research"),
        ]);
        expect(v).toHaveLength(1);
        expect(v[0].policy).toBe("kubernetes-forbid-host-access");
        expect(v[0].urn).toBe(POD_URN);
        expect(v[0].message).toContain(
            "Pod p in namespace research, possibly an agent namespace (metadata.labels of Namespace research is unknown during preview",
        );
        expect(v[0].message).toContain("spec.hostPID is true");
    });

    it("treats the agent label present with an unknown value as possibly an agent namespace", async () => {
        const labels = { "agentguard.io/agent": UNKNOWN };
        const v = await hostAccess([ns("research", { name: "research", labels }), hostPidPod("research")]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toContain(
            "label agentguard.io/agent of Namespace research is unknown during preview",
        );
    });

    it("treats a Namespace whose whole metadata is unknown, reached by dependency, as possibly an agent namespace", async () => {
        const v = await hostAccess([ns("research", UNKNOWN), hostPidPod(UNKNOWN, ["research"])]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(/metadata of Namespace research is unknown during preview/);
    });

    it("keeps a Namespace with known labels and no agent label a non-agent namespace", async () => {
        const labels = { team: UNKNOWN, "agentguard.io/owner": "platform" };
        expect(
            await hostAccess([ns("monitoring", { name: "monitoring", labels }), hostPidPod("monitoring")]),
        ).toEqual([]);
    });

    it("requires default-deny egress for a declared Namespace with unknown labels", async () => {
        const research = ns("research", { name: "research", labels: UNKNOWN });
        const v = await defaultDeny([research]);
        expect(v).toHaveLength(1);
        expect(v[0].urn).toBe(urnOf("kubernetes:core/v1:Namespace", "research"));
        expect(await defaultDeny([research, defaultDenyEgress("research")])).toEqual([]);
    });

    it("does not let a plain unlabelled Namespace elsewhere hide a possibly-labelled one of the same name", async () => {
        const unlabelled = ns("research-a", { name: "research", labels: {} });
        const unknownLabels = ns("research-b", { name: "research", labels: UNKNOWN });
        const v = await hostAccess([unlabelled, unknownLabels, hostPidPod("research")]);
        expect(v).toHaveLength(1);
    });
});

describe("agent namespaces: metadata.generateName", () => {
    const generated = (generateName: unknown, labels: Record<string, string> = {}) =>
        ns("sandbox", { generateName, labels });

    it('matches generateName "agent-" against the agent-* pattern', async () => {
        const v = await hostAccess([generated("agent-"), hostPidPod(undefined, ["sandbox"])]);
        expect(v).toHaveLength(1);
        expect(v[0].urn).toBe(POD_URN);
        expect(v[0].message).toContain("Pod p in agent namespace agent-xxxxx");
    });

    it('keeps generateName "web-" a non-agent namespace', async () => {
        expect(await hostAccess([generated("web-"), hostPidPod(undefined, ["sandbox"])])).toEqual([]);
    });

    it("does not fall back to the resource name when generateName is set (a sandbox resource named agent-x)", async () => {
        const named = ns("agent-x", { generateName: "web-" });
        expect(await hostAccess([named, hostPidPod(undefined, ["agent-x"])])).toEqual([]);
    });

    it("fails closed when generateName is unknown", async () => {
        const v = await hostAccess([generated(UNKNOWN), hostPidPod(undefined, ["sandbox"])]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(/name of Namespace sandbox, where p is placed, is unknown/);
    });

    it("requires default-deny egress for the generated agent namespace, blaming the Namespace", async () => {
        const v = await defaultDeny([generated("agent-")]);
        expect(v).toHaveLength(1);
        expect(v[0].urn).toBe(urnOf("kubernetes:core/v1:Namespace", "sandbox"));
        expect(v[0].message).toContain("Agent namespace agent-xxxxx");
    });

    it("lets metadata.name win over generateName", async () => {
        const named = ns("sandbox", { name: "web", generateName: "agent-" });
        expect(await hostAccess([named, hostPidPod("web")])).toEqual([]);
    });
});

describe("agent namespaces: NamespacePatch", () => {
    const PATCH = "kubernetes:core/v1:NamespacePatch";

    it("makes a namespace patched with the agent label an agent namespace for pods placed by name", async () => {
        const patch = ns("research", { name: "research", labels: { "agentguard.io/agent": "r" } }, PATCH);
        const v = await hostAccess([patch, hostPidPod("research")]);
        expect(v).toHaveLength(1);
        expect(v[0].urn).toBe(POD_URN);
        expect(v[0].message).toContain("Pod p in agent namespace research");
    });

    it("makes a namespace patched with unknown labels possibly an agent namespace", async () => {
        const patch = ns("research", { name: "research", labels: UNKNOWN }, PATCH);
        const v = await hostAccess([patch, hostPidPod("research")]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toContain(
            "metadata.labels of NamespacePatch research is unknown during preview",
        );
    });

    it("ignores a patch that adds other labels only", async () => {
        const patch = ns("research", { name: "research", labels: { team: "r" } }, PATCH);
        expect(await hostAccess([patch, hostPidPod("research")])).toEqual([]);
    });

    it("lets a patch add the label to a Namespace the stack declares unlabelled", async () => {
        const declared = ns("research", { name: "research", labels: {} });
        const patch = ns(
            "research-label",
            { name: "research", labels: { "agentguard.io/agent": "r" } },
            PATCH,
        );
        expect(await hostAccess([declared, patch, hostPidPod("research")])).toHaveLength(1);
        // the declared Namespace, not the patch, is blamed for the missing default deny
        const v = await defaultDeny([declared, patch]);
        expect(v.map((x) => x.urn)).toEqual([urnOf("kubernetes:core/v1:Namespace", "research")]);
    });

    it("requires default-deny egress for a patched agent namespace", async () => {
        const patch = ns("research", { name: "research", labels: { "agentguard.io/agent": "r" } }, PATCH);
        const v = await defaultDeny([patch]);
        expect(v).toHaveLength(1);
        expect(v[0].urn).toBe(urnOf(PATCH, "research"));
        expect(await defaultDeny([patch, defaultDenyEgress("research")])).toEqual([]);
    });
});

describe("agent namespaces: a ServiceAccount's own labels", () => {
    it("still reads a ServiceAccount's own agent label in a non-agent namespace", async () => {
        const labelled = serviceAccount("sa", "tools", { automountServiceAccountToken: true });
        const props = labelled.props as { metadata: Record<string, unknown> };
        const withLabels = (labels: unknown): FakeResource => ({
            ...labelled,
            props: { ...labelled.props, metadata: { ...props.metadata, labels } },
        });
        const run = (r: FakeResource) => runResourcePolicy(kubernetesDisableTokenAutomount, r);
        expect(await run(withLabels({ "agentguard.io/agent": "a" }))).toHaveLength(1);
        expect(await run(withLabels({}))).toEqual([]);
    });
});
