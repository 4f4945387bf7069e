import { describe, expect, it } from "vitest";
import { kubernetesRequireGpuQuota } from "../../../../policy-pack/rules/kubernetes/kubernetes-require-gpu-quota";
import { runStackPolicy, UNKNOWN, type FakeResource } from "../../../helpers/policy-harness";
import { namespace, pod, resourceQuota } from "./fixtures";

/** GPUs an agent reaches around a quota on nvidia.com/gpu: other names, defaults, DRA, custom resources. */
const run = (resources: FakeResource[]) => runStackPolicy(kubernetesRequireGpuQuota, resources);
const c = (extra: Record<string, unknown> = {}) => ({ name: "c", image: "cuda:12", ...extra });
const limit = (name: string, amount: unknown = "1") => c({ resources: { limits: { [name]: amount } } });
const quota = (hard: Record<string, unknown>, ns = "agent-a") => resourceQuota("q", ns, hard);
const nvidiaQuota = quota({ "requests.nvidia.com/gpu": "2" });
const cr = (type: string, spec: unknown, ns = "agent-a"): FakeResource => {
    const [, groupVersion, kind] = type.split(":");
    return {
        type,
        name: "cr",
        props: { apiVersion: groupVersion, kind, metadata: { name: "cr", namespace: ns }, spec },
    };
};
const limitRange = (limits: unknown, ns = "agent-a"): FakeResource => ({
    type: "kubernetes:core/v1:LimitRange",
    name: "defaults",
    props: { metadata: { name: "defaults", namespace: ns }, spec: { limits } },
});
const claimTemplate = (name: string, version: string, requests: unknown[]): FakeResource => ({
    type: `kubernetes:resource.k8s.io/${version}:ResourceClaimTemplate`,
    name,
    props: { metadata: { name, namespace: "agent-a" }, spec: { spec: { devices: { requests } } } },
});

describe("kubernetes-require-gpu-quota: accelerator names beyond nvidia.com/gpu", () => {
    it.each([
        ["a MIG profile", "nvidia.com/mig-1g.5gb"],
        ["a larger MIG profile", "nvidia.com/mig-3g.20gb"],
        ["a time-sliced shared GPU", "nvidia.com/gpu.shared"],
        ["an AMD GPU", "amd.com/gpu"],
        ["an Intel GPU", "gpu.intel.com/i915"],
        ["a Gaudi accelerator", "habana.ai/gaudi"],
        ["a Neuron core", "aws.amazon.com/neuroncore"],
        ["a TPU", "google.com/tpu"],
        ["an unknown extended resource", "example.com/widget"],
    ])("rejects %s when the quota caps only nvidia.com/gpu", async (_label, name) => {
        const v = await run([
            namespace("agent-a"),
            nvidiaQuota,
            pod("p", "agent-a", { containers: [limit(name)] }),
        ]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toContain(`with no ResourceQuota capping requests.${name}`);
        expect(v[0].message).toMatch(/GPU access without quota/);
    });

    it("passes each of them capped by requests.<its exact name>", async () => {
        for (const name of ["nvidia.com/mig-1g.5gb", "aws.amazon.com/neuron", "example.com/widget"]) {
            const v = await run([
                namespace("agent-a"),
                quota({ [`requests.${name}`]: "1" }),
                pod("p", "agent-a", { containers: [limit(name)] }),
            ]);
            expect(v).toEqual([]);
        }
    });

    it("says an unknown extended resource is judged as an accelerator", async () => {
        const v = await run([
            namespace("agent-a"),
            pod("p", "agent-a", { containers: [limit("example.com/widget")] }),
        ]);
        expect(v[0].message).toMatch(
            /example\.com\/widget: 1 \(an extended resource not known as an accelerator, judged as one\)/,
        );
    });

    it("does not count cpu, memory, hugepages, kubernetes.io names or zero amounts", async () => {
        const resources = {
            limits: { cpu: "1", memory: "1Gi", "hugepages-2Mi": "64Mi", "nvidia.com/gpu": "0.0" },
        };
        const spec = { containers: [c({ resources })], initContainers: [limit("amd.com/gpu", 0)] };
        expect(await run([namespace("agent-a"), pod("p", "agent-a", spec)])).toEqual([]);
    });

    it("rejects a GPU requested only in an init container or in pod-level resources", async () => {
        const v = await run([
            namespace("agent-a"),
            pod("p", "agent-a", { initContainers: [limit("nvidia.com/mig-1g.5gb")], containers: [c()] }),
        ]);
        expect(v[0].message).toMatch(/nvidia\.com\/mig-1g\.5gb: 1/);
        const w = await run([
            namespace("agent-a"),
            pod("p", "agent-a", { resources: { limits: { "nvidia.com/gpu": "1" } }, containers: [c()] }),
        ]);
        expect(w[0].message).toMatch(/nvidia\.com\/gpu: 1 in resources\.limits/);
    });

    it("does not credit a quota whose scopeSelector covers only some pods", async () => {
        const scoped = quota({ "requests.nvidia.com/gpu": "1" });
        const props = scoped.props as { spec: Record<string, unknown> };
        props.spec.scopeSelector = {
            matchExpressions: [{ scopeName: "PriorityClass", operator: "In", values: ["low"] }],
        };
        expect(
            await run([scoped, pod("p", "agent-a", { containers: [limit("nvidia.com/gpu")] })]),
        ).toHaveLength(1);
    });
});

describe("kubernetes-require-gpu-quota: LimitRange defaults", () => {
    const defaults = [
        { type: "Container", default: { "nvidia.com/gpu": "1" }, defaultRequest: { cpu: "100m" } },
    ];

    it("rejects the LimitRange and the pods that get GPUs from its default", async () => {
        const v = await run([
            namespace("agent-a"),
            limitRange(defaults),
            pod("p", "agent-a", { containers: [c()] }),
        ]);
        expect(v.map((x) => x.message)).toEqual([
            expect.stringMatching(
                /Pod p in agent namespace agent-a has GPU access without quota: it requests GPUs \(nvidia\.com\/gpu: 1 by default from LimitRange defaults's spec\.limits\[0\]\.default\)/,
            ),
            expect.stringMatching(
                /LimitRange defaults in agent namespace agent-a gives every container of the namespace GPUs it never asked for \(GPU quota missing\)/,
            ),
        ]);
    });

    it("rejects a MIG defaultRequest, and does not take a LimitRange max as a cap", async () => {
        const limits = [
            {
                type: "Container",
                defaultRequest: { "nvidia.com/mig-1g.5gb": "1" },
                max: { "nvidia.com/mig-1g.5gb": "1" },
            },
        ];
        const v = await run([namespace("agent-a"), limitRange(limits)]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(/requests\.nvidia\.com\/mig-1g\.5gb/);
    });

    it("passes a default capped by the quota, and a LimitRange of cpu and memory only", async () => {
        expect(
            await run([
                namespace("agent-a"),
                nvidiaQuota,
                limitRange(defaults),
                pod("p", "agent-a", { containers: [c()] }),
            ]),
        ).toEqual([]);
        const plain = [{ type: "Container", default: { cpu: "1", memory: "1Gi" } }];
        expect(
            await run([namespace("agent-a"), limitRange(plain), pod("p", "agent-a", { containers: [c()] })]),
        ).toEqual([]);
    });

    it("gives the default to a SparkApplication's pods, not to a network policy of the namespace", async () => {
        const cnp = cr("kubernetes:cilium.io/v2:CiliumNetworkPolicy", { endpointSelector: {}, egress: [] });
        const spark = cr("kubernetes:sparkoperator.k8s.io/v1beta2:SparkApplication", {
            driver: { cores: 1 },
        });
        const v = await run([namespace("agent-a"), limitRange(defaults), cnp, spark]);
        expect(v.map((x) => x.message)).toEqual([
            expect.stringMatching(/SparkApplication cr .*by default from LimitRange defaults/),
            expect.stringMatching(/LimitRange defaults in agent namespace/),
        ]);
    });

    it("fails closed on unknown limits, and ignores LimitRanges of other namespaces", async () => {
        const v = await run([namespace("agent-a"), limitRange(UNKNOWN)]);
        expect(v[0].message).toMatch(
            /LimitRange defaults .*may request GPUs \(spec\.limits unknown during preview\)/,
        );
        expect(
            await run([
                namespace("infra"),
                limitRange(defaults, "infra"),
                pod("p", "agent-a", { containers: [c()] }),
            ]),
        ).toEqual([]);
    });
});

describe("kubernetes-require-gpu-quota: Dynamic Resource Allocation", () => {
    const gpuRequest = { name: "g", exactly: { deviceClassName: "gpu.nvidia.com" } };
    const claimPod = pod("p", "agent-a", {
        resourceClaims: [{ name: "g", resourceClaimTemplateName: "gpu" }],
        containers: [c()],
    });

    it("does not credit a device-class quota on another class", async () => {
        const cheap = quota({ "cpu.example.com.deviceclass.resource.k8s.io/devices": "1" });
        const v = await run([
            namespace("agent-a"),
            cheap,
            claimTemplate("gpu", "v1", [gpuRequest]),
            claimPod,
        ]);
        expect(v.map((x) => x.message)).toEqual([
            expect.stringMatching(
                /Pod p .*names ResourceClaimTemplate gpu: no ResourceQuota caps gpu\.nvidia\.com\.deviceclass\.resource\.k8s\.io\/devices/,
            ),
            expect.stringMatching(
                /ResourceClaimTemplate gpu .*no ResourceQuota caps gpu\.nvidia\.com\.deviceclass/,
            ),
        ]);
    });

    it("passes a claim count quota, but not for a request that takes every device", async () => {
        const count = quota({ "count/resourceclaims.resource.k8s.io": "1" });
        expect(
            await run([namespace("agent-a"), count, claimTemplate("gpu", "v1", [gpuRequest]), claimPod]),
        ).toEqual([]);
        const all = { name: "g", deviceClassName: "gpu.nvidia.com", allocationMode: "All" };
        const v = await run([namespace("agent-a"), count, claimTemplate("gpu", "v1beta1", [all])]);
        expect(v[0].message).toMatch(/takes every matching device \(allocationMode All\)/);
        const perClass = quota({ "gpu.nvidia.com.deviceclass.resource.k8s.io/devices": "32" });
        expect(await run([namespace("agent-a"), perClass, claimTemplate("gpu", "v1beta1", [all])])).toEqual(
            [],
        );
    });

    it("reads firstAvailable alternatives: each class must be capped", async () => {
        const request = {
            name: "g",
            firstAvailable: [
                { name: "small", deviceClassName: "mig.nvidia.com" },
                { name: "big", deviceClassName: "gpu.nvidia.com" },
            ],
        };
        const one = quota({ "mig.nvidia.com.deviceclass.resource.k8s.io/devices": "1" });
        const v = await run([namespace("agent-a"), one, claimTemplate("gpu", "v1beta2", [request])]);
        expect(v[0].message).toMatch(/gpu\.nvidia\.com\.deviceclass/);
        expect(v[0].message).not.toMatch(/mig\.nvidia\.com\.deviceclass/);
    });

    it.each([
        [
            "v1beta1",
            { name: "g", deviceClassName: "gpu.nvidia.com", adminAccess: true },
            /spec\.spec\.devices\.requests\[0\]\.adminAccess is true/,
        ],
        [
            "v1",
            { name: "g", exactly: { deviceClassName: "gpu.nvidia.com", adminAccess: true } },
            /requests\[0\]\.exactly\.adminAccess is true/,
        ],
    ])("rejects adminAccess in a %s claim even when capped", async (version, request, message) => {
        const capped = quota({ "gpu.nvidia.com.deviceclass.resource.k8s.io/devices": "1" });
        const v = await run([namespace("agent-a"), capped, claimTemplate("gpu", version, [request])]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(message);
        expect(v[0].message).toMatch(/admin access is forbidden for agents/);
    });

    it("rejects a ResourceClaim whose device class is unknown during preview", async () => {
        const claim: FakeResource = {
            type: "kubernetes:resource.k8s.io/v1:ResourceClaim",
            name: "x",
            props: {
                metadata: { name: "x", namespace: "agent-a" },
                spec: { devices: { requests: [{ name: "g", exactly: { deviceClassName: UNKNOWN } }] } },
            },
        };
        const v = await run([
            namespace("agent-a"),
            quota({ "count/resourceclaims.resource.k8s.io": "1" }),
            claim,
        ]);
        expect(v[0].message).toMatch(/deviceClassName is unknown during preview/);
    });
});

describe("kubernetes-require-gpu-quota: pod templates inside custom resources", () => {
    const gpuWorker = { containers: [limit("nvidia.com/gpu", "8")] };

    it.each([
        [
            "a RayCluster GPU worker group",
            cr("kubernetes:ray.io/v1:RayCluster", {
                workerGroupSpecs: [{ groupName: "g", template: { spec: gpuWorker } }],
            }),
            /RayCluster cr .*nvidia\.com\/gpu: 8 at spec\.workerGroupSpecs\[0\]\.template\.spec\.containers\[0\]/,
        ],
        [
            "a PyTorchJob worker",
            cr("kubernetes:kubeflow.org/v1:PyTorchJob", {
                pytorchReplicaSpecs: { Worker: { template: { spec: gpuWorker } } },
            }),
            /at spec\.pytorchReplicaSpecs\.Worker\.template\.spec\.containers\[0\]/,
        ],
        [
            "a TrainJob's resourcesPerNode",
            cr("kubernetes:trainer.kubeflow.org/v1alpha1:TrainJob", {
                trainer: { numNodes: 4, resourcesPerNode: { limits: { "nvidia.com/gpu": 8 } } },
            }),
            /nvidia\.com\/gpu: 8 at spec\.trainer\.resourcesPerNode\.limits/,
        ],
        [
            "a SparkApplication executor gpu",
            cr("kubernetes:sparkoperator.k8s.io/v1beta2:SparkApplication", {
                executor: { instances: 10, gpu: { name: "nvidia.com/gpu", quantity: 1 } },
            }),
            /nvidia\.com\/gpu: 1 at spec\.executor\.gpu/,
        ],
        [
            "a KServe predictor model's resources",
            cr("kubernetes:serving.kserve.io/v1beta1:InferenceService", {
                predictor: {
                    model: {
                        modelFormat: { name: "x" },
                        resources: { limits: { "nvidia.com/mig-1g.5gb": "1" } },
                    },
                },
            }),
            /nvidia\.com\/mig-1g\.5gb: 1 at spec\.predictor\.model\.resources\.limits/,
        ],
        [
            "an Argo template container",
            cr("kubernetes:argoproj.io/v1alpha1:Workflow", {
                templates: [{ name: "m", container: limit("gpu.intel.com/xe") }],
            }),
            /gpu\.intel\.com\/xe: 1 at spec\.templates\[0\]\.container/,
        ],
        [
            "an Argo podSpecPatch adding a GPU",
            cr("kubernetes:argoproj.io/v1alpha1:Workflow", {
                templates: [
                    {
                        name: "m",
                        container: c(),
                        podSpecPatch:
                            '{"containers":[{"name":"main","resources":{"limits":{"nvidia.com/gpu":"4"}}}]}',
                    },
                ],
            }),
            /nvidia\.com\/gpu: 4 at spec\.templates\[0\]\.podSpecPatch\.containers\[0\]/,
        ],
        [
            "a JobSet with NVIDIA_VISIBLE_DEVICES=all",
            cr("kubernetes:jobset.x-k8s.io/v1alpha2:JobSet", {
                replicatedJobs: [
                    {
                        name: "w",
                        template: {
                            spec: {
                                template: {
                                    spec: {
                                        containers: [
                                            c({ env: [{ name: "NVIDIA_VISIBLE_DEVICES", value: "all" }] }),
                                        ],
                                    },
                                },
                            },
                        },
                    },
                ],
            }),
            /replicatedJobs\[0\]\.template\.spec\.template\.spec\.containers\[0\]\.env\[0\] sets NVIDIA_VISIBLE_DEVICES="all"/,
        ],
        [
            "a Spark driver's envVars",
            cr("kubernetes:sparkoperator.k8s.io/v1beta2:SparkApplication", {
                driver: { envVars: { NVIDIA_VISIBLE_DEVICES: "all" } },
            }),
            /spec\.driver\.envVars sets NVIDIA_VISIBLE_DEVICES="all"/,
        ],
        [
            "a Ray worker claiming an undeclared DRA template",
            cr("kubernetes:ray.io/v1:RayCluster", {
                workerGroupSpecs: [
                    {
                        template: {
                            spec: {
                                resourceClaims: [{ name: "g", resourceClaimTemplateName: "gpus" }],
                                containers: [c()],
                            },
                        },
                    },
                ],
            }),
            /workerGroupSpecs\[0\]\.template\.spec\.resourceClaims\[0\]\.resourceClaimTemplateName names ResourceClaimTemplate gpus, which this stack does not declare/,
        ],
        [
            "an unlisted kind with a GPU pod template",
            cr("kubernetes:example.dev/v1:Trainer", { podTemplate: { spec: gpuWorker } }),
            /Trainer cr .*nvidia\.com\/gpu: 8 at spec\.podTemplate\.spec/,
        ],
    ])("rejects %s without a quota on that resource", async (_label, resource, message) => {
        const v = await run([namespace("agent-a"), quota({ "requests.amd.com/gpu": "0" }), resource]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(/has GPU access without quota/);
        expect(v[0].message).toMatch(message);
    });

    it("fails closed on a podSpecPatch that does not parse", async () => {
        const wf = cr("kubernetes:argoproj.io/v1alpha1:Workflow", {
            templates: [{ name: "m", container: c(), podSpecPatch: "{containers: [" }],
        });
        const v = await run([namespace("agent-a"), wf]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(/spec\.templates\[0\]\.podSpecPatch is a string, not a pod spec object/);
    });

    it("passes GPU custom resources capped by the quota, and outside agent namespaces", async () => {
        const ray = cr("kubernetes:ray.io/v1:RayCluster", {
            workerGroupSpecs: [{ template: { spec: gpuWorker } }],
        });
        const spark = cr("kubernetes:sparkoperator.k8s.io/v1beta2:SparkApplication", {
            executor: { gpu: { name: "nvidia.com/gpu", quantity: 1 } },
        });
        expect(await run([namespace("agent-a"), nvidiaQuota, ray, spark])).toEqual([]);
        const elsewhere = cr(
            "kubernetes:ray.io/v1:RayCluster",
            { workerGroupSpecs: [{ template: { spec: gpuWorker } }] },
            "ml",
        );
        expect(await run([namespace("ml"), elsewhere])).toEqual([]);
    });
});

describe("kubernetes-require-gpu-quota: patches and namespace labels", () => {
    it("does not credit a quota that a ResourceQuotaPatch of the same name scopes", async () => {
        const patch: FakeResource = {
            type: "kubernetes:core/v1:ResourceQuotaPatch",
            name: "q-scope",
            props: { metadata: { name: "q", namespace: "agent-a" }, spec: { scopes: ["BestEffort"] } },
        };
        const gpuPod = pod("p", "agent-a", { containers: [limit("nvidia.com/gpu")] });
        expect(await run([namespace("agent-a"), nvidiaQuota, gpuPod])).toEqual([]);
        expect(await run([namespace("agent-a"), nvidiaQuota, patch, gpuPod])).toHaveLength(1);
        const otherName = {
            ...patch,
            props: { ...patch.props, metadata: { name: "other", namespace: "agent-a" } },
        };
        expect(await run([namespace("agent-a"), nvidiaQuota, otherName, gpuPod])).toEqual([]);
    });

    it("reads NVIDIA_VISIBLE_DEVICES that a ConfigMapPatch adds to a clean ConfigMap", async () => {
        const clean: FakeResource = {
            type: "kubernetes:core/v1:ConfigMap",
            name: "settings",
            props: { metadata: { name: "settings", namespace: "agent-a" }, data: { LOG: "info" } },
        };
        const patch: FakeResource = {
            type: "kubernetes:core/v1:ConfigMapPatch",
            name: "settings-patch",
            props: {
                metadata: { name: "settings", namespace: "agent-a" },
                data: { NVIDIA_VISIBLE_DEVICES: "all" },
            },
        };
        const p = pod("p", "agent-a", {
            containers: [c({ envFrom: [{ configMapRef: { name: "settings" } }] })],
        });
        expect(await run([namespace("agent-a"), clean, p])).toEqual([]);
        const v = await run([namespace("agent-a"), clean, patch, p]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(/\(ConfigMap settings\) sets NVIDIA_VISIBLE_DEVICES="all"/);
    });

    it("rejects an agent namespace labelled for DRA admin access, not others", async () => {
        const v = await run([namespace("agent-a", { "resource.kubernetes.io/admin-access": "true" })]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(
            /sets label resource\.kubernetes\.io\/admin-access="true".*GPUs included/,
        );
        expect(
            await run([namespace("gpu-admin", { "resource.kubernetes.io/admin-access": "true" })]),
        ).toEqual([]);
    });
});

describe("kubernetes-require-gpu-quota: device requests the runtime reads without a resource", () => {
    const withMount = (mountPath: string) =>
        pod("p", "agent-a", {
            volumes: [{ name: "v", emptyDir: {} }],
            containers: [c({ volumeMounts: [{ name: "v", mountPath }] })],
        });

    it.each([
        "/var/run/nvidia-container-devices/all",
        "/run/nvidia-container-devices/0",
        "//var/run//nvidia-container-devices",
        "/var/run/app/../nvidia-container-devices/all",
    ])("rejects a volume mounted at %s, even beside a capped GPU quota", async (mountPath) => {
        const v = await run([namespace("agent-a"), nvidiaQuota, withMount(mountPath)]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(/where the NVIDIA toolkit reads device requests from volume mounts/);
    });

    it("passes volumes mounted elsewhere", async () => {
        expect(await run([namespace("agent-a"), withMount("/var/run/app")])).toEqual([]);
    });

    it("rejects CDI annotations on a pod template and on a custom resource's template", async () => {
        const d: FakeResource = {
            type: "kubernetes:apps/v1:Deployment",
            name: "d",
            props: {
                metadata: { name: "d", namespace: "agent-a" },
                spec: {
                    template: {
                        metadata: { annotations: { "cdi.k8s.io/gpu": "nvidia.com/gpu=all", team: "ml" } },
                        spec: { containers: [c()] },
                    },
                },
            },
        };
        const v = await run([namespace("agent-a"), nvidiaQuota, d]);
        expect(v[0].message).toMatch(
            /spec\.template\.metadata\.annotations\["cdi\.k8s\.io\/gpu"\] asks the container runtime for device "nvidia\.com\/gpu=all"/,
        );
        const ray = cr("kubernetes:ray.io/v1:RayCluster", {
            workerGroupSpecs: [
                {
                    template: {
                        metadata: { annotations: { "cdi.k8s.io/x": "nvidia.com/gpu=0" } },
                        spec: { containers: [c()] },
                    },
                },
            ],
        });
        const w = await run([namespace("agent-a"), ray]);
        expect(w[0].message).toMatch(
            /spec\.workerGroupSpecs\[0\]\.template\.metadata\.annotations\["cdi\.k8s\.io\/x"\]/,
        );
        const plain = {
            ...d,
            props: {
                ...d.props,
                spec: {
                    template: { metadata: { annotations: { team: "ml" } }, spec: { containers: [c()] } },
                },
            },
        };
        expect(await run([namespace("agent-a"), plain])).toEqual([]);
    });
});
