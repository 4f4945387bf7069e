import { describe, expect, it } from "vitest";
import { kubernetesForbidAgentRbacEscalation } from "../../../../policy-pack/rules/kubernetes/kubernetes-forbid-agent-rbac-escalation";
import { stackForbidAgentEscapePaths } from "../../../../policy-pack/rules/stack/stack-forbid-agent-escape-paths";
import { ownLine, runStackPolicy, UNKNOWN, type FakeResource } from "../../../helpers/policy-harness";
import { binding, confinedNamespace, createPods, lines, namespace, role } from "./k8s-reach-fixtures";

async function escapes(resources: FakeResource[]): Promise<string[]> {
    return lines(await runStackPolicy(stackForbidAgentEscapePaths, resources));
}

async function escalation(resources: FakeResource[]): Promise<string[]> {
    return lines(await runStackPolicy(kubernetesForbidAgentRbacEscalation, resources));
}

const AGENT = "agent service account agent-a/runner";
const PSA = "pod-security.kubernetes.io/enforce";

/** An agent RoleBinding in `ns` to a Role there holding `rules`. */
function grantIn(ns: string, rules: unknown, name = "agent-grant"): FakeResource[] {
    return [
        role(`${name}-role`, rules, { namespace: ns }),
        binding(name, { kind: "Role", name: `${name}-role` }, { namespace: ns }),
    ];
}

describe("stack-forbid-agent-escape-paths: pods the agent may create outside agent namespaces", () => {
    it("rejects create pods in a namespace with no Pod Security level and no GPU quota, naming host and GPU quota", async () => {
        const v = await escapes([namespace("batch"), ...grantIn("batch", createPods, "agent-runs-batch")]);
        expect(v).toEqual([
            `Host access path (pods that may use the node: privileged, host namespaces or paths): ${AGENT} (through RoleBinding agent-runs-batch) → create pods (Role agent-runs-batch-role: create on pods (rules[0])) → run as any service account of namespace batch → may use the host: namespace batch enforces no Pod Security level (label ${PSA} is missing; baseline or restricted keeps pods off the host). Cut one edge of the path, or confine the namespace at its end as an agent namespace.`,
            expect.stringMatching(
                /^Uncapped GPU path .*→ run as any service account of namespace batch → may request GPUs no quota caps: namespace batch has no ResourceQuota \(without scopes\) capping GPU requests/,
            ),
        ]);
    });

    it("codes each finding by its outcome, so an exemption can waive one kind", async () => {
        const v = await runStackPolicy(stackForbidAgentEscapePaths, [
            namespace("batch"),
            ...grantIn("batch", createPods),
        ]);
        expect(v.map((x) => ownLine(x).code).sort()).toEqual(["reach/host-access", "reach/uncapped-gpu"]);
        const exempt = await runStackPolicy(
            stackForbidAgentEscapePaths,
            [namespace("batch"), ...grantIn("batch", createPods)],
            {
                config: {
                    exemptions: [
                        {
                            resource: "agent-grant",
                            code: "reach/uncapped-gpu",
                            reason: "batch GPUs are capped by the node pool's size",
                        },
                    ],
                },
            },
        );
        expect(exempt.map((x) => ownLine(x).code)).toEqual(["reach/host-access"]);
    });

    it("accepts the same binding where the namespace enforces restricted Pod Security and caps GPUs", async () => {
        expect(await escapes([...confinedNamespace("batch"), ...grantIn("batch", createPods)])).toEqual([]);
    });

    it("accepts baseline Pod Security for host access (it forbids privileged and host pods), still asking for a GPU quota", async () => {
        const v = await escapes([namespace("batch", { [PSA]: "baseline" }), ...grantIn("batch", createPods)]);
        expect(v).toHaveLength(1);
        expect(v[0]).toMatch(/^Uncapped GPU path/);
    });

    it("rejects a namespace that enforces privileged, and an old enforce-version", async () => {
        const privileged = await escapes([
            namespace("batch", { [PSA]: "privileged" }),
            ...grantIn("batch", createPods),
        ]);
        expect(privileged[0]).toMatch(/may use the host: namespace batch enforces Pod Security "privileged"/);
        const old = await escapes([
            namespace("batch", {
                [PSA]: "restricted",
                "pod-security.kubernetes.io/enforce-version": "v1.20",
            }),
            ...grantIn("batch", createPods),
        ]);
        expect(old[0]).toMatch(/^Host access path.*enforce-version of Namespace batch is "v1.20"/);
    });

    it("reads the level from a NamespacePatch, and lets one patch setting another level fail it", async () => {
        const patch = (level: string, name: string): FakeResource => ({
            type: "kubernetes:core/v1:NamespacePatch",
            name,
            props: { metadata: { name: "batch", labels: { [PSA]: level } } },
        });
        const quota = confinedNamespace("batch").slice(2);
        expect(await escapes([patch("restricted", "p1"), ...quota, ...grantIn("batch", createPods)])).toEqual(
            [],
        );
        const v = await escapes([
            patch("restricted", "p1"),
            patch("privileged", "p2"),
            ...quota,
            ...grantIn("batch", createPods),
        ]);
        expect(v[0]).toMatch(/enforces Pod Security "privileged" \(NamespacePatch p2\)/);
    });

    it("fails closed, as possible, on a namespace this stack does not declare and on unknown labels", async () => {
        const undeclared = await escapes([
            ...confinedNamespace("batch").slice(1),
            ...grantIn("batch", createPods),
        ]);
        expect(undeclared).toEqual([
            expect.stringMatching(
                /^Possible host access path .*may use the host: namespace batch is not declared in this stack, so its Pod Security level/,
            ),
        ]);
        const unknown = await escapes([
            namespace("batch", { [PSA]: UNKNOWN }),
            ...confinedNamespace("batch").slice(1),
            ...grantIn("batch", createPods),
        ]);
        expect(unknown[0]).toMatch(
            /^Possible host access path.*label pod-security.kubernetes.io\/enforce of Namespace batch is unknown/,
        );
    });

    it("does not count a scoped GPU quota, nor one in another namespace", async () => {
        const scoped: FakeResource = {
            type: "kubernetes:core/v1:ResourceQuota",
            name: "gpu-terminating",
            props: {
                metadata: { name: "gpu", namespace: "batch" },
                spec: { hard: { "requests.nvidia.com/gpu": "1" }, scopes: ["Terminating"] },
            },
        };
        const elsewhere: FakeResource = {
            type: "kubernetes:core/v1:ResourceQuota",
            name: "gpu-other",
            props: {
                metadata: { name: "gpu", namespace: "other" },
                spec: { hard: { "requests.nvidia.com/gpu": "1" } },
            },
        };
        const v = await escapes([
            namespace("batch", { [PSA]: "restricted" }),
            scoped,
            elsewhere,
            ...grantIn("batch", createPods),
        ]);
        expect(v).toEqual([expect.stringMatching(/^Uncapped GPU path .*GPU requests/)]);
    });

    it("fails closed, as possible, on a quota whose hard limits are unknown", async () => {
        const unknownQuota: FakeResource = {
            type: "kubernetes:core/v1:ResourceQuota",
            name: "gpu-unknown",
            props: { metadata: { name: "gpu", namespace: "batch" }, spec: { hard: UNKNOWN } },
        };
        const v = await escapes([
            namespace("batch", { [PSA]: "restricted" }),
            unknownQuota,
            ...grantIn("batch", createPods),
        ]);
        expect(v).toEqual([
            expect.stringMatching(
                /^Possible uncapped GPU path .*the scopes or hard limits of ResourceQuota gpu-unknown are unknown during preview/,
            ),
        ]);
    });

    it("says a binding whose subjects are unknown may be the agent's", async () => {
        const v = await escapes([
            namespace("batch"),
            role("maker", createPods, { namespace: "batch" }),
            binding(
                "mystery-runs-batch",
                { kind: "Role", name: "maker" },
                { namespace: "batch", subjects: UNKNOWN as never },
            ),
        ]);
        expect(v[0]).toMatch(
            /^Possible host access path \(pods [^)]*\) \(it may be an agent: subjects is unknown during preview\): possible agent/,
        );
    });

    it("rejects a ClusterRoleBinding to edit: pods in every namespace, kube-system included, and the plumbing edit writes", async () => {
        const v = await escapes([
            ...confinedNamespace("batch"),
            binding("agent-edit", { kind: "ClusterRole", name: "edit" }),
        ]);
        expect(v).toEqual([
            `Host access path (pods that may use the node: privileged, host namespaces or paths): ${AGENT} (through ClusterRoleBinding agent-edit) → create pods (ClusterRole edit: the built-in edit ClusterRole) → run as any service account of any namespace → may use the host: pods may be created in any namespace, kube-system and namespaces this stack does not declare included, whatever their Pod Security level. Cut one edge of the path, or confine the namespace at its end as an agent namespace.`,
            expect.stringMatching(/^Uncapped GPU path .*any namespace.*whatever their ResourceQuotas/),
            expect.stringMatching(
                /^Cluster plumbing path .*write configmaps \(ClusterRole edit.*\) on ConfigMaps of namespace kube-system → they hold the CoreDNS/,
            ),
            expect.stringMatching(
                /^Cluster plumbing path .*on Services, Endpoints and EndpointSlices of every namespace/,
            ),
        ]);
    });

    it("reaches pod creation through verbs *, resources * and an aggregated ClusterRole", async () => {
        const wildVerb = await escapes([
            namespace("batch"),
            ...grantIn("batch", [{ apiGroups: [""], resources: ["pods"], verbs: ["*"] }]),
        ]);
        expect(wildVerb[0]).toMatch(/create pods \(Role agent-grant-role: \* on pods/);
        const wildResource = await escapes([
            namespace("batch"),
            ...grantIn("batch", [{ apiGroups: ["*"], resources: ["*"], verbs: ["patch"] }]),
        ]);
        expect(wildResource.some((l) => /^Host access path.*patch on \*/.test(l))).toBe(true);
        const aggregated = await escapes([
            namespace("batch"),
            role("jobs-into-view", [{ apiGroups: ["batch"], resources: ["jobs"], verbs: ["create"] }], {
                labels: { "rbac.authorization.k8s.io/aggregate-to-view": "true" },
            }),
            binding("agent-view", { kind: "ClusterRole", name: "view" }, { namespace: "batch" }),
        ]);
        expect(aggregated[0]).toMatch(
            /^Host access path.*create pods \(ClusterRole view: create on jobs \(rules\[0\]\), aggregated from jobs-into-view\)/,
        );
    });

    it("treats the group of every service account of the agent namespace as the agent", async () => {
        const v = await escapes([
            namespace("batch"),
            role("maker", createPods, { namespace: "batch" }),
            binding(
                "group-runs-batch",
                { kind: "Role", name: "maker" },
                {
                    namespace: "batch",
                    subjects: [
                        {
                            kind: "Group",
                            name: "system:serviceaccounts:agent-a",
                            apiGroup: "rbac.authorization.k8s.io",
                        },
                    ],
                },
            ),
        ]);
        expect(v[0]).toMatch(
            /^Host access path .*agent group system:serviceaccounts:agent-a \(every service account of agent-a\) \(through RoleBinding group-runs-batch\)/,
        );
    });

    it("leaves pods in agent namespaces to the direct rules", async () => {
        expect(await escapes([namespace("agent-b"), ...grantIn("agent-b", createPods)])).toEqual([]);
    });
});

describe("stack-forbid-agent-escape-paths: cluster plumbing through RBAC", () => {
    const write = (resources: string[], verbs = ["patch"], extra: Record<string, unknown> = {}) => [
        { apiGroups: [""], resources, verbs, ...extra },
    ];

    it("rejects patch on the coredns ConfigMap in kube-system, which the escalation rule leaves (it is not aws-auth)", async () => {
        const stack = grantIn(
            "kube-system",
            write(["configmaps"], ["patch"], { resourceNames: ["coredns"] }),
            "agent-dns",
        );
        expect(await escapes(stack)).toEqual([
            `Cluster plumbing path (DNS, endpoints, CRDs or admission webhooks every workload relies on): ${AGENT} (through RoleBinding agent-dns) → write configmaps (Role agent-dns-role: patch on configmaps (rules[0])) on ConfigMaps of namespace kube-system → they hold the CoreDNS and kube-proxy configuration every pod's name resolution and service routing rely on. Cut one edge of the path, or confine the namespace at its end as an agent namespace.`,
        ]);
        expect(await escalation(stack)).toEqual([]);
    });

    it("rejects patch on every ConfigMap of kube-system (the escalation rule rejects it for aws-auth; this is DNS)", async () => {
        const stack = grantIn("kube-system", write(["configmaps"]));
        expect(await escapes(stack)).toHaveLength(1);
        expect((await escalation(stack))[0]).toMatch(/aws-auth/);
    });

    it("accepts ConfigMap writes narrowed to other names, reads of ConfigMaps, and kube-system look-alikes", async () => {
        expect(
            await escapes(
                grantIn("kube-system", write(["configmaps"], ["patch"], { resourceNames: ["app-settings"] })),
            ),
        ).toEqual([]);
        expect(
            await escapes(grantIn("kube-system", write(["configmaps"], ["get", "list", "watch"]))),
        ).toEqual([]);
        expect(await escapes(grantIn("kube-system-tools", write(["configmaps"])))).toEqual([]);
    });

    it("keeps create, which resourceNames cannot narrow, on the coredns look-alike", async () => {
        const v = await escapes(
            grantIn("kube-system", write(["configmaps"], ["create"], { resourceNames: ["app-settings"] })),
        );
        expect(v).toHaveLength(1);
    });

    it("rejects create endpointslices in another namespace, whatever the apiGroup", async () => {
        const stack = grantIn("batch", [
            { apiGroups: ["made.up"], resources: ["endpointslices"], verbs: ["create"] },
        ]);
        expect(await escapes(stack)).toEqual([
            expect.stringMatching(
                /^Cluster plumbing path .*write services or endpoints \(Role agent-grant-role: create on endpointslices \(rules\[0\]\)\) on Services, Endpoints and EndpointSlices of namespace batch → other workloads send their traffic to them/,
            ),
        ]);
        expect(await escalation(stack)).toEqual([]);
    });

    it("leaves endpoints in the agent's own namespace alone", async () => {
        expect(await escapes(grantIn("agent-a", write(["endpoints", "services"], ["create"])))).toEqual([]);
    });

    it("rejects CRD writes bound cluster-wide; webhook writes are the escalation rule's own finding", async () => {
        const crd = await escapes([
            role("crd-writer", write(["customresourcedefinitions"], ["update"])),
            binding("agent-crds", { kind: "ClusterRole", name: "crd-writer" }),
        ]);
        expect(crd).toEqual([
            expect.stringMatching(
                /^Cluster plumbing path .*on CustomResourceDefinitions → they define every custom resource/,
            ),
        ]);
        const webhooks = [
            role("hook-writer", write(["mutatingwebhookconfigurations"], ["create"])),
            binding("agent-hooks", { kind: "ClusterRole", name: "hook-writer" }),
        ];
        expect(await escapes(webhooks)).toEqual([]);
        expect((await escalation(webhooks))[0]).toMatch(/mutatingwebhookconfigurations/);
    });

    it("does not read CRDs or webhooks into a RoleBinding (they are cluster-scoped)", async () => {
        expect(
            await escapes(
                grantIn(
                    "batch",
                    write(["customresourcedefinitions", "validatingwebhookconfigurations"], ["*"]),
                ),
            ),
        ).toEqual([]);
    });

    it("reads a wildcard apiGroup like any other (the escalation rule rejects the wildcard too)", async () => {
        const stack = grantIn("batch", [{ apiGroups: ["*"], resources: ["services"], verbs: ["update"] }]);
        expect(await escapes(stack)).toEqual([
            expect.stringMatching(/^Cluster plumbing path .*update on services/),
        ]);
    });

    it("leaves a Role with rules unknown during preview to the escalation rule (one finding)", async () => {
        const stack = grantIn("batch", [{ apiGroups: [""], resources: UNKNOWN, verbs: ["patch"] }]);
        expect(await escapes(stack)).toEqual([]);
        expect((await escalation(stack))[0]).toMatch(/cannot be checked/);
    });
});

describe("stack-forbid-agent-escape-paths: the second hop (service accounts the agent becomes)", () => {
    const batchSa = [{ kind: "ServiceAccount", name: "deployer", namespace: "batch" }];

    it("rejects webhook writes of a service account whose token the agent may mint", async () => {
        const v = await escapes([
            ...grantIn(
                "batch",
                [{ apiGroups: [""], resources: ["serviceaccounts/token"], verbs: ["create"] }],
                "agent-tokens",
            ),
            role("hook-writer", [
                {
                    apiGroups: ["admissionregistration.k8s.io"],
                    resources: ["mutatingwebhookconfigurations"],
                    verbs: ["patch"],
                },
            ]),
            binding("deployer-hooks", { kind: "ClusterRole", name: "hook-writer" }, { subjects: batchSa }),
        ]);
        expect(v).toEqual([
            `Cluster plumbing path (DNS, endpoints, CRDs or admission webhooks every workload relies on): ${AGENT} (through RoleBinding agent-tokens) → act as its service accounts (tokens, impersonation, exec) (Role agent-tokens-role: create on serviceaccounts/token (rules[0])) → run as any service account of namespace batch (with its token) → write admission webhooks (through ClusterRoleBinding deployer-hooks, ClusterRole hook-writer: patch on mutatingwebhookconfigurations (rules[0])) on admission webhook configurations → admission webhooks see and may rewrite or refuse every object the API server admits. Cut one edge of the path, or confine the namespace at its end as an agent namespace.`,
        ]);
    });

    it("follows pods the agent creates to what their service accounts may create elsewhere", async () => {
        const v = await escapes([
            ...confinedNamespace("batch"),
            ...grantIn("batch", createPods, "agent-runs-batch"),
            namespace("ml"),
            role("ml-maker", createPods, { namespace: "ml" }),
            binding(
                "deployer-runs-ml",
                { kind: "Role", name: "ml-maker" },
                { namespace: "ml", subjects: batchSa },
            ),
        ]);
        expect(v[0]).toMatch(
            /^Host access path .*run as any service account of namespace batch → create pods \(through RoleBinding deployer-runs-ml, Role ml-maker: create on pods \(rules\[0\]\)\) → run as any service account of namespace ml → may use the host: namespace ml enforces no Pod Security level/,
        );
    });

    it("fails closed on a service account bound to a Role whose rules are unknown", async () => {
        const v = await escapes([
            ...confinedNamespace("batch"),
            ...grantIn("batch", createPods),
            role("mystery", UNKNOWN, { namespace: "batch" }),
            binding(
                "deployer-mystery",
                { kind: "Role", name: "mystery" },
                { namespace: "batch", subjects: batchSa },
            ),
        ]);
        expect(v).toEqual([
            expect.stringMatching(
                /^Possible cluster plumbing path .*→ any grant \(through RoleBinding deployer-mystery, Role mystery, whose rules cannot be read\) on whatever Role mystery grants → it may rewrite cluster plumbing: what Role mystery grants cannot be read \(its rules are unknown during preview\)/,
            ),
        ]);
    });

    it("accepts service accounts of the reached namespace that hold only reads", async () => {
        expect(
            await escapes([
                ...confinedNamespace("batch"),
                ...grantIn("batch", createPods),
                role("reader", [
                    { apiGroups: [""], resources: ["configmaps", "pods"], verbs: ["get", "list"] },
                ]),
                binding("deployer-reads", { kind: "ClusterRole", name: "reader" }, { subjects: batchSa }),
            ]),
        ).toEqual([]);
    });
});
