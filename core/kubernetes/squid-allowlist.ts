/**
 * Judges a Squid configuration as an egress allowlist: every `http_access allow` line must be bounded by a
 * destination-name ACL (`dstdomain`, or a `dstdom_regex` of the two shapes AgentRuntime writes) whose names are
 * narrow by core/fqdn.ts, and requests no line matches must be denied. Anything the pack cannot read (included
 * files, ACL values from files, other regexes, address ACLs) is a problem: the allowlist is then unknowable.
 */
import { publicResolverOfName } from "../dns-resolvers";
import { hostDestinationProblem, patternBreadthProblem } from "../fqdn";

/**
 * Why a name or pattern must never be on an allowlist: an address literal (Squid matches it as written, so the
 * metadata endpoint is one line away), a metadata, loopback, cluster or wildcard-DNS name, or a public DoH/DoT
 * resolver, which resolves any name for the agent inside HTTPS.
 */
function destinationProblem(pattern: string): string | undefined {
    const problem = hostDestinationProblem(pattern);
    if (problem !== undefined) return problem;
    const resolver = publicResolverOfName(pattern);
    return resolver === undefined
        ? undefined
        : `it ${pattern.includes("*") ? "can match" : "is"} the public DNS resolver ${resolver}, which resolves any name over HTTPS or TLS (DoH, DoT), so the agent can tunnel data out through lookups`;
}

interface Acl {
    readonly type: string;
    readonly values: string[];
    /** A definition line without `-n`: Squid then matches IP-address requests by their reverse-DNS name. */
    lookups?: boolean;
}

/** ACLs Squid defines itself, and whether a line that requires them forwards anything beyond the proxy. */
const BUILTIN: Readonly<Record<string, Acl>> = {
    all: { type: "src", values: ["all"] },
    // The cache manager: requests to the proxy itself, never forwarded.
    manager: { type: "manager", values: [] },
    localhost: { type: "src", values: ["127.0.0.1/32", "::1"] },
    to_localhost: { type: "dst", values: ["127.0.0.0/8", "::1"] },
};

const NAME_TYPES = new Set(["dstdomain", "dstdom_regex"]);

/** The host-name pattern (Cilium syntax) a `dstdom_regex` value stands for, for the shapes we can read. */
function regexPattern(regex: string): string | undefined {
    const unescape = (s: string) =>
        /^([a-z0-9-]+\\\.)+[a-z0-9-]+$/i.test(s) ? s.replace(/\\\./g, ".") : undefined;
    const oneLabel = /^\^\[\^\.\]\+\\\.(.+)\$$/.exec(regex);
    if (oneLabel) {
        const domain = unescape(oneLabel[1]);
        return domain === undefined ? undefined : `*.${domain}`;
    }
    const exact = /^\^(.+)\$$/.exec(regex);
    return exact ? unescape(exact[1]) : undefined;
}

/** Why one destination-name value is too wide or unreadable, or undefined when narrow. */
function valueProblem(type: string, value: string): string | undefined {
    if (value.startsWith('"'))
        return `it reads its values from ${value}, a file the pack cannot see; list the names in the ConfigMap`;
    if (type === "dstdomain") {
        // A leading dot matches the domain and every name below it, at any depth.
        const pattern = value.startsWith(".") ? `**${value}` : value;
        return (
            destinationProblem(value.replace(/^\./, "")) ??
            patternBreadthProblem(pattern) ??
            destinationProblem(pattern)
        );
    }
    const pattern = regexPattern(value);
    if (pattern === undefined)
        return "it is a regular expression the pack cannot judge; use dstdomain names, or ^[^.]+\\.<domain>$ for one label under a domain";
    return patternBreadthProblem(pattern) ?? destinationProblem(pattern);
}

interface AccessLine {
    readonly line: number;
    readonly text: string;
    readonly allow: boolean;
    readonly acls: string[];
}

interface ParsedSquid {
    readonly acls: Map<string, Acl>;
    readonly access: AccessLine[];
    readonly problems: string[];
}

/**
 * Each `http_access allow` line with the listening ports it is bound to: the values of its `localport` acls
 * (the proxy port the client connected to), or undefined when it has none and so serves every port. A line
 * whose localport values cannot be read as port numbers is bound to nothing the pack can tell: undefined.
 */
export function squidAllowLines(
    config: string,
): { line: number; text: string; localports: number[] | undefined }[] {
    const { acls, access } = parseSquid(config);
    return access
        .filter((r) => r.allow)
        .map((r) => {
            const bound = r.acls
                .filter((a) => !a.startsWith("!"))
                .map((a) => acls.get(a))
                .filter((a): a is Acl => a !== undefined && a.type === "localport");
            if (bound.length === 0) return { line: r.line, text: r.text, localports: undefined };
            // ANDed acls: the line serves the ports every localport acl on it admits.
            const sets = bound.map((a) => a.values.map((v) => (/^\d+$/.test(v) ? Number(v) : NaN)));
            if (sets.some((set) => set.some(Number.isNaN)))
                return { line: r.line, text: r.text, localports: undefined };
            const ports = sets.reduce((x, y) => x.filter((p) => y.includes(p)));
            return { line: r.line, text: r.text, localports: [...new Set(ports)] };
        });
}

function parseSquid(config: string): ParsedSquid {
    const problems: string[] = [];
    const acls = new Map<string, Acl>();
    const access: AccessLine[] = [];
    const lines = config.replace(/\\\r?\n/g, " ").split(/\r?\n/);
    lines.forEach((raw, i) => {
        const text = raw.replace(/(^|\s)#.*$/, "").trim();
        if (text === "") return;
        const [directive, ...args] = text.split(/\s+/);
        const d = directive.toLowerCase();
        if (d === "include") {
            problems.push(`line ${i + 1} "${text}" includes a file the pack cannot read`);
        } else if (d === "acl" && args.length >= 2) {
            const [name, type, ...rest] = args;
            const values = rest.filter((v) => !/^[-+][a-z]$/i.test(v) && v !== "--");
            const acl = acls.get(name) ?? { type: type.toLowerCase(), values: [] };
            acl.values.push(...values);
            if (!rest.includes("-n")) acl.lookups = true;
            acls.set(name, acl);
        } else if (d === "http_access" && args.length >= 1) {
            const action = args[0].toLowerCase();
            if (action !== "allow" && action !== "deny") {
                problems.push(`line ${i + 1} "${text}" has an action other than allow or deny`);
                return;
            }
            access.push({ line: i + 1, text, allow: action === "allow", acls: args.slice(1) });
        }
    });
    return { acls, access, problems };
}

/** What is wrong with a Squid configuration as an allowlist: each problem says the line and why. */
export function squidAllowlistProblems(config: string): string[] {
    const { acls, access, problems } = parseSquid(config);
    for (const rule of access.filter((r) => r.allow)) {
        const positive = rule.acls.filter((a) => !a.startsWith("!"));
        const undefinedAcl = rule.acls
            .map((a) => a.replace(/^!/, ""))
            .find((a) => !acls.has(a) && !(a in BUILTIN));
        if (undefinedAcl !== undefined) {
            problems.push(
                `line ${rule.line} "${rule.text}" uses acl ${undefinedAcl}, which is not defined here`,
            );
            continue;
        }
        const resolved = positive.map((name) => ({ name, acl: acls.get(name) ?? BUILTIN[name] }));
        if (resolved.some((r) => r.acl.type === "manager")) continue;
        const named = resolved.filter((r) => NAME_TYPES.has(r.acl.type));
        if (named.length === 0) {
            problems.push(
                `line ${rule.line} "${rule.text}" allows requests to any destination: none of its acls limits the host name (dstdomain or dstdom_regex)`,
            );
            continue;
        }
        // The acls of one line are ANDed: one narrow name acl bounds the line.
        const judged = named.map((r) => ({
            name: r.name,
            issues: [
                ...(r.acl.lookups
                    ? [
                          `${r.acl.type} without -n: for a request to an IP address Squid matches the address's reverse-DNS name, which whoever owns the address chooses; write "acl ${r.name} ${r.acl.type} -n ..."`,
                      ]
                    : []),
                ...r.acl.values.flatMap((v) => {
                    const why = valueProblem(r.acl.type, v);
                    return why === undefined ? [] : [`${r.acl.type} "${v}": ${why}`];
                }),
            ],
            empty: r.acl.values.length === 0,
        }));
        if (judged.some((j) => j.issues.length === 0 && !j.empty)) continue;
        const issues = judged.flatMap((j) => j.issues.map((x) => `acl ${j.name} ${x}`));
        problems.push(
            `line ${rule.line} "${rule.text}" allows names that are too wide or unreadable (${issues.join("; ") || "its name acls list no names"})`,
        );
    }
    const last = access[access.length - 1];
    // Squid answers requests no line matches with the opposite of the last line.
    if (last !== undefined && !last.allow && !(last.acls.length === 1 && last.acls[0] === "all")) {
        problems.push(
            `its last http_access line "${last.text}" is a deny, so Squid allows every request no line matches; end with "http_access deny all"`,
        );
    }
    return problems;
}
