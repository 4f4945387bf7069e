import * as path from "path";
import { beforeAll, describe, expect, it } from "vitest";
import { buildStackModel, collectProgram } from "../../../cli/blast-radius/collect";
import { computeBlastRadius, type BlastRadiusReport } from "../../../cli/blast-radius/model";
import { warnings } from "../../../cli/blast-radius/summary";
import { readAgentguardConfig } from "../../../core/stack/config";

const root = path.resolve(__dirname, "../../..");

// Expectations computed by hand from stacks/rome-incident/index.ts, not from a run.
describe("agentguard report on the ROME-style counter-example", () => {
    let report: BlastRadiusReport;
    beforeAll(async () => {
        const stack = await collectProgram(path.join(root, "stacks/rome-incident"), { stack: "dev" });
        report = computeBlastRadius(buildStackModel(stack.resources), readAgentguardConfig({}));
    });

    it("one agent, rome: its IRSA role (trusted by agent-rome:rome, untagged) belongs to it, not to an agent of its own", () => {
        expect(report.agents.map((a) => a.id)).toEqual(["rome"]);
        const rome = report.agents[0];
        expect(rome.namespaces).toEqual(["agent-rome"]);
        expect(rome.serviceAccounts).toEqual(["agent-rome/rome"]);
        expect(rome.aws.map((i) => [i.kind, i.name, i.certainty])).toEqual([["role", "agent-rome", "agent"]]);
    });

    it("flags the role's iam:*Policy grants as a way to grant itself anything", () => {
        const rome = report.agents[0];
        const iam = rome.aws[0].permissions.services
            .filter((s) => s.service === "iam")
            .flatMap((s) => s.actions);
        expect(iam).toEqual(["iam:AttachRolePolicy", "iam:PutRolePolicy"]);
        expect(warnings(rome)).toContain(
            "agent-rome: can change IAM permissions (iam:AttachRolePolicy, iam:PutRolePolicy), so it can grant itself anything",
        );
        expect(warnings(rome)).toContain("agent-rome: no permissions boundary");
    });

    it("egress 0.0.0.0/0 on TCP 22 without default deny: every public IPv4 address", () => {
        const egress = report.agents[0].egress!;
        expect(egress.defaultDeny).toBe(false);
        expect(egress.destinations.map((d) => `${d.cidr}:${d.ports.join(",")}`)).toEqual([
            "0.0.0.0/0:22/TCP",
        ]);
        // 2^32 minus the non-public IPv4 ranges (core/cidr.ts): 0/8, 10/8, 127/8, 100.64/10, 169.254/16,
        // 172.16/12, 192.0.0/24, 192.0.2/24, 192.168/16, 198.18/15, 198.51.100/24, 203.0.113/24, 224/4, 240/4.
        const nonPublic =
            3 * 2 ** 24 +
            2 ** 22 +
            2 ** 16 +
            2 ** 20 +
            2 * 2 ** 8 +
            2 ** 16 +
            2 ** 17 +
            2 * 2 ** 8 +
            2 * 2 ** 28;
        expect(egress.publicAddresses).toBe(String(2 ** 32 - nonPublic));
    });

    it("host network, cluster-admin and no quota", () => {
        const rome = report.agents[0];
        expect(rome.hostAccess).toEqual(["Pod tunnel: spec.hostNetwork"]);
        expect(rome.rbac.map((g) => [g.binding, g.verdict])).toEqual([["rome-cluster-admin", "forbidden"]]);
        expect(rome.quota).toEqual({});
        expect(rome.gpuCapped).toBe(false);
    });
});
