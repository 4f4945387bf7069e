import { describe, expect, it } from "vitest";
import { kubernetesRules } from "../../../../policy-pack/rules/kubernetes";
import { runPolicies, UNKNOWN, type FakeResource } from "../../../helpers/policy-harness";
import { defaultDenyEgress, egressPolicy, pod, resourceQuota, serviceAccount } from "./fixtures";

// Whole stacks, as the offline checker serves them: namespaces computed from the Namespace resource.
const ns = (name: string, labels: Record<string, string> = {}): FakeResource => ({
    type: "kubernetes:core/v1:Namespace",
    name,
    props: { metadata: { name, labels } },
});
const inNs = (resource: FakeResource, namespace: string): FakeResource => {
    const metadata = resource.props.metadata as Record<string, unknown>;
    return {
        ...resource,
        props: { ...resource.props, metadata: { ...metadata, namespace: UNKNOWN } },
        propertyDependencies: { metadata: [namespace] },
    };
};
const mandatory = async (resources: FakeResource[]) =>
    (await runPolicies(kubernetesRules, resources)).filter((v) => v.enforcementLevel === "mandatory");

describe("Kubernetes rules over whole stacks", () => {
    it("reverse SSH egress: TCP 22 to 0.0.0.0/0 next to a deny-all", async () => {
        const ssh = egressPolicy("agent-miner", "ssh-out", [
            { to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ protocol: "TCP", port: 22 }] },
        ]);
        const v = await mandatory([
            ns("agent-miner"),
            inNs(defaultDenyEgress("x", "deny-all"), "agent-miner"),
            inNs(ssh, "agent-miner"),
        ]);
        // Every address and, within it, the metadata endpoint: two findings, exempted separately if ever.
        expect(v.map((x) => x.policy)).toEqual([
            "kubernetes-forbid-open-egress",
            "kubernetes-forbid-open-egress",
        ]);
        expect(v[0].message).toMatch(/\[egress\/direct-cidr\] .*egress to every IPv4 address/);
        expect(v[1].message).toMatch(/\[egress\/metadata\] .*cloud metadata endpoints 169\.254\.169\.254/);
    });

    it("escalate verb on roles for the agent's service account", async () => {
        const role: FakeResource = {
            type: "kubernetes:rbac.authorization.k8s.io/v1:Role",
            name: "role-editor",
            props: {
                metadata: { name: "role-editor" },
                rules: [
                    {
                        apiGroups: ["rbac.authorization.k8s.io"],
                        resources: ["roles"],
                        verbs: ["get", "escalate"],
                    },
                ],
            },
        };
        const binding: FakeResource = {
            type: "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
            name: "ops-role-editor",
            props: {
                metadata: { name: "ops-role-editor" },
                roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "role-editor" },
                subjects: [{ kind: "ServiceAccount", name: "ops", namespace: "agent-ops" }],
            },
        };
        const v = await mandatory([
            ns("agent-ops", { "agentguard.io/agent": "ops" }),
            inNs(defaultDenyEgress("x", "deny-all"), "agent-ops"),
            inNs(serviceAccount("ops", "x"), "agent-ops"),
            inNs(role, "agent-ops"),
            inNs(binding, "agent-ops"),
        ]);
        expect(v.map((x) => x.policy)).toEqual(["kubernetes-forbid-agent-rbac-escalation"]);
        expect(v[0].message).toMatch(
            /grants agent service account agent-ops\/ops the escalate verb on roles/,
        );
    });

    it("hostPID pod in an agent namespace", async () => {
        const v = await mandatory([
            ns("agent-debug"),
            inNs(defaultDenyEgress("x", "deny-all"), "agent-debug"),
            inNs(pod("inspector", "x", { hostPID: true }), "agent-debug"),
        ]);
        expect(v.map((x) => x.policy)).toEqual(["kubernetes-forbid-host-access"]);
    });

    it("accepts a confined agent namespace", async () => {
        const dns = egressPolicy("x", "dns", [
            {
                to: [
                    {
                        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
                        podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
                    },
                ],
            },
        ]);
        const proxy = egressPolicy("x", "proxy", [{ to: [{ ipBlock: { cidr: "10.40.1.0/24" } }] }]);
        const quota = resourceQuota("quota", "x", {
            "requests.nvidia.com/gpu": "0",
            "limits.cpu": "4",
            "limits.memory": "8Gi",
        });
        const stack = [
            ns("agent-writer", {
                "agentguard.io/agent": "writer",
                "pod-security.kubernetes.io/enforce": "restricted",
            }),
            ...[defaultDenyEgress("x", "deny-all"), dns, proxy, quota, serviceAccount("writer", "x")].map(
                (r) => inNs(r, "agent-writer"),
            ),
        ];
        expect(await mandatory(stack)).toEqual([]);
    });

    it("accepts a monitoring namespace with open egress", async () => {
        expect(
            await mandatory([
                ns("monitoring"),
                inNs(egressPolicy("x", "scrape-anything", [{}]), "monitoring"),
            ]),
        ).toEqual([]);
    });

    it("rejects every Kubernetes problem of the incident counter-example", async () => {
        const binding: FakeResource = {
            type: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
            name: "rome-cluster-admin",
            props: {
                metadata: { name: "rome-cluster-admin" },
                roleRef: {
                    apiGroup: "rbac.authorization.k8s.io",
                    kind: "ClusterRole",
                    name: "cluster-admin",
                },
                subjects: [{ kind: "ServiceAccount", name: UNKNOWN, namespace: "agent-rome" }],
            },
        };
        const train: FakeResource = {
            type: "kubernetes:batch/v1:Job",
            name: "train",
            props: {
                metadata: { name: "train" },
                spec: {
                    template: {
                        spec: {
                            containers: [{ name: "t", resources: { limits: { "nvidia.com/gpu": "8" } } }],
                        },
                    },
                },
            },
        };
        const ssh = egressPolicy("x", "reverse-ssh", [
            { to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [{ port: 22 }] },
        ]);
        const v = await mandatory([
            ns("agent-rome", { "agentguard.io/agent": "rome" }),
            inNs(ssh, "agent-rome"),
            inNs(serviceAccount("rome", "x"), "agent-rome"),
            binding,
            inNs(train, "agent-rome"),
            inNs(pod("tunnel", "x", { hostNetwork: true }), "agent-rome"),
        ]);
        expect(new Set(v.map((x) => x.policy))).toEqual(
            new Set([
                "kubernetes-require-default-deny-egress",
                "kubernetes-forbid-open-egress",
                "kubernetes-forbid-agent-rbac-escalation",
                "kubernetes-require-gpu-quota",
                "kubernetes-forbid-host-access",
            ]),
        );
        expect(v.map((x) => x.message).join("\n")).toMatch(/GPU access without quota/);
    });
});
