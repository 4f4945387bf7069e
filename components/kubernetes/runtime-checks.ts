/** Argument checks shared by AgentRuntime's modules. Every failure names the argument, the value and what is allowed. */

export class AgentRuntimeArgumentError extends Error {}

export function fail(component: string, arg: string, value: unknown, allowed: string): never {
    throw new AgentRuntimeArgumentError(
        `AgentRuntime "${component}": ${arg} = ${describe(value)} is not allowed; ${allowed}`,
    );
}

function describe(value: unknown): string {
    if (typeof value === "bigint") return `${value}`;
    if (value === undefined) return "undefined";
    try {
        return JSON.stringify(value) ?? String(value);
    } catch {
        return String(value);
    }
}

export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const QUALIFIED_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

export function isPlainObject(value: unknown): value is Record<string, unknown> {
    return value !== null && typeof value === "object" && !Array.isArray(value);
}

export function isLabelValue(value: unknown): value is string {
    return typeof value === "string" && value.length <= 63 && LABEL_VALUE.test(value);
}

/** A Kubernetes label or annotation key: `[prefix/]name`, prefix a DNS subdomain, name a qualified name. */
export function isQualifiedKey(key: string): boolean {
    const slash = key.lastIndexOf("/");
    const prefix = slash < 0 ? undefined : key.slice(0, slash);
    const name = slash < 0 ? key : key.slice(slash + 1);
    if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) return false;
    return name.length <= 63 && QUALIFIED_NAME.test(name);
}

export function requireInteger(
    component: string,
    arg: string,
    value: unknown,
    min: number,
    max: number,
): number {
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
        fail(component, arg, value, `expected an integer from ${min} to ${max}`);
    }
    return value;
}

export function requireBoolean(component: string, arg: string, value: unknown): boolean {
    if (typeof value !== "boolean") fail(component, arg, value, "expected true or false");
    return value;
}
