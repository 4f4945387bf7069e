import Ajv, { type ErrorObject } from "ajv";
import { agentIdentityDivergence } from "../../core/agent-namespaces";
import * as fs from "fs";
import { CheckError } from "../errors";
import { describeSchemaError } from "../../core/stack/schema-errors";

export const ENFORCEMENT_LEVELS = ["advisory", "mandatory", "remediate", "disabled"] as const;
export type EnforcementLevel = (typeof ENFORCEMENT_LEVELS)[number];

/** One policy's config, as the engine holds it: a level and/or properties. */
export interface PolicyConfig {
    readonly enforcementLevel?: EnforcementLevel;
    readonly properties?: Readonly<Record<string, unknown>>;
}

/** `{ "all": "mandatory", "<policy>": "advisory" | { enforcementLevel?, ...properties } }`. */
export type PolicyPackConfigInput = Readonly<Record<string, string | Readonly<Record<string, unknown>>>>;

export interface PolicyConfigSchema {
    readonly properties: Readonly<Record<string, unknown>>;
    readonly required?: readonly string[];
}

/** What the reconciliation needs to know about each policy (from GetAnalyzerInfo). */
export interface PolicyMetadata {
    readonly name: string;
    readonly enforcementLevel: EnforcementLevel;
    readonly configSchema?: PolicyConfigSchema;
}

export function isEnforcementLevel(value: unknown): value is EnforcementLevel {
    return typeof value === "string" && (ENFORCEMENT_LEVELS as readonly string[]).includes(value);
}

function levelOf(key: string, value: unknown, source: string): EnforcementLevel {
    if (!isEnforcementLevel(value)) {
        throw new CheckError(
            "config",
            `${source}: '${key}' has enforcement level ${JSON.stringify(value)}; allowed are ${ENFORCEMENT_LEVELS.join(", ")}`,
        );
    }
    return value;
}

/** Parses a policy pack config object the way `--policy-pack-config` files are parsed. */
export function parsePolicyConfig(input: unknown, source: string): Record<string, PolicyConfig> {
    if (typeof input !== "object" || input === null || Array.isArray(input)) {
        throw new CheckError(
            "config",
            `${source}: policy pack config must be a JSON object, got ${JSON.stringify(input)}`,
        );
    }
    const result: Record<string, PolicyConfig> = {};
    for (const [key, value] of Object.entries(input)) {
        if (typeof value === "string") {
            result[key] = { enforcementLevel: levelOf(key, value, source) };
        } else if (typeof value === "object" && value !== null && !Array.isArray(value)) {
            const { enforcementLevel, ...properties } = value as Record<string, unknown>;
            const entry: { enforcementLevel?: EnforcementLevel; properties?: Record<string, unknown> } = {};
            if (enforcementLevel !== undefined) {
                entry.enforcementLevel = levelOf(key, enforcementLevel, source);
            }
            if (Object.keys(properties).length > 0) {
                entry.properties = properties;
            }
            if (entry.enforcementLevel !== undefined || entry.properties !== undefined) {
                result[key] = entry;
            }
        } else {
            throw new CheckError(
                "config",
                `${source}: '${key}' is ${JSON.stringify(value)}; it must be an enforcement level or an object`,
            );
        }
    }
    return result;
}

export function readPolicyConfigFile(file: string): Record<string, PolicyConfig> {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (err) {
        throw new CheckError("config", `can't read policy config file '${file}': ${(err as Error).message}`);
    }
    if (text.trim() === "") {
        return {};
    }
    let parsed: unknown;
    try {
        parsed = JSON.parse(text);
    } catch (err) {
        throw new CheckError(
            "config",
            `policy config file '${file}' is not valid JSON: ${(err as Error).message}`,
        );
    }
    return parsePolicyConfig(parsed, file);
}

/** A key that names no policy would silently configure nothing: say so instead. */
export function unknownPolicyProblem(
    config: Readonly<Record<string, PolicyConfig>>,
    policies: readonly PolicyMetadata[],
    source: string,
): string | undefined {
    const known = new Set(policies.map((p) => p.name));
    const unknown = Object.keys(config).filter((key) => key !== "all" && !known.has(key));
    if (unknown.length === 0) {
        return undefined;
    }
    return (
        `${source} configures unknown ${unknown.length === 1 ? "policy" : "policies"} ` +
        `${unknown.map((u) => `'${u}'`).join(", ")}; the pack's policies are: ${[...known].sort().join(", ")}`
    );
}

function withDefaults(policies: readonly PolicyMetadata[]): Map<string, PolicyConfig> {
    const result = new Map<string, PolicyConfig>();
    for (const policy of policies) {
        let properties: Record<string, unknown> | undefined;
        for (const [key, schema] of Object.entries(policy.configSchema?.properties ?? {})) {
            if (typeof schema === "object" && schema !== null && "default" in schema) {
                properties = { ...properties, [key]: (schema as { default: unknown }).default };
            }
        }
        result.set(policy.name, { enforcementLevel: policy.enforcementLevel, properties });
    }
    return result;
}

/** `all` sets every policy's level first; then each entry's level and properties apply on top. */
function applyConfig(
    result: Map<string, PolicyConfig>,
    config: Readonly<Record<string, PolicyConfig>>,
): void {
    const all = config.all?.enforcementLevel;
    if (all !== undefined) {
        for (const [name, current] of result) {
            result.set(name, { enforcementLevel: all, properties: current.properties });
        }
    }
    for (const [name, given] of Object.entries(config)) {
        const current = result.get(name) ?? {};
        const properties =
            given.properties && Object.keys(given.properties).length > 0
                ? { ...current.properties, ...given.properties }
                : current.properties;
        result.set(name, {
            enforcementLevel: given.enforcementLevel ?? current.enforcementLevel,
            properties,
        });
    }
}

function describeAjvError(
    policy: string,
    error: ErrorObject,
    config: Readonly<Record<string, unknown>>,
): string {
    return `policy '${policy}': ${describeSchemaError(error, config)}`;
}

/** Validates each policy's properties against its config schema (as JSON Schema), listing every error. */
export function validatePolicyConfig(
    policies: readonly PolicyMetadata[],
    config: ReadonlyMap<string, PolicyConfig>,
): string[] {
    const ajv = new Ajv({ allErrors: true, strict: false, logger: false });
    const errors: string[] = [];
    for (const policy of policies) {
        if (!policy.configSchema) {
            continue;
        }
        const schema: Record<string, unknown> = { type: "object" };
        if (Object.keys(policy.configSchema.properties).length > 0) {
            schema.properties = policy.configSchema.properties;
        }
        if (policy.configSchema.required && policy.configSchema.required.length > 0) {
            schema.required = policy.configSchema.required;
        }
        const properties = config.get(policy.name)?.properties ?? {};
        let validate;
        try {
            validate = ajv.compile(schema);
        } catch (err) {
            errors.push(`policy '${policy.name}': its config schema is invalid: ${(err as Error).message}`);
            continue;
        }
        if (!validate(properties)) {
            for (const error of validate.errors ?? []) {
                errors.push(describeAjvError(policy.name, error, properties));
            }
        }
    }
    return errors;
}

/**
 * The engine's reconciliation: schema defaults, then the pack's initial config, then the user's config;
 * the result is validated against each policy's schema. Throws one "config" CheckError listing every
 * problem, unknown policy names in the user's config included.
 */
export function reconcilePolicyConfig(
    policies: readonly PolicyMetadata[],
    initialConfig: Readonly<Record<string, PolicyConfig>>,
    userConfig: Readonly<Record<string, PolicyConfig>>,
    userSource = "policy config",
): Map<string, PolicyConfig> {
    const result = withDefaults(policies);
    applyConfig(result, initialConfig);
    applyConfig(result, userConfig);
    const unknown = unknownPolicyProblem(userConfig, policies, userSource);
    const problems = [
        ...(unknown ? [unknown] : []),
        ...validatePolicyConfig(policies, result),
        ...identityProblems(result),
    ];
    if (problems.length > 0) {
        throw new CheckError("config", `invalid policy pack config:\n  ${problems.join("\n  ")}`);
    }
    return result;
}

/**
 * agentguard's agent identity must be one setting: the same check the pack applies at run time (it throws on
 * divergent agentNamespacePatterns), made here first so that `agentguard check` names it as a config error.
 * Disabled rules judge nothing, so their value does not count.
 */
function identityProblems(config: ReadonlyMap<string, PolicyConfig>): string[] {
    const patterns = new Map<string, readonly string[]>();
    for (const [name, entry] of config) {
        const value = entry.properties?.agentNamespacePatterns;
        if (entry.enforcementLevel === "disabled" || !Array.isArray(value)) continue;
        patterns.set(name, value as string[]);
    }
    const problem = agentIdentityDivergence(patterns);
    return problem === undefined ? [] : [problem];
}
