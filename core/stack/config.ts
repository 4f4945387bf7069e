import type { PolicyConfigSchema } from "@pulumi/policy";
import { agentIdentityDivergence, DEFAULT_AGENT_NAMESPACE_PATTERNS } from "../agent-namespaces";

export { DEFAULT_AGENT_NAMESPACE_PATTERNS };

/** A rule's finding on one resource is waived for resources matching `resource`, for a stated reason. */
export interface Exemption {
    /** A resource name or URN; `*` matches any run of characters. */
    readonly resource: string;
    /** Why the exemption is safe: at least 10 characters, so that it can be reviewed. */
    readonly reason: string;
}

/** The configuration every agentguard rule understands (Pulumi policy config is per policy). */
export interface AgentguardConfig {
    readonly agentNamespacePatterns: readonly string[];
    readonly maxPublicEgressAddresses: number;
    readonly allowedEgressCidrs: readonly string[];
    readonly exemptions: readonly Exemption[];
}

/** A /16 worth of public addresses: room for a few SaaS APIs, far from "the internet". */
export const DEFAULT_MAX_PUBLIC_EGRESS_ADDRESSES = 65_536;
export const MIN_EXEMPTION_REASON_LENGTH = 10;

export const agentguardConfigSchema: PolicyConfigSchema = {
    properties: {
        agentNamespacePatterns: {
            type: "array",
            items: { type: "string", minLength: 1 },
            default: [...DEFAULT_AGENT_NAMESPACE_PATTERNS],
            description:
                "Namespace name patterns (`*` wildcard) that identify agent namespaces besides the agentguard.io/agent label.",
        },
        maxPublicEgressAddresses: {
            type: "integer",
            minimum: 0,
            default: DEFAULT_MAX_PUBLIC_EGRESS_ADDRESSES,
            description:
                "Most public addresses (IPv4 + IPv6) that the egress of one agent namespace may reach.",
        },
        allowedEgressCidrs: {
            type: "array",
            items: { type: "string", minLength: 1 },
            default: [],
            description:
                "Approved destination CIDRs that do not count against the public egress budget (never metadata endpoints).",
        },
        exemptions: {
            type: "array",
            default: [],
            items: {
                type: "object",
                required: ["resource", "reason"],
                additionalProperties: false,
                properties: {
                    resource: { type: "string", minLength: 1 },
                    reason: { type: "string", minLength: MIN_EXEMPTION_REASON_LENGTH },
                },
            },
            description:
                "Resources (name or URN pattern) this rule does not report, each with a reason of at least 10 characters.",
        },
    },
};

/**
 * Reads the config with defaults and checks it again: the Pulumi engine validates against the schema,
 * but a pack must not trust that a caller did.
 */
export function readAgentguardConfig(raw: Record<string, unknown>): AgentguardConfig {
    const patterns = raw.agentNamespacePatterns ?? DEFAULT_AGENT_NAMESPACE_PATTERNS;
    if (!isStringArray(patterns) || patterns.some((p) => p.length === 0)) {
        throw new Error(
            `agentNamespacePatterns must be an array of non-empty strings, got ${JSON.stringify(patterns)}`,
        );
    }
    const budget = raw.maxPublicEgressAddresses ?? DEFAULT_MAX_PUBLIC_EGRESS_ADDRESSES;
    if (typeof budget !== "number" || !Number.isInteger(budget) || budget < 0) {
        throw new Error(`maxPublicEgressAddresses must be an integer >= 0, got ${JSON.stringify(budget)}`);
    }
    const allowed = raw.allowedEgressCidrs ?? [];
    if (!isStringArray(allowed)) {
        throw new Error(
            `allowedEgressCidrs must be an array of CIDR strings, got ${JSON.stringify(allowed)}`,
        );
    }
    const exemptions = raw.exemptions ?? [];
    if (!Array.isArray(exemptions)) {
        throw new Error(
            `exemptions must be an array of { resource, reason }, got ${JSON.stringify(exemptions)}`,
        );
    }
    return {
        agentNamespacePatterns: patterns,
        maxPublicEgressAddresses: budget,
        allowedEgressCidrs: allowed,
        exemptions: exemptions.map(readExemption),
    };
}

function readExemption(value: unknown, index: number): Exemption {
    const item = (value ?? {}) as Record<string, unknown>;
    if (typeof item.resource !== "string" || item.resource.length === 0) {
        throw new Error(
            `exemptions[${index}].resource must be a resource name or URN pattern, got ${JSON.stringify(item.resource)}`,
        );
    }
    if (typeof item.reason !== "string" || item.reason.trim().length < MIN_EXEMPTION_REASON_LENGTH) {
        throw new Error(
            `exemptions[${index}].reason must explain the exemption in at least ${MIN_EXEMPTION_REASON_LENGTH} characters, got ${JSON.stringify(item.reason)}`,
        );
    }
    return { resource: item.resource, reason: item.reason };
}

function isStringArray(value: unknown): value is string[] {
    return Array.isArray(value) && value.every((v) => typeof v === "string");
}

/** `*` matches any run of characters; everything else is literal. Anchored, case-sensitive. */
export function globToRegExp(pattern: string): RegExp {
    const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*");
    return new RegExp(`^${escaped}$`);
}

export function isExempt(
    exemptions: readonly Exemption[],
    resource: { urn: string; name: string },
): Exemption | undefined {
    return exemptions.find((e) => {
        const re = globToRegExp(e.resource);
        return re.test(resource.name) || re.test(resource.urn);
    });
}

export { agentIdentityDivergence };

/** Each rule's patterns as this pack process has read them (one process serves one preview or check). */
const seenPatterns = new Map<string, readonly string[]>();
/** What is wrong with seenPatterns, if anything. */
let divergence: string | undefined;

/**
 * Records the patterns `rule` was configured with and throws the divergence error when another rule of this
 * process was given different ones: the run fails as a config error rather than judging by two identities.
 */
export function recordAgentNamespacePatterns(rule: string, patterns: readonly string[]): void {
    // Called for every resource a resource rule judges: an unchanged list changes nothing to compare.
    const previous = seenPatterns.get(rule);
    const unchanged = previous?.length === patterns.length && previous.every((p, i) => p === patterns[i]);
    if (!unchanged) {
        seenPatterns.set(rule, patterns);
        divergence = agentIdentityDivergence(seenPatterns);
    }
    if (divergence !== undefined) throw new Error(divergence);
}

/** Forgets the recorded patterns (test harnesses run many configurations in one process). */
export function resetAgentNamespacePatterns(): void {
    seenPatterns.clear();
    divergence = undefined;
}
