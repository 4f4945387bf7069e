import type { PolicyResource } from "@pulumi/policy";

// The sentinels live in core: the reach graph reads recorded properties too.
export { containsUnknown, isUnknown, UNKNOWN_SENTINELS } from "../../core/unknowns";

// @pulumi/policy wraps properties in a proxy that throws on unknown values, and its server turns that
// throw into an advisory "can't run during preview" diagnostic: a mandatory rule would silently pass.
// Rules therefore read the plain target and decide about unknowns themselves.
const PROXY_TARGET = "__getSpecialProxyTarget";

/** The plain properties behind @pulumi/policy's unknown-checking proxy (or the value itself). */
export function rawProps(props: PolicyResource["props"] | Record<string, unknown>): Record<string, unknown> {
    const target = (props as Record<string, unknown>)[PROXY_TARGET];
    return (target ?? props) as Record<string, unknown>;
}
