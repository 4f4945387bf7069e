import { beforeEach, describe, expect, it } from "vitest";
import * as k8s from "@pulumi/kubernetes";
import * as components from "../../../components";
import { AgentRuntime, type AgentRuntimeArgs } from "../../../components/kubernetes/agent-runtime";
import { installPulumiMocks, outputValue, type RecordedResource } from "../../helpers/pulumi-mocks";

// Importing the components registers nothing, so the mocks only need to be in place before construction.
const mocks = installPulumiMocks();

const NAMESPACE = "kubernetes:core/v1:Namespace";
const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const QUOTA = "kubernetes:core/v1:ResourceQuota";
const LIMIT_RANGE = "kubernetes:core/v1:LimitRange";
const SERVICE_ACCOUNT = "kubernetes:core/v1:ServiceAccount";
const ROLE = "kubernetes:rbac.authorization.k8s.io/v1:Role";
const ROLE_BINDING = "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding";

type Metadata = {
    name: string;
    namespace?: string;
    labels: Record<string, string>;
    annotations?: Record<string, string>;
};
type Spec = Record<string, unknown>;
const metadataOf = (r: RecordedResource) => r.inputs.metadata as Metadata;
const specOf = (r: RecordedResource) => r.inputs.spec as Spec;
const policy = (name: string) => mocks.findResource(NETWORK_POLICY, name);

const readOnlyPods = [{ apiGroups: [""], resources: ["pods", "pods/log"], verbs: ["get", "list", "watch"] }];

beforeEach(() => mocks.reset());

async function build(name: string, args: Partial<AgentRuntimeArgs> = {}) {
    const runtime = new AgentRuntime(name, { agentId: name, owner: "ml-platform", ...args });
    await mocks.settle();
    return runtime;
}

describe("AgentRuntime defaults", () => {
    it("registers exactly the guardrail objects, all parented to the component", async () => {
        const runtime = await build("coder");
        const componentUrn = await outputValue(runtime.urn);
        const children = mocks.resources.filter((r) => r.type !== "agentguard:kubernetes:AgentRuntime");
        expect(children.map((r) => `${r.type} ${r.name}`).sort()).toEqual(
            [
                `${NAMESPACE} coder`,
                `${SERVICE_ACCOUNT} coder`,
                `${QUOTA} coder`,
                `${LIMIT_RANGE} coder`,
                `${NETWORK_POLICY} coder-default-deny`,
                `${NETWORK_POLICY} coder-allow-dns`,
                `${NETWORK_POLICY} coder-allow-egress`,
            ].sort(),
        );
        for (const child of children) expect(child.parentUrn).toBe(componentUrn);
        expect(mocks.findResource("agentguard:kubernetes:AgentRuntime", "coder").parentUrn).toBeUndefined();
        expect(runtime.role).toBeUndefined();
        expect(runtime.roleBinding).toBeUndefined();
    });

    it("creates the agent-<agentId> namespace with identity labels and PSA restricted pinned in every mode", async () => {
        const runtime = await build("coder");
        expect(await outputValue(runtime.namespaceName)).toBe("agent-coder");
        const ns = metadataOf(mocks.findResource(NAMESPACE, "coder"));
        expect(ns.name).toBe("agent-coder");
        expect(ns.labels).toEqual({
            "agentguard.io/agent": "coder",
            "agentguard.io/owner": "ml-platform",
            "agentguard.io/risk-tier": "3",
            "app.kubernetes.io/managed-by": "agentguard",
            "pod-security.kubernetes.io/enforce": "restricted",
            "pod-security.kubernetes.io/enforce-version": "v1.33",
            "pod-security.kubernetes.io/audit": "restricted",
            "pod-security.kubernetes.io/audit-version": "v1.33",
            "pod-security.kubernetes.io/warn": "restricted",
            "pod-security.kubernetes.io/warn-version": "v1.33",
        });
    });

    it("denies all ingress and egress for every pod", async () => {
        await build("coder");
        const deny = policy("coder-default-deny");
        expect(metadataOf(deny)).toMatchObject({ name: "agentguard-default-deny", namespace: "agent-coder" });
        expect(specOf(deny)).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
    });

    it("allows DNS only to kube-dns in kube-system, both selectors in one peer", async () => {
        await build("coder");
        const spec = specOf(policy("coder-allow-dns"));
        expect(spec.podSelector).toEqual({});
        expect(spec.policyTypes).toEqual(["Egress"]);
        expect(spec.egress).toEqual([
            {
                to: [
                    {
                        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
                        podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
                    },
                ],
                ports: [
                    { protocol: "UDP", port: 53 },
                    { protocol: "TCP", port: 53 },
                ],
            },
        ]);
    });

    it("allows no other egress when no allowlist is given", async () => {
        await build("coder", { egress: [] });
        expect(specOf(policy("coder-allow-egress"))).toEqual({
            podSelector: {},
            policyTypes: ["Egress"],
            egress: [],
        });
    });

    it("quotas GPUs to 0, bans LoadBalancer and NodePort services, and caps compute and objects", async () => {
        await build("coder", { gpu: undefined });
        const hard = specOf(mocks.findResource(QUOTA, "coder")).hard as Record<string, string>;
        expect(hard).toMatchObject({
            "requests.nvidia.com/gpu": "0",
            "requests.amd.com/gpu": "0",
            "requests.cpu": "4",
            "limits.cpu": "4",
            "requests.memory": "8Gi",
            "limits.memory": "8Gi",
            pods: "10",
            "services.loadbalancers": "0",
            "services.nodeports": "0",
            "count/secrets": "20",
            "count/jobs.batch": "50",
        });
        expect(hard["limits.nvidia.com/gpu"]).toBeUndefined();
    });

    it("gives every container default limits and requests", async () => {
        await build("coder");
        expect(specOf(mocks.findResource(LIMIT_RANGE, "coder")).limits).toEqual([
            {
                type: "Container",
                default: { cpu: "500m", memory: "512Mi", "ephemeral-storage": "1Gi" },
                defaultRequest: { cpu: "100m", memory: "128Mi", "ephemeral-storage": "256Mi" },
            },
        ]);
    });

    it("creates a service account without an automounted token", async () => {
        const runtime = await build("coder");
        const sa = mocks.findResource(SERVICE_ACCOUNT, "coder");
        expect(sa.inputs.automountServiceAccountToken).toBe(false);
        expect(metadataOf(sa)).toMatchObject({ name: "agent", namespace: "agent-coder" });
        expect(await outputValue(runtime.serviceAccountName)).toBe("agent");
    });

    it("is exported from the package's main entry point", () => {
        expect(components.AgentRuntime).toBe(AgentRuntime);
    });
});

describe("AgentRuntime arguments shape the guardrails", () => {
    it("sizes the GPU quota with the chosen resource name and keeps other accelerators at 0", async () => {
        await build("trainer", { gpu: 2, gpuResourceName: "amd.com/gpu" });
        const hard = specOf(mocks.findResource(QUOTA, "trainer")).hard as Record<string, string>;
        expect(hard["requests.amd.com/gpu"]).toBe("2");
        expect(hard["requests.nvidia.com/gpu"]).toBe("0");
    });

    it("writes the allowlist as one ipBlock rule per entry, with ports and a reviewer record", async () => {
        await build("coder", {
            egress: [
                { cidr: "203.0.113.0/24", ports: [{ port: 443 }], description: "package mirror" },
                {
                    cidr: "2001:db8::/64",
                    ports: [{ port: 8000, endPort: 8100, protocol: "UDP" }],
                    description: "inference",
                },
            ],
        });
        const egress = policy("coder-allow-egress");
        expect(specOf(egress).egress).toEqual([
            { to: [{ ipBlock: { cidr: "203.0.113.0/24" } }], ports: [{ protocol: "TCP", port: 443 }] },
            {
                to: [{ ipBlock: { cidr: "2001:db8::/64" } }],
                ports: [{ protocol: "UDP", port: 8000, endPort: 8100 }],
            },
        ]);
        const record = JSON.parse(metadataOf(egress).annotations?.["agentguard.io/egress-allowlist"] ?? "[]");
        expect(record).toEqual([
            { cidr: "203.0.113.0/24", ports: ["TCP/443"], description: "package mirror" },
            { cidr: "2001:db8::/64", ports: ["UDP/8000-8100"], description: "inference" },
        ]);
    });

    it("carves metadata endpoints out of a wider allowlist entry", async () => {
        await build("coder", {
            egress: [{ cidr: "100.64.0.0/10", ports: [{ port: 443 }], description: "VPC services" }],
        });
        expect(specOf(policy("coder-allow-egress")).egress).toEqual([
            {
                to: [{ ipBlock: { cidr: "100.64.0.0/10", except: ["100.100.100.200/32"] } }],
                ports: [{ protocol: "TCP", port: 443 }],
            },
        ]);
    });

    it("creates a Role and binds it to the agent's service account", async () => {
        const runtime = await build("coder", { rbacRules: readOnlyPods });
        expect(runtime.role).toBeDefined();
        const role = mocks.findResource(ROLE, "coder");
        expect(role.inputs.rules).toEqual(readOnlyPods);
        expect(metadataOf(role)).toMatchObject({ name: "agentguard-agent", namespace: "agent-coder" });
        const binding = mocks.findResource(ROLE_BINDING, "coder");
        expect(binding.inputs.roleRef).toEqual({
            apiGroup: "rbac.authorization.k8s.io",
            kind: "Role",
            name: "agentguard-agent",
        });
        expect(binding.inputs.subjects).toEqual([
            { kind: "ServiceAccount", name: "agent", namespace: "agent-coder" },
        ]);
    });

    it("adds extra labels and annotations without touching its own keys", async () => {
        await build("coder", {
            riskTier: 1,
            labels: { "cost-center": "ml-42" },
            annotations: { "example.com/contact": "ml@example.com" },
        });
        const ns = metadataOf(mocks.findResource(NAMESPACE, "coder"));
        expect(ns.labels["cost-center"]).toBe("ml-42");
        expect(ns.labels["agentguard.io/risk-tier"]).toBe("1");
        expect(ns.annotations).toEqual({ "example.com/contact": "ml@example.com" });
        expect(metadataOf(mocks.findResource(QUOTA, "coder")).labels["cost-center"]).toBe("ml-42");
    });

    it("pins Pod Security Admission to the requested version", async () => {
        await build("coder", { podSecurityVersion: "v1.31", namespaceName: "agent-coder-dev" });
        const ns = metadataOf(mocks.findResource(NAMESPACE, "coder"));
        expect(ns.name).toBe("agent-coder-dev");
        expect(ns.labels["pod-security.kubernetes.io/enforce-version"]).toBe("v1.31");
        expect(ns.labels["pod-security.kubernetes.io/warn-version"]).toBe("v1.31");
        expect(metadataOf(policy("coder-default-deny")).namespace).toBe("agent-coder-dev");
    });

    it("passes the caller's options to the component, so children inherit its provider", async () => {
        const provider = new k8s.Provider("cluster", { kubeconfig: "{}" });
        new AgentRuntime(
            "scoped",
            { agentId: "scoped", owner: "ml-platform" },
            { providers: { kubernetes: provider } },
        );
        await mocks.settle();
        const ns = mocks.findResource(NAMESPACE, "scoped");
        expect(ns.provider).toMatch(/::cluster::/);
    });
});

describe("AgentRuntime kill switch", () => {
    const args = {
        rbacRules: readOnlyPods,
        egress: [{ cidr: "203.0.113.0/24", ports: [{ port: 443 }], description: "package mirror" }],
    };

    it("suspended: pods quota 0, no RoleBinding, no DNS or allowlist egress, data kept", async () => {
        const runtime = await build("coder", { ...args, suspended: true });
        expect((specOf(mocks.findResource(QUOTA, "coder")).hard as Record<string, string>).pods).toBe("0");
        expect(mocks.tryFindResource(ROLE_BINDING, "coder")).toBeUndefined();
        expect(runtime.roleBinding).toBeUndefined();
        expect(specOf(policy("coder-allow-dns")).egress).toEqual([]);
        expect(specOf(policy("coder-allow-egress")).egress).toEqual([]);
        expect(specOf(policy("coder-default-deny"))).toEqual({
            podSelector: {},
            policyTypes: ["Ingress", "Egress"],
        });
        // Kept: namespace, service account, Role, quota and limits, under the same names.
        for (const [type, name] of [
            [NAMESPACE, "coder"],
            [SERVICE_ACCOUNT, "coder"],
            [ROLE, "coder"],
            [LIMIT_RANGE, "coder"],
        ]) {
            expect(mocks.tryFindResource(type, name), `${type} ${name}`).toBeDefined();
        }
        expect(
            metadataOf(mocks.findResource(NAMESPACE, "coder")).annotations?.["agentguard.io/suspended"],
        ).toBe("true");
    });

    it("flipping back restores pods, RoleBinding, DNS and allowlist under the same names", async () => {
        await build("coder", { ...args, suspended: true });
        const suspendedNames = mocks.resources.map((r) => `${r.type} ${r.name} ${metadataOf(r)?.name ?? ""}`);
        mocks.reset();
        await build("coder", { ...args, suspended: false });
        const runningNames = mocks.resources.map((r) => `${r.type} ${r.name} ${metadataOf(r)?.name ?? ""}`);
        expect(runningNames.filter((n) => !suspendedNames.includes(n))).toEqual([
            `${ROLE_BINDING} coder agentguard-agent`,
        ]);
        expect((specOf(mocks.findResource(QUOTA, "coder")).hard as Record<string, string>).pods).toBe("10");
        expect(specOf(policy("coder-allow-dns")).egress).toHaveLength(1);
        expect(specOf(policy("coder-allow-egress")).egress).toHaveLength(1);
        expect(
            metadataOf(mocks.findResource(NAMESPACE, "coder")).annotations?.["agentguard.io/suspended"],
        ).toBeUndefined();
    });
});
