import { AGENT_KEY } from "../metadata-keys";
import type { RequestingPrincipal } from "../iam/conditions";
import { isUnknown } from "../unknowns";
import type { DecodedNode } from "./decode";
import { jsonAt, type ReachResource } from "./resource";
import { patternCovers } from "./actions";

const AWS_PROVIDER_TYPE = "pulumi:providers:aws";

/**
 * A resource's tags: its own `tags` over its aws provider's `defaultTags` (the provider applies both).
 * Undefined when either is unknown during preview. `tagsAll` is not read: it is computed, so unknown in a
 * preview, and it holds nothing the two others do not.
 */
export function tagsOf(resource: ReachResource): Record<string, string> | undefined {
    const out: Record<string, string> = {};
    // The pack's resources carry their provider (ResourceNode); other callers may not.
    const provider = (resource as { provider?: ReachResource }).provider;
    if (provider?.type === AWS_PROVIDER_TYPE) {
        const defaults = jsonAt(provider, "defaultTags");
        if (defaults.state === "unknown") return undefined;
        if (defaults.state === "known") {
            const tags = (defaults.value as { tags?: unknown } | null)?.tags;
            if (!addTags(out, tags)) return undefined;
        }
    }
    return addTags(out, resource.props.tags) ? out : undefined;
}

function addTags(out: Record<string, string>, tags: unknown): boolean {
    if (tags === undefined || tags === null) return true;
    if (isUnknown(tags) || typeof tags !== "object" || Array.isArray(tags)) return false;
    for (const [key, value] of Object.entries(tags as Record<string, unknown>)) {
        if (typeof value !== "string" || isUnknown(value)) return false;
        out[key] = value;
    }
    return true;
}

/**
 * The values of the agent tag (`agentguard.io/agent`, any case, as core/aws/tags.ts reads it) on a
 * resource: `[]` when untagged, undefined when its tags are unknown.
 */
export function agentIdsOf(resource: ReachResource): string[] | undefined {
    const tags = tagsOf(resource);
    if (tags === undefined) return undefined;
    return Object.entries(tags)
        .filter(([key]) => key.trim().toLowerCase() === AGENT_KEY)
        .map(([, value]) => value);
}

/**
 * What a stack role or user is known to be when it makes a request, for IAM condition evaluation. A role
 * whose trust lets a caller tag its session (sts:TagSession) may carry any principal tag: its tags are
 * then unknown.
 */
export function requestingPrincipal(decoded: DecodedNode): RequestingPrincipal {
    const type = decoded.resource.type === "aws:iam/user:User" ? "user" : "role";
    const arn = decoded.arn.state === "known" ? decoded.arn.value : undefined;
    const account = arn === undefined ? undefined : /^arn:[^:]*:iam::(\d{12}):/.exec(arn)?.[1];
    const rawPath = decoded.resource.props.path;
    const path =
        rawPath === undefined || rawPath === null || rawPath === ""
            ? "/"
            : typeof rawPath === "string" && !isUnknown(rawPath)
              ? rawPath
              : undefined;
    const tags = sessionTagsPossible(decoded) ? undefined : tagsOf(decoded.resource);
    return {
        type,
        ...(decoded.cloudName.state === "known" && { name: decoded.cloudName.value }),
        ...(arn !== undefined && { arn }),
        ...(account !== undefined && { account }),
        ...(path !== undefined && { path }),
        ...(tags !== undefined && { tags }),
    };
}

function sessionTagsPossible(decoded: DecodedNode): boolean {
    const trust = decoded.trust;
    if (trust === undefined) return false;
    if (trust.state !== "known") return trust.state === "unknown";
    const raw = (trust.value as { Statement?: unknown } | null)?.Statement;
    const statements = Array.isArray(raw) ? raw : [raw];
    return statements.some((s) => {
        if (s === null || typeof s !== "object") return false;
        const st = s as Record<string, unknown>;
        if (st.Effect !== "Allow") return false;
        if (st.NotAction !== undefined) return true;
        const actions = Array.isArray(st.Action) ? st.Action : [st.Action];
        return actions.some((a) => typeof a !== "string" || patternCovers(a, "sts:TagSession"));
    });
}
