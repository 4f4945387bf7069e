import { describe, expect, it } from "vitest";
import { kubernetesForbidHostAccess } from "../../../../policy-pack/rules/kubernetes/kubernetes-forbid-host-access";
import { runStackPolicy, UNKNOWN, type FakeResource } from "../../../helpers/policy-harness";
import { namespace } from "./fixtures";

/** Pod templates inside the custom resources of pod-running controllers are judged like built-in pod specs. */
const run = (resources: FakeResource[]) => runStackPolicy(kubernetesForbidHostAccess, resources);
const cr = (type: string, spec: unknown, ns = "agent-a"): FakeResource => {
    const [, groupVersion, kind] = type.split(":");
    return {
        type,
        name: "cr",
        props: { apiVersion: groupVersion, kind, metadata: { name: "cr", namespace: ns }, spec },
    };
};
const c = (extra: Record<string, unknown> = {}) => ({ name: "main", image: "trainer:1", ...extra });
const privileged = c({ securityContext: { privileged: true } });
const restricted = {
    privileged: false,
    allowPrivilegeEscalation: false,
    runAsNonRoot: true,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
};
const hardened = c({ securityContext: restricted });
const RAY = "kubernetes:ray.io/v1:RayCluster";
const rayCluster = (
    worker: Record<string, unknown>,
    head: Record<string, unknown> = { containers: [c()] },
) => ({
    headGroupSpec: { rayStartParams: {}, template: { spec: head } },
    workerGroupSpecs: [{ groupName: "gpu", replicas: 1, template: { spec: worker } }],
});

describe("kubernetes-forbid-host-access: pod templates inside custom resources", () => {
    it("rejects a RayCluster worker on the host network, naming the template's path", async () => {
        const v = await run([
            namespace("agent-a"),
            cr(RAY, rayCluster({ hostNetwork: true, containers: [c()] })),
        ]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(
            /RayCluster cr in agent namespace agent-a breaks host confinement: spec\.workerGroupSpecs\[0\]\.template\.spec\.hostNetwork is true/,
        );
    });

    it("reads a RayJob's nested rayClusterSpec", async () => {
        const job = cr("kubernetes:ray.io/v1:RayJob", {
            entrypoint: "python train.py",
            rayClusterSpec: rayCluster({ containers: [privileged] }),
        });
        const v = await run([namespace("agent-a"), job]);
        expect(v[0].message).toMatch(
            /spec\.rayClusterSpec\.workerGroupSpecs\[0\]\.template\.spec\.containers\[0\]\.securityContext\.privileged is true/,
        );
    });

    it("passes hardened look-alikes of every listed controller", async () => {
        const pod = { containers: [hardened] };
        const resources = [
            namespace("agent-a"),
            cr(RAY, rayCluster(pod, pod)),
            cr("kubernetes:kubeflow.org/v1:PyTorchJob", {
                pytorchReplicaSpecs: { Master: { replicas: 1, template: { spec: pod } } },
            }),
            cr("kubernetes:argoproj.io/v1alpha1:Workflow", {
                entrypoint: "main",
                templates: [{ name: "main", container: hardened }],
            }),
            cr("kubernetes:sparkoperator.k8s.io/v1beta2:SparkApplication", {
                type: "Python",
                driver: { cores: 1, securityContext: restricted },
                executor: { instances: 2 },
            }),
            cr("kubernetes:jobset.x-k8s.io/v1alpha2:JobSet", {
                replicatedJobs: [{ name: "w", template: { spec: { template: { spec: pod } } } }],
            }),
            cr("kubernetes:serving.kserve.io/v1beta1:InferenceService", {
                predictor: { model: { modelFormat: { name: "sklearn" }, storageUri: "s3://m" } },
            }),
        ];
        expect(await run(resources)).toEqual([]);
    });

    it.each([
        [
            "a Kubeflow PyTorchJob worker with hostPID",
            cr("kubernetes:kubeflow.org/v1:PyTorchJob", {
                pytorchReplicaSpecs: { Worker: { template: { spec: { hostPID: true, containers: [c()] } } } },
            }),
            /spec\.pytorchReplicaSpecs\.Worker\.template\.spec\.hostPID is true/,
        ],
        [
            "an Argo Workflow template's single container, privileged",
            cr("kubernetes:argoproj.io/v1alpha1:Workflow", {
                templates: [{ name: "m", container: privileged }],
            }),
            /spec\.templates\[0\]\.container\.securityContext\.privileged is true/,
        ],
        [
            "an Argo script template adding SYS_ADMIN",
            cr("kubernetes:argoproj.io/v1alpha1:WorkflowTemplate", {
                templates: [
                    { name: "m", script: c({ securityContext: { capabilities: { add: ["SYS_ADMIN"] } } }) },
                ],
            }),
            /spec\.templates\[0\]\.script\.securityContext\.capabilities\.add\[0\] is "SYS_ADMIN"/,
        ],
        [
            "an Argo containerSet container, and a sidecar",
            cr("kubernetes:argoproj.io/v1alpha1:CronWorkflow", {
                workflowSpec: {
                    templates: [
                        { name: "m", containerSet: { containers: [privileged] }, sidecars: [privileged] },
                    ],
                },
            }),
            /sidecars\[0\]\.securityContext\.privileged is true.*containerSet\.containers\[0\]\.securityContext\.privileged is true/,
        ],
        [
            "Argo workflow-level hostNetwork and a hostPath volume",
            cr("kubernetes:argoproj.io/v1alpha1:Workflow", {
                hostNetwork: true,
                volumes: [{ name: "root", hostPath: { path: "/" } }],
                templates: [{ name: "m", container: c() }],
            }),
            /spec\.hostNetwork is true.*spec\.volumes\[0\]\.hostPath/,
        ],
        [
            "an Argo podSpecPatch that turns on hostNetwork",
            cr("kubernetes:argoproj.io/v1alpha1:Workflow", {
                templates: [{ name: "m", container: c(), podSpecPatch: '{"hostNetwork": true}' }],
            }),
            /spec\.templates\[0\]\.podSpecPatch\.hostNetwork is true/,
        ],
        [
            "an Argo podSpecPatch in YAML at the workflow level",
            cr("kubernetes:argoproj.io/v1alpha1:Workflow", {
                podSpecPatch: "containers:\n  - name: main\n    securityContext:\n      privileged: true\n",
                templates: [{ name: "m", container: c() }],
            }),
            /spec\.podSpecPatch\.containers\[0\]\.securityContext\.privileged is true/,
        ],
        [
            "an Argo resource template whose manifest is a privileged Pod",
            cr("kubernetes:argoproj.io/v1alpha1:Workflow", {
                templates: [
                    {
                        name: "m",
                        resource: {
                            action: "create",
                            manifest:
                                "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec:\n  hostPID: true\n  containers: [{name: a, image: b}]\n",
                        },
                    },
                ],
            }),
            /spec\.templates\[0\]\.resource\.manifest\(Pod\)\.spec\.hostPID is true/,
        ],
        [
            "a podSpecPatch that cannot be parsed",
            cr("kubernetes:argoproj.io/v1alpha1:Workflow", {
                templates: [{ name: "m", container: c(), podSpecPatch: "{hostNetwork: [" }],
            }),
            /spec\.templates\[0\]\.podSpecPatch is "\{hostNetwork: \[" \(a string, not a pod spec object/,
        ],
        [
            "a SparkApplication driver's privileged securityContext and executor hostNetwork",
            cr("kubernetes:sparkoperator.k8s.io/v1beta2:SparkApplication", {
                driver: { cores: 1, securityContext: { privileged: true } },
                executor: { hostNetwork: true },
            }),
            /spec\.driver\.securityContext\.privileged is true.*spec\.executor\.hostNetwork is true/,
        ],
        [
            "a SparkApplication hostPath volume",
            cr("kubernetes:sparkoperator.k8s.io/v1beta2:SparkApplication", {
                volumes: [{ name: "docker", hostPath: { path: "/var/run/docker.sock" } }],
                driver: { volumeMounts: [{ name: "docker", mountPath: "/sock" }] },
            }),
            /spec\.volumes\[0\]\.hostPath is \{"path":"\/var\/run\/docker\.sock"\}/,
        ],
        [
            "a JobSet replicated job with hostIPC",
            cr("kubernetes:jobset.x-k8s.io/v1alpha2:JobSet", {
                replicatedJobs: [
                    {
                        name: "w",
                        template: { spec: { template: { spec: { hostIPC: true, containers: [c()] } } } },
                    },
                ],
            }),
            /spec\.replicatedJobs\[0\]\.template\.spec\.template\.spec\.hostIPC is true/,
        ],
        [
            "a KServe predictor with inline privileged containers",
            cr("kubernetes:serving.kserve.io/v1beta1:InferenceService", {
                predictor: { containers: [privileged] },
            }),
            /spec\.predictor\.containers\[0\]\.securityContext\.privileged is true/,
        ],
        [
            "a KServe predictor model container (no containers list) that is privileged",
            cr("kubernetes:serving.kserve.io/v1beta1:InferenceService", {
                predictor: { model: { modelFormat: { name: "x" }, securityContext: { privileged: true } } },
            }),
            /spec\.predictor\.model\.securityContext\.privileged is true/,
        ],
        [
            "a LeaderWorkerSet leader template with a hostPort",
            cr("kubernetes:leaderworkerset.x-k8s.io/v1:LeaderWorkerSet", {
                leaderWorkerTemplate: {
                    leaderTemplate: {
                        spec: { containers: [c({ ports: [{ containerPort: 22, hostPort: 22 }] })] },
                    },
                    workerTemplate: { spec: { containers: [c()] } },
                },
            }),
            /spec\.leaderWorkerTemplate\.leaderTemplate\.spec\.containers\[0\]\.ports\[0\]\.hostPort is 22/,
        ],
        [
            "a Volcano Job task template with hostNetwork",
            cr("kubernetes:batch.volcano.sh/v1alpha1:Job", {
                tasks: [
                    { name: "t", replicas: 1, template: { spec: { hostNetwork: true, containers: [c()] } } },
                ],
            }),
            /spec\.tasks\[0\]\.template\.spec\.hostNetwork is true/,
        ],
        [
            "a Kubeflow Notebook with AppArmor turned off in its template's annotations",
            cr("kubernetes:kubeflow.org/v1:Notebook", {
                template: {
                    metadata: {
                        annotations: { "container.apparmor.security.beta.kubernetes.io/main": "unconfined" },
                    },
                    spec: { containers: [c()] },
                },
            }),
            /spec\.template\.metadata\.annotations\["container\.apparmor\.security\.beta\.kubernetes\.io\/main"\] is "unconfined"/,
        ],
        [
            "an unlisted custom resource kind whose spec holds a privileged pod template",
            cr("kubernetes:example.dev/v1:GpuBox", { podTemplate: { spec: { containers: [privileged] } } }),
            /GpuBox cr .*spec\.podTemplate\.spec\.containers\[0\]\.securityContext\.privileged is true/,
        ],
        [
            "a listed kind under a look-alike API group",
            cr(
                "kubernetes:ray.example.io/v1:RayCluster",
                rayCluster({ hostNetwork: true, containers: [c()] }),
            ),
            /spec\.workerGroupSpecs\[0\]\.template\.spec\.hostNetwork is true/,
        ],
        [
            "a worker template unknown during preview",
            cr(RAY, {
                headGroupSpec: { template: { spec: { containers: [c()] } } },
                workerGroupSpecs: [{ template: UNKNOWN }],
            }),
            /spec\.workerGroupSpecs\[0\]\.template is unknown during preview/,
        ],
    ])("rejects %s", async (_label, resource, message) => {
        const v = await run([namespace("agent-a"), resource]);
        expect(v).toHaveLength(1);
        expect(v[0].enforcementLevel).toBe("mandatory");
        expect(v[0].message).toMatch(message);
    });

    it("does not judge custom resources outside agent namespaces", async () => {
        const v = await run([
            namespace("infra"),
            cr(RAY, rayCluster({ hostNetwork: true, containers: [c()] }), "infra"),
        ]);
        expect(v).toEqual([]);
    });

    it("does not read a Helm release's values as a pod template", async () => {
        const release: FakeResource = {
            type: "kubernetes:helm.sh/v3:Release",
            name: "r",
            props: {
                metadata: { namespace: "agent-a" },
                namespace: "agent-a",
                values: { hostNetwork: true },
            },
        };
        expect(await run([namespace("agent-a"), release])).toEqual([]);
    });
});

describe("kubernetes-forbid-host-access: custom resource shapes", () => {
    it("judges a Spark executor's securityContext as a container's when it also holds sidecars", async () => {
        const spark = cr("kubernetes:sparkoperator.k8s.io/v1beta2:SparkApplication", {
            executor: {
                instances: 2,
                securityContext: { capabilities: { add: ["NET_ADMIN"] } },
                sidecars: [c()],
            },
        });
        const v = await run([namespace("agent-a"), spark]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(
            /spec\.executor\.securityContext\.capabilities\.add\[0\] is "NET_ADMIN"/,
        );
    });
});

describe("kubernetes-forbid-host-access: manifests a custom resource applies elsewhere", () => {
    const OBJECT = "kubernetes:kubernetes.crossplane.io/v1alpha2:Object";
    const crossplaneObject = (
        podNamespace: string,
        spec: Record<string, unknown>,
        ns = "crossplane-system",
    ) =>
        cr(
            OBJECT,
            {
                forProvider: {
                    manifest: {
                        apiVersion: "v1",
                        kind: "Pod",
                        metadata: { name: "x", namespace: podNamespace },
                        spec,
                    },
                },
            },
            ns,
        );

    it("rejects a Crossplane Object outside agent namespaces whose manifest puts a host-PID pod in one", async () => {
        const v = await run([
            namespace("agent-a"),
            crossplaneObject("agent-a", { hostPID: true, containers: [c()] }),
        ]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(/agent namespace agent-a.*hostPID/);
    });

    it("accepts such an Object whose pod is confined, or lands outside agent namespaces", async () => {
        expect(
            await run([namespace("agent-a"), crossplaneObject("agent-a", { containers: [hardened] })]),
        ).toEqual([]);
        expect(
            await run([
                namespace("agent-a"),
                crossplaneObject("tools", { hostPID: true, containers: [c()] }),
            ]),
        ).toEqual([]);
    });
});
