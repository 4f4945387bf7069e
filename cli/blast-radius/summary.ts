import type { AgentBlastRadius, AwsIdentity } from "./model";
import type { ClosureData, ReachPathData } from "../../core/reach";

/** Short phrases shared by the Markdown and HTML reports, so both say the same thing. */

export function destinationText(d: {
    cidr?: string;
    except?: readonly string[];
    fqdn?: string;
    ports: readonly string[];
}): string {
    const target = d.fqdn ?? d.cidr ?? "?";
    const except = d.except && d.except.length > 0 ? ` except ${d.except.join(", ")}` : "";
    return `${target}${except} : ${d.ports.join(", ")}`;
}

export function killSwitchText(agent: AgentBlastRadius): string {
    return agent.suspended ? `SUSPENDED (${agent.suspendedBy.join("; ")})` : "active";
}

/** Automated containment in one phrase: status, then each tripwire and where pods can be held. */
export function containmentText(agent: AgentBlastRadius): string {
    const c = agent.containment;
    const parts: string[] = [c.status];
    for (const t of c.tripwires)
        parts.push(`rule ${t.rule} → function ${t.function} watches ${t.role} (${t.pattern}; ${t.state})`);
    if (c.uncovered.length > 0) parts.push(`no tripwire watches ${c.uncovered.join(", ")}`);
    if (c.kubernetesNamespaces.length > 0)
        parts.push(`pods can be held at zero in ${c.kubernetesNamespaces.join(", ")}`);
    if (agent.aws.length === 0) parts.push("no AWS identity for a tripwire to watch");
    return parts.join("; ");
}

export function revocationText(agent: AgentBlastRadius): string {
    const cutoffs = agent.aws.flatMap((a) =>
        a.revokedBefore.map((t) => `${a.name}: sessions issued before ${t}`),
    );
    return cutoffs.length > 0 ? cutoffs.join("; ") : "none";
}

export function identityLine(identity: AwsIdentity): string {
    const certainty = identity.certainty === "possible" ? " (possibly an agent identity)" : "";
    const boundary =
        identity.permissions.boundary === "none"
            ? "no permissions boundary"
            : identity.permissions.boundary === "applied"
              ? identity.permissions.unknownUntilDeploy.some((u) => u.includes("permissions boundary"))
                  ? "boundary applied (resources unknown until deploy)"
                  : "boundary applied"
              : "boundary unreadable";
    return `IAM ${identity.kind} ${identity.name}${certainty}, ${boundary}`;
}

/** Findings a reviewer must look at first, per agent. */
export function warnings(agent: AgentBlastRadius): string[] {
    const out: string[] = [];
    if (agent.riskTier === "unset") out.push("no agentguard.io/risk-tier");
    if (agent.owner === "unset") out.push("no agentguard.io/owner");
    if (agent.egress && !agent.egress.defaultDeny) out.push("no default-deny egress NetworkPolicy");
    if (agent.namespaces.length > 0 && !agent.egress) out.push("no egress NetworkPolicy at all");
    if (agent.egress?.open.length) out.push("egress open to every destination");
    else if (agent.egress?.overBudget)
        out.push(
            `egress reaches ${agent.egress.publicAddresses} public addresses, over the budget of ${agent.egress.publicBudget}`,
        );
    if (agent.egress?.metadataEndpoints.length)
        out.push(`reaches metadata endpoints ${agent.egress.metadataEndpoints.join(", ")}`);
    if (agent.hostAccess.length > 0) out.push("host access (bypasses NetworkPolicies)");
    if (agent.namespaces.length > 0 && !agent.gpuCapped) out.push("GPU not capped by a quota");
    for (const a of agent.aws) {
        if (a.permissions.unbounded.length > 0) out.push(`${a.name}: unbounded IAM grant`);
        const iamWrites = a.permissions.services
            .filter((s) => s.service === "iam" && /Permissions management/.test(s.accessLevel))
            .flatMap((s) => s.actions);
        if (iamWrites.length > 0)
            out.push(
                `${a.name}: can change IAM permissions (${iamWrites.slice(0, 4).join(", ")}${iamWrites.length > 4 ? `, and ${iamWrites.length - 4} more` : ""}), so it can grant itself anything`,
            );
        if (a.permissions.boundary === "none") out.push(`${a.name}: no permissions boundary`);
    }
    if (agent.rbac.some((g) => g.verdict === "forbidden")) out.push("escalating RBAC grant");
    if (agent.kubernetesIdentities.length > 0)
        out.push("Kubernetes identity given to its IAM principal outside RBAC (aws-auth or an access entry)");
    return out;
}

/** Egress in one phrase: public addresses of the CIDRs, and host names (which no address count covers). */
export function egressCounts(agent: AgentBlastRadius): string {
    if (!agent.egress) return "n/a";
    const hosts = agent.egress.destinations.filter((d) => d.fqdn !== undefined).length;
    return `${agent.egress.publicAddresses} public address(es), ${hosts} host name(s)`;
}

/**
 * What grants each step of a reach path (`lambda:UpdateFunctionCode by policy p statement 0`), or "": the
 * permissions the path's text already shows are named only with where they are granted.
 */
export function reachGrantsText(path: ReachPathData): string {
    return path.steps
        .map((s) => {
            const permission =
                s.permission !== undefined && !path.text.includes(s.permission) ? s.permission : undefined;
            if (s.grantedBy === undefined) return permission;
            return `${s.permission ?? s.kind} by ${s.grantedBy}`;
        })
        .filter((x) => x !== undefined)
        .join("; ");
}

/** One line per closure start: how many nodes it reaches and how many forbidden outcomes. */
export function reachHeading(closure: ClosureData): string {
    const who = closure.certainty === "agent" ? "" : " (possibly an agent identity)";
    return `from ${closure.agent}${who}: ${closure.paths.length} node(s) reached, ${closure.findings.length} forbidden outcome(s)`;
}
