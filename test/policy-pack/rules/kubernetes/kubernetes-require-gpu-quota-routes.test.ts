import { describe, expect, it } from "vitest";
import { kubernetesRequireGpuQuota } from "../../../../policy-pack/rules/kubernetes/kubernetes-require-gpu-quota";
import { runStackPolicy, UNKNOWN, type FakeResource } from "../../../helpers/policy-harness";
import { namespace, pod, resourceQuota } from "./fixtures";

/** GPUs reached without (or beside) an extended-resource request, and quotas that cap another resource. */

const run = (resources: FakeResource[]) => runStackPolicy(kubernetesRequireGpuQuota, resources);
const c = (extra: Record<string, unknown>) => ({ name: "c", image: "cuda:12", ...extra });
const agentPod = (spec: Record<string, unknown>, ns = "agent-a") => pod("p", ns, spec);
const configMap = (name: string, ns: string, data: unknown): FakeResource => ({
    type: "kubernetes:core/v1:ConfigMap",
    name,
    props: { metadata: { name, namespace: ns }, data },
});
const gpuLimit = (name = "nvidia.com/gpu") => c({ resources: { limits: { [name]: "1" } } });
const nvidiaQuota = resourceQuota("q", "agent-a", { "requests.nvidia.com/gpu": "2" });

describe("kubernetes-require-gpu-quota: routes around quota", () => {
    it("passes a capped GPU request, with or without the nvidia runtime class", async () => {
        expect(
            await run([namespace("agent-a"), nvidiaQuota, agentPod({ containers: [gpuLimit()] })]),
        ).toEqual([]);
        const spec = { runtimeClassName: "nvidia", containers: [gpuLimit()] };
        expect(await run([namespace("agent-a"), nvidiaQuota, agentPod(spec)])).toEqual([]);
    });

    it("rejects a quota that caps another vendor's GPUs", async () => {
        const v = await run([
            namespace("agent-a"),
            nvidiaQuota,
            agentPod({ containers: [gpuLimit("amd.com/gpu")] }),
        ]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(
            /amd\.com\/gpu: 1\) with no ResourceQuota capping requests\.amd\.com\/gpu/,
        );
    });

    it.each([
        [
            "NVIDIA_VISIBLE_DEVICES=all",
            { containers: [c({ env: [{ name: "NVIDIA_VISIBLE_DEVICES", value: "all" }] })] },
            /env\[0\] sets NVIDIA_VISIBLE_DEVICES="all"/,
        ],
        [
            "NVIDIA_DRIVER_CAPABILITIES in an init container",
            {
                initContainers: [
                    c({ env: [{ name: "NVIDIA_DRIVER_CAPABILITIES", value: "compute,utility" }] }),
                ],
            },
            /initContainers\[0\]\.env\[0\] sets NVIDIA_DRIVER_CAPABILITIES/,
        ],
        [
            "NVIDIA_VISIBLE_DEVICES from a secret reference",
            {
                containers: [
                    c({
                        env: [
                            {
                                name: "NVIDIA_VISIBLE_DEVICES",
                                valueFrom: { secretKeyRef: { name: "s", key: "k" } },
                            },
                        ],
                    }),
                ],
            },
            /NVIDIA_VISIBLE_DEVICES=.*from a reference/,
        ],
        [
            "an unknown env name",
            { containers: [c({ env: [{ name: UNKNOWN, value: "all" }] })] },
            /env\[0\]\.name is unknown during preview/,
        ],
        [
            "envFrom a ConfigMap the stack does not declare",
            { containers: [c({ envFrom: [{ configMapRef: { name: "elsewhere" } }] })] },
            /names ConfigMap elsewhere, which this stack does not declare/,
        ],
        [
            "the nvidia runtime class without a GPU request",
            { runtimeClassName: "nvidia", containers: [c({})] },
            /runtimeClassName "nvidia" names a GPU container runtime.*without a quota-capped GPU request/,
        ],
        [
            "an unknown runtime class",
            { runtimeClassName: UNKNOWN, containers: [c({})] },
            /runtimeClassName is unknown during preview/,
        ],
        [
            "pod resourceClaims without a DRA quota",
            { resourceClaims: [{ name: "gpu", resourceClaimTemplateName: "gpu" }], containers: [c({})] },
            /resourceClaims claims 1 device.*ResourceClaimTemplate gpu, which this stack does not declare in namespace agent-a/,
        ],
    ])("rejects %s in an agent pod", async (_label, spec, message) => {
        const v = await run([namespace("agent-a"), nvidiaQuota, agentPod(spec)]);
        expect(v).toHaveLength(1);
        expect(v[0].enforcementLevel).toBe("mandatory");
        expect(v[0].message).toMatch(/has GPU access without quota/);
        expect(v[0].message).toMatch(message);
    });

    it("passes NVIDIA_VISIBLE_DEVICES=none and a stack ConfigMap without NVIDIA keys", async () => {
        const spec = {
            containers: [
                c({
                    env: [{ name: "NVIDIA_VISIBLE_DEVICES", value: "none" }],
                    envFrom: [{ configMapRef: { name: "settings" } }],
                }),
            ],
        };
        expect(
            await run([
                namespace("agent-a"),
                configMap("settings", "agent-a", { LOG_LEVEL: "info" }),
                agentPod(spec),
            ]),
        ).toEqual([]);
    });

    it("rejects NVIDIA_VISIBLE_DEVICES loaded from a stack ConfigMap, prefix included", async () => {
        const spec = {
            containers: [c({ envFrom: [{ prefix: "NVIDIA_", configMapRef: { name: "settings" } }] })],
        };
        const v = await run([
            namespace("agent-a"),
            configMap("settings", "agent-a", { VISIBLE_DEVICES: "all" }),
            agentPod(spec),
        ]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(/\(ConfigMap settings\) sets NVIDIA_VISIBLE_DEVICES="all"/);
    });

    it("judges runtime classes of the stack by their handler, others by name", async () => {
        const runtimeClass = (name: string, handler: string): FakeResource => ({
            type: "kubernetes:node.k8s.io/v1:RuntimeClass",
            name,
            props: { metadata: { name }, handler },
        });
        const hidden = await run([
            namespace("agent-a"),
            runtimeClass("fast", "nvidia"),
            agentPod({ runtimeClassName: "fast", containers: [c({})] }),
        ]);
        expect(hidden.map((x) => x.message)).toEqual([
            expect.stringMatching(/RuntimeClass fast with handler "nvidia"/),
        ]);
        expect(
            await run([namespace("agent-a"), agentPod({ runtimeClassName: "gvisor", containers: [c({})] })]),
        ).toEqual([]);
        expect(
            await run([
                namespace("agent-a"),
                runtimeClass("kata", "kata-qemu"),
                agentPod({ runtimeClassName: "kata", containers: [c({})] }),
            ]),
        ).toEqual([]);
    });

    it("rejects ResourceClaimTemplates in agent namespaces unless a DRA quota caps them", async () => {
        const template: FakeResource = {
            type: "kubernetes:resource.k8s.io/v1:ResourceClaimTemplate",
            name: "gpu",
            props: {
                metadata: { name: "gpu", namespace: "agent-a" },
                spec: {
                    spec: {
                        devices: {
                            requests: [{ name: "g", exactly: { deviceClassName: "gpu.nvidia.com" } }],
                        },
                    },
                },
            },
        };
        const v = await run([namespace("agent-a"), template]);
        expect(v.map((x) => x.message)).toEqual([
            expect.stringMatching(/ResourceClaimTemplate gpu in agent namespace agent-a allocates devices/),
        ]);
        const capped = resourceQuota("dra", "agent-a", {
            "gpu.nvidia.com.deviceclass.resource.k8s.io/devices": "1",
        });
        const claimPod = agentPod({
            resourceClaims: [{ name: "g", resourceClaimTemplateName: "gpu" }],
            containers: [c({})],
        });
        expect(await run([namespace("agent-a"), capped, template, claimPod])).toEqual([]);
    });

    it("does not judge the NVIDIA device plugin DaemonSet in kube-system", async () => {
        const plugin: FakeResource = {
            type: "kubernetes:apps/v1:DaemonSet",
            name: "nvidia-device-plugin",
            props: {
                metadata: { name: "nvidia-device-plugin", namespace: "kube-system" },
                spec: {
                    template: {
                        spec: {
                            runtimeClassName: "nvidia",
                            containers: [
                                c({
                                    env: [
                                        { name: "NVIDIA_VISIBLE_DEVICES", value: "all" },
                                        { name: "NVIDIA_DRIVER_CAPABILITIES", value: "all" },
                                    ],
                                }),
                            ],
                        },
                    },
                },
            },
        };
        expect(await run([plugin])).toEqual([]);
    });
});
