import { describe, expect, it } from "vitest";
import { kubernetesForbidAgentRbacEscalation } from "../../../../policy-pack/rules/kubernetes/kubernetes-forbid-agent-rbac-escalation";
import { runStackPolicy, UNKNOWN, urnOf, type FakeResource } from "../../../helpers/policy-harness";
import { role } from "../../lib/aws/fixtures";
import { namespace } from "./fixtures";

/** EKS identity outside RBAC: aws-auth mapRoles/mapUsers, access entries, access policies, @pulumi/eks mappings. */

const run = (resources: FakeResource[]) => runStackPolicy(kubernetesForbidAgentRbacEscalation, resources);
const CM = "kubernetes:core/v1:ConfigMap";
const ENTRY = "aws:eks/accessEntry:AccessEntry";
const ASSOC = "aws:eks/accessPolicyAssociation:AccessPolicyAssociation";
const RBAC = "kubernetes:rbac.authorization.k8s.io/v1";
const ACCOUNT = "111122223333";

const agentRole = role("agent-runner", { tags: { "agentguard.io/agent": "runner" } });
const nodeRole = role("eks-nodes");
const base = [namespace("agent-a"), agentRole, nodeRole];
const arn = (name: string, path = "/") => `arn:aws:iam::${ACCOUNT}:role${path}${name}`;

function awsAuth(mapRoles: unknown, extra: Record<string, unknown> = {}, type = CM): FakeResource {
    return {
        type,
        name: "aws-auth",
        props: { metadata: { name: "aws-auth", namespace: "kube-system" }, data: { mapRoles, ...extra } },
    };
}
const nodeMapping = `- rolearn: ${arn("eks-nodes")}
  username: system:node:{{EC2PrivateDNSName}}
  groups:
    - system:bootstrappers
    - system:nodes
`;
const clusterRoleBinding = (
    name: string,
    roleName: string,
    subject: Record<string, string>,
): FakeResource => ({
    type: `${RBAC}:ClusterRoleBinding`,
    name,
    props: {
        metadata: { name },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: roleName },
        subjects: [{ apiGroup: "rbac.authorization.k8s.io", ...subject }],
    },
});
const narrowRoleFor = (group: string): FakeResource[] => [
    {
        type: `${RBAC}:Role`,
        name: "reader",
        props: {
            metadata: { name: "reader", namespace: "agent-a" },
            rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] }],
        },
    },
    {
        type: `${RBAC}:RoleBinding`,
        name: "readers",
        props: {
            metadata: { name: "readers", namespace: "agent-a" },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "reader" },
            subjects: [{ kind: "Group", name: group }],
        },
    },
];
const messages = (v: { message: string }[]) => v.map((x) => x.message).join("\n");

describe("kubernetes-forbid-agent-rbac-escalation: aws-auth", () => {
    it("rejects an agent role mapped to system:masters, naming the entry and why the role is an agent's", async () => {
        const v = await run([
            ...base,
            awsAuth(
                `${nodeMapping}- rolearn: ${arn("agent-runner")}\n  username: runner\n  groups: [system:masters]\n`,
            ),
        ]);
        expect(v).toHaveLength(1);
        expect(v[0].urn).toBe(urnOf(CM, "aws-auth"));
        expect(v[0].message).toMatch(
            /ConfigMap aws-auth data\.mapRoles\[1\] gives an agent IAM principal \(agent-runner is an agent role because .*\) group system:masters, which bypasses RBAC/,
        );
    });

    it.each([
        ["a role path", `- rolearn: ${arn("agent-runner", "/team/agents/")}\n  groups: [system:masters]`],
        [
            "an assumed-role ARN",
            `- rolearn: arn:aws:sts::${ACCOUNT}:assumed-role/agent-runner/session-1\n  groups: [system:masters]`,
        ],
        [
            "case and whitespace",
            `- RoleArn: "  ARN:AWS:IAM::${ACCOUNT}:ROLE/Agent-Runner "\n  Groups: [" system:masters"]`,
        ],
        ["flow style JSON", `[{"rolearn": "${arn("agent-runner")}", "groups": ["system:masters"]}]`],
        [
            "an anchor and a merge key (the groups come only from the merged admin entry)",
            `- &admins {rolearn: ${arn("PlatformAdmin")}, groups: [system:masters]}\n- <<: *admins\n  rolearn: ${arn("agent-runner")}`,
        ],
        ["a node identity", `- rolearn: ${arn("agent-runner")}\n  groups: [system:nodes]`],
        [
            "a system user name",
            `- rolearn: ${arn("agent-runner")}\n  username: system:kube-controller-manager\n  groups: []`,
        ],
        ["a session-name user", `- rolearn: ${arn("agent-runner")}\n  username: "{{SessionName}}"`],
        ["a group this stack never binds", `- rolearn: ${arn("agent-runner")}\n  groups: [platform-admins]`],
    ])("rejects the evasion: %s", async (_, mapRoles) => {
        const v = await run([...base, awsAuth(mapRoles)]);
        expect(v, mapRoles).toHaveLength(1);
        expect(v[0].urn).toBe(urnOf(CM, "aws-auth"));
        expect(v[0].message).toMatch(/gives an agent IAM principal \(agent-runner is an agent role/);
    });

    it("judges a group through the stack's bindings: cluster-admin rejected, a narrow Role accepted", async () => {
        const mapping = `- rolearn: ${arn("agent-runner")}\n  groups: [agent-ops]`;
        const admin = await run([
            ...base,
            clusterRoleBinding("ops", "cluster-admin", { kind: "Group", name: "agent-ops" }),
            awsAuth(mapping),
        ]);
        expect(messages(admin)).toMatch(
            /group agent-ops, which ClusterRoleBinding ops binds to ClusterRole cluster-admin/,
        );
        expect(await run([...base, ...narrowRoleFor("agent-ops"), awsAuth(mapping)])).toEqual([]);
    });

    it("rejects an agent user in mapUsers bound by user name to edit", async () => {
        const user: FakeResource = {
            type: "aws:iam/user:User",
            name: "bot",
            props: { name: "bot", tags: { "agentguard.io/agent": "bot" } },
        };
        const v = await run([
            ...base,
            user,
            clusterRoleBinding("bot-edit", "edit", { kind: "User", name: "bot" }),
            awsAuth(nodeMapping, {
                mapUsers: `- userarn: arn:aws:iam::${ACCOUNT}:user/bot\n  username: bot\n`,
            }),
        ]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(
            /data\.mapUsers\[0\] .*user bot, which ClusterRoleBinding bot-edit binds to ClusterRole edit/,
        );
    });

    it("fails closed on unreadable YAML, duplicate keys, and mapRoles unknown while computed from an agent role", async () => {
        const garbled = await run([...base, awsAuth("- rolearn: [unclosed")]);
        expect(messages(garbled)).toMatch(/data\.mapRoles is not YAML this pack can read/);
        const dup = await run([
            ...base,
            awsAuth(
                `- rolearn: ${arn("eks-nodes")}\n  rolearn: ${arn("agent-runner")}\n  groups: [system:masters]`,
            ),
        ]);
        expect(messages(dup)).toMatch(/duplicated mapping key/);
        const twice = await run([
            ...base,
            awsAuth(
                `- rolearn: ${arn("eks-nodes")}\n  RoleArn: ${arn("agent-runner")}\n  groups: [system:masters]`,
            ),
        ]);
        expect(messages(twice)).toMatch(/spells a field twice in different cases/);
        const computed = await run([
            ...base,
            { ...awsAuth(UNKNOWN), propertyDependencies: { data: ["agent-runner"] } },
        ]);
        expect(messages(computed)).toMatch(/computed from agent-runner is an agent role/);
        const orphan = await run([...base, awsAuth(UNKNOWN)]);
        expect(messages(orphan)).toMatch(/may be an agent/);
    });

    it("accepts the node role mapped to the node groups, non-agent admins, and look-alikes outside kube-system", async () => {
        const admins = `${nodeMapping}- rolearn: ${arn("PlatformAdmin")}\n  username: admin\n  groups: [system:masters]\n`;
        expect(await run([...base, awsAuth(admins)])).toEqual([]);
        expect(
            await run([
                ...base,
                {
                    type: CM,
                    name: "decoy",
                    props: {
                        metadata: { name: "aws-auth", namespace: "agent-a" },
                        data: { mapRoles: `- rolearn: ${arn("agent-runner")}\n  groups: [system:masters]` },
                    },
                },
            ]),
        ).toEqual([]);
        // Computed from the node role only: whatever it says, no agent role is in it.
        expect(
            await run([...base, { ...awsAuth(UNKNOWN), propertyDependencies: { data: ["eks-nodes"] } }]),
        ).toEqual([]);
    });

    it("judges a ConfigMapPatch of aws-auth too, and a role an agent service account names by ARN", async () => {
        const sa: FakeResource = {
            type: "kubernetes:core/v1:ServiceAccount",
            name: "runner",
            props: {
                metadata: {
                    name: "runner",
                    namespace: "agent-a",
                    annotations: { "eks.amazonaws.com/role-arn": arn("outside-role") },
                },
            },
        };
        const v = await run([
            ...base,
            sa,
            awsAuth(
                `- rolearn: ${arn("outside-role")}\n  groups: [system:masters]`,
                {},
                "kubernetes:core/v1:ConfigMapPatch",
            ),
        ]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(
            /ConfigMapPatch aws-auth .*service account runner of an agent namespace uses it/,
        );
    });
});

describe("kubernetes-forbid-agent-rbac-escalation: EKS access entries", () => {
    const entry = (name: string, props: Record<string, unknown>): FakeResource => ({
        type: ENTRY,
        name,
        props: { clusterName: "main", principalArn: arn("agent-runner"), type: "STANDARD", ...props },
    });
    const association = (
        name: string,
        policy: string,
        accessScope: unknown,
        principalArn: unknown = arn("agent-runner"),
    ): FakeResource => ({
        type: ASSOC,
        name,
        props: {
            clusterName: "main",
            principalArn,
            policyArn: `arn:aws:eks::aws:cluster-access-policy/${policy}`,
            accessScope,
        },
    });

    it("rejects admin, edit and admin-view associations, at cluster and namespace scope", async () => {
        for (const [policy, scope] of [
            ["AmazonEKSClusterAdminPolicy", { type: "cluster" }],
            ["AmazonEKSAdminPolicy", { type: "namespace", namespaces: ["agent-a"] }],
            ["AmazonEKSEditPolicy", { type: "namespace", namespaces: ["agent-a"] }],
            ["AmazonEKSAdminViewPolicy", { type: "cluster" }],
            ["AmazonEKSSomethingNewPolicy", { type: "cluster" }],
        ] as const) {
            const v = await run([...base, association("a", policy, scope)]);
            expect(v, policy).toHaveLength(1);
            expect(v[0].urn).toBe(urnOf(ASSOC, "a"));
            expect(v[0].message).toMatch(new RegExp(`access policy ${policy}`));
        }
    });

    it("rejects system:masters groups and node entry types, and fails closed on an unknown principal", async () => {
        const v = await run([
            ...base,
            entry("masters", { kubernetesGroups: ["system:masters"] }),
            entry("node", { type: "EC2_LINUX" }),
            association("later", "AmazonEKSClusterAdminPolicy", { type: "cluster" }, UNKNOWN),
        ]);
        expect(messages(v.filter((x) => x.urn === urnOf(ENTRY, "masters")))).toMatch(/system:masters/);
        expect(messages(v.filter((x) => x.urn === urnOf(ENTRY, "node")))).toMatch(
            /access entry type EC2_LINUX/,
        );
        expect(messages(v.filter((x) => x.urn === urnOf(ASSOC, "later")))).toMatch(/may be an agent/);
    });

    it("accepts the view policy and a narrowly bound group for the agent, and admin for a non-agent role", async () => {
        expect(
            await run([
                ...base,
                ...narrowRoleFor("agent-readers"),
                entry("runner", { kubernetesGroups: ["agent-readers"] }),
                association("view", "AmazonEKSViewPolicy", { type: "namespace", namespaces: ["agent-a"] }),
                association("ops", "AmazonEKSClusterAdminPolicy", { type: "cluster" }, arn("PlatformAdmin")),
                entry("nodes", { principalArn: arn("eks-nodes"), type: "EC2_LINUX" }),
                // Computed from the node role: not an agent's.
                {
                    ...association("n", "AmazonEKSClusterAdminPolicy", { type: "cluster" }, UNKNOWN),
                    propertyDependencies: { principalArn: ["eks-nodes"] },
                },
            ]),
        ).toEqual([]);
    });

    it("follows an association's principal through its access entry, and matches a provider-named agent role by prefix", async () => {
        const v = await run([
            ...base,
            entry("runner", {}),
            {
                ...association("admin", "AmazonEKSClusterAdminPolicy", { type: "cluster" }, UNKNOWN),
                propertyDependencies: { principalArn: ["runner"] },
            },
        ]);
        expect(v).toHaveLength(1);
        expect(v[0].urn).toBe(urnOf(ASSOC, "admin"));
        expect(v[0].message).toMatch(/agent-runner is an agent role/);
        const prefixed = role("prefixed", {
            name: undefined,
            namePrefix: "agent-bot-",
            tags: { "agentguard.io/agent": "b" },
        });
        const byPrefix = await run([
            namespace("agent-a"),
            prefixed,
            association("p", "AmazonEKSEditPolicy", { type: "cluster" }, arn("agent-bot-20261201abc")),
        ]);
        expect(byPrefix).toHaveLength(1);
        expect(byPrefix[0].message).toMatch(/prefixed is an agent role/);
    });

    it("judges the mappings and access entries of a @pulumi/eks Cluster", async () => {
        const cluster: FakeResource = {
            type: "eks:index:Cluster",
            name: "main",
            props: {
                roleMappings: [{ roleArn: arn("eks-nodes"), username: "ops", groups: ["system:masters"] }],
                accessEntries: {
                    runner: {
                        principalArn: arn("agent-runner"),
                        accessPolicies: {
                            admin: {
                                policyArn:
                                    "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
                                accessScope: { type: "cluster" },
                            },
                        },
                    },
                },
            },
        };
        const v = await run([...base, cluster]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(
            /@pulumi\/eks Cluster main accessEntries\.runner\.accessPolicies\.admin .*AmazonEKSClusterAdminPolicy/,
        );
    });

    it("fails closed on aws-auth data of the wrong shape, naming the field", async () => {
        const cm: FakeResource = {
            type: CM,
            name: "aws-auth",
            props: {
                metadata: { name: "aws-auth", namespace: "kube-system" },
                data: [{ mapRoles: "- rolearn: x" }],
            },
        };
        const v = await run([...base, cm]);
        expect(v).toHaveLength(1);
        expect(v[0].enforcementLevel).toBe("mandatory");
        expect(v[0].message).toMatch(
            /data is \[\{"mapRoles".*\(a list\), not an object of strings \(mapRoles, mapUsers\)/,
        );
    });

    it("fails closed on @pulumi/eks accessPolicies of the wrong shape, naming the field", async () => {
        const admin = { policyArn: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy" };
        const cluster: FakeResource = {
            type: "eks:index:Cluster",
            name: "main",
            props: {
                accessEntries: { runner: { principalArn: arn("agent-runner"), accessPolicies: [admin] } },
            },
        };
        const v = await run([...base, cluster]);
        expect(v.map((x) => x.message).join("\n")).toMatch(
            /accessEntries\.runner\.accessPolicies is \[\{"policyArn".*\(a list\), not a map of policy associations/,
        );
    });
});
