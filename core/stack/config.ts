import type { PolicyConfigSchema } from "@pulumi/policy";
import Ajv from "ajv";
import { agentIdentityDivergence, DEFAULT_AGENT_NAMESPACE_PATTERNS } from "../agent-namespaces";
import { exemptionFor, type Exemption } from "./exemptions";
import { describeSchemaError } from "./schema-errors";

export { DEFAULT_AGENT_NAMESPACE_PATTERNS };

export type { Exemption };

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
                    code: { type: "string", minLength: 1 },
                    reason: { type: "string", minLength: MIN_EXEMPTION_REASON_LENGTH },
                },
            },
            description:
                "Resources (name or URN pattern, `*` any run) this rule does not report, each with a reason of at least 10 characters; with `code` (a finding code or a glob such as `onward/*`) only the findings with a matching code are waived.",
        },
    },
};

/** The schema as one JSON Schema object, compiled once (Ajv, as the Pulumi engine validates policy config). */
const validateConfig = new Ajv({ allErrors: true, strict: false, logger: false, verbose: true }).compile({
    type: "object",
    properties: agentguardConfigSchema.properties,
});

/**
 * Reads the config with defaults and checks it again against the schema: the Pulumi engine validates it,
 * but a pack must not trust that a caller did. Every problem is listed, each naming the property path, the
 * value and what is allowed.
 */
export function readAgentguardConfig(raw: Record<string, unknown>): AgentguardConfig {
    const problems = validateConfig(raw)
        ? []
        : (validateConfig.errors ?? []).map((e) => describeSchemaError(e, raw));
    const exemptions = (raw.exemptions ?? []) as Exemption[];
    if (problems.length === 0) {
        // The schema counts characters; a reason of blanks explains nothing.
        exemptions.forEach((e, i) => {
            if (e.reason.trim().length < MIN_EXEMPTION_REASON_LENGTH) {
                problems.push(
                    `property 'exemptions[${i}].reason' must explain the exemption in at least ${MIN_EXEMPTION_REASON_LENGTH} characters besides blanks, got ${JSON.stringify(e.reason)}`,
                );
            }
        });
    }
    if (problems.length > 0) {
        throw new Error(`invalid agentguard policy config: ${problems.join("; ")}`);
    }
    return {
        agentNamespacePatterns: (raw.agentNamespacePatterns ?? DEFAULT_AGENT_NAMESPACE_PATTERNS) as string[],
        maxPublicEgressAddresses: (raw.maxPublicEgressAddresses ??
            DEFAULT_MAX_PUBLIC_EGRESS_ADDRESSES) as number,
        allowedEgressCidrs: (raw.allowedEgressCidrs ?? []) as string[],
        exemptions: exemptions.map((e) => ({
            resource: e.resource,
            ...(e.code === undefined ? {} : { code: e.code }),
            reason: e.reason,
        })),
    };
}

/** The exemption that waives a finding on `resource` (by name or URN; by code when the exemption has one). */
export function isExempt(
    exemptions: readonly Exemption[],
    resource: { urn: string; name: string; code?: string },
): Exemption | undefined {
    return exemptionFor(exemptions, { names: [resource.name, resource.urn], code: resource.code });
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
