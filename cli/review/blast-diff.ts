import type { AgentBlastRadius, BlastRadiusReport } from "../blast-radius/model";
import { destinationText } from "../blast-radius/summary";

/** How one agent's reach changed: each line is `+thing` (gained) or `-thing` (lost). */
export interface AgentReachChange {
    readonly agent: string;
    readonly changes: readonly string[];
    /** Paths and forbidden outcomes of its closure that the head adds: each makes the change Tier 3. */
    readonly addedPaths: readonly string[];
    /** Paths and forbidden outcomes the head no longer has: reported, the tier left to the other rules. */
    readonly removedPaths: readonly string[];
}

/** Flat facts about an agent's reach (sets), and its single-valued settings (label → value). */
export interface Reach {
    readonly facts: Set<string>;
    readonly settings: Map<string, string>;
    /** Its closure in the reach graph: `reach: <path>` per node reached, `forbidden: <path>` per finding. */
    readonly paths: Set<string>;
}

/** The diff of two agents' reach is the blast-radius diff. */
export function reachFacts(agent: AgentBlastRadius): Reach {
    const facts = new Set<string>();
    const settings = new Map<string, string>();
    for (const d of agent.egress?.destinations ?? []) facts.add(`egress ${destinationText(d)}`);
    for (const o of agent.egress?.open ?? []) facts.add(`egress open: ${o}`);
    for (const u of agent.egress?.unknown ?? []) facts.add(`egress unknown: ${u}`);
    if (agent.egress && !agent.egress.defaultDeny) facts.add("egress without default deny");
    if (agent.egress) settings.set("public egress addresses", agent.egress.publicAddresses);
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
    for (const e of agent.secrets) facts.add(`reads ${e.target} via ${e.via}`);
    for (const e of agent.kubernetesIdentities) facts.add(`Kubernetes identity ${e.target} via ${e.via}`);
    for (const [k, v] of Object.entries(agent.quota)) settings.set(`quota ${k}`, v);
    settings.set("kill switch", agent.suspended ? "suspended" : "active");
    // Losing a tripwire (or a namespace's hold) is a change of what stops the agent: Tier 3 like reach.
    settings.set("automated containment", agent.containment.status);
    for (const t of agent.containment.tripwires)
        facts.add(`containment tripwire ${t.rule} → ${t.function} on ${t.role} (${t.state})`);
    for (const ns of agent.containment.kubernetesNamespaces) facts.add(`containment holds pods in ${ns}`);
    settings.set("owner", agent.owner);
    settings.set("risk tier", agent.riskTier);
    const paths = new Set<string>();
    for (const closure of agent.reach) {
        for (const p of closure.paths) paths.add(`reach: ${p.text}`);
        for (const f of closure.findings) paths.add(`forbidden: ${f.text}`);
    }
    return { facts, settings, paths };
}

const EMPTY: Reach = { facts: new Set(), settings: new Map(), paths: new Set() };

export function diffReach(base: BlastRadiusReport, head: BlastRadiusReport): AgentReachChange[] {
    const before = new Map(base.agents.map((a) => [a.id, reachFacts(a)]));
    const after = new Map(head.agents.map((a) => [a.id, reachFacts(a)]));
    const ids = [...new Set([...before.keys(), ...after.keys()])].sort();
    const out: AgentReachChange[] = [];
    for (const id of ids) {
        const b = before.get(id) ?? EMPTY;
        const a = after.get(id) ?? EMPTY;
        const labels = [...new Set([...b.settings.keys(), ...a.settings.keys()])];
        const changes = [
            ...(before.has(id) ? [] : ["+agent"]),
            ...(after.has(id) ? [] : ["-agent"]),
            ...labels
                .filter((l) => b.settings.get(l) !== a.settings.get(l))
                .map((l) => `${l}: ${b.settings.get(l) ?? "none"} → ${a.settings.get(l) ?? "none"}`),
            ...[...a.facts].filter((f) => !b.facts.has(f)).map((f) => `+${f}`),
            ...[...b.facts].filter((f) => !a.facts.has(f)).map((f) => `-${f}`),
        ];
        const addedPaths = [...a.paths].filter((p) => !b.paths.has(p)).sort();
        const removedPaths = [...b.paths].filter((p) => !a.paths.has(p)).sort();
        if (changes.length + addedPaths.length + removedPaths.length > 0)
            out.push({ agent: id, changes, addedPaths, removedPaths });
    }
    return out;
}
