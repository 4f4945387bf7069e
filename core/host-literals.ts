/**
 * IP address literals written where a host name is expected. A proxy or resolver that is handed one does not
 * look anything up: Squid matches `dstdomain 169.254.169.254` against a request to that address as written,
 * and getaddrinfo/inet_aton read `2852039166`, `0xa9fea9fe`, `0251.0376.0251.0376` and `169.254.43518` as that
 * same address. So every spelling is an address, never a name, and host allowlists must refuse it.
 *
 * The test is wider than what parses: a host whose last label is numeric (decimal, or `0x` hex) is an IPv4
 * literal to URL parsers (the WHATWG host parser's "ends in a number" rule) and no top-level domain is
 * numeric, so such a host is refused even when its parts are out of range.
 */
import * as ipaddr from "ipaddr.js";

export interface AddressLiteral {
    /** The address in its usual notation when it parses (IPv4 dotted quad, IPv6 RFC 5952), else undefined. */
    readonly address?: string;
    readonly family: 4 | 6;
    /** How it was written, for the message: "IPv6", "IPv4-mapped IPv6", "dotted decimal", "hexadecimal", ... */
    readonly spelling: string;
}

/** Lower case, without surrounding blanks, trailing dots or the brackets of a URL's IPv6 host. */
function normalise(raw: string): string {
    let host = raw.trim().toLowerCase().replace(/\.+$/, "");
    if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
    return host;
}

const NUMERIC_PART = /^(0x[0-9a-f]*|[0-9]+)$/;

/** One inet_aton part: `0x..` hex, a leading `0` octal, else decimal; undefined when not a number there. */
function partValue(part: string): { value: bigint; base: 8 | 10 | 16 } | undefined {
    if (part.startsWith("0x")) return { value: part === "0x" ? 0n : BigInt(part), base: 16 };
    if (part.length > 1 && part.startsWith("0")) {
        return /^[0-7]+$/.test(part) ? { value: BigInt(`0o${part.slice(1)}`), base: 8 } : undefined;
    }
    return { value: BigInt(part), base: 10 };
}

/** inet_aton's reading of 1-4 numeric parts: the last part fills the bytes the earlier ones leave. */
function inetAton(parts: readonly string[]): { address: string; bases: Set<number> } | undefined {
    if (parts.length > 4) return undefined;
    const values = parts.map(partValue);
    if (values.some((v) => v === undefined)) return undefined;
    const nums = values as { value: bigint; base: 8 | 10 | 16 }[];
    const lastBits = BigInt(8 * (5 - parts.length));
    let address = 0n;
    for (const [i, { value }] of nums.entries()) {
        const last = i === nums.length - 1;
        if (value >= (last ? 1n << lastBits : 256n)) return undefined;
        address = last ? (address << lastBits) | value : (address << 8n) | value;
    }
    const octets = [24n, 16n, 8n, 0n].map((shift) => String((address >> shift) & 0xffn));
    return { address: octets.join("."), bases: new Set(nums.map((n) => n.base)) };
}

/** The address a host string stands for, when it is an address literal in any spelling; else undefined. */
export function addressLiteralOf(raw: string): AddressLiteral | undefined {
    const host = normalise(raw);
    if (host.includes(":")) {
        const bare = host.replace(/%.*$/, ""); // a zone index (fe80::1%eth0) names an interface, not a host
        if (!ipaddr.IPv6.isValid(bare)) return { family: 6, spelling: "IPv6 (malformed)" };
        const v6 = ipaddr.IPv6.parse(bare);
        if (v6.isIPv4MappedAddress())
            return { family: 6, address: v6.toIPv4Address().toString(), spelling: "IPv4-mapped IPv6" };
        return { family: 6, address: v6.toRFC5952String(), spelling: "IPv6" };
    }
    const parts = host.split(".");
    if (!NUMERIC_PART.test(parts[parts.length - 1])) return undefined;
    if (!parts.every((p) => NUMERIC_PART.test(p))) {
        return { family: 4, spelling: "a name whose last label is a number, which parsers read as IPv4" };
    }
    const parsed = inetAton(parts);
    if (parsed === undefined) return { family: 4, spelling: "numeric, out of the IPv4 range" };
    const bases = [...parsed.bases];
    const spelling =
        parts.length === 4 && bases.every((b) => b === 10)
            ? "dotted decimal"
            : `${parts.length === 1 ? "a single number" : `${parts.length} parts`}${bases.some((b) => b !== 10) ? `, ${bases.map((b) => (b === 16 ? "hexadecimal" : b === 8 ? "octal" : "decimal")).join(" and ")}` : ""}`;
    return { family: 4, address: parsed.address, spelling };
}

/** What kind of address it is, in words, for the cases an egress allowlist must never reach. */
function addressRange(literal: AddressLiteral): string | undefined {
    if (literal.address === undefined) return undefined;
    const range = ipaddr.parse(literal.address).range();
    const words: Record<string, string> = {
        linkLocal:
            "link-local, where cloud metadata endpoints (169.254.169.254) and node-local services live",
        loopback: "loopback, the proxy's or node's own services",
        private: "private, inside the network",
        uniqueLocal: "unique-local, inside the network",
        unspecified: "the unspecified address, which reaches the host itself",
        carrierGradeNat: "shared address space (Alibaba Cloud's metadata endpoint is 100.100.100.200)",
    };
    return words[range];
}

/**
 * Why `raw` is not a host name but an address literal, or undefined when it is not one. Used by AgentRuntime
 * for `egressHosts` and by the policy pack for Squid `dstdomain` values and Cilium `matchName`s.
 */
export function addressLiteralProblem(raw: string): string | undefined {
    const literal = addressLiteralOf(raw);
    if (literal === undefined) return undefined;
    const what =
        literal.address === undefined
            ? `written as ${literal.spelling}`
            : `${literal.address}, written as ${literal.spelling}`;
    const range = addressRange(literal);
    return `it is an IP address literal (${what}${range === undefined ? "" : `; ${range}`}), not a host name: a proxy matches it as written and resolves nothing. Allow addresses in the CIDR egress list, where metadata and link-local ranges are judged`;
}
