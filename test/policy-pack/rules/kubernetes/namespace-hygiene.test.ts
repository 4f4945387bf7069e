import { describe, expect, it } from "vitest";
import { kubernetesRequireOwnerLabel } from "../../../../policy-pack/rules/kubernetes/kubernetes-require-owner-label";
import { kubernetesRequireResourceQuota } from "../../../../policy-pack/rules/kubernetes/kubernetes-require-resource-quota";
import { kubernetesRequireRestrictedPodSecurity } from "../../../../policy-pack/rules/kubernetes/kubernetes-require-restricted-pod-security";
import { runStackPolicy, UNKNOWN, type FakeResource } from "../../../helpers/policy-harness";
import { namespace, resourceQuota } from "./fixtures";

const withLabel = (ns: FakeResource, key: string, value: unknown): FakeResource => {
    const metadata = ns.props.metadata as { name: string; labels: Record<string, unknown> };
    return { ...ns, props: { metadata: { ...metadata, labels: { ...metadata.labels, [key]: value } } } };
};
const fullQuota = (ns: string) =>
    resourceQuota("quota", ns, { "requests.nvidia.com/gpu": "0", "limits.cpu": "4", "limits.memory": "8Gi" });

describe("kubernetes-require-restricted-pod-security", () => {
    const run = (r: FakeResource[]) => runStackPolicy(kubernetesRequireRestrictedPodSecurity, r);
    const label = "pod-security.kubernetes.io/enforce";

    it("passes an agent namespace enforcing restricted", async () => {
        expect(await run([namespace("agent-a")])).toEqual([]);
    });

    it.each([
        ["baseline", "baseline", /is "baseline"/],
        ["missing", undefined, /is missing/],
        ["unknown", UNKNOWN, /is unknown during preview/],
    ])("reports %s enforcement as advisory", async (_l, value, message) => {
        const v = await run([withLabel(namespace("agent-a"), label, value)]);
        expect(v).toHaveLength(1);
        expect(v[0].enforcementLevel).toBe("advisory");
        expect(v[0].message).toMatch(message);
    });

    it("ignores non-agent namespaces", async () => {
        expect(await run([withLabel(namespace("monitoring"), label, "privileged")])).toEqual([]);
    });
});

describe("kubernetes-require-owner-label", () => {
    const run = (r: FakeResource[]) => runStackPolicy(kubernetesRequireOwnerLabel, r);
    const label = "agentguard.io/owner";

    it("passes an owned agent namespace and ignores others", async () => {
        expect(
            await run([namespace("agent-a"), withLabel(namespace("monitoring"), label, undefined)]),
        ).toEqual([]);
    });

    it.each([
        ["missing", undefined, /is missing/],
        ["empty", " ", /is " "/],
        ["unknown", UNKNOWN, /unknown during preview/],
    ])("reports a %s owner", async (_l, value, message) => {
        const v = await run([withLabel(namespace("agent-a"), label, value)]);
        expect(v[0].message).toMatch(message);
    });
});

describe("kubernetes-require-resource-quota", () => {
    const run = (r: FakeResource[]) => runStackPolicy(kubernetesRequireResourceQuota, r);

    it("passes an agent namespace with GPU, CPU and memory capped", async () => {
        expect(await run([namespace("agent-a"), fullQuota("agent-a")])).toEqual([]);
    });

    it("reports a namespace with no quota, naming what is uncapped", async () => {
        const v = await run([namespace("agent-a")]);
        expect(v[0].enforcementLevel).toBe("advisory");
        expect(v[0].message).toMatch(/agent-a has no ResourceQuota capping gpu, cpu, memory/);
    });

    it("reports a quota without a GPU cap, and one in another namespace", async () => {
        const cpuOnly = resourceQuota("q", "agent-a", { "requests.cpu": "2", "requests.memory": "1Gi" });
        expect((await run([namespace("agent-a"), cpuOnly]))[0].message).toMatch(/capping gpu\./);
        expect(await run([namespace("agent-a"), fullQuota("agent-b")])).toHaveLength(1);
    });

    it("ignores non-agent namespaces", async () => {
        expect(await run([namespace("monitoring")])).toEqual([]);
    });
});
