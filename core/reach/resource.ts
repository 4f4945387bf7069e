import { isUnknown } from "../unknowns";

/**
 * One recorded resource as the reach graph reads it. The pack's ResourceNode satisfies it structurally, and
 * so can any caller that recorded a program's resources (the CLI): core never imports the pack.
 */
export interface ReachResource {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly props: Record<string, unknown>;
    readonly parent?: ReachResource;
    readonly dependencies: readonly ReachResource[];
    /** Resources each input property was computed from: the join when ARNs and names are unknown. */
    readonly propertyDependencies: Readonly<Record<string, readonly ReachResource[]>>;
}

/** A property as the graph sees it: a value, a value unknown during preview (and why), or no value. */
export type Field<T> =
    | { readonly state: "known"; readonly value: T }
    | { readonly state: "unknown"; readonly why: string }
    | { readonly state: "absent" };

export const ABSENT: Field<never> = { state: "absent" };

export function known<T>(value: T): Field<T> {
    return { state: "known", value };
}

export function unknown(why: string): Field<never> {
    return { state: "unknown", why };
}

/** The raw value at a dotted path; a one-element list on the way is read through (Pulumi's nested blocks). */
export function rawAt(props: Record<string, unknown>, path: string): unknown {
    let value: unknown = props;
    for (const part of path.split(".")) {
        if (Array.isArray(value)) value = value[0];
        if (value === null || typeof value !== "object") return undefined;
        value = (value as Record<string, unknown>)[part];
    }
    return value;
}

/** A string property: known only when a non-empty string that is not an unknown sentinel. */
export function stringAt(resource: ReachResource, path: string): Field<string> {
    const value = rawAt(resource.props, path);
    if (value === undefined || value === null || value === "") return ABSENT;
    if (isUnknown(value) || typeof value !== "string") {
        return unknown(`${resource.name}'s ${path} is unknown during preview`);
    }
    return known(value);
}

/** A string or list of strings; any unknown item makes the whole field unknown. */
export function stringsAt(resource: ReachResource, path: string): Field<readonly string[]> {
    const value = rawAt(resource.props, path);
    if (value === undefined || value === null) return ABSENT;
    const list = Array.isArray(value) ? value : [value];
    if (isUnknown(value) || list.some((v) => typeof v !== "string" || isUnknown(v))) {
        return unknown(`${resource.name}'s ${path} is unknown during preview`);
    }
    return known(list as string[]);
}

/** A JSON document property (a JSON string or an object). */
export function jsonAt(resource: ReachResource, path: string): Field<unknown> {
    const value = rawAt(resource.props, path);
    if (value === undefined || value === null || value === "") return ABSENT;
    if (containsUnknownValue(value)) return unknown(`${resource.name}'s ${path} is unknown during preview`);
    if (typeof value !== "string") return known(value);
    try {
        return known(JSON.parse(value) as unknown);
    } catch {
        return unknown(`${resource.name}'s ${path} is not valid JSON`);
    }
}

function containsUnknownValue(value: unknown): boolean {
    if (isUnknown(value)) return true;
    if (Array.isArray(value)) return value.some(containsUnknownValue);
    if (value !== null && typeof value === "object") return Object.values(value).some(containsUnknownValue);
    return false;
}

/** Resources of the given types a top-level property was computed from. */
export function linked(resource: ReachResource, key: string, types: readonly string[]): ReachResource[] {
    return (resource.propertyDependencies[key] ?? []).filter((r) => types.includes(r.type));
}
