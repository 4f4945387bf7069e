// A failed registration leaves Pulumi's RPC tracking pending for good, so this file holds only these tests.
import * as pulumi from "@pulumi/pulumi";
import { beforeEach, describe, expect, it } from "vitest";
import { AgentRuntime } from "../../../../components/kubernetes/agent-runtime";
import { collectUnhandledRejections, installPulumiMocks, outputValue } from "../../../helpers/pulumi-mocks";

const mocks = installPulumiMocks();
beforeEach(() => mocks.reset());

const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const entry = (cidr: pulumi.Input<string>) => ({ cidr, ports: [{ port: 443 }], description: "API" });

describe("AgentRuntime egress CIDRs given as Outputs", () => {
    it("judges a resolved Output CIDR like a plain one", async () => {
        const runtime = new AgentRuntime("ok", {
            agentId: "ok",
            owner: "ml-platform",
            egress: [entry(pulumi.output("100.64.0.0/10"))],
        });
        const spec = await outputValue(runtime.networkPolicies.egress.spec);
        expect(spec.egress).toEqual([
            {
                to: [{ ipBlock: { cidr: "100.64.0.0/10", except: ["100.100.100.200/32"] } }],
                ports: [{ protocol: "TCP", port: 443 }],
            },
        ]);
    });

    it("still rejects plain entries synchronously when another entry is an Output", () => {
        expect(
            () =>
                new AgentRuntime("mixed", {
                    agentId: "mixed",
                    owner: "ml-platform",
                    egress: [entry(pulumi.output("8.8.8.8/32")), entry("0.0.0.0/0")],
                }),
        ).toThrow('egress[1].cidr = "0.0.0.0/0"');
    });

    it("fails the allowlist NetworkPolicy when an Output CIDR resolves to an open range", async () => {
        const rejections = collectUnhandledRejections();
        try {
            const runtime = new AgentRuntime("late", {
                agentId: "late",
                owner: "ml-platform",
                egress: [
                    entry("8.8.8.0/25"),
                    entry(pulumi.output("8.8.8.128/25")),
                    entry(pulumi.output("::/0")),
                ],
            });
            const error = await rejections.next();
            expect(error.message).toContain('AgentRuntime "late": egress[2].cidr = "::/0" is not allowed');
            // Pulumi's wording for a resource whose input failed: the NetworkPolicy is never sent.
            expect(error.message).toMatch(/^error serializing property "(metadata|spec)"/);
            expect(runtime.networkPolicies.egress).toBeDefined();
            // The rest of the runtime, default deny included, is still registered.
            await expect.poll(() => mocks.tryFindResource(NETWORK_POLICY, "late-default-deny")).toBeDefined();
            expect(mocks.tryFindResource(NETWORK_POLICY, "late-allow-egress")).toBeUndefined();
        } finally {
            rejections.restore();
        }
    });
});
