/**
 * Host-name breadth, shared by AgentRuntime (which refuses to emit a wide allow) and the policy pack (which
 * judges hand-written Cilium `toFQDNs` and DNS rules). A name or pattern is narrow when everything it can match
 * belongs to one party: an exact name, or `*.<name>` where `<name>` is at least one label below a public suffix
 * and is not a domain whose sub-names any cloud customer can obtain.
 *
 * The public-suffix notion is deliberately hand-kept rather than the full Public Suffix List: one label (a TLD)
 * is always a suffix, `<common second level>.<two-letter ccTLD>` (co.uk, com.au, ne.jp, ...) is treated as one,
 * and SHARED_DOMAINS below lists the multi-tenant domains that matter for exfiltration, each with its reason.
 */

/** Domains under which any cloud customer can get a name (so a wildcard under them reaches attackers too). */
export const SHARED_DOMAINS: Readonly<Record<string, string>> = {
    "amazonaws.com": "every AWS customer's S3 buckets, API Gateways, ELBs and Lambda URLs live here",
    "aws.dev": "AWS-hosted customer endpoints",
    "cloudfront.net": "every CloudFront distribution, any AWS customer can create one",
    "googleapis.com": "every Google Cloud customer's storage buckets and APIs are reachable under it",
    "appspot.com": "every App Engine application",
    "run.app": "every Cloud Run service",
    "web.app": "every Firebase Hosting site",
    "firebaseapp.com": "every Firebase project",
    "azure.com": "Azure-hosted customer endpoints",
    "azurewebsites.net": "every Azure App Service site",
    "windows.net": "every Azure storage account (blob.core.windows.net, ...)",
    "cloudapp.net": "every Azure cloud service",
    "azureedge.net": "every Azure CDN endpoint",
    "githubusercontent.com": "any GitHub user's raw files and uploads",
    "github.io": "every GitHub Pages site",
    "herokuapp.com": "every Heroku application",
    "vercel.app": "every Vercel deployment",
    "netlify.app": "every Netlify site",
    "pages.dev": "every Cloudflare Pages site",
    "workers.dev": "every Cloudflare Worker",
    "trycloudflare.com": "anonymous Cloudflare tunnels: a ready-made reverse tunnel",
    "ngrok.io": "ngrok tunnels: a ready-made reverse tunnel",
    "ngrok-free.app": "ngrok tunnels: a ready-made reverse tunnel",
    "ngrok.app": "ngrok tunnels: a ready-made reverse tunnel",
};

const CC_SECOND_LEVEL = /^(ac|co|com|edu|gob|gov|go|ltd|mil|ne|net|nic|nom|or|org|plc|sch)\.[a-z]{2}$/;
const LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Whether `name` (lowercase, no trailing dot) is a public suffix in the sense above. */
export function isPublicSuffix(name: string): boolean {
    return !name.includes(".") || CC_SECOND_LEVEL.test(name);
}

/** The shared domain `name` is, or lies under, if any. */
export function sharedDomainOf(name: string): string | undefined {
    return Object.keys(SHARED_DOMAINS).find((d) => name === d || name.endsWith(`.${d}`));
}

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
        return `it matches names under the public suffix "${fixed}", which anyone can register`;
    const shared = sharedDomainOf(fixed);
    if (shared !== undefined)
        return `it matches names under ${shared}, where ${SHARED_DOMAINS[shared]}; list exact names instead`;
    if (labels.slice(0, lastWild + 1).some((l) => l.includes("**")))
        return `it uses the multi-level wildcard "**.", which matches names of any depth under ${fixed}; list the names, or use a single-level "*." pattern`;
    return undefined;
}
