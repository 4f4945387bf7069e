const compiled = new Map<string, RegExp>();

/**
 * An IAM wildcard (`*` any run, `?` one character) as an anchored, case-insensitive RegExp. Action names
 * are case-insensitive in IAM, so `Iam:Put?olePolicy` must match `iam:PutRolePolicy`.
 */
export function wildcardRegExp(pattern: string): RegExp {
    let re = compiled.get(pattern);
    if (re === undefined) {
        const body = pattern
            .split("")
            .map((ch) => (ch === "*" ? ".*" : ch === "?" ? "." : ch.replace(/[.+^${}()|[\]\\/-]/g, "\\$&")))
            .join("");
        re = new RegExp(`^${body}$`, "is");
        compiled.set(pattern, re);
    }
    return re;
}

export function hasWildcard(text: string): boolean {
    return text.includes("*") || text.includes("?");
}
