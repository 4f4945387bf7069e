import { expandActionPattern } from "./catalog";
import type { NormalizedStatement } from "./document";

/**
 * The actions a set of Deny statements removes for certain. Only unconditional Denies on Resource "*"
 * count: a conditional or resource-scoped Deny leaves the grant standing somewhere, so trusting it
 * would hide a live permission (fail closed).
 */
export class DenyIndex {
    private everything = false;
    private readonly denied = new Set<string>();
    private readonly deniedExcept: ReadonlySet<string>[] = [];

    add(statement: NormalizedStatement): void {
        if (statement.effect !== "Deny" || !isCertain(statement)) return;
        if (statement.actions) {
            for (const pattern of statement.actions) {
                if (isAllActionsPattern(pattern)) this.everything = true;
                for (const action of expandActionPattern(pattern)) this.denied.add(action);
            }
        } else if (statement.notActions) {
            const except = new Set(statement.notActions.flatMap(expandActionPattern));
            this.deniedExcept.push(except);
        }
    }

    get deniesEverything(): boolean {
        return this.everything;
    }

    has(action: string): boolean {
        if (this.everything || this.denied.has(action)) return true;
        return this.deniedExcept.some((except) => !except.has(action));
    }
}

function isCertain(statement: NormalizedStatement): boolean {
    if (statement.condition !== undefined && Object.keys(statement.condition).length > 0) return false;
    return statement.notResources === undefined && (statement.resources?.includes("*") ?? false);
}

/** `*`, `*:*`, `**:*`...: every action of every service, including ones the catalogue does not know yet. */
export function isAllActionsPattern(pattern: string): boolean {
    return /^\*+(:\*+)?$/.test(pattern);
}
