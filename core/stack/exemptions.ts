/**
 * The one exemption matcher, for the pack's rules and the CLI's offline-coverage entry.
 *
 * An exemption `{ resource, code?, reason }` waives a finding when `resource` matches one of the finding's
 * names (the resource's name or its URN; callers may add others) and, when `code` is given, the finding's
 * code matches `code`. Both are globs (core/glob.ts `starGlobMatches`): `*` matches any run of characters,
 * everything else is literal, anchored, case-sensitive. An exemption with a code never waives a finding that
 * has none.
 */
import { starGlobMatches } from "../glob";

export interface Exemption {
    /** A resource name or URN; `*` matches any run of characters. */
    readonly resource: string;
    /** A finding code (`onward/*`): only findings with a matching code are waived. Absent: every finding. */
    readonly code?: string;
    /** Why the exemption is safe: at least 10 characters, so that it can be reviewed. */
    readonly reason: string;
}

export interface ExemptionTarget {
    /** The names the resource may be given by: its name, its URN, ... */
    readonly names: readonly string[];
    readonly code?: string;
}

export function exemptionFor<E extends Exemption>(
    exemptions: readonly E[],
    target: ExemptionTarget,
): E | undefined {
    return exemptions.find(
        (e) =>
            target.names.some((n) => starGlobMatches(e.resource, n)) &&
            (e.code === undefined || (target.code !== undefined && starGlobMatches(e.code, target.code))),
    );
}

/**
 * Why the exemptions' codes are wrong for a rule whose findings carry `codes`, or undefined: a code that
 * matches none of them waives nothing, so it is a mistake (a typo, or a code of another rule).
 */
export function exemptionCodeProblem(
    rule: string,
    exemptions: readonly Exemption[],
    codes: readonly string[],
): string | undefined {
    const problems = exemptions.flatMap((e, i) =>
        e.code === undefined || codes.some((c) => starGlobMatches(e.code as string, c))
            ? []
            : [`exemptions[${i}].code ${JSON.stringify(e.code)}`],
    );
    if (problems.length === 0) return undefined;
    const allowed =
        codes.length === 0
            ? "it reports no finding codes, so exempt by resource only (leave code out)"
            : `allowed are its codes ${codes.join(", ")} or globs over them (\`*\` matches any run, e.g. ${codes[0].split("/")[0]}/*)`;
    return `${rule}: ${problems.join(", ")} ${problems.length === 1 ? "matches" : "match"} no finding code of the rule; ${allowed}`;
}
