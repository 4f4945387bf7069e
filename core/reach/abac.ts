import { AGENT_KEY } from "../metadata-keys";
import type { RequestingPrincipal } from "../iam/conditions";
import type { NormalizedStatement } from "../iam";
import { patternCovers } from "./actions";

/** Actions that write a tag onto an existing secret, parameter or key (and so could claim it). */
const TAG_WRITES = ["secretsmanager:TagResource", "ssm:AddTagsToResource", "kms:TagResource"];

/**
 * The agent ids a read grant is limited to by attribute-based access control: a Condition requiring the
 * resource's `agentguard.io/agent` tag (`aws:ResourceTag/...` or `<service>:ResourceTag/...`) to equal
 * listed ids or `${aws:PrincipalTag/agentguard.io/agent}` (the reader's own id). Undefined when the grant is
 * not so limited, or the limit cannot be read (IfExists, set operators, patterns, an unknown reader's tag).
 */
export function agentTagLimit(
    condition: Record<string, unknown> | undefined,
    reader: RequestingPrincipal,
): ReadonlySet<string> | undefined {
    if (condition === undefined) return undefined;
    let limit: Set<string> | undefined;
    for (const [operator, block] of Object.entries(condition)) {
        if (!/^StringEquals$/i.test(operator) || block === null || typeof block !== "object") continue;
        for (const [key, raw] of Object.entries(block as Record<string, unknown>)) {
            const match = /^[a-z0-9-]+:resourcetag\/(.+)$/i.exec(key);
            if (!match || match[1] !== AGENT_KEY) continue;
            const ids = new Set<string>();
            for (const value of Array.isArray(raw) ? raw : [raw]) {
                if (typeof value !== "string") return undefined;
                if (/^\$\{aws:PrincipalTag\/agentguard\.io\/agent\}$/i.test(value)) {
                    // The reader's tags unknown: the limit cannot be read. Untagged: the condition never holds.
                    if (reader.tags === undefined) return undefined;
                    for (const [tag, id] of Object.entries(reader.tags)) {
                        if (tag.trim().toLowerCase() === AGENT_KEY) ids.add(id);
                    }
                } else if (value.includes("${") || /[*?]/.test(value)) return undefined;
                else ids.add(value);
            }
            // Two keys (or operators) limiting the same tag: both must hold.
            limit = limit === undefined ? ids : new Set([...limit].filter((id) => ids.has(id)));
        }
    }
    return limit;
}

/** Whether the principal's own Allows may write tags onto secrets, parameters or keys (claiming them). */
export function mayWriteSecretTags(statements: readonly NormalizedStatement[]): boolean {
    return statements.some(
        (st) =>
            st.effect === "Allow" &&
            TAG_WRITES.some((action) =>
                st.notActions
                    ? !st.notActions.some((p) => patternCovers(p, action))
                    : (st.actions ?? []).some((p) => patternCovers(p, action)),
            ),
    );
}
