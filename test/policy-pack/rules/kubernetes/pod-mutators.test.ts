import { describe, expect, it } from "vitest";
import { kubernetesForbidHostAccess } from "../../../../policy-pack/rules/kubernetes/kubernetes-forbid-host-access";
import { kubernetesRequireGpuQuota } from "../../../../policy-pack/rules/kubernetes/kubernetes-require-gpu-quota";
import { runStackPolicy, UNKNOWN, type FakeResource } from "../../../helpers/policy-harness";
import { namespace } from "./fixtures";

/** Admission objects that rewrite agent pods after the rules have read their specs. */
const host = (resources: FakeResource[]) => runStackPolicy(kubernetesForbidHostAccess, resources);
const gpu = (resources: FakeResource[]) => runStackPolicy(kubernetesRequireGpuQuota, resources);
const podRule = { apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE"], resources: ["pods"] };
const policy = (expression: unknown, extra: Record<string, unknown> = {}): FakeResource => ({
    type: "kubernetes:admissionregistration.k8s.io/v1beta1:MutatingAdmissionPolicy",
    name: "inject",
    props: {
        metadata: { name: "inject" },
        spec: {
            matchConstraints: { resourceRules: [podRule], ...extra },
            mutations: [{ patchType: "ApplyConfiguration", applyConfiguration: { expression } }],
        },
    },
});
const webhook = (namespaceSelector?: unknown, rules: unknown[] = [podRule]): FakeResource => ({
    type: "kubernetes:admissionregistration.k8s.io/v1:MutatingWebhookConfiguration",
    name: "injector",
    props: {
        metadata: { name: "injector" },
        webhooks: [
            {
                name: "inject.example.com",
                rules,
                ...(namespaceSelector === undefined ? {} : { namespaceSelector }),
            },
        ],
    },
});
const hostNetwork = "Object{spec: Object.spec{hostNetwork: true}}";
const gpuLimit =
    'Object{spec: Object.spec{containers: [Object.spec.containers{name: "main", resources: Object.spec.containers.resources{limits: {"nvidia.com/gpu": "8"}}}]}}';
const agent = namespace("agent-a");

describe("pod mutators: MutatingAdmissionPolicy and MutatingWebhookConfiguration", () => {
    it("rejects a policy that turns on hostNetwork in every namespace, for host access only", async () => {
        const v = await host([agent, policy(hostNetwork)]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(
            /MutatingAdmissionPolicy inject may rewrite agent pods before they run, past host confinement \(it matches "pods" in every namespace\): spec\.mutations\[0\]\.applyConfiguration\.expression writes hostNetwork/,
        );
        expect(await gpu([agent, policy(hostNetwork)])).toEqual([]);
    });

    it("rejects a policy that adds GPU limits, for the GPU quota only", async () => {
        const v = await gpu([agent, policy(gpuLimit)]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(/may give agent pods GPUs .*writes nvidia, gpu/);
        expect(await host([agent, policy(gpuLimit)])).toEqual([]);
    });

    it("rejects a policy on a custom group's resources, and one whose expression is unknown", async () => {
        const ray = policy(hostNetwork);
        const spec = ray.props.spec as Record<string, unknown>;
        spec.matchConstraints = { resourceRules: [{ apiGroups: ["ray.io"], resources: ["rayclusters"] }] };
        expect((await host([agent, ray]))[0].message).toMatch(/resources of API group "ray\.io"/);
        expect((await host([agent, policy(UNKNOWN)]))[0].message).toMatch(
            /expression is unknown during preview, so what it writes cannot be read/,
        );
    });

    it("passes policies that exclude agent namespaces, touch no pods, or write neither", async () => {
        const excluded = policy(hostNetwork, {
            namespaceSelector: {
                matchExpressions: [{ key: "agentguard.io/agent", operator: "DoesNotExist" }],
            },
        });
        const configMaps = policy(hostNetwork);
        (configMaps.props.spec as Record<string, unknown>).matchConstraints = {
            resourceRules: [{ apiGroups: [""], resources: ["configmaps"] }],
        };
        const labels = policy('Object{metadata: Object.metadata{labels: {"team": "ml"}}}');
        const labelled = namespace("agent-b", { "agentguard.io/agent": "b" });
        for (const p of [excluded, configMaps, labels]) {
            expect(await host([labelled, p])).toEqual([]);
            expect(await gpu([labelled, p])).toEqual([]);
        }
    });

    it("does not take a label selector as excluding an agent namespace that lacks the label", async () => {
        const excluded = policy(hostNetwork, {
            namespaceSelector: {
                matchExpressions: [{ key: "agentguard.io/agent", operator: "DoesNotExist" }],
            },
        });
        expect((await host([agent, excluded]))[0].message).toMatch(/in agent namespace agent-a/);
    });

    it("rejects a mutating webhook on pods in agent namespaces under both rules", async () => {
        const h = await host([agent, webhook()]);
        expect(h[0].message).toMatch(/MutatingWebhookConfiguration injector .*webhook service at admission/);
        const g = await gpu([agent, webhook({ matchLabels: { "agentguard.io/agent": "a" } })]);
        expect(g).toEqual([]);
        const labelled = namespace("agent-b", { "agentguard.io/agent": "b" });
        expect(await gpu([labelled, webhook({ matchLabels: { "agentguard.io/agent": "b" } })])).toHaveLength(
            1,
        );
    });

    it("passes a webhook that selects only other namespaces, or no pods, and any mutator in a stack without agents", async () => {
        const web = webhook({
            matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: ["web"] }],
        });
        expect(await host([agent, web])).toEqual([]);
        expect(
            await host([agent, webhook(undefined, [{ apiGroups: ["cert-manager.io"], resources: [] }])]),
        ).toEqual([]);
        expect(await host([namespace("web"), webhook(), policy(hostNetwork)])).toEqual([]);
    });
});
