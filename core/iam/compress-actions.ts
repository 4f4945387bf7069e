import { CatalogAction, allCatalogActions } from "./catalog";
import { wildcardRegExp } from "./wildcard";

/**
 * Rewrites a set of canonical actions as few IAM patterns as possible, where every pattern matches only
 * actions of the set (checked against the catalogue), so a policy built from it stays under IAM's size
 * limit without denying anything else. Candidates per service: `svc:*`, `svc:Verb*`, `svc:*Noun`,
 * `svc:Verb*Noun`, `svc:Verb*Word*`, `svc:*Word*` (words split at capitals); chosen greedily by coverage, exact names for the rest.
 */
export function compressActions(actions: ReadonlySet<string>): string[] {
    const byService = new Map<string, CatalogAction[]>();
    for (const action of allCatalogActions()) {
        const list = byService.get(action.service);
        if (list) list.push(action);
        else byService.set(action.service, [action]);
    }
    const out: string[] = [];
    for (const [service, all] of byService) {
        const wanted = all.filter((a) => actions.has(`${service}:${a.name}`));
        if (wanted.length === 0) continue;
        if (wanted.length === all.length) {
            out.push(`${service}:*`);
            continue;
        }
        out.push(...compressService(service, all, wanted));
    }
    return out.sort();
}

function compressService(
    service: string,
    all: readonly CatalogAction[],
    wanted: readonly CatalogAction[],
): string[] {
    const wantedNames = new Set(wanted.map((a) => a.name));
    const safe = (pattern: string): string[] | undefined => {
        const re = wildcardRegExp(pattern);
        const hits = all.filter((a) => re.test(a.name));
        return hits.every((a) => wantedNames.has(a.name)) ? hits.map((a) => a.name) : undefined;
    };
    const candidates = new Map<string, string[]>();
    for (const { name } of wanted) {
        const words = name.match(/[A-Z][a-z0-9]*|[a-z0-9]+|[-_]/g) ?? [name];
        const first = words[0];
        const last = words[words.length - 1];
        const inner = words.slice(1).flatMap((w) => [`${first}*${w}*`, `*${w}*`]);
        for (const pattern of [`${first}*`, `*${last}`, `${first}*${last}`, ...inner]) {
            if (pattern.length >= name.length + 1 || candidates.has(pattern)) continue;
            const hits = safe(pattern);
            if (hits && hits.length > 1) candidates.set(pattern, hits);
        }
    }
    const uncovered = new Set(wantedNames);
    const chosen: string[] = [];
    while (uncovered.size > 0) {
        let best: [string, number] | undefined;
        for (const [pattern, hits] of candidates) {
            const gain = hits.filter((h) => uncovered.has(h)).length;
            if (gain > 1 && (!best || gain > best[1])) best = [pattern, gain];
        }
        if (!best) break;
        chosen.push(`${service}:${best[0]}`);
        for (const hit of candidates.get(best[0]) ?? []) uncovered.delete(hit);
        candidates.delete(best[0]);
    }
    return [...chosen, ...[...uncovered].map((name) => `${service}:${name}`)];
}
