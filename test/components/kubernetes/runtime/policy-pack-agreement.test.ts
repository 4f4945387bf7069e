import * as k8s from "@pulumi/kubernetes";
import { beforeEach, describe, expect, it } from "vitest";
import { AgentRuntime, type AgentRuntimeArgs } from "../../../../components/kubernetes/agent-runtime";
import { kubernetesRules } from "../../../../policy-pack/rules/kubernetes";
import { fromRegistered, runPolicies } from "../../../helpers/policy-harness";
import { installPulumiMocks } from "../../../helpers/pulumi-mocks";

const mocks = installPulumiMocks();
beforeEach(() => mocks.reset());

/** What the pack says about the resources the runtime registered, as the engine would show them. */
async function judge(args: AgentRuntimeArgs, addMore: () => void = () => undefined) {
    new AgentRuntime("rt", args);
    addMore();
    await mocks.settle();
    return (await runPolicies(kubernetesRules, fromRegistered(mocks.resources))).map(
        (v) => `${v.policy}: ${v.message}`,
    );
}

describe("AgentRuntime passes the agentguard policy pack", () => {
    it("with its defaults", async () => {
        expect(await judge({ agentId: "coder", owner: "ml-platform" })).toEqual([]);
    });

    it("with an allowlist at the edge of the budget, GPUs and a Role", async () => {
        const violations = await judge({
            agentId: "trainer",
            owner: "ml-platform",
            gpu: 4,
            egress: [
                { cidr: "8.8.0.0/16", ports: [{ port: 443 }], description: "a /16 of public addresses" },
                { cidr: "100.64.0.0/10", ports: [{ port: 443 }], description: "VPC services behind CGNAT" },
                { cidr: "fd00:ec2::/112", ports: [{ port: 443 }], description: "VPC IPv6 services" },
            ],
            rbacRules: [
                { apiGroups: ["batch"], resources: ["jobs"], verbs: ["get", "list", "create", "delete"] },
            ],
        });
        expect(violations).toEqual([]);
    });

    it("while suspended", async () => {
        expect(
            await judge({
                agentId: "coder",
                owner: "ml-platform",
                suspended: true,
                rbacRules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get"] }],
            }),
        ).toEqual([]);
    });

    it("still reports what is added beside it (so the checks above can fail)", async () => {
        const violations = await judge({ agentId: "coder", owner: "ml-platform" }, () => {
            new k8s.networking.v1.NetworkPolicy("open", {
                metadata: { name: "open", namespace: "agent-coder" },
                spec: {
                    podSelector: {},
                    policyTypes: ["Egress"],
                    egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }] }],
                },
            });
        });
        expect(violations.some((v) => v.startsWith("kubernetes-forbid-open-egress:"))).toBe(true);
    });
});
