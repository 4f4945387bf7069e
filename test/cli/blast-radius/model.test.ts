import { describe, expect, it } from "vitest";
import { buildStackModel } from "../../../cli/blast-radius/collect";
import { computeBlastRadius } from "../../../cli/blast-radius/model";
import { formatReportHtml } from "../../../cli/blast-radius/render-html";
import { formatReportJson, reportDocument } from "../../../cli/blast-radius/render-json";
import { formatReportMarkdown } from "../../../cli/blast-radius/render-markdown";
import { warnings } from "../../../cli/blast-radius/summary";
import { readAgentguardConfig } from "../../../core/stack/config";
import {
    AGENT,
    agentStack,
    CLUSTER_ROLE_BINDING,
    DEPLOYMENT,
    NETPOL,
    NS,
    res,
    ROLE_POLICY,
} from "./resources";

const config = readAgentguardConfig({});
const radius = (resources: ReturnType<typeof agentStack>) =>
    computeBlastRadius(buildStackModel(resources), config);

describe("blast radius", () => {
    it("groups namespace, quota, egress and IAM role under the agent id with owner and tier", () => {
        const [agent] = radius(agentStack()).agents;
        expect(agent.id).toBe("coder");
        expect(agent.owner).toBe("dev");
        expect(agent.riskTier).toBe("2");
        expect(agent.namespaces).toEqual(["agent-coder"]);
        expect(agent.egress?.defaultDeny).toBe(true);
        expect(agent.egress?.destinations.map((d) => [d.cidr, d.ports])).toEqual([
            ["10.20.0.10/32", ["3128/TCP"]],
        ]);
        expect(agent.egress?.publicAddresses).toBe("0");
        expect(agent.quota["requests.nvidia.com/gpu"]).toBe("1");
        expect(agent.gpuCapped).toBe(true);
        expect(agent.suspended).toBe(false);
    });

    it("applies the boundary's denies and allows to the identity grant", () => {
        const [agent] = radius(agentStack()).agents;
        const role = agent.aws[0];
        expect(role.permissions.boundary).toBe("applied");
        const actions = role.permissions.services.flatMap((s) => s.actions);
        // iam:PassRole and s3:DeleteBucket are denied by the boundary: not effective.
        expect(actions).toEqual(["s3:GetObject", "s3:PutObject"]);
        expect(role.permissions.removedActions).toBe(2);
        const write = role.permissions.services.find((s) => s.accessLevel === "Write");
        expect(write?.resources).toEqual(["arn:aws:s3:::ws/*"]);
    });

    it("counts public egress exactly (a /28 of public space is 16 addresses)", () => {
        const [agent] = radius(agentStack({ egressCidr: "8.8.8.0/28", port: 443 })).agents;
        expect(agent.egress?.publicAddresses).toBe("16");
        expect(agent.egress?.destinations[0].ports).toEqual(["443/TCP"]);
        expect(agent.egress?.overBudget).toBe(false);
        expect(warnings(agent)).toEqual([]);
    });

    it("warns when egress reaches more public addresses than the pack's budget (0.0.0.0/0 on port 22)", () => {
        const [agent] = radius(agentStack({ egressCidr: "0.0.0.0/0", port: 22 })).agents;
        expect(agent.egress?.overBudget).toBe(true);
        expect(warnings(agent).join()).toMatch(
            /egress reaches \d+ public addresses, over the budget of 65536/,
        );
    });

    it("reports a Deny-everything policy as the kill switch", () => {
        const stack = [
            ...agentStack(),
            res(ROLE_POLICY, "coder-suspended", {
                role: "coder",
                policy: JSON.stringify({
                    Version: "2012-10-17",
                    Statement: [{ Effect: "Deny", Action: "*", Resource: "*" }],
                }),
            }),
        ];
        const [agent] = radius(stack).agents;
        expect(agent.suspended).toBe(true);
        expect(agent.aws[0].permissions.services).toEqual([]);
    });

    it("shows host networking of an agent workload (it bypasses NetworkPolicies)", () => {
        const stack = [
            ...agentStack(),
            res(DEPLOYMENT, "sidecar", {
                metadata: { namespace: "agent-coder" },
                spec: { template: { spec: { hostNetwork: true, containers: [{ name: "c", image: "x" }] } } },
            }),
        ];
        expect(radius(stack).agents[0].hostAccess).toEqual([
            "Deployment sidecar: spec.template.spec.hostNetwork",
        ]);
    });

    it("shows host access of a custom resource's pod template, as the host-access rule finds it", () => {
        const stack = [
            ...agentStack(),
            res("kubernetes:ray.io/v1:RayCluster", "ray", {
                metadata: { namespace: "agent-coder" },
                spec: {
                    workerGroupSpecs: [
                        { template: { spec: { hostPID: true, containers: [{ name: "w" }] } } },
                    ],
                },
            }),
        ];
        expect(radius(stack).agents[0].hostAccess).toEqual([
            "RayCluster ray: spec.workerGroupSpecs[0].template.spec.hostPID",
        ]);
    });

    it("leaves kube-system DaemonSets and non-agent namespaces out", () => {
        const stack = [
            ...agentStack(),
            res(NS, "monitoring", { metadata: { name: "monitoring" } }),
            res("kubernetes:apps/v1:DaemonSet", "cni", {
                metadata: { namespace: "kube-system" },
                spec: { template: { spec: { hostNetwork: true, containers: [] } } },
            }),
            res(NETPOL, "mon", {
                metadata: { namespace: "monitoring" },
                spec: { podSelector: {}, policyTypes: ["Egress"], egress: [{}] },
            }),
        ];
        const report = radius(stack);
        expect(report.agents.map((a) => a.id)).toEqual(["coder"]);
        expect(report.agents[0].hostAccess).toEqual([]);
    });

    it("lists an RBAC grant to every service account under each agent, with the pack's verdict", () => {
        const stack = [
            ...agentStack(),
            res(CLUSTER_ROLE_BINDING, "everyone-admin", {
                roleRef: {
                    apiGroup: "rbac.authorization.k8s.io",
                    kind: "ClusterRole",
                    name: "cluster-admin",
                },
                subjects: [{ kind: "Group", name: "system:serviceaccounts" }],
            }),
        ];
        const grant = radius(stack).agents[0].rbac[0];
        expect(grant.verdict).toBe("forbidden");
        expect(grant.role).toBe("ClusterRole cluster-admin");
        expect(grant.scope).toBe("cluster");
    });

    it("escapes hostile values in HTML and Markdown", () => {
        const stack = agentStack();
        stack[0] = res(NS, "coder", {
            metadata: { name: "agent-coder", labels: { [AGENT]: "<script>alert(1)</script>|x" } },
        });
        const doc = reportDocument(radius(stack), { name: "p", stack: "s" });
        const html = formatReportHtml(doc);
        expect(html).not.toContain("<script>");
        expect(html).toContain("&lt;script&gt;");
        // Self-contained: no external asset, no script.
        expect(html).not.toMatch(/<link|<img|<script|src=/);
        const md = formatReportMarkdown(doc);
        expect(md).not.toContain("<script>");
        expect(md).toContain("\\|x");
        expect(JSON.parse(formatReportJson(doc)).version).toBe(1);
    });
});
