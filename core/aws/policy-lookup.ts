import type { ResourceNode } from "../stack/stack-model";
import { isUnknown } from "../unknowns";
import { readJsonDocument } from "./json-document";

export const POLICY_TYPE = "aws:iam/policy:Policy";

/** A permissions document that reaches a principal, with a human name for where it comes from. */
export interface RoleDocument {
    readonly source: string;
    readonly document: Record<string, unknown>;
    /** Leaves unknown during preview, read widened (an Allow's as everywhere, a Deny's as nothing). */
    readonly unknownLeaves?: readonly string[];
}

/** An AWS managed policy attached to a principal (its content comes from the IAM library's catalogue). */
export interface ManagedPolicyRef {
    readonly source: string;
    readonly arn: string;
}

/** What reaches one role or user. */
export interface RolePermissions {
    readonly documents: RoleDocument[];
    readonly managed: ManagedPolicyRef[];
    /** What reaches the principal but cannot be read: each says what was unknown. */
    readonly unresolved: string[];
}

/** Something that grants permissions to a principal that cannot be identified. */
export interface OrphanGrant {
    readonly node: ResourceNode;
    readonly permissions: RolePermissions;
    readonly why: string;
}

const AWS_MANAGED_ARN = /^arn:[^:]+:iam::aws:policy\//;

export function emptyPermissions(): RolePermissions {
    return { documents: [], managed: [], unresolved: [] };
}

export function mergePermissions(into: RolePermissions, from: RolePermissions): void {
    into.documents.push(...from.documents);
    into.managed.push(...from.managed);
    into.unresolved.push(...from.unresolved);
}

export function addDocument(into: RolePermissions, source: string, value: unknown): void {
    const parsed = readJsonDocument(value);
    if (parsed.kind === "known")
        into.documents.push({
            source,
            document: parsed.document,
            ...(parsed.unknownLeaves && { unknownLeaves: parsed.unknownLeaves }),
        });
    else if (parsed.kind === "unknown")
        into.unresolved.push(`the document of ${source} is unknown during preview`);
    else into.unresolved.push(`the document of ${source} is ${parsed.error}`);
}

/** Customer-managed Policy resources by property dependency, ARN or name; AWS managed ARNs kept aside. */
export class PolicyLookup {
    private readonly byArn = new Map<string, ResourceNode>();
    private readonly byName = new Map<string, ResourceNode>();

    constructor(policies: readonly ResourceNode[]) {
        for (const policy of policies) {
            const { arn, name } = policy.props;
            if (typeof arn === "string" && !isUnknown(arn)) this.byArn.set(arn, policy);
            if (typeof name === "string" && !isUnknown(name)) this.byName.set(name, policy);
        }
    }

    /**
     * What a policy ARN property (one ARN or a list) of `node` grants. An unknown ARN is taken to be a
     * linked Policy's arn only when that is the one explanation left: the property depends on nothing but
     * Policy resources, each unknown item has its own linked Policy not already named by a known item, and
     * that Policy's arn is itself unknown (a known arn would have reached us as a known value).
     * Residual risk: `policy.arn.apply(() => "<other ARN>")` looks exactly like `policy.arn` during a first
     * preview (same dependency, both unknown), so the linked Policy is judged in its place; once the Policy
     * exists its arn is known, the apply runs, and the real ARN is judged.
     */
    resolve(node: ResourceNode, key: string, source: string): RolePermissions {
        const out = emptyPermissions();
        const value = node.props[key];
        const deps = node.propertyDependencies[key] ?? [];
        const linked = deps.filter((n) => n.type === POLICY_TYPE);
        const others = deps.filter((n) => n.type !== POLICY_TYPE);
        const seen = new Set<ResourceNode>();
        const addPolicy = (policy: ResourceNode) => {
            if (seen.has(policy)) return;
            seen.add(policy);
            addDocument(out, `Policy ${policy.name} (via ${source})`, policy.props.policy);
        };
        const items = isUnknown(value) ? [value] : Array.isArray(value) ? value : [value];
        let unknownItems = 0;
        for (const item of items) {
            if (typeof item !== "string" || isUnknown(item)) {
                unknownItems++;
                continue;
            }
            if (AWS_MANAGED_ARN.test(item)) {
                out.managed.push({ source, arn: item });
                continue;
            }
            const policy = this.byReference(item);
            if (policy) addPolicy(policy);
            else {
                out.unresolved.push(
                    `${source} attaches customer-managed policy ${item}, which is not declared in this stack`,
                );
            }
        }
        const candidates = linked.filter((p) => !seen.has(p) && !isKnownString(p.props.arn));
        // The whole list unknown: it can only be explained when every dependency is a Policy.
        const needed = isUnknown(value) ? Math.min(1, unknownItems) : unknownItems;
        const explained = others.length === 0 && needed <= candidates.length;
        if (unknownItems > 0 && !explained) {
            const why =
                linked.length === 0
                    ? "not linked to a Policy in this stack"
                    : others.length > 0
                      ? `also computed from ${others.map((n) => n.name).join(", ")}, not only from a Policy's arn`
                      : "more than the linked Policy resources whose arn is unknown can explain";
            out.unresolved.push(
                `${source}: ${key} has a policy ARN that is unknown during preview and ${why}, so it may be any policy`,
            );
        }
        // Linked policies are judged in any case: the property may well be their arn.
        linked.forEach(addPolicy);
        return out;
    }

    private byReference(arn: string): ResourceNode | undefined {
        const direct = this.byArn.get(arn);
        if (direct) return direct;
        const name = /^arn:[^:]+:iam::[^:]*:policy\/(?:.*\/)?([^/]+)$/.exec(arn);
        return name ? this.byName.get(name[1]) : undefined;
    }
}

function isKnownString(value: unknown): boolean {
    return typeof value === "string" && value !== "" && !isUnknown(value);
}
