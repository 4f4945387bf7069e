import { describe, expect, it } from "vitest";
import { kubernetesForbidAgentRbacEscalation } from "../../../../policy-pack/rules/kubernetes/kubernetes-forbid-agent-rbac-escalation";
import { stackForbidAgentCredentialPaths } from "../../../../policy-pack/rules/stack/stack-forbid-agent-credential-paths";
import { runStackPolicy, type FakeResource } from "../../../helpers/policy-harness";
import { binding, confinedNamespace, createPods, lines, namespace, role } from "./k8s-reach-fixtures";

async function credentials(resources: FakeResource[]): Promise<string[]> {
    return lines(await runStackPolicy(stackForbidAgentCredentialPaths, resources));
}

const readSecrets = [{ apiGroups: [""], resources: ["secrets"], verbs: ["get", "list"] }];
const batchSa = [{ kind: "ServiceAccount", name: "deployer", namespace: "batch" }];
const podsInBatch = [
    role("pod-maker", createPods, { namespace: "batch" }),
    binding("agent-runs-batch", { kind: "Role", name: "pod-maker" }, { namespace: "batch" }),
];

describe("stack-forbid-agent-credential-paths: Kubernetes", () => {
    it("rejects pod creation in another namespace: its pods mount that namespace's Secrets and tokens", async () => {
        const secret: FakeResource = {
            type: "kubernetes:core/v1:Secret",
            name: "db",
            props: { metadata: { name: "db-creds", namespace: "batch" }, stringData: { password: "x" } },
        };
        expect(await credentials([...confinedNamespace("batch"), secret, ...podsInBatch])).toEqual([
            "Credential path (credentials beyond the agent's own): agent service account agent-a/runner (through RoleBinding agent-runs-batch) → create pods (Role pod-maker: create on pods (rules[0])) → run as any service account of namespace batch → may mount every Secret of namespace batch (this stack declares db-creds) and the token of any of its service accounts. Cut one edge of the path, or mark the secret as the agent's own if it is.",
        ]);
    });

    it("leaves the agent's own get on secrets in kube-system to the escalation rule (one finding, not two)", async () => {
        const stack = [
            role("secret-reader", readSecrets, { namespace: "kube-system" }),
            binding("agent-reads", { kind: "Role", name: "secret-reader" }, { namespace: "kube-system" }),
        ];
        expect(await credentials(stack)).toEqual([]);
        const direct = lines(await runStackPolicy(kubernetesForbidAgentRbacEscalation, stack));
        expect(direct[0]).toMatch(/secrets hold other identities' credentials/);
    });

    it("rejects Secrets read by a service account the agent's pods may run as (two hops)", async () => {
        const v = await credentials([
            ...confinedNamespace("batch"),
            ...podsInBatch,
            role("secret-reader", readSecrets, { namespace: "kube-system" }),
            binding(
                "deployer-reads",
                { kind: "Role", name: "secret-reader" },
                { namespace: "kube-system", subjects: batchSa },
            ),
        ]);
        expect(v).toContain(
            "Credential path (credentials beyond the agent's own): agent service account agent-a/runner (through RoleBinding agent-runs-batch) → create pods (Role pod-maker: create on pods (rules[0])) → run as any service account of namespace batch → read secrets (through RoleBinding deployer-reads, Role secret-reader: get on secrets (rules[0]), list on secrets (rules[0])) on Secrets of namespace kube-system → they hold other identities' credentials (service account tokens, passwords, keys). Cut one edge of the path, or mark the secret as the agent's own if it is.",
        );
    });

    it("reaches the same through a service account token the agent may mint, and through every service account's group", async () => {
        const tokens = [
            role("minter", [{ apiGroups: [""], resources: ["serviceaccounts/token"], verbs: ["create"] }], {
                namespace: "batch",
            }),
            binding("agent-tokens", { kind: "Role", name: "minter" }, { namespace: "batch" }),
        ];
        const v = await credentials([
            ...tokens,
            role("secret-reader", readSecrets),
            binding(
                "all-sa-read",
                { kind: "ClusterRole", name: "secret-reader" },
                {
                    subjects: [{ kind: "Group", name: "system:serviceaccounts:batch" }],
                },
            ),
        ]);
        expect(v).toEqual([
            expect.stringMatching(
                /→ run as any service account of namespace batch \(with its token\) → read secrets \(through ClusterRoleBinding all-sa-read, .*\) on Secrets of every namespace/,
            ),
        ]);
    });

    it("accepts reads of ConfigMaps only, and Secrets read by service accounts the agent cannot become", async () => {
        expect(
            await credentials([
                role(
                    "cm-reader",
                    [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list", "watch"] }],
                    { namespace: "kube-system" },
                ),
                binding("agent-cm", { kind: "Role", name: "cm-reader" }, { namespace: "kube-system" }),
                role("secret-reader", readSecrets, { namespace: "ops" }),
                binding(
                    "ops-reads",
                    { kind: "Role", name: "secret-reader" },
                    { namespace: "ops", subjects: batchSa },
                ),
            ]),
        ).toEqual([]);
    });

    it("accepts secrets in the agent's own namespace (the escalation rule still judges the grant)", async () => {
        const stack = [
            namespace("agent-a"),
            role("own-secrets", readSecrets, { namespace: "agent-a" }),
            binding("agent-own", { kind: "Role", name: "own-secrets" }, { namespace: "agent-a" }),
        ];
        expect(await credentials(stack)).toEqual([]);
    });
});
