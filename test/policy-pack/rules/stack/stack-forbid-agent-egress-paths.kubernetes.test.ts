import { describe, expect, it } from "vitest";
import { stackForbidAgentEgressPaths } from "../../../../policy-pack/rules/stack/stack-forbid-agent-egress-paths";
import { runStackPolicy, UNKNOWN, type FakeResource } from "../../../helpers/policy-harness";
import { binding, confinedNamespace, createPods, lines, namespace, role } from "./k8s-reach-fixtures";

async function egress(resources: FakeResource[]): Promise<string[]> {
    return lines(await runStackPolicy(stackForbidAgentEgressPaths, resources));
}

const podsInBatch = [
    role("pod-maker", createPods, { namespace: "batch" }),
    binding("agent-runs-batch", { kind: "Role", name: "pod-maker" }, { namespace: "batch" }),
];

function policy(name: string, spec: unknown, ns = "batch"): FakeResource {
    return {
        type: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
        name,
        props: { metadata: { name, namespace: ns }, spec },
    };
}

const DENY = { podSelector: {}, policyTypes: ["Egress"] };

describe("stack-forbid-agent-egress-paths: pods the agent may create in other namespaces", () => {
    it("rejects pod creation in a namespace without a default-deny egress policy", async () => {
        expect(await egress([namespace("batch"), ...podsInBatch])).toEqual([
            "Open egress path (the agent can send data to the internet): agent service account agent-a/runner (through RoleBinding agent-runs-batch) → create pods (Role pod-maker: create on pods (rules[0])) → run as any service account of namespace batch → may open connections to the internet: namespace batch has no default-deny egress policy in this stack (a NetworkPolicy selecting every pod with policyTypes Egress and no egress rules). Cut one edge of the path, or confine the compute at its end as the agent's own.",
        ]);
    });

    it("accepts the same binding where the namespace has a default deny and narrow allows", async () => {
        const narrow = policy("to-db", {
            podSelector: { matchLabels: { app: "etl" } },
            policyTypes: ["Egress"],
            egress: [{ to: [{ ipBlock: { cidr: "10.0.12.0/24" } }] }],
        });
        expect(await egress([...confinedNamespace("batch"), narrow, ...podsInBatch])).toEqual([]);
    });

    it("counts an open allow for some pods: the agent's pods may carry any labels", async () => {
        const open = policy("web-out", {
            podSelector: { matchLabels: { app: "web" } },
            policyTypes: ["Egress"],
            egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }] }],
        });
        const v = await egress([...confinedNamespace("batch"), open, ...podsInBatch]);
        expect(v).toEqual([
            expect.stringMatching(
                /^Open egress path .*→ may open connections to the internet: in namespace batch, its policies together allow egress to every IPv4 address/,
            ),
        ]);
    });

    it("fails closed, as possible, on an allow whose peers are unknown and on an undeclared namespace", async () => {
        const unknown = policy("mystery", {
            podSelector: {},
            policyTypes: ["Egress"],
            egress: [{ to: UNKNOWN }],
        });
        const v = await egress([...confinedNamespace("batch"), unknown, ...podsInBatch]);
        expect(v).toEqual([
            expect.stringMatching(/^Possible open egress path .*mystery spec.egress\[0\].to cannot be read/),
        ]);
        const undeclared = await egress([policy("deny", DENY, "batch"), ...podsInBatch].slice(1));
        expect(undeclared[0]).toMatch(
            /^Possible open egress path .*\(namespace batch is not declared in this stack\)/,
        );
    });

    it("rejects pods in any namespace (a ClusterRoleBinding to edit) even when every declared namespace is confined", async () => {
        const v = await egress([
            ...confinedNamespace("batch"),
            binding("agent-edit", { kind: "ClusterRole", name: "edit" }),
        ]);
        expect(v).toEqual([
            expect.stringMatching(
                /^Open egress path .*run as any service account of any namespace → may open connections to the internet: pods may be created in any namespace, kube-system/,
            ),
        ]);
    });

    it("leaves pods in agent namespaces to kubernetes-require-default-deny-egress", async () => {
        expect(
            await egress([
                namespace("agent-b"),
                role("pod-maker", createPods, { namespace: "agent-b" }),
                binding("agent-runs-b", { kind: "Role", name: "pod-maker" }, { namespace: "agent-b" }),
            ]),
        ).toEqual([]);
    });
});
