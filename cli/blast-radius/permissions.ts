import type { RolePermissions } from "../../core/aws/policy-lookup";
import {
    expandActionPattern,
    IamDocumentError,
    lookupAction,
    normalizePolicyDocument,
    type NormalizedStatement,
} from "../../core/iam";
import { DenyIndex, isAllActionsPattern } from "../../core/iam/deny-index";

/** What one principal may do in one service at one access level, on which resources. */
export interface ServiceAccess {
    readonly service: string;
    /** The catalogue's access level ("Read", "Write", "List", "Permissions management", "Tagging"...). */
    readonly accessLevel: string;
    readonly actions: readonly string[];
    /** Resource patterns as written (`NotResource [...]` when the grant excludes instead of naming). */
    readonly resources: readonly string[];
    /** True when some grant of these actions carries a Condition. */
    readonly conditional: boolean;
}

export interface EffectivePermissions {
    /** `*`, or a NotAction Allow: every action, including services the catalogue does not know yet. */
    readonly unbounded: readonly string[];
    readonly services: readonly ServiceAccess[];
    /** AWS managed policies attached: their content is not in the stack, listed by ARN. */
    readonly managedPolicies: readonly string[];
    /** Everything that reaches the principal but could not be read (unknown in preview, invalid...). */
    readonly unresolved: readonly string[];
    /** "none": no boundary; "applied": its allows and denies were applied; "unknown": set but unreadable. */
    readonly boundary: "none" | "applied" | "unknown";
    /** Actions allowed by the identity policies that the boundary or an explicit Deny removes. */
    readonly removedActions: number;
    /**
     * Parts of readable documents (identity policies and boundary) unknown until deploy, `source: path`:
     * an Allow's unknown resource is read as `*`, a Deny's as denying nothing for certain.
     */
    readonly unknownUntilDeploy: readonly string[];
}

interface Parsed {
    readonly statements: NormalizedStatement[];
    readonly errors: string[];
}

function parseAll(permissions: RolePermissions): Parsed {
    const statements: NormalizedStatement[] = [];
    const errors: string[] = [];
    for (const doc of permissions.documents) {
        try {
            statements.push(...normalizePolicyDocument(doc.document));
        } catch (err) {
            if (!(err instanceof IamDocumentError)) throw err;
            errors.push(`${doc.source}: ${err.message}`);
        }
    }
    return { statements, errors };
}

/** Whether the boundary's Allow statements admit an action (a boundary grants nothing it does not allow). */
class BoundaryAllows {
    private all = false;
    private readonly allowed = new Set<string>();
    private readonly allowedExcept: ReadonlySet<string>[] = [];

    constructor(statements: readonly NormalizedStatement[]) {
        for (const s of statements) {
            if (s.effect !== "Allow") continue;
            if (s.notActions) this.allowedExcept.push(new Set(s.notActions.flatMap(expandActionPattern)));
            for (const pattern of s.actions ?? []) {
                if (isAllActionsPattern(pattern)) this.all = true;
                else for (const a of expandActionPattern(pattern)) this.allowed.add(a);
            }
        }
    }

    has(action: string): boolean {
        return this.all || this.allowed.has(action) || this.allowedExcept.some((e) => !e.has(action));
    }
}

/**
 * The effective grant of one principal: Allows of its identity policies, minus certain explicit Denies
 * (the pack's DenyIndex, over identity policies and the boundary), intersected with the boundary's
 * Allows. Expansion uses the pack's action catalogue; grouping is by service and access level.
 */
export function effectivePermissions(
    identity: RolePermissions,
    boundary: RolePermissions | "none",
): EffectivePermissions {
    const own = parseAll(identity);
    const unresolved = [...identity.unresolved, ...own.errors];
    const denies = new DenyIndex();
    for (const s of own.statements) denies.add(s);
    let boundaryState: EffectivePermissions["boundary"] = "none";
    let admits: BoundaryAllows | undefined;
    if (boundary !== "none") {
        const parsed = parseAll(boundary);
        const readable =
            boundary.unresolved.length === 0 && parsed.errors.length === 0 && boundary.documents.length > 0;
        boundaryState = readable ? "applied" : "unknown";
        if (readable) {
            for (const s of parsed.statements) denies.add(s);
            admits = new BoundaryAllows(parsed.statements);
        } else {
            unresolved.push(
                ...boundary.unresolved.map((u) => `permissions boundary: ${u}`),
                ...parsed.errors.map((e) => `permissions boundary: ${e}`),
            );
        }
    }
    const groups = new Map<string, { actions: Set<string>; resources: Set<string>; conditional: boolean }>();
    const unbounded: string[] = [];
    let removed = 0;
    const allowed = (action: string): boolean => !denies.has(action) && (admits?.has(action) ?? true);
    for (const s of own.statements) {
        if (s.effect !== "Allow") continue;
        const resources = s.resources ?? [`NotResource ${JSON.stringify(s.notResources ?? [])}`];
        const conditional = s.condition !== undefined && Object.keys(s.condition).length > 0;
        const patterns: string[] = [];
        if (s.notActions) {
            // Everything but a list: the catalogue cannot bound it (new services); say so, never expand it.
            if (!denies.deniesEverything)
                unbounded.push(`NotAction ${JSON.stringify(s.notActions)} on ${resources.join(", ")}`);
            continue;
        }
        for (const pattern of s.actions ?? []) {
            if (isAllActionsPattern(pattern)) {
                if (!denies.deniesEverything && admits === undefined)
                    unbounded.push(`${pattern} on ${resources.join(", ")}`);
                else if (!denies.deniesEverything) patterns.push("*");
                continue;
            }
            patterns.push(pattern);
        }
        for (const pattern of patterns) {
            const actions = expandActionPattern(pattern);
            if (actions.length === 0 && pattern !== "*") {
                unresolved.push(
                    `Allow ${pattern}: no action in the catalogue matches it, so it cannot be judged`,
                );
            }
            for (const action of actions) {
                if (!allowed(action)) {
                    removed++;
                    continue;
                }
                const entry = lookupAction(action);
                const service = action.slice(0, action.indexOf(":"));
                const level = entry?.accessLevel ?? "Unknown";
                const key = `${service}\u0000${level}`;
                let g = groups.get(key);
                if (!g)
                    groups.set(key, (g = { actions: new Set(), resources: new Set(), conditional: false }));
                g.actions.add(action);
                resources.forEach((r) => g!.resources.add(r));
                g.conditional ||= conditional;
            }
        }
    }
    const services = [...groups]
        .map(([key, g]) => {
            const [service, accessLevel] = key.split("\u0000");
            return {
                service,
                accessLevel,
                actions: [...g.actions].sort(),
                resources: [...g.resources].sort(),
                conditional: g.conditional,
            };
        })
        .sort((a, b) => a.service.localeCompare(b.service) || a.accessLevel.localeCompare(b.accessLevel));
    return {
        unbounded,
        services,
        managedPolicies: identity.managed.map((m) => m.arn),
        unresolved,
        boundary: boundaryState,
        removedActions: removed,
        unknownUntilDeploy: [
            ...identity.documents,
            ...(boundary === "none" ? [] : boundary.documents),
        ].flatMap((d) => (d.unknownLeaves ?? []).map((leaf) => `${d.source}: ${leaf}`)),
    };
}
