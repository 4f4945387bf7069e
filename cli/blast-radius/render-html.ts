import { classifyAction, expandActionPattern } from "../../core/iam";
import type { AgentBlastRadius, AwsIdentity } from "./model";
import type { ReportDocument } from "./render-json";
import {
    destinationText,
    egressCounts,
    identityLine,
    containmentText,
    killSwitchText,
    reachGrantsText,
    reachHeading,
    revocationText,
    warnings,
} from "./summary";

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: string): string {
    return value.replace(
        /[&<>"']/g,
        (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
    );
}

const e = escapeHtml;

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:0;background:#f4f5f7;color:#1d2330}
header{background:#1d2330;color:#fff;padding:18px 28px}header h1{margin:0;font-size:20px}
header p{margin:4px 0 0;color:#c5cad6}main{padding:20px 28px;display:grid;gap:18px;grid-template-columns:repeat(auto-fill,minmax(520px,1fr))}
.card{background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.12);padding:16px 18px;border-top:5px solid #8a94a6}
.card.t1{border-top-color:#2e9d5b}.card.t2{border-top-color:#d9a400}.card.t3{border-top-color:#d1382e}
.card h2{margin:0 0 6px;font-size:18px;display:flex;gap:8px;align-items:center;flex-wrap:wrap}
.badge{font-size:12px;padding:2px 8px;border-radius:10px;background:#e4e7ec;color:#1d2330;font-weight:600}
.badge.t1{background:#d8f1e2;color:#1c6b3c}.badge.t2{background:#fbefc4;color:#6d5300}.badge.t3{background:#f8d5d2;color:#8c1f17}
.badge.off{background:#1d2330;color:#fff}.warn{background:#fff4e5;border-left:4px solid #e8890c;padding:6px 10px;margin:8px 0;border-radius:4px}
.stats{display:flex;gap:12px;margin:10px 0;flex-wrap:wrap}.stat{background:#f4f5f7;border-radius:6px;padding:6px 10px;min-width:90px}
.stat b{display:block;font-size:18px}.stat span{font-size:12px;color:#5b6478}
h3{font-size:13px;text-transform:uppercase;letter-spacing:.04em;color:#5b6478;margin:14px 0 4px}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{text-align:left;padding:4px 6px;border-bottom:1px solid #e4e7ec;vertical-align:top}
th{color:#5b6478;font-weight:600}code{font:12px ui-monospace,Menlo,monospace;background:#f4f5f7;padding:1px 4px;border-radius:3px;word-break:break-all}
.muted{color:#8a94a6}footer{padding:0 28px 24px;color:#5b6478}
code.bad{background:#f8d5d2;color:#8c1f17;font-weight:600}summary{cursor:pointer;color:#5b6478}
`;

function tierClass(tier: string): string {
    return tier === "1" || tier === "2" || tier === "3" ? `t${tier}` : "";
}

function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
    if (rows.length === 0) return `<p class="muted">none</p>`;
    const head = headers.map((h) => `<th>${e(h)}</th>`).join("");
    const body = rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join("")}</tr>`).join("");
    return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

const codes = (items: readonly string[]) => items.map((i) => `<code>${e(i)}</code>`).join(" ");

/** Actions, those in a forbidden family (the pack's IAM families) highlighted with the family named. */
function actionCodes(actions: readonly string[]): string {
    return actions
        .map((a) => {
            const families = classifyAction(a);
            return families.length > 0
                ? `<code class="bad" title="${e(families.join(", "))}">${e(a)}</code>`
                : `<code>${e(a)}</code>`;
        })
        .join(" ");
}

/** A long list folded behind its count, so a wide grant or quota does not drown the card. */
function folded(summary: string, body: string, size: number, threshold = 8): string {
    return size > threshold ? `<details><summary>${e(summary)}</summary>${body}</details>` : body;
}

/**
 * One row per service and access level; a service granted whole (every catalogue action, on the same
 * resources) is one row, `s3:*` with its size, the list folded.
 */
function permissionRows(id: AwsIdentity): string[][] {
    const byService = new Map<string, AwsIdentity["permissions"]["services"][number][]>();
    for (const s of id.permissions.services)
        byService.set(s.service, [...(byService.get(s.service) ?? []), s]);
    const rows: string[][] = [];
    for (const [service, groups] of byService) {
        const granted = new Set(groups.flatMap((g) => g.actions));
        const all = expandActionPattern(`${service}:*`);
        const resources = JSON.stringify(groups[0].resources);
        const whole =
            all.length > 1 &&
            all.every((a) => granted.has(a)) &&
            groups.every((g) => JSON.stringify(g.resources) === resources);
        if (whole) {
            const actions = [...granted].sort();
            const bad = actions.filter((a) => classifyAction(a).length > 0).length;
            rows.push([
                e(service),
                e(groups.map((g) => g.accessLevel).join(", ")),
                `<code>${e(`${service}:*`)}</code> — ${actions.length} actions${bad > 0 ? `, <b>${bad} in forbidden families</b>` : ""}` +
                    `<details><summary>list</summary>${actionCodes(actions)}</details>`,
                codes(groups[0].resources) +
                    (groups.some((g) => g.conditional) ? " <span class=muted>(conditional)</span>" : ""),
            ]);
            continue;
        }
        for (const s of groups)
            rows.push([
                e(s.service),
                e(s.accessLevel),
                folded(`${s.actions.length} actions`, actionCodes(s.actions), s.actions.length, 24),
                codes(s.resources) + (s.conditional ? " <span class=muted>(conditional)</span>" : ""),
            ]);
    }
    return rows;
}

function card(a: AgentBlastRadius): string {
    const t = tierClass(a.riskTier);
    const actions = a.aws.reduce(
        (n, id) => n + id.permissions.services.reduce((m, s) => m + s.actions.length, 0),
        0,
    );
    const gpu = Object.entries(a.quota)
        .filter(([k]) => /^requests\..*gpu/i.test(k))
        .map(([, v]) => Number(v))
        .reduce((x, y) => x + (Number.isNaN(y) ? 0 : y), 0);
    const parts: string[] = [];
    parts.push(
        `<h2>${e(a.id)} <span class="badge ${t}">tier ${e(a.riskTier)}</span>` +
            (a.suspended ? ` <span class="badge off">suspended</span>` : "") +
            ` <span class="badge">owner ${e(a.owner)}</span></h2>`,
    );
    for (const w of warnings(a)) parts.push(`<div class="warn">${e(w)}</div>`);
    parts.push(
        `<div class="stats"><div class="stat"><b>${e(a.egress?.publicAddresses ?? "n/a")}</b><span>public egress addresses</span></div>` +
            `<div class="stat"><b>${a.egress?.destinations.length ?? 0}</b><span>egress destinations</span></div>` +
            `<div class="stat"><b>${actions}</b><span>AWS actions</span></div>` +
            `<div class="stat"><b>${gpu}</b><span>GPUs (quota)</span></div>` +
            `<div class="stat"><b>${a.rbac.length}</b><span>RBAC grants</span></div></div>`,
    );
    parts.push(
        `<p>Namespaces ${codes(a.namespaces) || "<span class=muted>none</span>"} · service accounts ${codes(a.serviceAccounts) || "<span class=muted>none</span>"}</p>`,
    );
    parts.push(
        `<p>Kill switch: <b>${e(killSwitchText(a))}</b><br>Session revocation: ${e(revocationText(a))}<br>Automated containment: ${e(containmentText(a))}</p>`,
    );
    parts.push(`<h3>Egress</h3>`);
    if (!a.egress) parts.push(`<p class="muted">no NetworkPolicy in this stack</p>`);
    else {
        parts.push(
            table(
                ["destination", "via"],
                a.egress.destinations.map((d) => [`<code>${e(destinationText(d))}</code>`, e(d.via)]),
            ),
        );
        for (const o of a.egress.open) parts.push(`<div class="warn">${e(o)}</div>`);
        for (const u of a.egress.unknown) parts.push(`<div class="warn">unknown: ${e(u)}</div>`);
        for (const m of a.egress.metadataEndpoints)
            parts.push(`<div class="warn">metadata endpoint: ${e(m)}</div>`);
        parts.push(
            `<p class="muted">${e(egressCounts(a))}; default deny ${a.egress.defaultDeny ? "yes" : "no"}; budget ${a.egress.publicBudget}${a.egress.overBudget ? " (over budget)" : ""}</p>`,
        );
    }
    for (const h of a.hostAccess) parts.push(`<div class="warn">host access: ${e(h)}</div>`);
    parts.push(`<h3>AWS permissions (effective)</h3>`);
    if (a.aws.length === 0) parts.push(`<p class="muted">no IAM identity</p>`);
    for (const id of a.aws) {
        parts.push(
            `<p><b>${e(identityLine(id))}</b><br><span class="muted">why: ${e(id.reasons.join("; "))}</span></p>`,
        );
        if (id.permissions.removedActions > 0)
            parts.push(
                `<p class="muted">${id.permissions.removedActions} allowed action(s) removed by Denies or the boundary</p>`,
            );
        for (const u of id.permissions.unknownUntilDeploy)
            parts.push(`<p class="muted">unknown until deploy: ${e(u)}</p>`);
        parts.push(table(["service", "access level", "actions", "resources"], permissionRows(id)));
        for (const u of id.permissions.unbounded) parts.push(`<div class="warn">unbounded: ${e(u)}</div>`);
        for (const m of id.permissions.managedPolicies)
            parts.push(`<p>AWS managed policy <code>${e(m)}</code></p>`);
        for (const u of id.permissions.unresolved) parts.push(`<p class="muted">unresolved: ${e(u)}</p>`);
    }
    parts.push(`<h3>Reach (transitive, as the pack judges it)</h3>`);
    if (a.reach.length === 0)
        parts.push(`<p class="muted">no AWS identity or pod-creating binding to start from</p>`);
    for (const c of a.reach) {
        parts.push(`<p><b>${e(reachHeading(c))}</b></p>`);
        for (const f of c.findings) parts.push(`<div class="warn">forbidden: ${e(f.text)}</div>`);
        parts.push(
            folded(
                `${c.paths.length} path(s)`,
                table(
                    ["path", "granted by"],
                    c.paths.map((p) => [e(p.text), e(reachGrantsText(p))]),
                ),
                c.paths.length,
            ),
        );
    }
    parts.push(`<h3>Compute quota</h3>`);
    const quota = Object.entries(a.quota);
    parts.push(
        folded(
            `${quota.length} quota entries`,
            table(
                ["resource", "hard limit"],
                quota.map(([k, v]) => [`<code>${e(k)}</code>`, e(v)]),
            ),
            quota.length,
        ),
    );
    parts.push(`<h3>Secrets its pods read</h3>`);
    parts.push(
        table(
            ["secret", "via"],
            a.secrets.map((x) => [`<code>${e(x.target)}</code>`, e(x.via)]),
        ),
    );
    parts.push(`<h3>Kubernetes identities of its IAM principals</h3>`);
    parts.push(
        table(
            ["identity", "via"],
            a.kubernetesIdentities.map((x) => [e(x.target), e(x.via)]),
        ),
    );
    parts.push(`<h3>Kubernetes RBAC</h3>`);
    parts.push(
        table(
            ["binding", "role", "scope", "verdict"],
            a.rbac.map((g) => [
                e(`${g.bindingKind} ${g.binding}`),
                e(g.role),
                e(g.scope),
                e(`${g.verdict}: ${g.detail}`) +
                    `<br><span class="muted">subjects: ${e(g.subjects.join(", "))}</span>`,
            ]),
        ),
    );
    return `<section class="card ${t}">${parts.join("\n")}</section>`;
}

/** One self-contained page: inline CSS, no script, no external asset; every value escaped. */
export function formatReportHtml(doc: ReportDocument): string {
    const trails = table(
        ["trail", "logging", "multi-region", "log validation"],
        doc.auditTrails.map((t) => [e(t.name), e(t.logging), e(t.multiRegion), e(t.logValidation)]),
    );
    return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Agent blast radius: ${e(doc.project)} (${e(doc.stack)})</title><style>${STYLE}</style></head>
<body><header><h1>Agent blast radius: ${e(doc.project)} <span class="muted">(${e(doc.stack)})</span></h1>
<p>${doc.agents.length} agent(s) · audit trail ${doc.auditCovered ? "covers the account" : "does NOT cover the account"} · report schema v${doc.version}</p></header>
<main>${doc.agents.map(card).join("\n")}</main>
<footer><h3>Audit trails</h3>${trails}</footer></body></html>
`;
}
