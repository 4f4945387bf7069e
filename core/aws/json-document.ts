import { describeValue } from "../shape";
import { findCaseVariantKeys, parseStrictJson } from "../strict-json";
import { containsUnknown } from "../unknowns";
import { widenUnknownLeaves } from "./unknown-leaves";

/** A JSON policy document as Pulumi hands it over: a JSON string, an object, or unknown in preview. */
export type JsonDocument =
    | {
          readonly kind: "known";
          readonly document: Record<string, unknown>;
          /** Leaves unknown during preview, read widened (see unknown-leaves.ts). */
          readonly unknownLeaves?: readonly string[];
      }
    | { readonly kind: "unknown" }
    | { readonly kind: "invalid"; readonly error: string };

export function readJsonDocument(value: unknown): JsonDocument {
    if (containsUnknown(value)) {
        const widened =
            value !== null && typeof value === "object" && !Array.isArray(value)
                ? widenUnknownLeaves(value as Record<string, unknown>)
                : undefined;
        return widened ? { kind: "known", ...widened } : { kind: "unknown" };
    }
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
