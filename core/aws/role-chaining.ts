import { expandActionPattern, IamDocumentError, normalizePolicyDocument } from "../iam";
import type { ResourceNode } from "../stack/stack-model";
import { isUnknown } from "../unknowns";
import { iamGlobsIntersect } from "./iam-glob";
import { IamEntityLookup, ROLE_TYPE, USER_TYPE, type RoleLookup } from "./iam-entity-lookup";
import { readJsonDocument } from "./json-document";
import type { RolePermissions } from "./policy-lookup";
import { allowStatements } from "./trust-policy";

export interface FoundEntry {
    readonly node: ResourceNode;
    readonly agent: string[];
    readonly possible: string[];
    /** Set when something besides role chaining makes it an agent role (a tag, a trust, a binding). */
    direct?: boolean;
    /** The agent identities whose assumption made it one (role chaining). */
    chainedFrom?: ResourceNode[];
}
export type Found = Map<string, FoundEntry>;

/** An agent identity that is not a role (an agent user) but can assume roles. */
export interface ChainSource {
    readonly node: ResourceNode;
    readonly agent: readonly string[];
    readonly possible: readonly string[];
    readonly permissions: RolePermissions;
}

/** A role whose trust admits every principal of an account (or everyone): its ARN as a glob. */
interface OpenRole {
    readonly role: ResourceNode;
    readonly arn: string;
    /** False when the ARN had to be guessed (unknown name or principal): the chain is only possible. */
    readonly exact: boolean;
    readonly why: string;
}

/**
 * A role that trusts an agent identity can be assumed by it (role chaining), so it is an agent role too.
 * Edges come from AWS principals naming a role or user (by ARN), from the trust policy's dependencies on
 * Role and User resources (ARNs are unknown in preview), and from trusts of a whole account (`:root`, a
 * bare account id) or of `*`: any principal with an sts:AssumeRole allow on the role's ARN gets in, so an
 * agent whose policies allow that is chained. Trust conditions are not evaluated (fail closed). A
 * breadth-first walk keeps it linear in the edges.
 */
export function propagateThroughRoleChaining(
    roles: readonly ResourceNode[],
    lookup: RoleLookup,
    found: Found,
    users: readonly ChainSource[],
    permissionsOf: (role: ResourceNode) => RolePermissions,
): void {
    const userLookup = new IamEntityLookup(
        USER_TYPE,
        "user",
        users.map((u) => u.node),
    );
    const trustedBy = new Map<ResourceNode, ResourceNode[]>();
    const open: OpenRole[] = [];
    for (const role of roles) {
        const deps = role.propertyDependencies.assumeRolePolicy ?? [];
        const trusted = new Set(deps.filter((n) => n.type === ROLE_TYPE || n.type === USER_TYPE));
        const trust = readJsonDocument(role.props.assumeRolePolicy);
        let openWhy: { why: string; account?: string; exact: boolean } | undefined;
        if (trust.kind === "known") {
            for (const statement of allowStatements(trust.document)) {
                if (statement.notPrincipal)
                    openWhy ??= { why: "everyone but a few (NotPrincipal)", exact: true };
                for (const principal of statement.principals) {
                    if (principal.kind === "*" || (principal.kind === "AWS" && principal.value === "*")) {
                        openWhy ??= { why: "every principal (*)", exact: true };
                    }
                    if (
                        principal.kind === "unknown" ||
                        (principal.kind === "AWS" && principal.value === undefined)
                    ) {
                        openWhy ??= { why: "an AWS principal that is unknown during preview", exact: false };
                    }
                    if (principal.kind !== "AWS" || principal.value === undefined) continue;
                    const account = accountOf(principal.value);
                    if (account)
                        openWhy ??= { why: `every principal of account ${account}`, account, exact: true };
                    const target =
                        lookup.byReference(principal.value) ?? userLookup.byReference(principal.value);
                    if (target) trusted.add(target);
                }
            }
        }
        if (openWhy) open.push(openRole(role, openWhy));
        for (const target of trusted) {
            if (target === role) continue;
            const list = trustedBy.get(target);
            if (list) list.push(role);
            else trustedBy.set(target, [role]);
        }
    }

    const userEntries = new Map(users.map((u) => [u.node.urn, u]));
    const stateOf = (node: ResourceNode) => found.get(node.urn) ?? userEntries.get(node.urn);
    const mark = (
        chained: ResourceNode,
        certainty: "agent" | "possible",
        reason: string,
        source: ResourceNode,
    ): boolean => {
        let entry = found.get(chained.urn);
        const before = entry ? (entry.agent.length > 0 ? "agent" : "possible") : undefined;
        if (before === "agent" || (before === "possible" && certainty === "possible")) return false;
        if (!entry) found.set(chained.urn, (entry = { node: chained, agent: [], possible: [] }));
        (certainty === "agent" ? entry.agent : entry.possible).push(reason);
        (entry.chainedFrom ??= []).push(source);
        return true;
    };
    const queue = [...found.values(), ...users].map((entry) => entry.node);
    for (let i = 0; i < queue.length; i++) {
        const source = queue[i];
        const state = stateOf(source);
        if (!state) continue;
        const certainty = state.agent.length > 0 ? "agent" : "possible";
        const kind = source.type === USER_TYPE ? "user" : "role";
        const label = `${certainty === "agent" ? "agent" : "possible agent"} ${kind} ${source.name}`;
        for (const chained of trustedBy.get(source) ?? []) {
            if (mark(chained, certainty, `its trust policy admits ${label} (role chaining)`, source))
                queue.push(chained);
        }
        if (open.length === 0) continue;
        const own = userEntries.get(source.urn);
        const patterns = assumeRolePatterns(own ? own.permissions : permissionsOf(source));
        for (const target of open) {
            if (target.role === source) continue;
            const pattern = patterns.find((p) => iamGlobsIntersect(p, target.arn));
            if (pattern === undefined) continue;
            const reason = `its trust policy admits ${target.why}, and ${label} may assume it (sts:AssumeRole on "${pattern}")`;
            if (mark(target.role, target.exact ? certainty : "possible", reason, source))
                queue.push(target.role);
        }
    }
}

/** `arn:aws:iam::123456789012:root` or a bare account id: every principal of that account. */
function accountOf(principal: string): string | undefined {
    if (/^\d{12}$/.test(principal)) return principal;
    return /^arn:[^:]+:iam::(\d{12}):root$/.exec(principal)?.[1];
}

function openRole(role: ResourceNode, open: { why: string; account?: string; exact: boolean }): OpenRole {
    const { arn: knownArn, name, namePrefix, path } = role.props;
    if (typeof knownArn === "string" && knownArn !== "" && !isUnknown(knownArn)) {
        return { role, arn: knownArn, exact: open.exact, why: open.why };
    }
    const knownName = typeof name === "string" && name !== "" && !isUnknown(name);
    const prefix = typeof namePrefix === "string" && !isUnknown(namePrefix) ? namePrefix : "";
    // An autonamed or unknown name could be anything the agent may assume: match it with a glob.
    const roleName = knownName ? name : `${prefix}*`;
    const rolePath =
        path === undefined || path === null
            ? "/"
            : typeof path === "string" && !isUnknown(path)
              ? path
              : "/*";
    const arn = `arn:*:iam::${open.account ?? "*"}:role${rolePath}${roleName}`;
    return { role, arn, exact: open.exact && knownName, why: open.why };
}

/** Resource patterns on which the documents allow sts:AssumeRole (NotResource or no Resource: `*`). */
export function assumeRolePatterns(permissions: RolePermissions): string[] {
    const out: string[] = [];
    for (const doc of permissions.documents) {
        let statements;
        try {
            statements = normalizePolicyDocument(doc.document);
        } catch (err) {
            if (err instanceof IamDocumentError) continue; // reported by the grants rule
            throw err;
        }
        for (const statement of statements) {
            if (statement.effect !== "Allow") continue;
            const allows = statement.notActions
                ? !statement.notActions.flatMap(expandActionPattern).includes("sts:AssumeRole")
                : (statement.actions ?? []).some((a) => expandActionPattern(a).includes("sts:AssumeRole"));
            if (!allows) continue;
            if (statement.notResources !== undefined || statement.resources === undefined) out.push("*");
            else out.push(...statement.resources);
        }
    }
    return out;
}
