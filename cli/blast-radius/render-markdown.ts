import { mdText } from "./markdown-escape";
import type { ReportDocument } from "./render-json";
import {
    containmentText,
    destinationText,
    egressCounts,
    identityLine,
    killSwitchText,
    reachGrantsText,
    reachHeading,
    revocationText,
    warnings,
} from "./summary";

/** Every value from the program goes through the one escaping function (links, images, HTML, mentions, tables). */
export const cell = mdText;

export function formatReportMarkdown(doc: ReportDocument): string {
    const lines: string[] = [];
    lines.push(`# Agent blast radius: ${cell(doc.project)} (${cell(doc.stack)})`, "");
    lines.push(
        `${doc.agents.length} agent(s). Audit trail: ${doc.auditCovered ? "covers the account (multi-region, logging on)" : "**no multi-region trail with logging on**"}.`,
        "",
    );
    lines.push(
        "| agent | owner | tier | kill switch | containment | egress | AWS identities | warnings |",
        "|---|---|---|---|---|---|---|---|",
    );
    for (const a of doc.agents) {
        lines.push(
            `| ${cell(a.id)} | ${cell(a.owner)} | ${cell(a.riskTier)} | ${a.suspended ? "suspended" : "active"} | ${a.containment.status} | ${cell(egressCounts(a))} | ${a.aws.length} | ${cell(warnings(a).join("; ") || "none")} |`,
        );
    }
    for (const a of doc.agents) {
        lines.push("", `## ${cell(a.id)}`, "");
        lines.push(`- Owner: ${cell(a.owner)}; risk tier: ${cell(a.riskTier)}`);
        lines.push(
            `- Namespaces: ${cell(a.namespaces.join(", ") || "none")}; service accounts: ${cell(a.serviceAccounts.join(", ") || "none")}`,
        );
        lines.push(`- Kill switch: ${cell(killSwitchText(a))}; revocation: ${cell(revocationText(a))}`);
        lines.push(`- Automated containment: ${cell(containmentText(a))}`);
        if (a.egress) {
            lines.push(
                `- Egress: default deny ${a.egress.defaultDeny ? "yes" : "**no**"}; ${cell(egressCounts(a))} (budget ${a.egress.publicBudget}${a.egress.overBudget ? ", **over budget**" : ""})`,
            );
            for (const d of a.egress.destinations)
                lines.push(`  - ${cell(destinationText(d))} (${cell(d.via)})`);
            for (const o of a.egress.open) lines.push(`  - **open**: ${cell(o)}`);
            for (const u of a.egress.unknown) lines.push(`  - unknown: ${cell(u)}`);
            for (const m of a.egress.metadataEndpoints) lines.push(`  - **metadata endpoint**: ${cell(m)}`);
        }
        for (const h of a.hostAccess) lines.push(`- Host access: ${cell(h)}`);
        const quota = Object.entries(a.quota);
        if (quota.length > 0) lines.push(`- Quota: ${cell(quota.map(([k, v]) => `${k}=${v}`).join(", "))}`);
        for (const x of a.secrets) lines.push(`- Reads ${cell(x.target)} (${cell(x.via)})`);
        for (const x of a.kubernetesIdentities)
            lines.push(`- Kubernetes identity: ${cell(x.target)} (${cell(x.via)})`);
        for (const g of a.rbac)
            lines.push(
                `- RBAC: ${cell(`${g.bindingKind} ${g.binding} → ${g.role} (${g.scope}): ${g.verdict}, ${g.detail}; subjects: ${g.subjects.join(", ")}`)}`,
            );
        for (const id of a.aws) {
            lines.push(`- ${cell(identityLine(id))}`);
            lines.push(`  - why: ${cell(id.reasons.join("; "))}`);
            const p = id.permissions;
            for (const u of p.unknownUntilDeploy) lines.push(`  - unknown until deploy: ${cell(u)}`);
            if (p.removedActions > 0)
                lines.push(`  - ${p.removedActions} allowed action(s) removed by Denies or the boundary`);
            if (p.services.length > 0) {
                lines.push("", "  | service | access level | actions | resources |", "  |---|---|---|---|");
                for (const s of p.services)
                    lines.push(
                        `  | ${cell(s.service)} | ${cell(s.accessLevel)} | ${cell(s.actions.join(", "))} | ${cell(s.resources.join(", "))}${s.conditional ? " (conditional)" : ""} |`,
                    );
                lines.push("");
            } else if (p.unbounded.length === 0) lines.push("  - no effective permission");
            for (const u of p.unbounded) lines.push(`  - **unbounded**: ${cell(u)}`);
            for (const m of p.managedPolicies) lines.push(`  - AWS managed policy ${cell(m)}`);
            for (const u of p.unresolved) lines.push(`  - unresolved: ${cell(u)}`);
        }
        for (const c of a.reach) {
            lines.push(`- Reach ${cell(reachHeading(c))}`);
            for (const f of c.findings) lines.push(`  - **forbidden**: ${cell(f.text)}`);
            for (const p of c.paths) {
                const grants = reachGrantsText(p);
                lines.push(`  - ${cell(p.text)}${grants === "" ? "" : ` (granted: ${cell(grants)})`}`);
            }
        }
    }
    if (doc.auditTrails.length > 0) {
        lines.push(
            "",
            "## Audit trails",
            "",
            "| trail | logging | multi-region | log validation |",
            "|---|---|---|---|",
        );
        for (const t of doc.auditTrails)
            lines.push(
                `| ${cell(t.name)} | ${cell(t.logging)} | ${cell(t.multiRegion)} | ${cell(t.logValidation)} |`,
            );
    }
    return `${lines.join("\n")}\n`;
}
