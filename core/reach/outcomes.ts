import type { ReachOutcome } from "./graph";

/** The pack rule family that reports an outcome: one rule per concern reads the same closure. */
export type ReachConcern = "escalation" | "egress" | "credentials" | "escape";

export type ReachOutcomeKind = ReachOutcome["kind"];

export const OUTCOME_CONCERN: Readonly<Record<ReachOutcomeKind, ReachConcern>> = {
    "privileged-principal": "escalation",
    "unjudged-principal": "escalation",
    "unknown-role": "escalation",
    "outside-stack": "escalation",
    tamper: "escalation",
    "open-egress": "egress",
    "inbound-channel": "egress",
    credentials: "credentials",
    "host-access": "escape",
    "uncapped-gpu": "escape",
    "cluster-plumbing": "escape",
};

/** Stable finding codes (usable in exemptions); the text says what the path ends in. */
export const OUTCOME_CODE: Readonly<Record<ReachOutcomeKind, string>> = {
    "privileged-principal": "reach/escalation",
    "unjudged-principal": "reach/unjudged-principal",
    "unknown-role": "reach/unknown-role",
    "outside-stack": "reach/outside-stack",
    tamper: "reach/tamper",
    "open-egress": "reach/open-egress",
    "inbound-channel": "reach/inbound-channel",
    credentials: "reach/credentials",
    "host-access": "reach/host-access",
    "uncapped-gpu": "reach/uncapped-gpu",
    "cluster-plumbing": "reach/cluster-plumbing",
};

/** What each code means, for a rule's `codes` (docs/rules.md, exemption checks). */
export const OUTCOME_MEANING: Readonly<Record<ReachOutcomeKind, string>> = {
    "privileged-principal": "the path ends at a principal holding a forbidden grant",
    "unjudged-principal": "the path ends at a principal whose permissions cannot be read",
    "unknown-role": "the path ends at compute whose role cannot be resolved",
    "outside-stack": "the path names a resource outside the stack, which cannot be judged",
    tamper: "the path ends at audit or automated containment the agent may stop or rewrite",
    "open-egress": "the path ends at compute or pods that can open connections to the internet",
    "inbound-channel": "the path ends at a channel the internet can open to what the agent controls",
    credentials: "the path ends at secrets, keys or tokens that are not the agent's own",
    "host-access": "the path ends at pods that may use the node (privileged, host namespaces or paths)",
    "uncapped-gpu": "the path ends at GPUs no quota caps",
    "cluster-plumbing":
        "the path ends at DNS, endpoints, CRDs or admission webhooks every workload relies on",
};

/** A concern's codes with their meaning (a reach rule's RuleMeta `codes`). */
export function concernCodes(concern: ReachConcern): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [kind, owner] of Object.entries(OUTCOME_CONCERN) as [ReachOutcomeKind, ReachConcern][]) {
        if (owner === concern) out[OUTCOME_CODE[kind]] = OUTCOME_MEANING[kind];
    }
    return out;
}

/** How a finding's message names what the path ends in (escalation findings word their own). */
export const OUTCOME_LEAD: Readonly<Record<Exclude<ReachOutcomeKind, EscalationKind>, string>> = {
    "open-egress": "Open egress path (the agent can send data to the internet)",
    "inbound-channel": "Inbound channel path (the internet can reach what the agent controls)",
    credentials: "Credential path (credentials beyond the agent's own)",
    "host-access": "Host access path (pods that may use the node: privileged, host namespaces or paths)",
    "uncapped-gpu": "Uncapped GPU path (GPUs no quota caps)",
    "cluster-plumbing":
        "Cluster plumbing path (DNS, endpoints, CRDs or admission webhooks every workload relies on)",
};

type EscalationKind =
    "privileged-principal" | "unjudged-principal" | "unknown-role" | "outside-stack" | "tamper";
