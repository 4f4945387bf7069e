/**
 * Whether two IAM-style patterns (`*` = any run, `?` = one character, everything else literal) can match
 * a common string. Walks the product of the two pattern automata: O(|a|·|b|) states, no backtracking.
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
        if (a[i] === "*") stack.push([i + 1, j]);
        if (b[j] === "*") stack.push([i, j + 1]);
        if (i === a.length || j === b.length) continue;
        if (!canShareCharacter(a[i], b[j])) continue;
        // Both consume one character; a star stays put to consume more.
        stack.push([a[i] === "*" ? i : i + 1, b[j] === "*" ? j : j + 1]);
    }
    return false;
}

function canShareCharacter(x: string, y: string): boolean {
    const wildX = x === "*" || x === "?";
    const wildY = y === "*" || y === "?";
    return wildX || wildY || x === y;
}

/** `*`/`?` glob match of a literal string (IAM StringLike semantics). */
export function iamGlobMatches(pattern: string, text: string): boolean {
    return iamGlobsIntersect(pattern, text.replace(/[*?]/g, "\u0000"));
}
