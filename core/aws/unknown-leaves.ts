/**
 * A policy document declared as an object whose leaves are partly unknown during preview (an ARN computed
 * by AWS). Its effects and actions are known, so it can be read, widened the way that fails closed: an
 * Allow's unknown resource or condition grants everywhere, a Deny's denies nothing for certain. An unknown
 * anywhere else (Version, Statement, Effect, Action, NotAction, Principal, NotPrincipal, Sid) leaves the
 * whole document unknown, as before.
 */
import { containsUnknown, isUnknown } from "../unknowns";

/** What a Deny's unknown resource becomes: a resource no ARN matches, so the Deny removes nothing for certain. */
export const UNKNOWN_RESOURCE = "(unknown until deploy)";

export interface WidenedDocument {
    readonly document: Record<string, unknown>;
    /** Paths of the unknown leaves (`Statement[3].Resource`), for the reader to say what was widened. */
    readonly unknownLeaves: readonly string[];
}

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);
const WIDENABLE = new Set(["resource", "notresource", "condition"]);

export function widenUnknownLeaves(doc: Obj): WidenedDocument | undefined {
    const unknownLeaves: string[] = [];
    const root: Obj = {};
    for (const [key, value] of Object.entries(doc)) {
        if (key.toLowerCase() !== "statement") {
            if (containsUnknown(value)) return undefined;
            root[key] = value;
            continue;
        }
        if (isUnknown(value)) return undefined;
        const list = Array.isArray(value) ? value : [value];
        const statements: Obj[] = [];
        for (const [i, st] of list.entries()) {
            if (!isObject(st)) {
                if (containsUnknown(st)) return undefined;
                statements.push(st as Obj);
                continue;
            }
            const where = `${key}[${i}]`;
            const widened = widenStatement(st, where, unknownLeaves);
            if (!widened) return undefined;
            statements.push(widened);
        }
        root[key] = Array.isArray(value) ? statements : statements[0];
    }
    return { document: root, unknownLeaves };
}

function widenStatement(st: Obj, where: string, unknownLeaves: string[]): Obj | undefined {
    for (const [key, value] of Object.entries(st))
        if (!WIDENABLE.has(key.toLowerCase()) && containsUnknown(value)) return undefined;
    const effect = Object.entries(st).find(([k]) => k.toLowerCase() === "effect")?.[1];
    const out: Obj = {};
    let narrowDeny = false;
    for (const [key, value] of Object.entries(st)) {
        const lower = key.toLowerCase();
        if (!WIDENABLE.has(lower) || !containsUnknown(value)) {
            out[key] = value;
            continue;
        }
        unknownLeaves.push(`${where}.${key}`);
        if (effect === "Allow") {
            // Everywhere, unconditionally: the widest the unknown value could make it.
            if (lower === "condition") {
                const kept = knownConditions(value);
                if (kept !== undefined) out[key] = kept;
            } else out.Resource = "*";
        } else if (lower === "resource") {
            const items = isUnknown(value) ? [value] : Array.isArray(value) ? value : [value];
            out[key] = items.map((r) => (containsUnknown(r) ? UNKNOWN_RESOURCE : r));
        } else narrowDeny = true;
    }
    if (effect === "Allow" && "Resource" in out) delete out.NotResource;
    // A Deny whose NotResource or Condition is unknown may exclude anything: it denies nothing for certain.
    if (narrowDeny) {
        for (const k of Object.keys(out)) if (WIDENABLE.has(k.toLowerCase())) delete out[k];
        out.Resource = [UNKNOWN_RESOURCE];
    }
    return out;
}

/** The condition blocks and keys whose values are known; undefined when none is left. */
function knownConditions(value: unknown): Obj | undefined {
    if (!isObject(value)) return undefined;
    const out: Obj = {};
    for (const [operator, block] of Object.entries(value)) {
        if (!isObject(block)) continue;
        const keys = Object.entries(block).filter(([, v]) => !containsUnknown(v));
        if (keys.length > 0) out[operator] = Object.fromEntries(keys);
    }
    return Object.keys(out).length > 0 ? out : undefined;
}
