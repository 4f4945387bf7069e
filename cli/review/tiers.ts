import type { AgentReachChange } from "./blast-diff";
import type { ResourceChange } from "./diff";
import { globMatches, type TierConfig } from "./tier-config";

export type Tier = 1 | 2 | 3;

export interface TierVerdict {
    readonly tier: Tier;
    readonly reasons: readonly string[];
}

export interface ClassifiedChange extends ResourceChange {
    readonly tier: Tier;
    readonly reasons: readonly string[];
}

export interface Classification {
    readonly tier: Tier;
    readonly changes: readonly ClassifiedChange[];
    /** Tier 3 reasons that come from an agent's reach, whatever resource carried the change. */
    readonly reach: readonly (AgentReachChange & { readonly tier: Tier })[];
}

const STACK_TYPE = "pulumi:pulumi:Stack";

/** The tier of one resource change, by type and by the properties it touches. */
export function classifyChange(change: ResourceChange, config: TierConfig): TierVerdict {
    const reasons: string[] = [];
    const typeTier3 = config.tier3Types.find((g) => globMatches(g, change.type));
    if (typeTier3) reasons.push(`${change.kind} of ${change.type}, a Tier 3 type (${typeTier3})`);
    for (const p of change.properties) {
        const glob = config.tier3Properties.find((g) => globMatches(g, p.path));
        if (glob)
            reasons.push(
                `${p.path} ${change.kind === "create" ? "set" : change.kind === "delete" ? "removed" : "changed"} (matches ${glob})`,
            );
    }
    if (change.kind === "replace" || change.kind === "delete") {
        // A rename deletes and re-creates: what the old resource held is gone, which may be a control.
        if (reasons.length === 0 && !config.tier2Types.some((g) => globMatches(g, change.type)))
            reasons.push(`${change.kind} of ${change.type}, which is not a pre-approved shape`);
    }
    if (change.possible) reasons.unshift(`possibly changed: ${change.possible}`);
    if (reasons.length > (change.possible ? 1 : 0)) return { tier: 3, reasons: dedupe(reasons) };
    const shape = config.tier2Types.find((g) => globMatches(g, change.type));
    if (shape)
        return {
            tier: 2,
            reasons: [`${change.kind} of ${change.type} within the pre-approved shape ${shape}`],
        };
    if (!change.custom)
        return {
            tier: 2,
            reasons: [`${change.kind} of component ${change.type} (its children are judged on their own)`],
        };
    return {
        tier: 3,
        reasons: [`${change.type} is not a pre-approved shape (tier2Types), so its changes need sign-off`],
    };
}

function dedupe(values: readonly string[]): string[] {
    const out = [...new Set(values)];
    return out.length > 6 ? [...out.slice(0, 6), `and ${out.length - 6} more`] : out;
}

/**
 * Tier of the whole change set: Tier 1 when nothing changes, otherwise the highest tier of any resource
 * change or of any agent's reach (judged by effect: any reach change is Tier 3, whichever resource made it,
 * except a path of its closure that the head only removes).
 */
export function classify(
    changes: readonly ResourceChange[],
    reach: readonly AgentReachChange[],
    config: TierConfig,
): Classification {
    const classified = changes
        .filter((c) => c.type !== STACK_TYPE)
        .map((c) => ({ ...c, ...classifyChange(c, config) }));
    // A removed path alone lowers reach: reported, the tier left to the resource changes that removed it.
    const reachTiered = reach.map((r) => ({
        ...r,
        tier: (r.changes.length > 0 || r.addedPaths.length > 0 ? 3 : 1) as Tier,
    }));
    const tiers: Tier[] = [1, ...classified.map((c) => c.tier), ...reachTiered.map((r) => r.tier)];
    return { tier: Math.max(...tiers) as Tier, changes: classified, reach: reachTiered };
}
