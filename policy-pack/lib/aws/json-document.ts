import { describeValue } from "../../../core/shape";
import { findCaseVariantKeys, parseStrictJson } from "../../../core/strict-json";
import { containsUnknown } from "../unknowns";

/** A JSON policy document as Pulumi hands it over: a JSON string, an object, or unknown in preview. */
export type JsonDocument =
    | { readonly kind: "known"; readonly document: Record<string, unknown> }
    | { readonly kind: "unknown" }
    | { readonly kind: "invalid"; readonly error: string };

export function readJsonDocument(value: unknown): JsonDocument {
    if (containsUnknown(value)) return { kind: "unknown" };
    let parsed: unknown = value;
    if (typeof value === "string") {
        // Duplicate keys are refused (also ones differing only in case, since `field` ignores case).
        const strict = parseStrictJson(value, { caseInsensitive: true });
        if (!strict.ok) return { kind: "invalid", error: strict.error };
        parsed = strict.value;
    } else {
        const caseVariant = findCaseVariantKeys(value);
        if (caseVariant !== undefined) return { kind: "invalid", error: caseVariant };
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
        return { kind: "invalid", error: `not a JSON object: it is ${describeValue(parsed)}` };
    }
    return { kind: "known", document: parsed as Record<string, unknown> };
}

/** `x`, `[x, y]` → array; IAM accepts a single value wherever it accepts a list. */
export function asList(value: unknown): unknown[] {
    if (value === undefined || value === null) return [];
    return Array.isArray(value) ? value : [value];
}

/** IAM element names (Statement, Principal, Condition, ...) looked up case-insensitively. */
export function field(obj: Record<string, unknown>, name: string): unknown {
    if (name in obj) return obj[name];
    const lower = name.toLowerCase();
    for (const [key, value] of Object.entries(obj)) if (key.toLowerCase() === lower) return value;
    return undefined;
}
