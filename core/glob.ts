/**
 * A run of characters without `:`, for patterns that stand for ARNs whose partition, region, account or
 * generated name is not known: unlike `*`, it cannot swallow the ARN's separators, so `function:report-*`
 * cannot meet `function:auto-<segment>` through them. Never produced from policy text.
 */
export const SEGMENT_WILDCARD = "\u0002";

/**
 * Whether two IAM-style patterns (`*` = any run, `?` = one character, SEGMENT_WILDCARD = any run without
 * `:`, everything else literal) can match a common string. Walks the product of the two pattern automata:
 * O(|a|·|b|) states, no backtracking.
 */
export function iamGlobsIntersect(a: string, b: string): boolean {
    const seen = new Set<number>();
    const width = b.length + 1;
    const stack: [number, number][] = [[0, 0]];
    while (stack.length > 0) {
        const [i, j] = stack.pop() as [number, number];
        const key = i * width + j;
        if (seen.has(key)) continue;
        seen.add(key);
        if (i === a.length && j === b.length) return true;
        // A star may match the empty string.
        if (isRun(a[i])) stack.push([i + 1, j]);
        if (isRun(b[j])) stack.push([i, j + 1]);
        if (i === a.length || j === b.length) continue;
        if (!canShareCharacter(a[i], b[j])) continue;
        // Both consume one character; a star stays put to consume more.
        stack.push([isRun(a[i]) ? i : i + 1, isRun(b[j]) ? j : j + 1]);
    }
    return false;
}

function isRun(c: string | undefined): boolean {
    return c === "*" || c === SEGMENT_WILDCARD;
}

function canShareCharacter(x: string, y: string): boolean {
    // A segment run shares any character but the separator.
    if (x === SEGMENT_WILDCARD) return y !== ":";
    if (y === SEGMENT_WILDCARD) return x !== ":";
    const wildX = x === "*" || x === "?";
    const wildY = y === "*" || y === "?";
    return wildX || wildY || x === y;
}

/** `*`/`?` glob match of a literal string (IAM StringLike semantics). */
export function iamGlobMatches(pattern: string, text: string): boolean {
    return iamGlobsIntersect(pattern, text.replace(/[*?]/g, "\u0000"));
}

/**
 * The glob of names in config (exemption resources and codes, agent namespace patterns, RBAC resource
 * names): `*` matches any run of characters, `:` and `/` included, and may match none; every other
 * character is literal (`?`, `.`, `[` too); the whole string must match; case matters.
 */
export function starGlobToRegExp(pattern: string): RegExp {
    const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*");
    return new RegExp(`^${escaped}$`, "s");
}

/** Whether `text` matches `pattern` under starGlobToRegExp's semantics. */
export function starGlobMatches(pattern: string, text: string): boolean {
    return starGlobToRegExp(pattern).test(text);
}
