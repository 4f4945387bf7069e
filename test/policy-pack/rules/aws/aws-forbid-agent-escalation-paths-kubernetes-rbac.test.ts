import { describe, expect, it } from "vitest";
import { awsForbidAgentEscalationPaths } from "../../../../policy-pack/rules/aws/aws-forbid-agent-escalation-paths";
import { runStackPolicy, type FakeResource } from "../../../helpers/policy-harness";
import { irsaTrust, SUB_KEY } from "../../lib/aws/fixtures";
import { binding, confinedNamespace, createPods, lines, role } from "../stack/k8s-reach-fixtures";

async function paths(resources: FakeResource[]): Promise<string[]> {
    return lines(await runStackPolicy(awsForbidAgentEscalationPaths, resources));
}

function irsaAdmin(name: string, subject: string): FakeResource {
    return {
        type: "aws:iam/role:Role",
        name,
        props: {
            name,
            assumeRolePolicy: irsaTrust({ StringLike: { [SUB_KEY]: subject } }),
            managedPolicyArns: ["arn:aws:iam::aws:policy/AdministratorAccess"],
        },
    };
}

describe("aws-forbid-agent-escalation-paths: IAM roles reached through Kubernetes RBAC beyond pod creation", () => {
    it("follows a service account token the agent may mint to the IAM role it maps to", async () => {
        const v = await paths([
            role("minter", [{ apiGroups: [""], resources: ["serviceaccounts/token"], verbs: ["create"] }], {
                namespace: "batch",
            }),
            binding("agent-tokens", { kind: "Role", name: "minter" }, { namespace: "batch" }),
            irsaAdmin("batch-admin", "system:serviceaccount:batch:deployer"),
        ]);
        expect(v).toEqual([
            "IAM privilege escalation path: agent service account agent-a/runner (through RoleBinding agent-tokens) → act as its service accounts (tokens, impersonation, exec) (Role minter: create on serviceaccounts/token (rules[0])) → run as any service account of namespace batch (with its token) → which is role batch-admin (IRSA or Pod Identity) → AdministratorAccess grants * (every action, IAM write included). The agent can act with that principal's permissions without holding them.",
        ]);
    });

    it("follows pods a reached service account may create in a third namespace to that namespace's role", async () => {
        const v = await paths([
            ...confinedNamespace("batch"),
            role("maker", createPods, { namespace: "batch" }),
            binding("agent-runs-batch", { kind: "Role", name: "maker" }, { namespace: "batch" }),
            role("ml-maker", createPods, { namespace: "ml" }),
            binding(
                "deployer-runs-ml",
                { kind: "Role", name: "ml-maker" },
                {
                    namespace: "ml",
                    subjects: [{ kind: "ServiceAccount", name: "deployer", namespace: "batch" }],
                },
            ),
            irsaAdmin("ml-admin", "system:serviceaccount:ml:*"),
        ]);
        expect(v[0]).toMatch(
            /run as any service account of namespace batch → create pods \(through RoleBinding deployer-runs-ml, .*\) → run as any service account of namespace ml → which is role ml-admin/,
        );
    });

    it("accepts exec rights limited to the agent's own namespace", async () => {
        expect(
            await paths([
                role("exec", [{ apiGroups: [""], resources: ["pods/exec"], verbs: ["create"] }], {
                    namespace: "agent-a",
                }),
                binding("agent-exec", { kind: "Role", name: "exec" }, { namespace: "agent-a" }),
                irsaAdmin("batch-admin", "system:serviceaccount:batch:*"),
            ]),
        ).toEqual([]);
    });
});
