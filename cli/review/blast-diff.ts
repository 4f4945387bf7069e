import type { AgentBlastRadius, BlastRadiusReport } from "../blast-radius/model";
import { destinationText } from "../blast-radius/summary";

/** How one agent's reach changed: each line is `+thing` (gained) or `-thing` (lost). */
export interface AgentReachChange {
    readonly agent: string;
    readonly changes: readonly string[];
}

/** Flat facts about an agent's reach; the diff of two sets is the blast-radius diff. */
export function reachFacts(agent: AgentBlastRadius): Set<string> {
    const facts = new Set<string>();
    for (const d of agent.egress?.destinations ?? []) facts.add(`egress ${destinationText(d)}`);
    for (const o of agent.egress?.open ?? []) facts.add(`egress open: ${o}`);
    for (const u of agent.egress?.unknown ?? []) facts.add(`egress unknown: ${u}`);
    if (agent.egress && !agent.egress.defaultDeny) facts.add("egress without default deny");
    if (agent.egress) facts.add(`public egress addresses ${agent.egress.publicAddresses}`);
    for (const h of agent.hostAccess) facts.add(`host access ${h}`);
    for (const id of agent.aws) {
        facts.add(`IAM ${id.kind} ${id.name}`);
        if (id.permissions.boundary !== "applied")
            facts.add(`IAM ${id.name} boundary ${id.permissions.boundary}`);
        for (const s of id.permissions.services)
            for (const a of s.actions) for (const r of s.resources) facts.add(`IAM ${a} on ${r}`);
        for (const u of id.permissions.unbounded) facts.add(`IAM unbounded ${u}`);
        for (const m of id.permissions.managedPolicies) facts.add(`IAM managed policy ${m}`);
        for (const u of id.permissions.unresolved) facts.add(`IAM unresolved ${u}`);
        for (const t of id.revokedBefore) facts.add(`sessions revoked before ${t}`);
    }
    for (const g of agent.rbac) facts.add(`RBAC ${g.role} (${g.scope}) ${g.verdict}`);
    for (const [k, v] of Object.entries(agent.quota)) facts.add(`quota ${k}=${v}`);
    facts.add(agent.suspended ? "suspended" : "active");
    facts.add(`owner ${agent.owner}`);
    facts.add(`risk tier ${agent.riskTier}`);
    return facts;
}

export function diffReach(base: BlastRadiusReport, head: BlastRadiusReport): AgentReachChange[] {
    const before = new Map(base.agents.map((a) => [a.id, reachFacts(a)]));
    const after = new Map(head.agents.map((a) => [a.id, reachFacts(a)]));
    const ids = [...new Set([...before.keys(), ...after.keys()])].sort();
    const out: AgentReachChange[] = [];
    for (const id of ids) {
        const b = before.get(id) ?? new Set<string>();
        const a = after.get(id) ?? new Set<string>();
        const changes = [
            ...(before.has(id) ? [] : ["+agent"]),
            ...(after.has(id) ? [] : ["-agent"]),
            ...[...a].filter((f) => !b.has(f)).map((f) => `+${f}`),
            ...[...b].filter((f) => !a.has(f)).map((f) => `-${f}`),
        ];
        if (changes.length > 0) out.push({ agent: id, changes });
    }
    return out;
}
