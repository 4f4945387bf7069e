/**
 * Cilium host-name allows: `toFQDNs` selectors that reach too many names, and DNS (`rules.dns`) allows that let
 * an agent resolve any name, which turns DNS into a tunnel out of the cluster.
 */
import { publicResolverOfName } from "../dns-resolvers";
import { hostDestinationProblem, patternBreadthProblem } from "../fqdn";
import type { ResourceNode } from "../stack/stack-model";
import { containsUnknown, isUnknown } from "../unknowns";

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * Why each `toFQDNs` selector of one egress rule is too wide or must never be allowed (Cilium normalises case
 * and trailing dots): a metadata name (Cilium then allows whatever address it resolves to, 169.254.169.254
 * included), an address literal, a wildcard-DNS name, or a public DoH/DoT resolver (lookups the DNS filter
 * never sees).
 */
export function fqdnBreadthFindings(
    selectors: readonly unknown[],
    at: string,
): { text: string; resolver: boolean }[] {
    return selectors.flatMap((selector, i) => {
        if (!isObject(selector)) return [];
        return (["matchName", "matchPattern"] as const).flatMap((field) => {
            const value = selector[field];
            if (typeof value !== "string") return [];
            const say = (problem: string, resolver: boolean) => [
                { text: `${at}.toFQDNs[${i}] ${field} "${value}": ${problem}`, resolver },
            ];
            const problem =
                (field === "matchPattern" ? patternBreadthProblem(value) : undefined) ??
                hostDestinationProblem(value);
            if (problem !== undefined) return say(problem, false);
            const resolver = resolverProblem(value);
            return resolver === undefined ? [] : say(resolver, true);
        });
    });
}

function resolverProblem(value: string): string | undefined {
    const resolver = publicResolverOfName(value);
    return resolver === undefined
        ? undefined
        : `it ${value.includes("*") ? "can match" : "is"} the public DNS resolver ${resolver}, which answers over HTTPS or TLS (DoH, DoT) where the DNS filter never sees the lookups, so the agent can resolve any name and tunnel data out`;
}

/** The egress rules of a Cilium policy's `spec` and `specs[]`, with their paths. */
function egressRules(policy: ResourceNode): [string, unknown][] {
    const { spec, specs } = policy.props;
    const specsOf: [string, unknown][] = [];
    if (isObject(spec)) specsOf.push(["spec", spec]);
    if (Array.isArray(specs)) specs.forEach((s, i) => specsOf.push([`specs[${i}]`, s]));
    return specsOf.flatMap(([at, s]) =>
        isObject(s) && Array.isArray(s.egress)
            ? s.egress.map((e, i): [string, unknown] => [`${at}.egress[${i}]`, e])
            : [],
    );
}

/** Whether a Cilium policy restricts names: any `toFQDNs` or a DNS rule naming specific names. */
export function restrictsNames(policy: ResourceNode): boolean {
    return egressRules(policy).some(([, rule]) => {
        if (!isObject(rule)) return false;
        if (Array.isArray(rule.toFQDNs) && rule.toFQDNs.length > 0) return true;
        return dnsSelectors(rule).some(
            ([, s]) =>
                isObject(s) &&
                (typeof s.matchName === "string" ||
                    (typeof s.matchPattern === "string" &&
                        patternBreadthProblem(s.matchPattern) === undefined)),
        );
    });
}

function dnsSelectors(rule: Obj): [string, unknown][] {
    if (!Array.isArray(rule.toPorts)) return [];
    return rule.toPorts.flatMap((port, j) => {
        const dns = isObject(port) && isObject(port.rules) ? port.rules.dns : undefined;
        return Array.isArray(dns)
            ? dns.map((s, k): [string, unknown] => [`toPorts[${j}].rules.dns[${k}]`, s])
            : [];
    });
}

/**
 * DNS allows that reach every name, or names anyone can register (`*`, `*.com`, `*.amazonaws.com`): each is a
 * tunnel, since the agent can encode data in lookups of a domain its accomplice runs. Unknown DNS rules are
 * reported as unknown (fail closed).
 */
export function openDnsFindings(policy: ResourceNode): { open: string[]; unknown: string[] } {
    const out = { open: [] as string[], unknown: [] as string[] };
    if (isUnknown(policy.props.spec) || isUnknown(policy.props.specs)) return { ...out, unknown: ["spec"] };
    for (const [at, rule] of egressRules(policy)) {
        if (!isObject(rule)) continue;
        if (containsUnknown(rule.toPorts)) {
            out.unknown.push(`${at}.toPorts`);
            continue;
        }
        for (const [path, selector] of dnsSelectors(rule)) {
            const pattern = isObject(selector) ? selector.matchPattern : undefined;
            if (typeof pattern !== "string") continue;
            const problem = patternBreadthProblem(pattern);
            if (problem !== undefined) {
                out.open.push(
                    `${at}.${path} lets the agent resolve names by matchPattern "${pattern}" (${problem}), so DNS lookups can tunnel data out while other rules restrict names`,
                );
            }
        }
    }
    return out;
}
