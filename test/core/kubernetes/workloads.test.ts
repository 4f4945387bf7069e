import { describe, expect, it } from "vitest";
import type { ResourceNode } from "../../../core/stack/stack-model";
import {
    containersOf,
    isCustomWorkloadType,
    looseObjectsOf,
    podSpecsOf,
} from "../../../core/kubernetes/workloads";
import { UNKNOWN } from "../../helpers/policy-harness";

const node = (type: string, props: Record<string, unknown>): ResourceNode => ({
    urn: `urn:pulumi:s::p::${type}::n`,
    type,
    name: "n",
    props,
    dependencies: [],
    propertyDependencies: {},
});
const paths = (n: ResourceNode) => podSpecsOf(n).map((p) => p.path);

describe("podSpecsOf", () => {
    it("returns the one pod spec of a built-in workload, with its template metadata", () => {
        const d = node("kubernetes:apps/v1:Deployment", {
            spec: { template: { metadata: { annotations: { a: "b" } }, spec: { containers: [] } } },
        });
        expect(podSpecsOf(d)).toEqual([
            {
                path: "spec.template.spec",
                spec: { containers: [] },
                metadata: { annotations: { a: "b" } },
                metadataPath: "spec.template.metadata",
            },
        ]);
    });

    it("finds every template of a RayCluster, with the path and the metadata beside each", () => {
        const ray = node("kubernetes:ray.io/v1:RayCluster", {
            metadata: { name: "r" },
            spec: {
                headGroupSpec: { template: { metadata: { labels: { h: "1" } }, spec: { containers: [] } } },
                workerGroupSpecs: [
                    { template: { spec: { containers: [] } } },
                    { template: { spec: { containers: [] } } },
                ],
            },
        });
        const found = podSpecsOf(ray);
        expect(found.map((p) => p.path)).toEqual([
            "spec.headGroupSpec.template.spec",
            "spec.workerGroupSpecs[0].template.spec",
            "spec.workerGroupSpecs[1].template.spec",
        ]);
        expect(found[0].metadata).toEqual({ labels: { h: "1" } });
        expect(found[0].metadataPath).toBe("spec.headGroupSpec.template.metadata");
    });

    it("treats an Argo template holding a single container or script as a pod spec, metadata inside it", () => {
        const wf = node("kubernetes:argoproj.io/v1alpha1:Workflow", {
            spec: {
                templates: [
                    { name: "a", metadata: { annotations: { x: "y" } }, container: { image: "i" } },
                    { name: "b", script: { image: "i", source: "echo" } },
                    { name: "c", steps: [[{ name: "s", template: "a" }]] },
                ],
            },
        });
        const found = podSpecsOf(wf);
        expect(found.map((p) => p.path)).toEqual(["spec.templates[0]", "spec.templates[1]"]);
        expect(found[0].metadata).toEqual({ annotations: { x: "y" } });
        expect(found[0].metadataPath).toBe("spec.templates[0].metadata");
    });

    it("parses podSpecPatch and resource-template manifests; an unparseable one stays a string", () => {
        const wf = node("kubernetes:argoproj.io/v1alpha1:Workflow", {
            spec: {
                podSpecPatch: "hostPID: true",
                templates: [
                    { name: "a", container: { image: "i" }, podSpecPatch: "[unclosed" },
                    {
                        name: "b",
                        resource: {
                            action: "create",
                            manifest:
                                "apiVersion: batch/v1\nkind: Job\nspec:\n  template:\n    spec:\n      containers: []\n",
                        },
                    },
                ],
            },
        });
        const found = podSpecsOf(wf);
        expect(found.map((p) => [p.path, p.spec])).toEqual([
            ["spec.podSpecPatch", { hostPID: true }],
            ["spec.templates[0]", expect.objectContaining({ name: "a" })],
            ["spec.templates[0].podSpecPatch", "[unclosed"],
            ["spec.templates[1].resource.manifest(Job).spec.template.spec", { containers: [] }],
        ]);
    });

    it("returns unknown templates of a custom resource as unknown pod specs", () => {
        const job = node("kubernetes:kubeflow.org/v1:PyTorchJob", {
            spec: { pytorchReplicaSpecs: { Worker: { replicas: 2, template: UNKNOWN } } },
        });
        expect(podSpecsOf(job)).toEqual([
            expect.objectContaining({ path: "spec.pytorchReplicaSpecs.Worker.template", spec: UNKNOWN }),
        ]);
    });

    it("is empty for kinds that run no pods", () => {
        expect(paths(node("kubernetes:core/v1:ConfigMap", { data: { containers: "x" } }))).toEqual([]);
        expect(paths(node("kubernetes:networking.k8s.io/v1:Ingress", { spec: { containers: [] } }))).toEqual(
            [],
        );
        expect(paths(node("aws:s3/bucket:Bucket", { spec: { containers: [] } }))).toEqual([]);
    });
});

describe("isCustomWorkloadType", () => {
    it.each([
        ["kubernetes:ray.io/v1:RayCluster", true],
        ["kubernetes:batch.volcano.sh/v1alpha1:Job", true],
        ["kubernetes:example.k8s.io/v1:RayJob", true],
        ["kubernetes:sparkoperator.k8s.io/v1beta2:ScheduledSparkApplication", true],
        ["kubernetes:anything.k8s.io/v1:Unlisted", true],
        ["kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition", false],
        ["kubernetes:serving.kserve.io/v1beta1:InferenceService", true],
        ["kubernetes:leaderworkerset.x-k8s.io/v1:LeaderWorkerSet", true],
        ["kubernetes:apps/v1:Deployment", false],
        ["kubernetes:resource.k8s.io/v1:ResourceClaim", false],
        ["kubernetes:helm.sh/v3:Release", false],
        ["kubernetes:yaml/v2:ConfigGroup", false],
    ])("%s → %s", (type, expected) => {
        expect(isCustomWorkloadType(type)).toBe(expected);
    });
});

describe("containersOf and looseObjectsOf", () => {
    it("lists containers of every shape a controller uses", () => {
        const spec = {
            containers: [{ name: "a" }],
            initContainers: [{ name: "i" }],
            sidecars: [{ name: "s" }],
            container: { name: "c" },
            containerSet: { containers: [{ name: "x" }] },
        };
        expect(containersOf(spec, "spec").map((c) => c.path)).toEqual([
            "spec.containers[0]",
            "spec.initContainers[0]",
            "spec.sidecars[0]",
            "spec.container",
            "spec.containerSet.containers[0]",
        ]);
    });

    it("walks a custom resource outside its pod specs", () => {
        const spark = node("kubernetes:sparkoperator.k8s.io/v1beta2:SparkApplication", {
            metadata: { name: "s" },
            spec: { driver: { cores: 1 }, executor: { sidecars: [{ name: "x" }] } },
        });
        const specs = podSpecsOf(spark);
        expect(specs.map((p) => p.path)).toEqual(["spec.executor"]);
        expect(looseObjectsOf(spark, specs).map((o) => o.path)).toEqual(["spec", "spec.driver"]);
    });
});

describe("podSpecsOf at any depth", () => {
    it("finds a pod template nested deeper than any CRD nests one", () => {
        let spec: Record<string, unknown> = { containers: [{ name: "c" }] };
        for (let i = 0; i < 120; i++) spec = { wrap: spec };
        const found = podSpecsOf(node("kubernetes:example.dev/v1:Deep", { spec }));
        expect(found).toHaveLength(1);
        expect(found[0].path).toBe(`spec${".wrap".repeat(120)}`);
    });
});
