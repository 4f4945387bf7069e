/**
 * Words for values of the wrong shape. A hostile program may give a list where an object belongs (or a
 * number where a string does); readers that skip such values silently would judge nothing, so every reader
 * says what it found instead, with these helpers, and the rule reports it as a violation.
 */

const MAX_SHOWN = 60;

/** The JSON kind of a value, as a message says it: "a list", "an object", "a string", "null". */
export function kindOfValue(value: unknown): string {
    if (value === null) return "null";
    if (Array.isArray(value)) return "a list";
    switch (typeof value) {
        case "object":
            return "an object";
        case "string":
            return "a string";
        case "number":
        case "bigint":
            return "a number";
        case "boolean":
            return "a boolean";
        case "undefined":
            return "missing";
        default:
            return `a ${typeof value}`;
    }
}

/** The value shortened for a message, with its kind: `{"cidr":"0.0.0.0/0"} (an object)`. */
export function describeValue(value: unknown): string {
    if (value === null || value === undefined) return kindOfValue(value);
    let text: string;
    try {
        text = JSON.stringify(value) ?? String(value);
    } catch {
        text = String(value);
    }
    if (text.length > MAX_SHOWN) text = `${text.slice(0, MAX_SHOWN - 3)}...`;
    return `${text} (${kindOfValue(value)})`;
}

/** `spec.egress is {"to":[]} (an object), not a list of egress rules`. */
export function shapeProblem(path: string, value: unknown, allowed: string): string {
    return `${path} is ${describeValue(value)}, not ${allowed}`;
}

export const isPlainObject = (v: unknown): v is Record<string, unknown> =>
    v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * A shape problem of a Kubernetes field: the API server rejects it, so it cannot deploy as written, but under
 * the offline checker or a preview what a provider would send instead is unknown: the pack judges it.
 */
export function rejectedShape(path: string, value: unknown, allowed: string): string {
    return `${shapeProblem(path, value, allowed)} (the API server rejects this shape; what a provider would send instead is unknown)`;
}
