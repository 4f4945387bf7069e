/**
 * Public DNS resolvers that answer over HTTPS (DoH, port 443) or TLS (DoT/DoQ, port 853). An agent that may
 * reach one resolves any name through it, inside encrypted traffic no DNS filter sees, so allowing one undoes a
 * Cilium `rules.dns` filter or a proxy-only namespace and reopens DNS tunnelling. The list is short on purpose:
 * the large public services, by the addresses and names their own setup pages give. A private resolver the
 * list does not name is not caught; docs/components.md says so.
 */
import { parseCidr, type ParsedCidr } from "./cidr";
import { IPV4_EMBEDDINGS } from "./ip-ranges";

export interface PublicResolver {
    readonly operator: string;
    /** Service addresses (IPv4 and IPv6). */
    readonly addresses: readonly string[];
    /** DoH/DoT host names; `suffix` entries also cover every name below (per-customer endpoints). */
    readonly names: readonly string[];
    readonly suffixes?: readonly string[];
}

export const PUBLIC_RESOLVERS: readonly PublicResolver[] = [
    {
        operator: "Google Public DNS",
        addresses: ["8.8.8.8", "8.8.4.4", "2001:4860:4860::8888", "2001:4860:4860::8844"],
        names: ["dns.google", "dns.google.com", "8888.google"],
        suffixes: ["dns.google"],
    },
    {
        operator: "Cloudflare 1.1.1.1",
        addresses: [
            "1.1.1.1",
            "1.0.0.1",
            "1.1.1.2",
            "1.0.0.2",
            "1.1.1.3",
            "1.0.0.3",
            "2606:4700:4700::1111",
            "2606:4700:4700::1001",
            "2606:4700:4700::1112",
            "2606:4700:4700::1002",
            "2606:4700:4700::1113",
            "2606:4700:4700::1003",
        ],
        names: ["one.one.one.one", "1dot1dot1dot1.cloudflare-dns.com"],
        // security., family., mozilla. and per-account <id>.cloudflare-gateway.com endpoints.
        suffixes: ["cloudflare-dns.com", "cloudflare-gateway.com"],
    },
    {
        operator: "Quad9",
        addresses: [
            "9.9.9.9",
            "149.112.112.112",
            "9.9.9.10",
            "149.112.112.10",
            "9.9.9.11",
            "149.112.112.11",
            "2620:fe::fe",
            "2620:fe::9",
            "2620:fe::10",
            "2620:fe::11",
        ],
        names: ["dns.quad9.net", "dns9.quad9.net", "dns10.quad9.net", "dns11.quad9.net"],
    },
    {
        operator: "Cisco OpenDNS",
        addresses: ["208.67.222.222", "208.67.220.220", "2620:119:35::35", "2620:119:53::53"],
        names: ["doh.opendns.com", "dns.opendns.com", "doh.familyshield.opendns.com"],
    },
    {
        operator: "AdGuard DNS",
        addresses: ["94.140.14.14", "94.140.15.15", "2a10:50c0::ad1:ff", "2a10:50c0::ad2:ff"],
        names: ["dns.adguard.com"],
        suffixes: ["adguard-dns.com"],
    },
    {
        operator: "NextDNS",
        addresses: ["45.90.28.0", "45.90.30.0"],
        names: ["dns.nextdns.io"],
        suffixes: ["dns.nextdns.io"],
    },
    {
        operator: "Control D",
        addresses: ["76.76.2.0", "76.76.10.0"],
        names: [],
        suffixes: ["controld.com"],
    },
    {
        operator: "CleanBrowsing",
        addresses: ["185.228.168.9", "185.228.169.9", "185.228.168.168", "185.228.169.168"],
        names: [],
        suffixes: ["doh.cleanbrowsing.org"],
    },
    { operator: "Mullvad DNS", addresses: ["194.242.2.2"], names: [], suffixes: ["dns.mullvad.net"] },
];

interface ResolverAddress {
    readonly operator: string;
    readonly address: string;
    readonly parsed: ParsedCidr;
}

const host = (address: string) => parseCidr(`${address}/${address.includes(":") ? 128 : 32}`);

/** Every address, IPv4 ones also as IPv6 blocks reach them (IPv4-mapped, NAT64). */
const ADDRESSES: readonly ResolverAddress[] = PUBLIC_RESOLVERS.flatMap((r) =>
    r.addresses.flatMap((address) => {
        const parsed = host(address);
        const embedded = address.includes(":")
            ? []
            : IPV4_EMBEDDINGS.map((e): ParsedCidr => {
                  const prefix = parseCidr(e.cidr).first;
                  return {
                      family: 6,
                      prefixLength: 128,
                      first: prefix + parsed.first,
                      last: prefix + parsed.first,
                  };
              });
        return [parsed, ...embedded].map((p) => ({ operator: r.operator, address, parsed: p }));
    }),
);

/** Cilium's reading of a pattern: `*` is any run of label characters, a leading `**.` any number of labels. */
function patternRegExp(pattern: string): RegExp {
    const deep = pattern.startsWith("**.");
    const body = (deep ? pattern.slice(3) : pattern)
        .replace(/[.+?^${}()|[\]\\]/g, "\\$&")
        .replace(/\*/g, "[-a-z0-9_]*");
    return new RegExp(`^${deep ? "(?:[-a-z0-9_]+\\.)+" : ""}${body}$`);
}

/**
 * The public resolver a host name or pattern (Cilium syntax, case and trailing dots normalised) is or can
 * match, if any: a listed name it matches, or a name at or below a listed suffix.
 */
export function publicResolverOfName(raw: string): string | undefined {
    const host = raw.trim().toLowerCase().replace(/\.+$/, "");
    const matches = patternRegExp(host);
    // Labels after the last wildcard: every name the pattern matches lies at or below them.
    const labels = host.split(".");
    const lastWild = labels.reduce((at, label, i) => (label.includes("*") ? i : at), -1);
    const fixed = labels.slice(lastWild + 1).join(".");
    for (const r of PUBLIC_RESOLVERS) {
        const name = r.names.find((n) => matches.test(n));
        if (name !== undefined) return `${r.operator} (${name})`;
        const suffix = (r.suffixes ?? []).find(
            (s) =>
                fixed === s ||
                fixed.endsWith(`.${s}`) ||
                matches.test(s) ||
                matches.test(`agentguard-probe.${s}`),
        );
        if (suffix !== undefined) return `${r.operator} (${suffix})`;
    }
    return undefined;
}

/**
 * The public resolver addresses an address range reaches, minus its excepts, each as "operator address".
 * `cidr` and `except` are CIDR strings (a bare address is a single host).
 */
export function publicResolversInRange(cidr: string, except: readonly string[] = []): string[] {
    let block: ParsedCidr;
    let holes: ParsedCidr[];
    try {
        block = parseCidr(cidr);
        // An except that does not parse carves nothing out (the CIDR checks report it).
        holes = except.flatMap((e) => {
            try {
                return [parseCidr(e)];
            } catch {
                return [];
            }
        });
    } catch {
        return []; // the CIDR checks report a block that does not parse
    }
    const within = (a: ParsedCidr, b: ParsedCidr) =>
        a.family === b.family && a.first >= b.first && a.last <= b.last;
    return ADDRESSES.filter((r) => within(r.parsed, block) && !holes.some((h) => within(r.parsed, h)))
        .map((r) => `${r.operator} ${r.address}`)
        .filter((v, i, all) => all.indexOf(v) === i);
}
