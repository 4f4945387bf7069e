/**
 * Runs policies the way @pulumi/policy's analyzer server does, without a process or gRPC: properties go
 * through the same unknown-checking proxy, an UnknownValueError becomes the server's advisory
 * "can't run during preview" diagnostic, config gets schema defaults first (as the engine reconciles it),
 * and stack resources are linked by URN (parent, dependencies, property dependencies).
 */
import type {
    EnforcementLevel,
    PolicyResource,
    ResourceValidationPolicy,
    StackValidationPolicy,
    Policies,
} from "@pulumi/policy";

import { resetAgentNamespacePatterns } from "../../core/stack/config";
import { deepFreeze } from "../../policy-pack/lib/shared-properties";

// The server's own proxy and error type; their typings are marked internal, so they are typed here.
interface PolicyProxyModule {
    unknownCheckingProxy<T extends object>(value: T): T;
    UnknownValueError: new (...args: never[]) => Error;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const proxy = require("@pulumi/policy/proxy") as PolicyProxyModule;

export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export interface FakeResource {
    readonly type: string;
    readonly name: string;
    readonly props: Record<string, unknown>;
    /** Defaults to a URN built from type and name. */
    readonly urn?: string;
    /** Names (or URNs) of other fake resources. */
    readonly parent?: string;
    readonly dependencies?: readonly string[];
    readonly propertyDependencies?: Readonly<Record<string, readonly string[]>>;
    readonly provider?: { type: string; name: string; props: Record<string, unknown> };
}

/** Resources a mocked program registered (test/helpers/pulumi-mocks), as the engine shows them to a pack. */
export function fromRegistered(
    registered: readonly {
        type: string;
        name: string;
        urn: string;
        inputs: Record<string, unknown>;
        parentUrn: string | undefined;
    }[],
): FakeResource[] {
    return registered.map((r) => ({
        type: r.type,
        name: r.name,
        urn: r.urn,
        props: r.inputs,
        ...(r.parentUrn === undefined ? {} : { parent: r.parentUrn }),
    }));
}

export interface HarnessViolation {
    readonly policy: string;
    readonly enforcementLevel: EnforcementLevel;
    readonly urn?: string;
    readonly message: string;
}

export function urnOf(type: string, name: string): string {
    return `urn:pulumi:test::test::${type}::${name}`;
}

type Config = Record<string, unknown>;

/** The options the engine sends for a resource declared with none. */
function resourceOptions() {
    return {
        protect: false,
        ignoreChanges: [],
        aliases: [],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: [],
    };
}

function policyConfig(
    policy: { configSchema?: { properties: Record<string, { default?: unknown }> } },
    config: Config,
) {
    const defaults: Config = {};
    for (const [key, schema] of Object.entries(policy.configSchema?.properties ?? {})) {
        if (schema.default !== undefined) defaults[key] = structuredClone(schema.default);
    }
    return { ...defaults, ...config };
}

function levelOf(
    policy: { enforcementLevel?: EnforcementLevel },
    override?: EnforcementLevel,
): EnforcementLevel {
    const level = override ?? policy.enforcementLevel ?? "advisory";
    return level === "remediate" ? "mandatory" : level;
}

class NotApplicable extends Error {}
const notApplicable = (reason?: string): never => {
    throw new NotApplicable(reason);
};

function collect(policyName: string, level: EnforcementLevel, description: string, out: HarnessViolation[]) {
    return (message: string, urn?: string) => {
        out.push({ policy: policyName, enforcementLevel: level, urn, message: `${description}\n${message}` });
    };
}

function onError(e: unknown, policyName: string, out: HarnessViolation[]): void {
    if (e instanceof proxy.UnknownValueError) {
        out.push({
            policy: policyName,
            enforcementLevel: "advisory",
            message: `can't run policy '${policyName}' during preview: ${(e as Error).message}`,
        });
        return;
    }
    if (e instanceof NotApplicable) return;
    throw e;
}

/**
 * Properties as the pack's shared deserialization hands them to every policy: frozen, so a rule that changes
 * them fails its tests. Within runPolicies each resource keeps one copy across policies, as in one request.
 */
const propsInRun = new WeakMap<FakeResource, Record<string, unknown>>();
function propsOf(r: FakeResource): Record<string, unknown> {
    return propsInRun.get(r) ?? deepFreeze(structuredClone(r.props));
}

function urnFor(r: FakeResource): string {
    return r.urn ?? urnOf(r.type, r.name);
}

function providerOf(r: FakeResource) {
    return r.provider
        ? {
              type: r.provider.type,
              name: r.provider.name,
              urn: urnOf(r.provider.type, r.provider.name),
              props: proxy.unknownCheckingProxy(r.provider.props),
          }
        : undefined;
}

/**
 * One pack process sees one configuration: a single-rule run starts afresh, while runPolicies keeps what its
 * rules recorded so that divergent agentNamespacePatterns fail as they do in the real pack.
 */
let inPackRun = false;
const startRun = () => {
    if (!inPackRun) resetAgentNamespacePatterns();
};

export interface RunOptions {
    /** Per-policy config, as after `Configure` (without schema defaults: those are added). */
    readonly config?: Config;
    readonly enforcementLevel?: EnforcementLevel;
}

export async function runResourcePolicy(
    policy: ResourceValidationPolicy,
    resource: FakeResource,
    options: RunOptions = {},
): Promise<HarnessViolation[]> {
    startRun();
    const out: HarnessViolation[] = [];
    const level = levelOf(policy, options.enforcementLevel);
    if (level === "disabled" || !policy.validateResource) return out;
    const validations = Array.isArray(policy.validateResource)
        ? policy.validateResource
        : [policy.validateResource];
    for (const validate of validations) {
        const props = proxy.unknownCheckingProxy(propsOf(resource));
        const args = {
            type: resource.type,
            props,
            urn: urnFor(resource),
            name: resource.name,
            opts: resourceOptions(),
            provider: providerOf(resource),
            stackTags: new Map<string, string>(),
            isType: () => false,
            asType: () => undefined,
            getConfig: <T extends object>() => policyConfig(policy, options.config ?? {}) as T,
            notApplicable,
        };
        try {
            await validate(args, collect(policy.name, level, policy.description, out));
        } catch (e) {
            onError(e, policy.name, out);
        }
    }
    return out;
}

/** Runs a remediation like the engine: returns the new properties, or undefined when nothing changed. */
export async function runRemediation(
    policy: ResourceValidationPolicy,
    resource: FakeResource,
    options: RunOptions = {},
): Promise<Record<string, unknown> | undefined> {
    if (!policy.remediateResource || levelOf(policy, options.enforcementLevel) === "disabled")
        return undefined;
    const result = await policy.remediateResource({
        type: resource.type,
        props: proxy.unknownCheckingProxy(structuredClone(resource.props)),
        urn: urnFor(resource),
        name: resource.name,
        opts: resourceOptions(),
        stackTags: new Map<string, string>(),
        isType: () => false,
        asType: () => undefined,
        getConfig: <T extends object>() => policyConfig(policy, options.config ?? {}) as T,
        notApplicable,
    });
    return result ?? undefined;
}

export function linkResources(resources: readonly FakeResource[]): PolicyResource[] {
    const byKey = new Map<string, PolicyResource>();
    const linked = resources.map((r) => {
        const props = proxy.unknownCheckingProxy(propsOf(r));
        const node: PolicyResource = {
            type: r.type,
            props,
            urn: urnFor(r),
            name: r.name,
            opts: resourceOptions(),
            provider: providerOf(r),
            dependencies: [],
            propertyDependencies: {},
            isType: () => false,
            asType: () => undefined,
        };
        byKey.set(r.name, node);
        byKey.set(node.urn, node);
        return node;
    });
    const lookup = (key: string): PolicyResource => {
        const found = byKey.get(key);
        if (!found) throw new Error(`fake resource refers to unknown resource ${JSON.stringify(key)}`);
        return found;
    };
    resources.forEach((r, i) => {
        const node = linked[i];
        if (r.parent) node.parent = lookup(r.parent);
        node.dependencies = (r.dependencies ?? []).map(lookup);
        for (const [key, deps] of Object.entries(r.propertyDependencies ?? {})) {
            node.propertyDependencies[key] = deps.map(lookup);
        }
    });
    return linked;
}

export async function runStackPolicy(
    policy: StackValidationPolicy,
    resources: readonly FakeResource[],
    options: RunOptions = {},
): Promise<HarnessViolation[]> {
    startRun();
    const out: HarnessViolation[] = [];
    const level = levelOf(policy, options.enforcementLevel);
    if (level === "disabled") return out;
    const args = {
        resources: linkResources(resources),
        stackTags: new Map<string, string>(),
        getConfig: <T extends object>() => policyConfig(policy, options.config ?? {}) as T,
        notApplicable,
    };
    try {
        await policy.validateStack(args, collect(policy.name, level, policy.description, out));
    } catch (e) {
        onError(e, policy.name, out);
    }
    return out;
}

function isStackPolicy(p: ResourceValidationPolicy | StackValidationPolicy): p is StackValidationPolicy {
    return "validateStack" in p;
}

/** Every policy of a pack over a stack: per-resource policies on each resource, then stack policies. */
export async function runPolicies(
    policies: Policies,
    resources: readonly FakeResource[],
    configByPolicy: Readonly<Record<string, Config>> = {},
): Promise<HarnessViolation[]> {
    const out: HarnessViolation[] = [];
    resetAgentNamespacePatterns();
    inPackRun = true;
    for (const r of resources) propsInRun.set(r, deepFreeze(structuredClone(r.props)));
    try {
        for (const policy of policies) {
            const options = { config: configByPolicy[policy.name] };
            if (isStackPolicy(policy)) out.push(...(await runStackPolicy(policy, resources, options)));
            else for (const r of resources) out.push(...(await runResourcePolicy(policy, r, options)));
        }
    } finally {
        inPackRun = false;
        for (const r of resources) propsInRun.delete(r);
    }
    return out;
}

/** A violation's own text: the harness prefixes the rule's description line; the `[code] ` prefix is split off. */
export function ownLine(violation: { message: string }): { code: string | undefined; text: string } {
    const line = violation.message.split("\n").slice(1).join("\n");
    const match = /^\[([a-z0-9-]+\/[a-z0-9-]+)\] /.exec(line);
    return match ? { code: match[1], text: line.slice(match[0].length) } : { code: undefined, text: line };
}

/** Each violation's own text, without its code (see ownLine). */
export function violationLines(violations: readonly { message: string }[]): string[] {
    return violations.map((v) => ownLine(v).text);
}
