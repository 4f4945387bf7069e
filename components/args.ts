/**
 * Argument checks shared by every component. A failure is an AgentguardArgumentError (or the subclass of
 * its component) whose message names the component, the argument, the bad value and what is allowed:
 *
 *     AgentRuntime "coder": agentId = "Coder" is not allowed; expected a DNS label ...
 */
import * as pulumi from "@pulumi/pulumi";

/** What was wrong with an argument; every field is also in the message. */
export interface ArgumentProblem {
    /** The component, as `<Type> "<name>"` (or a function name such as `bindBaselineToNamespace`). */
    readonly component: string;
    /** The argument's path, e.g. `egress[0].cidr`. */
    readonly argument: string;
    /** The rejected value, as given. */
    readonly value: unknown;
    /** What is allowed instead, or why the value is refused. */
    readonly allowed: string;
}

/** Invalid arguments of an agentguard component. Catch this to catch every component's argument errors. */
export class AgentguardArgumentError extends Error implements ArgumentProblem {
    readonly component: string;
    readonly argument: string;
    readonly value: unknown;
    readonly allowed: string;

    /** `message` defaults to `<component>: <argument> = <value> is not allowed; <allowed>`. */
    constructor(problem: ArgumentProblem, message?: string) {
        super(
            message ??
                `${problem.component}: ${problem.argument} = ${describe(problem.value)} is not allowed; ${problem.allowed}`,
        );
        this.name = new.target.name;
        this.component = problem.component;
        this.argument = problem.argument;
        this.value = problem.value;
        this.allowed = problem.allowed;
    }
}

/** Invalid arguments of AgentRole, AgentAuditTrail or AgentContainment. */
export class AgentAwsArgumentError extends AgentguardArgumentError {}
/** Invalid arguments of AgentRuntime. */
export class AgentRuntimeArgumentError extends AgentguardArgumentError {}
/** Invalid arguments of AgentGuardrailsBaseline or bindBaselineToNamespace. */
export class BaselineArgumentError extends AgentguardArgumentError {}

export type ComponentType =
    "AgentRuntime" | "AgentRole" | "AgentAuditTrail" | "AgentContainment" | "AgentGuardrailsBaseline";

const ERROR_CLASSES: Readonly<Record<string, typeof AgentguardArgumentError>> = {
    AgentRuntime: AgentRuntimeArgumentError,
    AgentRole: AgentAwsArgumentError,
    AgentAuditTrail: AgentAwsArgumentError,
    AgentContainment: AgentAwsArgumentError,
    AgentGuardrailsBaseline: BaselineArgumentError,
    bindBaselineToNamespace: BaselineArgumentError,
};

/** How errors name a component: `AgentRuntime "coder"`. */
export function componentLabel(type: ComponentType, name: string): string {
    return `${type} "${name}"`;
}

/** The error of `component` (its subclass is chosen by the label's first word). */
export function argumentError(problem: ArgumentProblem, message?: string): AgentguardArgumentError {
    const ErrorClass = ERROR_CLASSES[problem.component.split(/[ :]/, 1)[0]] ?? AgentguardArgumentError;
    return new ErrorClass(problem, message);
}

/** Throws `<component>: <argument> = <value> is not allowed; <allowed>`. */
export function fail(component: string, argument: string, value: unknown, allowed: string): never {
    throw argumentError({ component, argument, value, allowed });
}

const MAX_RENDERED = 200;

/** The value as JSON where possible, cut to 200 characters: it ends up in logs and terminals. */
export function describe(value: unknown): string {
    let text: string;
    if (value === undefined) text = "undefined";
    else if (typeof value === "bigint") text = `${value}`;
    else {
        try {
            text = JSON.stringify(value) ?? String(value);
        } catch {
            // Circular (a resource, an Output): name its class rather than print [object Object].
            const kind = (value as { constructor?: { name?: string } }).constructor?.name;
            text = `a ${kind ?? "circular value"}`;
        }
    }
    return text.length > MAX_RENDERED ? `${text.slice(0, MAX_RENDERED - 3)}...` : text;
}

/** True when the value is known now; Outputs and Promises are checked when they resolve. */
export function isPlain(value: unknown): boolean {
    return !pulumi.Output.isInstance(value) && !(value instanceof Promise);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
    return value !== null && typeof value === "object" && !Array.isArray(value);
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

/** An RFC 1123 label (a Kubernetes namespace name): a-z, 0-9 and '-', alphanumeric at both ends, 1 to `maxLength` (at most 63) characters. */
export function isDnsLabel(value: unknown, maxLength = 63): value is string {
    return typeof value === "string" && value.length <= Math.min(maxLength, 63) && DNS_LABEL.test(value);
}

/** An RFC 1123 subdomain (most Kubernetes object names): dot-separated DNS labels, at most `maxLength` (253) characters. */
export function isDnsSubdomain(value: unknown, maxLength = 253): value is string {
    return (
        typeof value === "string" &&
        value.length <= Math.min(maxLength, 253) &&
        value.split(".").every((label) => isDnsLabel(label))
    );
}

/** A Kubernetes label value: empty, or 1-63 of A-Z, a-z, 0-9, '-', '_', '.', alphanumeric at both ends. */
export function isLabelValue(value: unknown): value is string {
    return typeof value === "string" && value.length <= 63 && LABEL_VALUE.test(value);
}

/** The agent's id, a DNS label; each component caps its length to fit the names it derives from it. */
export function checkAgentId(component: string, value: unknown, maxLength: number): string {
    if (!isDnsLabel(value, maxLength)) {
        fail(
            component,
            "agentId",
            value,
            `expected a DNS label (a-z, 0-9, '-', alphanumeric at both ends) of at most ${maxLength} characters`,
        );
    }
    return value;
}

/** The owning team's id, set as the `agentguard.io/owner` label or tag. */
export function checkOwner(component: string, value: unknown): string {
    if (!isLabelValue(value) || value === "") {
        fail(
            component,
            "owner",
            value,
            "expected a team id usable as a label value (1-63 of A-Z, a-z, 0-9, '-', '_', '.')",
        );
    }
    return value;
}

/** `agentguard.io/risk-tier`: 1 low, 2 medium, 3 high. */
export type RiskTier = 1 | 2 | 3;
/** An agent of unstated risk is treated as high risk, so controls that tighten with the tier apply in full. */
export const DEFAULT_RISK_TIER: RiskTier = 3;

export function checkRiskTier(component: string, value: unknown): RiskTier {
    if (value === undefined) return DEFAULT_RISK_TIER;
    if (value !== 1 && value !== 2 && value !== 3) {
        fail(component, "riskTier", value, "expected 1 (low), 2 (medium) or 3 (high)");
    }
    return value;
}

/** What identifies an agent on every platform: tags, labels and names derive from it. */
export interface AgentIdentity {
    readonly agentId: string;
    readonly owner: string;
    readonly riskTier: RiskTier;
}

/** The arguments every agent component takes: `args` itself, `agentId`, `owner` and `riskTier`. */
export function checkAgentIdentity(
    component: string,
    args: unknown,
    maxAgentIdLength: number,
): AgentIdentity {
    if (!isPlainObject(args))
        fail(component, "args", args, "expected an object with at least agentId and owner");
    return {
        agentId: checkAgentId(component, args.agentId, maxAgentIdLength),
        owner: checkOwner(component, args.owner),
        riskTier: checkRiskTier(component, args.riskTier),
    };
}

/** A boolean, or `fallback` when undefined and a fallback is given. */
export function checkBoolean(
    component: string,
    argument: string,
    value: unknown,
    fallback?: boolean,
): boolean {
    if (value === undefined && fallback !== undefined) return fallback;
    if (typeof value !== "boolean") fail(component, argument, value, "expected true or false");
    return value;
}

export function checkInteger(
    component: string,
    argument: string,
    value: unknown,
    min: number,
    max: number,
): number {
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
        fail(component, argument, value, `expected an integer from ${min} to ${max}`);
    }
    return value;
}
