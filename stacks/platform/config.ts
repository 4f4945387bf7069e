/**
 * Typed parsing of the platform stack's config. Agents are listed in stack config, not in code, so that
 * adding an agent is a reviewed config change; every error names the key, the bad value and what is allowed.
 */
import type { EgressEnforcement, EgressHostRule, EgressRule } from "../../components/kubernetes";
import type { AgentPolicyStatement } from "../../components/aws";

export interface AgentConfig {
    readonly id: string;
    readonly owner: string;
    readonly riskTier: 1 | 2 | 3;
    readonly gpu: number;
    readonly suspended: boolean;
    readonly revokeSessionsIssuedBefore?: string;
    readonly egress: readonly EgressRule[];
    /** Host names, enforced by `egressEnforcement` (the runtime validates them). */
    readonly egressHosts: readonly EgressHostRule[];
    readonly egressEnforcement: EgressEnforcement;
    readonly permissions: readonly AgentPolicyStatement[];
}

export interface ClusterConfig {
    readonly oidcProviderArn: string;
    readonly oidcIssuer: string;
}

export interface AuditConfig {
    readonly retentionDays: number;
}

export interface PlatformConfig {
    readonly cluster: ClusterConfig;
    readonly audit: AuditConfig;
    readonly agents: readonly AgentConfig[];
}

export class PlatformConfigError extends Error {
    constructor(key: string, value: unknown, allowed: string) {
        super(`config ${key} is ${JSON.stringify(value)}: expected ${allowed}`);
        this.name = "PlatformConfigError";
    }
}

type Raw = Record<string, unknown>;

function object(key: string, value: unknown): Raw {
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
        throw new PlatformConfigError(key, value, "an object");
    }
    return value as Raw;
}

function string(key: string, value: unknown, pattern?: RegExp, allowed = "a non-empty string"): string {
    if (typeof value !== "string" || value.length === 0 || (pattern && !pattern.test(value))) {
        throw new PlatformConfigError(key, value, allowed);
    }
    return value;
}

function integer(key: string, value: unknown, min: number, max: number): number {
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
        throw new PlatformConfigError(key, value, `an integer from ${min} to ${max}`);
    }
    return value;
}

function array(key: string, value: unknown): unknown[] {
    if (!Array.isArray(value)) throw new PlatformConfigError(key, value, "a list");
    return value;
}

const AGENT_ID = /^[a-z0-9]([-a-z0-9]{0,40}[a-z0-9])?$/;

function parseEgress(key: string, value: unknown): EgressRule {
    const raw = object(key, value);
    return {
        cidr: string(`${key}.cidr`, raw.cidr),
        ports: parsePorts(key, raw),
        description: string(`${key}.description`, raw.description),
    };
}

function parseEgressHost(key: string, value: unknown): EgressHostRule {
    const raw = object(key, value);
    return {
        host: string(`${key}.host`, raw.host),
        ports: parsePorts(key, raw),
        description: string(`${key}.description`, raw.description),
    };
}

function parsePorts(key: string, raw: Record<string, unknown>): EgressRule["ports"] {
    return array(`${key}.ports`, raw.ports).map((p, i) => {
        const port = object(`${key}.ports[${i}]`, p);
        return {
            port: integer(`${key}.ports[${i}].port`, port.port, 1, 65535),
            protocol:
                port.protocol === undefined
                    ? "TCP"
                    : (string(
                          `${key}.ports[${i}].protocol`,
                          port.protocol,
                          /^(TCP|UDP|SCTP)$/,
                          "TCP, UDP or SCTP",
                      ) as "TCP" | "UDP" | "SCTP"),
        };
    });
}

function parsePermission(key: string, value: unknown): AgentPolicyStatement {
    const raw = object(key, value);
    const actions = array(`${key}.actions`, raw.actions).map((a, i) => string(`${key}.actions[${i}]`, a));
    const resources = array(`${key}.resources`, raw.resources).map((r, i) =>
        string(`${key}.resources[${i}]`, r),
    );
    return { Effect: "Allow", Action: actions, Resource: resources };
}

function parseAgent(key: string, value: unknown): AgentConfig {
    const raw = object(key, value);
    const riskTier = raw.riskTier ?? 3;
    if (riskTier !== 1 && riskTier !== 2 && riskTier !== 3)
        throw new PlatformConfigError(`${key}.riskTier`, riskTier, "1, 2 or 3");
    const suspended = raw.suspended ?? false;
    if (typeof suspended !== "boolean")
        throw new PlatformConfigError(`${key}.suspended`, suspended, "true or false");
    return {
        id: string(`${key}.id`, raw.id, AGENT_ID, "a lower-case DNS label of at most 42 characters"),
        owner: string(`${key}.owner`, raw.owner, AGENT_ID, "a team id: a lower-case DNS label"),
        riskTier,
        gpu: raw.gpu === undefined ? 0 : integer(`${key}.gpu`, raw.gpu, 0, 64),
        suspended,
        revokeSessionsIssuedBefore:
            raw.revokeSessionsIssuedBefore === undefined
                ? undefined
                : string(`${key}.revokeSessionsIssuedBefore`, raw.revokeSessionsIssuedBefore),
        egress: array(`${key}.egress`, raw.egress ?? []).map((e, i) => parseEgress(`${key}.egress[${i}]`, e)),
        egressHosts: array(`${key}.egressHosts`, raw.egressHosts ?? []).map((e, i) =>
            parseEgressHost(`${key}.egressHosts[${i}]`, e),
        ),
        egressEnforcement: string(
            `${key}.egressEnforcement`,
            raw.egressEnforcement ?? "networkPolicy",
            /^(networkPolicy|cilium|proxy)$/,
            "networkPolicy, cilium or proxy",
        ) as EgressEnforcement,
        permissions: array(`${key}.permissions`, raw.permissions ?? []).map((p, i) =>
            parsePermission(`${key}.permissions[${i}]`, p),
        ),
    };
}

/** `read(key)` returns the structured config value for `key`, or undefined when it is not set. */
export function parsePlatformConfig(read: (key: string) => unknown): PlatformConfig {
    const cluster = object("cluster", read("cluster"));
    const audit = object("audit", read("audit") ?? {});
    const agents = array("agents", read("agents")).map((a, i) => parseAgent(`agents[${i}]`, a));
    const seen = new Set<string>();
    for (const [i, agent] of agents.entries()) {
        if (seen.has(agent.id))
            throw new PlatformConfigError(`agents[${i}].id`, agent.id, "an id no other agent uses");
        seen.add(agent.id);
    }
    return {
        cluster: {
            oidcProviderArn: string(
                "cluster.oidcProviderArn",
                cluster.oidcProviderArn,
                /^arn:aws[-a-z]*:iam::\d{12}:oidc-provider\/.+$/,
                "an IAM OIDC provider ARN",
            ),
            oidcIssuer: string(
                "cluster.oidcIssuer",
                cluster.oidcIssuer,
                /^[^:/]+(\/[^/]+)*$/,
                "the issuer host and path, without https://",
            ),
        },
        audit: {
            retentionDays:
                audit.retentionDays === undefined
                    ? 365
                    : integer("audit.retentionDays", audit.retentionDays, 1, 36500),
        },
        agents,
    };
}
