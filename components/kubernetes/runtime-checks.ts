/** Kubernetes metadata keys, as AgentRuntime's labels, annotations and proxy selector take them. */
import { isDnsSubdomain } from "../args";

const QUALIFIED_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** A Kubernetes label or annotation key: `[prefix/]name`, prefix a DNS subdomain, name a qualified name. */
export function isQualifiedKey(key: string): boolean {
    const slash = key.lastIndexOf("/");
    const prefix = slash < 0 ? undefined : key.slice(0, slash);
    const name = slash < 0 ? key : key.slice(slash + 1);
    if (prefix !== undefined && !isDnsSubdomain(prefix)) return false;
    return name.length <= 63 && QUALIFIED_NAME.test(name);
}
