/**
 * Escaping for every value a Markdown output takes from the judged program (names, URNs, messages, hosts):
 * the report and the review comment share it, so a hostile name can neither link, embed an image, inject
 * HTML, mention a user or team, nor break a table, in either.
 */

const ZWSP = "\u200b";

/** Control and escape characters (kept: nothing; a newline or tab becomes a space). */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

function oneLine(value: string): string {
    return value.replace(/\r\n|[\r\n\t\u2028\u2029]/g, " ").replace(CONTROL, "");
}

/**
 * Plain text in Markdown (a paragraph, a list item or a table cell): every character with a Markdown or
 * HTML meaning is backslash-escaped, and what GitHub turns into a link or a notification after parsing
 * (bare URLs, `www.`, `@login`, `@org/team`) is broken with a zero-width space.
 */
export function mdText(value: string): string {
    return oneLine(value)
        .replace(/[\\`*_{}[\]()#!|<>~&$]/g, (c) => `\\${c}`)
        .replace(/@(?=[A-Za-z0-9_-])/g, `@${ZWSP}`)
        .replace(/:\/\//g, `:${ZWSP}//`)
        .replace(/\b(www)\./gi, `$1${ZWSP}.`);
}

/**
 * A code span holding the value literally: the fence is one backtick longer than the longest run inside,
 * padded so a leading or trailing backtick stays content. `|` is escaped, as GFM tables split on it even
 * inside code spans (GitHub shows `\|` there as `|`).
 */
export function mdCode(value: string): string {
    const text = oneLine(value).replace(/\|/g, "\\|");
    const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
    const fence = "`".repeat(longest + 1);
    return `${fence} ${text} ${fence}`;
}
