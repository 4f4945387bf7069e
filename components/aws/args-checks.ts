import * as pulumi from "@pulumi/pulumi";

/** Invalid arguments of an AWS agentguard component: names the argument, the value and what is allowed. */
export class AgentAwsArgumentError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "AgentAwsArgumentError";
    }
}

/** `AgentRole "x": statements[2] = ... is not allowed; <allowed>` */
export function fail(component: string, arg: string, value: unknown, allowed: string): never {
    throw new AgentAwsArgumentError(`${component}: ${arg} = ${describe(value)} is not allowed; ${allowed}`);
}

export function describe(value: unknown): string {
    if (value === undefined) return "undefined";
    try {
        const text = JSON.stringify(value) ?? String(value);
        return text.length > 200 ? `${text.slice(0, 197)}...` : text;
    } catch {
        return String(value);
    }
}

/** True when the value is known now; Outputs and Promises are checked when they resolve. */
export function isPlain(value: unknown): boolean {
    return !pulumi.Output.isInstance(value) && !(value instanceof Promise);
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_SAFE = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

export function checkAgentId(component: string, value: unknown): string {
    if (typeof value !== "string" || value.length > 57 || !DNS_LABEL.test(value)) {
        fail(component, "agentId", value, "expected a DNS label of at most 57 characters (a-z, 0-9, '-')");
    }
    return value;
}

export function checkOwner(component: string, value: unknown): string {
    if (typeof value !== "string" || value.length > 63 || !LABEL_SAFE.test(value)) {
        fail(
            component,
            "owner",
            value,
            "expected a team id of 1-63 characters: A-Z, a-z, 0-9, '-', '_', '.'",
        );
    }
    return value;
}

export type RiskTier = 1 | 2 | 3;

export function checkRiskTier(component: string, value: unknown): RiskTier {
    if (value === undefined) return 3;
    if (value !== 1 && value !== 2 && value !== 3) fail(component, "riskTier", value, "expected 1, 2 or 3");
    return value;
}

export function checkBoolean(component: string, arg: string, value: unknown, fallback: boolean): boolean {
    if (value === undefined) return fallback;
    if (typeof value !== "boolean") fail(component, arg, value, "expected true or false");
    return value;
}

export function checkInteger(
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

/** A Kubernetes namespace (DNS label) or service account (DNS subdomain) name, without wildcards. */
export function checkKubernetesName(
    component: string,
    arg: string,
    value: unknown,
    kind: "label" | "subdomain",
): string {
    const max = kind === "label" ? 63 : 253;
    const shape = kind === "label" ? DNS_LABEL : /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
    if (typeof value !== "string" || value.length > max || !shape.test(value)) {
        const what = kind === "label" ? "a DNS label" : "a DNS subdomain name";
        fail(component, arg, value, `expected ${what} of at most ${max} characters, no wildcards`);
    }
    return value;
}
