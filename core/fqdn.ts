/**
 * Host-name breadth, shared by AgentRuntime (which refuses to emit a wide allow) and the policy pack (which
 * judges hand-written Cilium `toFQDNs` and DNS rules, and Squid allowlists). A name or pattern is narrow when
 * everything it can match belongs to one party: an exact name, or `*.<name>` where `<name>` is at least one
 * label below a public suffix and is not a domain whose sub-names any cloud customer or tunnel user can obtain.
 *
 * Public suffixes come from the Public Suffix List (ICANN and private sections) as the tldts package ships it;
 * it is updated by updating that package (see docs/rules.md). A name with an unknown top-level domain counts
 * as a suffix (the list's default rule). SHARED_DOMAINS keeps only what the list does not say.
 */
import { getPublicSuffix, parse } from "tldts";
import { addressLiteralProblem } from "./host-literals";
import { reservedHostMatchedBy } from "./reserved-hosts";

/**
 * Domains the Public Suffix List does not mark, under which a one-label wildcard still reaches other parties.
 * Each was checked against the list tldts ships (none is a suffix there, and neither are their children).
 */
export const SHARED_DOMAINS: Readonly<Record<string, string>> = {
    // Cloud domains the list covers only deeper (s3.amazonaws.com, blob.core.windows.net, ...): one label
    // below them are shared endpoints serving every customer (s3.amazonaws.com takes any bucket by path).
    "amazonaws.com": "every AWS customer's S3 buckets, API Gateways, ELBs and Lambda URLs live here",
    "aws.dev": "AWS-hosted customer endpoints",
    "on.aws": "every Lambda function URL and other AWS customer endpoints",
    "azure.com": "Azure-hosted customer endpoints",
    "windows.net": "every Azure storage account (blob.core.windows.net, ...)",
    // Reverse-tunnel services missing from the list: any user gets a name, a ready-made way out.
    "loca.lt": "localtunnel's public tunnels: a ready-made reverse tunnel",
    "localtunnel.me": "localtunnel's public tunnels: a ready-made reverse tunnel",
    "serveo.net": "Serveo's SSH tunnels: a ready-made reverse tunnel",
    "serveousercontent.com": "Serveo's SSH tunnels: a ready-made reverse tunnel",
    "localhost.run": "localhost.run's SSH tunnels: a ready-made reverse tunnel",
    "lhr.life": "localhost.run's SSH tunnels: a ready-made reverse tunnel",
    "bore.pub": "bore's public tunnel server: a ready-made reverse tunnel",
    "pinggy.link": "Pinggy's tunnels: a ready-made reverse tunnel",
};

/**
 * Whether `name` (lowercase, no trailing dot) is a public suffix: a single label, or a suffix of the Public
 * Suffix List's ICANN or private section (co.uk, github.io, s3.amazonaws.com, ...).
 */
export function isPublicSuffix(name: string): boolean {
    if (!name.includes(".")) return true;
    return getPublicSuffix(name, { allowPrivateDomains: true, validateHostname: false }) === name;
}

/** Whether `name` is a suffix from the list's private section (github.io, trycloudflare.com, ...). */
function isPrivateSuffix(name: string): boolean {
    return parse(name, { allowPrivateDomains: true, validateHostname: false }).isPrivate === true;
}

/**
 * Whether a one-label wildcard under `name` reaches public suffixes: the list's wildcard rules
 * (`*.compute.amazonaws.com`, `*.run.app`) make every child of `name` a suffix of its own.
 */
function childrenArePublicSuffixes(name: string): boolean {
    return isPublicSuffix(`agentguard-probe.${name}`);
}

/** The shared domain `name` is, or lies under, if any. */
export function sharedDomainOf(name: string): string | undefined {
    return Object.keys(SHARED_DOMAINS).find((d) => name === d || name.endsWith(`.${d}`));
}

const LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * Strict syntax for names we emit: lowercase ASCII (IDNs in their `xn--` form), no trailing dot, labels of
 * 1-63 characters, at most 253 in all, at least two labels. `*.` may only stand alone as the first label.
 * Returns what is wrong, or undefined.
 */
export function hostSyntaxProblem(value: string): string | undefined {
    if (value.length === 0) return "it is empty";
    // eslint-disable-next-line no-control-regex
    if (/[^\x00-\x7f]/.test(value))
        return "it is not ASCII; write an internationalised name in its punycode (xn--) form";
    if (value !== value.toLowerCase())
        return "it has upper-case letters; write it in lower case (DNS names are case-insensitive, so one spelling is kept)";
    if (value.endsWith(".")) return "it ends with a dot; write the name without the trailing dot";
    if (value.length > 253) return "it is longer than 253 characters";
    const labels = value.split(".");
    if (labels.length < 2)
        return "it is a single label, which resolves through the cluster's search domains; write the full name";
    for (const [i, label] of labels.entries()) {
        if (label === "*" && i === 0) continue;
        if (label.includes("*")) {
            return label === "**"
                ? 'it uses the multi-level wildcard "**."; list the names, or use a single-level "*." pattern'
                : 'a wildcard may only be a whole first label ("*.example.com")';
        }
        if (label.length === 0) return "it has an empty label (two dots in a row, or a leading dot)";
        if (label.length > 63) return `its label "${label}" is longer than 63 characters`;
        if (!LABEL.test(label))
            return `its label "${label}" is not a DNS label (a-z, 0-9, '-', no '-' at either end)`;
    }
    return undefined;
}

/**
 * Breadth of a Cilium-style pattern (case and trailing dots normalised as Cilium does; `*` matches within a
 * label, `**.` any number of labels). Returns why it is too wide, or undefined when it is narrow.
 */
export function patternBreadthProblem(raw: string): string | undefined {
    const pattern = raw.toLowerCase().replace(/\.+$/, "");
    // eslint-disable-next-line no-control-regex
    if (/[^\x00-\x7f]/.test(pattern))
        return "it is not ASCII (Cilium accepts only ASCII names, so its meaning is unclear)";
    if (!pattern.includes("*")) return undefined;
    const labels = pattern.split(".");
    const lastWild = labels.reduce((at, label, i) => (label.includes("*") ? i : at), -1);
    const fixed = labels.slice(lastWild + 1).join(".");
    if (fixed === "" || labels.slice(lastWild + 1).some((l) => l === ""))
        return "it matches every domain name";
    if (isPublicSuffix(fixed))
        return isPrivateSuffix(fixed)
            ? `it matches names under the public suffix "${fixed}" (Public Suffix List, private section: a service that gives every customer a name there, tunnels and hosting included), which anyone can obtain`
            : `it matches names under the public suffix "${fixed}", which anyone can register`;
    if (childrenArePublicSuffixes(fixed))
        return `it matches names that are themselves public suffixes ("*.${fixed}" is a Public Suffix List rule), under which anyone can register`;
    const shared = sharedDomainOf(fixed);
    if (shared !== undefined)
        return `it matches names under ${shared}, where ${SHARED_DOMAINS[shared]}; list exact names instead`;
    if (labels.slice(0, lastWild + 1).some((l) => l.includes("**")))
        return `it uses the multi-level wildcard "**.", which matches names of any depth under ${fixed}; list the names, or use a single-level "*." pattern`;
    return undefined;
}

/**
 * Why a host name or pattern must never be allowed whatever its breadth: an IP address literal in any spelling
 * (core/host-literals.ts), or a name that is or can match a metadata, loopback, cluster-internal or wildcard-DNS
 * name (core/reserved-hosts.ts). Case and trailing dots are normalised first, as resolvers do.
 */
export function hostDestinationProblem(raw: string): string | undefined {
    const literal = addressLiteralProblem(raw);
    if (literal !== undefined) return literal;
    const reserved = reservedHostMatchedBy(raw);
    if (reserved === undefined) return undefined;
    const exact = reserved.name.includes("<any>") ? reserved.name.replace(/<any>/g, "*") : reserved.name;
    return `it ${raw.includes("*") ? "can match" : "is"} ${reserved.suffix ? `a name under ${exact}` : exact}: ${reserved.reason}`;
}
