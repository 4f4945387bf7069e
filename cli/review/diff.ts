import type { CollectedResource } from "../blast-radius/collect";
import { isUnknown } from "../../core/unknowns";
import { looksSecret, REDACTED } from "../blast-radius/secrets";

export type ChangeKind = "create" | "delete" | "replace" | "update";

export interface PropertyChange {
    readonly path: string;
    /** Absent when the property is new; `[secret]` for secret values. */
    readonly before?: unknown;
    readonly after?: unknown;
}

export interface ResourceChange {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly kind: ChangeKind;
    readonly custom: boolean;
    readonly properties: readonly PropertyChange[];
    /** Why an update is a replacement (the property the approximation treats as replace-on-change). */
    readonly replaceReason?: string;
    /** Set when the change is only possible: values unknown during preview in both runs (see below). */
    readonly possible?: string;
}

/** Shown for a value unknown during preview. */
export const UNKNOWN_VALUE = "[unknown during preview]";

/**
 * Properties whose change makes the provider replace the resource, per type (`*` for all types of a
 * provider). An approximation of the providers' replace-on-change schema, documented in docs/review.md;
 * anything else counts as an in-place update.
 */
export const REPLACE_KEYS: Readonly<Record<string, readonly string[]>> = {
    "kubernetes:*": ["metadata.name", "metadata.namespace", "metadata.generateName"],
    "aws:*": ["name", "namePrefix"],
    "aws:iam/role:Role": ["path"],
    "aws:iam/policy:Policy": ["path"],
    "aws:iam/rolePolicy:RolePolicy": ["role"],
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": ["role", "policyArn"],
    "aws:iam/userPolicyAttachment:UserPolicyAttachment": ["user", "policyArn"],
    "aws:iam/accessKey:AccessKey": ["user", "pgpKey"],
    "aws:s3/bucket:Bucket": ["bucket", "bucketPrefix"],
    "aws:s3/bucketV2:BucketV2": ["bucket", "bucketPrefix"],
    "aws:kms/key:Key": ["customerMasterKeySpec", "keySpec", "multiRegion"],
    "aws:ec2/securityGroup:SecurityGroup": ["vpcId", "description"],
    "aws:cloudtrail/trail:Trail": ["name"],
    "aws:eks/podIdentityAssociation:PodIdentityAssociation": ["clusterName", "namespace", "serviceAccount"],
};

function replaceKeysOf(type: string): string[] {
    const provider = type.slice(0, type.indexOf(":"));
    return [...(REPLACE_KEYS[`${provider}:*`] ?? []), ...(REPLACE_KEYS[type] ?? [])];
}

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

/** Every leaf of a property tree by path (`a.b[0].c`); empty objects and arrays are leaves too. */
export function leaves(value: unknown, path = "", out = new Map<string, unknown>()): Map<string, unknown> {
    if (isObject(value) && Object.keys(value).length > 0) {
        for (const [k, v] of Object.entries(value)) leaves(v, path === "" ? k : `${path}.${k}`, out);
    } else if (Array.isArray(value) && value.length > 0) {
        value.forEach((v, i) => leaves(v, `${path}[${i}]`, out));
    } else if (value !== undefined) out.set(path, value);
    return out;
}

/**
 * Leaf-level differences between two property trees: a nested object added or removed shows as each of
 * its leaves, so a guarded key (`...securityContext.privileged`) is seen whatever level it was added at.
 */
export function diffValues(
    before: unknown,
    after: unknown,
    path = "",
): { path: string; before?: unknown; after?: unknown }[] {
    if (JSON.stringify(before) === JSON.stringify(after)) return [];
    const a = leaves(before, path);
    const b = leaves(after, path);
    const paths = [...new Set([...a.keys(), ...b.keys()])].sort();
    return paths
        .filter((p) => JSON.stringify(a.get(p)) !== JSON.stringify(b.get(p)))
        .map((p) => ({
            path: p,
            ...(a.has(p) && { before: a.get(p) }),
            ...(b.has(p) && { after: b.get(p) }),
        }));
}

function isSecretPath(path: string, secretPaths: readonly string[]): boolean {
    return (
        looksSecret(path) ||
        secretPaths.some(
            (s) =>
                s === "" ||
                path === s ||
                path.startsWith(`${s}.`) ||
                path.startsWith(`${s}[`) ||
                s.startsWith(`${path}.`) ||
                s.startsWith(`${path}[`),
        )
    );
}

function redact(
    change: { path: string; before?: unknown; after?: unknown },
    secretPaths: readonly string[],
): PropertyChange {
    if (!isSecretPath(change.path, secretPaths)) return change;
    return {
        path: change.path,
        ...(change.before !== undefined && { before: REDACTED }),
        ...(change.after !== undefined && { after: REDACTED }),
    };
}

/** All properties of a created or deleted resource, leaf by leaf, as changes from or to nothing. */
function wholeResource(r: CollectedResource, side: "before" | "after"): PropertyChange[] {
    const changes = side === "after" ? diffValues(undefined, r.inputs) : diffValues(r.inputs, undefined);
    return changes.map((c) => redact(c, r.secretPaths));
}

/** Resources created, deleted, replaced or updated between two runs, matched by URN (a rename is delete + create). */
export function diffResources(
    base: readonly CollectedResource[],
    head: readonly CollectedResource[],
): ResourceChange[] {
    const before = new Map(base.map((r) => [r.urn, r]));
    const after = new Map(head.map((r) => [r.urn, r]));
    const changes: ResourceChange[] = [];
    for (const r of head) {
        const old = before.get(r.urn);
        if (!old) {
            changes.push({
                urn: r.urn,
                type: r.type,
                name: r.name,
                kind: "create",
                custom: r.custom,
                properties: wholeResource(r, "after"),
            });
            continue;
        }
        const secrets = [...old.secretPaths, ...r.secretPaths];
        const properties = diffValues(old.inputs, r.inputs).map((c) => redact(c, secrets));
        if (properties.length === 0) continue;
        const replaceKey = replaceKeysOf(r.type).find((k) =>
            properties.some((p) => p.path === k || p.path.startsWith(`${k}.`) || p.path.startsWith(`${k}[`)),
        );
        changes.push({
            urn: r.urn,
            type: r.type,
            name: r.name,
            kind: replaceKey ? "replace" : "update",
            custom: r.custom,
            properties,
            ...(replaceKey && { replaceReason: `${replaceKey} changed` }),
        });
    }
    for (const r of base) {
        if (!after.has(r.urn)) {
            changes.push({
                urn: r.urn,
                type: r.type,
                name: r.name,
                kind: "delete",
                custom: r.custom,
                properties: wholeResource(r, "before"),
            });
        }
    }
    return changes;
}

/**
 * Fail closed on values unknown during preview: an unknown compares equal to an unknown, yet the value
 * behind it may have changed (an apply over changed config). A resource whose inputs hold unknowns, left
 * unchanged next to a changed sibling (same parent component) or after a changed dependency, is reported
 * as possibly updated on those unknown paths.
 */
export function possibleChanges(
    head: readonly CollectedResource[],
    changes: readonly ResourceChange[],
): ResourceChange[] {
    const changed = new Set(changes.map((c) => c.urn));
    const byUrn = new Map(head.map((r) => [r.urn, r]));
    const changedParents = new Set(
        changes.map((c) => byUrn.get(c.urn)?.parent).filter((p) => p !== undefined && p !== ""),
    );
    const out: ResourceChange[] = [];
    for (const r of head) {
        if (changed.has(r.urn)) continue;
        const unknownPaths = [...leaves(r.inputs)].filter(([, v]) => isUnknown(v)).map(([p]) => p);
        if (unknownPaths.length === 0) continue;
        const viaSibling = r.parent !== "" && changedParents.has(r.parent);
        const viaDependency = r.dependencies.find((d) => changed.has(d));
        if (!viaSibling && viaDependency === undefined) continue;
        out.push({
            urn: r.urn,
            type: r.type,
            name: r.name,
            kind: "update",
            custom: r.custom,
            properties: unknownPaths.map((path) => ({ path, before: UNKNOWN_VALUE, after: UNKNOWN_VALUE })),
            possible: viaSibling
                ? "its values unknown during preview may have changed with its changed siblings"
                : `its values unknown during preview may have changed with ${viaDependency}`,
        });
    }
    return out;
}
