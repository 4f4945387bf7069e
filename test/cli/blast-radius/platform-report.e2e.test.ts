import * as path from "path";
import { beforeAll, describe, expect, it } from "vitest";
import { buildStackModel, collectProgram } from "../../../cli/blast-radius/collect";
import { computeBlastRadius, type BlastRadiusReport } from "../../../cli/blast-radius/model";
import { formatReportHtml } from "../../../cli/blast-radius/render-html";
import { reportDocument } from "../../../cli/blast-radius/render-json";
import { formatReportMarkdown } from "../../../cli/blast-radius/render-markdown";
import { readAgentguardConfig } from "../../../core/stack/config";

const root = path.resolve(__dirname, "../../..");

// Expectations computed by hand from Pulumi.dev.yaml (the reference stack's config), not from a run.
describe("agentguard report on the reference platform stack", () => {
    let report: BlastRadiusReport;
    beforeAll(async () => {
        const stack = await collectProgram(root, { stack: "dev" });
        report = computeBlastRadius(buildStackModel(stack.resources), readAgentguardConfig({}));
    });
    const agent = (id: string) => report.agents.find((a) => a.id === id)!;

    it("finds the three configured agents with their owners and tiers", () => {
        const declared = report.agents.filter((a) => a.namespaces.length > 0);
        expect(declared.map((a) => [a.id, a.owner, a.riskTier])).toEqual([
            ["coder", "dev-productivity", "2"],
            ["nightly", "platform-ops", "3"],
            ["researcher", "ml-research", "2"],
        ]);
        expect(declared.map((a) => a.serviceAccounts)).toEqual([
            ["agent-coder/agent"],
            ["agent-nightly/agent"],
            ["agent-researcher/agent"],
        ]);
    });

    it("coder: egress only to the proxy 10.20.0.10/32:3128 and api.github.com:443 (no public address), S3 read+write on its workspace", () => {
        const coder = agent("coder");
        expect(coder.egress?.destinations.map((d) => `${d.cidr ?? d.fqdn}:${d.ports.join(",")}`)).toEqual([
            "10.20.0.10/32:3128/TCP",
            "api.github.com:443/TCP",
        ]);
        expect(coder.egress?.publicAddresses).toBe("0");
        const grants = coder.aws[0].permissions.services.map((s) => [
            s.accessLevel,
            s.actions.join(","),
            s.resources.join(","),
        ]);
        expect(grants).toEqual([
            ["Read", "s3:GetObject", "arn:aws:s3:::coder-workspace/*"],
            ["Write", "s3:PutObject", "arn:aws:s3:::coder-workspace/*"],
        ]);
        expect(coder.quota["requests.nvidia.com/gpu"]).toBe("0");
        expect(coder.suspended).toBe(false);
    });

    it("researcher: 203.0.113.0/28:443 (TEST-NET-3, so 0 public addresses), 2 GPUs, S3 read only", () => {
        const researcher = agent("researcher");
        expect(researcher.egress?.destinations.map((d) => `${d.cidr}:${d.ports.join(",")}`)).toEqual([
            "203.0.113.0/28:443/TCP",
        ]);
        expect(researcher.egress?.publicAddresses).toBe("0");
        expect(researcher.quota["requests.nvidia.com/gpu"]).toBe("2");
        expect(researcher.aws[0].permissions.services.flatMap((s) => s.actions)).toEqual(["s3:GetObject"]);
    });

    it("nightly: suspended (namespace, 0 pods, Deny-all role), sessions revoked before 2026-11-20T09:00Z, no egress", () => {
        const nightly = agent("nightly");
        expect(nightly.suspended).toBe(true);
        expect(nightly.suspendedBy).toHaveLength(3);
        expect(nightly.quota.pods).toBe("0");
        expect(nightly.egress?.destinations).toEqual([]);
        expect(nightly.aws[0].revokedBefore.map((t) => Date.parse(t))).toEqual([
            Date.parse("2026-11-20T09:00:00Z"),
        ]);
        expect(nightly.aws[0].permissions.services).toEqual([]);
    });

    it("one multi-region trail with logging on covers the account", () => {
        expect(report.auditTrails).toEqual([
            { name: "agents", logging: "on", multiRegion: "on", logValidation: "on" },
        ]);
        expect(report.auditCovered).toBe(true);
    });

    it("renders every agent in Markdown and HTML", () => {
        const doc = reportDocument(report, { name: "agentguard-platform", stack: "dev" });
        const md = formatReportMarkdown(doc);
        const html = formatReportHtml(doc);
        for (const id of ["coder", "nightly", "researcher"]) {
            expect(md).toContain(`## ${id}`);
            expect(html).toContain(`<h2>${id} `);
        }
        expect(html).toContain('class="badge off">suspended');
        // The coder reaches api.github.com by name: counted beside the (zero) public addresses.
        const visible = md.replace(/\\([()])/g, "$1");
        expect(visible).toMatch(
            /\| coder \| dev-productivity \| 2 \| active \| none \| 0 public address\(es\), 1 host name\(s\) \|/,
        );
        expect(visible).toMatch(
            /\| researcher \| ml-research \| 2 \| active \| none \| 0 public address\(es\), 0 host name\(s\) \|/,
        );
    });

    it("each boundary is read, only the audit trail's ARNs unknown; the CloudTrail delivery role is no agent", () => {
        // AgentRole's boundary: Allow *, DenyIamWrites, DenyForbiddenFamilies, DenyRoleAssumption (no role
        // assumed), DenyAuditTrail on the trail's 6 ARNs: statement 4's resources are unknown in preview.
        expect(report.agents.map((a) => a.id)).toEqual(["coder", "nightly", "researcher"]);
        for (const id of ["coder", "nightly", "researcher"]) {
            const [identity] = agent(id).aws;
            expect(identity.permissions.boundary).toBe("applied");
            expect(identity.permissions.unresolved).toEqual([]);
            expect(identity.permissions.unknownUntilDeploy).toEqual([
                `Policy ${id}-boundary (via permissions boundary of ${id}): Statement[4].Resource`,
            ]);
            // No AgentContainment in the reference stack.
            expect(agent(id).containment.status).toBe("none");
        }
    });

    it("no agent pod reads a Secret and no agent principal is given a Kubernetes identity outside RBAC", () => {
        for (const id of ["coder", "nightly", "researcher"]) {
            expect(agent(id).secrets).toEqual([]);
            expect(agent(id).kubernetesIdentities).toEqual([]);
        }
    });
});
