/**
 * JSON.parse that refuses duplicate keys. JSON.parse keeps the last of two equal keys; another reader (AWS's
 * policy engine, a provider) may keep the first or reject the text, so a document with `"Effect"` twice means
 * one thing to the pack and another to AWS. Every IAM document the pack reads goes through here.
 *
 * Hand-written rather than a dependency: JSON.parse checks the grammar first, so this scanner only has to
 * find where each object's keys start and end (strings, braces, brackets, commas) on text already known to be
 * valid JSON, which takes some fifty lines; the JSON AST libraries that could do it would add a dependency to
 * the pack's trusted code for a parse it already has.
 */

export type StrictJson =
    { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: string };

export interface StrictJsonOptions {
    /**
     * Also refuse keys that differ only in case (`"Effect"` and `"effect"`): IAM element names are looked up
     * case-insensitively by some readers, so such a pair is as ambiguous as an exact duplicate.
     */
    readonly caseInsensitive?: boolean;
}

interface Frame {
    readonly path: string;
    readonly object: boolean;
    /** Keys seen so far (folded when case-insensitive), each with the key as written. */
    readonly keys: Map<string, string>;
    expectKey: boolean;
    index: number;
    key?: string;
}

/**
 * Parses `text`, or says why not, in words that follow "is": "not valid JSON (...)", or "ambiguous: ..." for
 * the first duplicate key, with its path.
 */
export function parseStrictJson(text: string, options: StrictJsonOptions = {}): StrictJson {
    let value: unknown;
    try {
        value = JSON.parse(text);
    } catch (err) {
        return { ok: false, error: `not valid JSON (${err instanceof Error ? err.message : String(err)})` };
    }
    const duplicate = findDuplicateKey(text, options.caseInsensitive === true);
    return duplicate === undefined ? { ok: true, value } : { ok: false, error: duplicate };
}

/** The first duplicate key of valid JSON `text`, said with its path; undefined when there is none. */
function findDuplicateKey(text: string, caseInsensitive: boolean): string | undefined {
    const stack: Frame[] = [];
    const childPath = (): string => {
        const top = stack[stack.length - 1];
        if (top === undefined) return "";
        return top.object
            ? `${top.path}${top.path === "" ? "" : "."}${top.key ?? ""}`
            : `${top.path}[${top.index}]`;
    };
    // Jump from one structural character to the next: everything between them is numbers, literals, blanks.
    const structural = /[{}[\],"]/g;
    for (let match = structural.exec(text); match !== null; match = structural.exec(text)) {
        const i = match.index;
        const c = text[i];
        const top = stack[stack.length - 1];
        if (c === "{" || c === "[") {
            stack.push({
                path: childPath(),
                object: c === "{",
                keys: new Map(),
                expectKey: c === "{",
                index: 0,
            });
        } else if (c === "}" || c === "]") {
            stack.pop();
        } else if (c === ",") {
            if (top?.object) top.expectKey = true;
            else if (top) top.index++;
        } else if (c === '"') {
            const end = stringEnd(text, i);
            if (top?.object && top.expectKey) {
                const raw = text.slice(i + 1, end);
                const key = raw.includes("\\") ? (JSON.parse(`"${raw}"`) as string) : raw;
                const folded = caseInsensitive ? key.toLowerCase() : key;
                const seen = top.keys.get(folded);
                if (seen !== undefined) {
                    const where = top.path === "" ? "the top-level object" : top.path;
                    return seen === key
                        ? `ambiguous: ${where} has the key ${JSON.stringify(key)} twice; JSON readers disagree on which one counts, so give each key once`
                        : `ambiguous: ${where} has the keys ${JSON.stringify(seen)} and ${JSON.stringify(key)}, which differ only in case; readers disagree on which one counts, so give each key once`;
                }
                top.keys.set(folded, key);
                top.key = key;
                top.expectKey = false;
            }
            structural.lastIndex = end + 1;
        }
    }
    return undefined;
}

/** The index of the quote that closes the string opened at `start` (the text is valid JSON). */
function stringEnd(text: string, start: number): number {
    let quote = text.indexOf('"', start + 1);
    while (quote > 0) {
        // A quote closes the string unless an odd number of backslashes escapes it.
        let backslashes = 0;
        while (text[quote - 1 - backslashes] === "\\") backslashes++;
        if (backslashes % 2 === 0) return quote;
        quote = text.indexOf('"', quote + 1);
    }
    return text.length - 1;
}

/**
 * For a value that arrived as an object (no text to scan): the first pair of keys in one object that differ
 * only in case, said with its path; undefined when there is none.
 */
export function findCaseVariantKeys(value: unknown, path = ""): string | undefined {
    if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
            const found = findCaseVariantKeys(value[i], `${path}[${i}]`);
            if (found !== undefined) return found;
        }
        return undefined;
    }
    if (value === null || typeof value !== "object") return undefined;
    const seen = new Map<string, string>();
    for (const [key, child] of Object.entries(value)) {
        const other = seen.get(key.toLowerCase());
        if (other !== undefined) {
            return `ambiguous: ${path === "" ? "the top-level object" : path} has the keys ${JSON.stringify(other)} and ${JSON.stringify(key)}, which differ only in case; readers disagree on which one counts, so give each key once`;
        }
        seen.set(key.toLowerCase(), key);
        const found = findCaseVariantKeys(child, `${path}${path === "" ? "" : "."}${key}`);
        if (found !== undefined) return found;
    }
    return undefined;
}
