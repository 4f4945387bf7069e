import { findCaseVariantKeys, parseStrictJson } from "../strict-json";
import { IamDocumentError } from "./errors";
import type { SourcedDocument } from "./types";

export interface NormalizedStatement {
    readonly index: number;
    readonly sid?: string;
    readonly effect: "Allow" | "Deny";
    readonly actions?: readonly string[];
    readonly notActions?: readonly string[];
    readonly resources?: readonly string[];
    readonly notResources?: readonly string[];
    readonly principal?: unknown;
    readonly notPrincipal?: unknown;
    readonly condition?: Record<string, unknown>;
}

const DOCUMENT_KEYS = ["Version", "Id", "Statement"];
const STATEMENT_KEYS = [
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
];
const VERSIONS = ["2012-10-17", "2008-10-17"];

/**
 * Reads an IAM policy document: a JSON string or an object; Statement an object or an array; Action,
 * Resource (and their Not forms) a string or an array. Element names are case-sensitive in IAM, so a
 * hostile `"action"` key is rejected rather than ignored (ignoring it would hide a grant). Action names
 * are kept as written; matching them is case-insensitive. Throws IamDocumentError naming the problem.
 */
export function normalizePolicyDocument(doc: unknown): NormalizedStatement[] {
    const parsed = typeof doc === "string" ? parseJson(doc) : doc;
    const caseVariant = typeof doc === "string" ? undefined : findCaseVariantKeys(doc);
    if (caseVariant !== undefined) throw new IamDocumentError(`policy document is ${caseVariant}`);
    const root = asObject(parsed, "policy document");
    checkKeys(root, DOCUMENT_KEYS, "policy document");
    const version = root.Version;
    if (version !== undefined && !VERSIONS.includes(version as string)) {
        throw new IamDocumentError(
            `policy document Version ${JSON.stringify(version)} is not valid; allowed: ${VERSIONS.join(", ")}`,
        );
    }
    if (!("Statement" in root)) throw new IamDocumentError("policy document has no Statement element");
    const raw = root.Statement;
    const list = Array.isArray(raw) ? raw : [raw];
    return list.map((statement, index) => normalizeStatement(statement, index));
}

// Duplicate keys (also ones differing only in case) are refused: JSON.parse keeps the last, AWS may not.
function parseJson(text: string): unknown {
    const parsed = parseStrictJson(text, { caseInsensitive: true });
    if (!parsed.ok) throw new IamDocumentError(`policy document is ${parsed.error}`);
    return parsed.value;
}

function asObject(value: unknown, what: string): Record<string, unknown> {
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
        throw new IamDocumentError(`${what} must be a JSON object, got ${describe(value)}`);
    }
    return value as Record<string, unknown>;
}

function checkKeys(obj: Record<string, unknown>, allowed: readonly string[], where: string): void {
    for (const key of Object.keys(obj)) {
        if (allowed.includes(key)) continue;
        const meant = allowed.find((a) => a.toLowerCase() === key.toLowerCase());
        const hint = meant
            ? `element names are case-sensitive: write "${meant}"`
            : `allowed elements: ${allowed.join(", ")}`;
        throw new IamDocumentError(`${where} has unknown element "${key}"; ${hint}`);
    }
}

function normalizeStatement(value: unknown, index: number): NormalizedStatement {
    const where = `statement ${index}`;
    const st = asObject(value, where);
    checkKeys(st, STATEMENT_KEYS, where);
    const sid = st.Sid;
    if (sid !== undefined && typeof sid !== "string") {
        throw new IamDocumentError(`${where} Sid must be a string, got ${describe(sid)}`);
    }
    const label = sid === undefined ? where : `${where} (Sid "${sid}")`;
    const effect = st.Effect;
    if (effect !== "Allow" && effect !== "Deny") {
        throw new IamDocumentError(`${label} Effect is ${describe(effect)}; allowed: "Allow" or "Deny"`);
    }
    const actions = stringList(st, "Action", label);
    const notActions = stringList(st, "NotAction", label);
    if ((actions === undefined) === (notActions === undefined)) {
        throw new IamDocumentError(`${label} must have exactly one of Action or NotAction`);
    }
    for (const action of [...(actions ?? []), ...(notActions ?? [])]) checkActionSyntax(action, label);
    const resources = stringList(st, "Resource", label);
    const notResources = stringList(st, "NotResource", label);
    if (resources !== undefined && notResources !== undefined) {
        throw new IamDocumentError(`${label} must not have both Resource and NotResource`);
    }
    if (st.Principal !== undefined && st.NotPrincipal !== undefined) {
        throw new IamDocumentError(`${label} must not have both Principal and NotPrincipal`);
    }
    const condition = st.Condition === undefined ? undefined : asObject(st.Condition, `${label} Condition`);
    return {
        index,
        effect,
        ...(sid !== undefined && { sid }),
        ...(actions && { actions }),
        ...(notActions && { notActions }),
        ...(resources && { resources }),
        ...(notResources && { notResources }),
        ...(st.Principal !== undefined && { principal: st.Principal }),
        ...(st.NotPrincipal !== undefined && { notPrincipal: st.NotPrincipal }),
        ...(condition && { condition }),
    };
}

function stringList(st: Record<string, unknown>, key: string, label: string): string[] | undefined {
    if (!(key in st) || st[key] === undefined) return undefined;
    const value = st[key];
    const list = Array.isArray(value) ? value : [value];
    if (list.length === 0)
        throw new IamDocumentError(`${label} ${key} is an empty list; give at least one value`);
    for (const item of list) {
        if (typeof item !== "string" || item === "") {
            throw new IamDocumentError(
                `${label} ${key} contains ${describe(item)}; expected non-empty strings`,
            );
        }
    }
    return list as string[];
}

// IAM rejects actions without a service prefix ("vendor"), so such a document never deploys as written.
function checkActionSyntax(action: string, label: string): void {
    if (action === "*") return;
    if (!/^[A-Za-z0-9*?-]+:[A-Za-z0-9*?_-]+$/.test(action)) {
        throw new IamDocumentError(
            `${label} action "${action}" is malformed; expected "service:Action" (wildcards * and ? allowed) or "*"`,
        );
    }
}

function describe(value: unknown): string {
    if (value === undefined) return "missing";
    const text = JSON.stringify(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/**
 * The documents that read as IAM policies, and a sentence for each that does not: a role's grants are judged
 * over the readable ones together, and the unreadable ones are reported, never taken as granting nothing.
 */
export function readableDocuments<T extends SourcedDocument>(
    documents: readonly T[],
): { readable: T[]; unreadable: string[] } {
    const readable: T[] = [];
    const unreadable: string[] = [];
    for (const doc of documents) {
        try {
            normalizePolicyDocument(doc.document);
            readable.push(doc);
        } catch (err) {
            if (!(err instanceof IamDocumentError)) throw err;
            unreadable.push(`${doc.source} is not a valid IAM policy document (${err.message})`);
        }
    }
    return { readable, unreadable };
}
