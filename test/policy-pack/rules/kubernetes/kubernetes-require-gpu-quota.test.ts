import { describe, expect, it } from "vitest";
import { kubernetesRequireGpuQuota } from "../../../../policy-pack/rules/kubernetes/kubernetes-require-gpu-quota";
import { runStackPolicy, UNKNOWN, type FakeResource } from "../../../helpers/policy-harness";
import { deployment, namespace, resourceQuota } from "./fixtures";

const run = (resources: FakeResource[], config?: Record<string, unknown>) =>
    runStackPolicy(kubernetesRequireGpuQuota, resources, { config });
const gpuJob = (ns: string, resources: unknown = { limits: { "nvidia.com/gpu": "8" } }): FakeResource => ({
    type: "kubernetes:batch/v1:Job",
    name: "train",
    props: {
        metadata: { name: "train", namespace: ns },
        spec: { template: { spec: { containers: [{ name: "t", image: "trainer:1", resources }] } } },
    },
});
const gpuQuota = (ns: string, extra: Record<string, unknown> = {}) =>
    resourceQuota("quota", ns, {
        "requests.nvidia.com/gpu": "2",
        "limits.cpu": "4",
        "limits.memory": "8Gi",
        ...extra,
    });

describe("kubernetes-require-gpu-quota", () => {
    it("passes a GPU job capped by a GPU quota", async () => {
        expect(await run([namespace("agent-a"), gpuQuota("agent-a"), gpuJob("agent-a")])).toEqual([]);
    });

    it("rejects GPU access without quota, naming the request", async () => {
        const v = await run([namespace("agent-a"), gpuJob("agent-a")]);
        expect(v).toHaveLength(1);
        expect(v[0].enforcementLevel).toBe("mandatory");
        expect(v[0].message).toMatch(
            /Job train in agent namespace agent-a has GPU access without quota: it requests GPUs \(nvidia\.com\/gpu: 8\) with no ResourceQuota capping requests\.nvidia\.com\/gpu/,
        );
    });

    it("rejects when the quota caps only cpu and memory", async () => {
        const quota = resourceQuota("quota", "agent-a", { "limits.cpu": "4", "limits.memory": "8Gi" });
        expect(await run([quota, gpuJob("agent-a")])).toHaveLength(1);
    });

    it("rejects when the GPU quota is scoped to some pods only", async () => {
        const quota = gpuQuota("agent-a");
        const scoped = {
            ...quota,
            props: {
                ...quota.props,
                spec: { hard: { "requests.nvidia.com/gpu": "1" }, scopes: ["Terminating"] },
            },
        };
        expect(await run([scoped, gpuJob("agent-a")])).toHaveLength(1);
    });

    it("does not credit a quota in another namespace", async () => {
        expect(await run([gpuQuota("agent-b"), gpuJob("agent-a")])).toHaveLength(1);
    });

    it("catches GPU requests in a Deployment and another vendor's GPU", async () => {
        const d = deployment("d", "agent-a", {
            containers: [{ name: "c", resources: { requests: { "amd.com/gpu": 1 } } }],
        });
        const v = await run([d]);
        expect(v[0].message).toMatch(/amd\.com\/gpu: 1/);
    });

    it("passes workloads that request no GPU", async () => {
        expect(await run([gpuJob("agent-a", { limits: { cpu: "1" } })])).toEqual([]);
    });

    it("fails closed on unknown resources, and on an unknown quota", async () => {
        const v = await run([gpuJob("agent-a", UNKNOWN)]);
        expect(v[0].message).toMatch(
            /may request GPUs \(containers\[0\]\.resources unknown during preview\)/,
        );
        const quota = resourceQuota("quota", "agent-a", UNKNOWN as never);
        const w = await run([quota, gpuJob("agent-a")]);
        expect(w[0].message).toMatch(/ResourceQuota quota: spec\.hard is unknown/);
    });

    it("leaves GPU jobs outside agent namespaces alone", async () => {
        expect(await run([namespace("ml-platform"), gpuJob("ml-platform")])).toEqual([]);
    });

    it("honours an exemption with a reason", async () => {
        const config = { exemptions: [{ resource: "train", reason: "capacity reserved in FIN-88" }] };
        expect(await run([gpuJob("agent-a")], config)).toEqual([]);
    });
});
