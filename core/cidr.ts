import * as ipaddr from "ipaddr.js";
import * as intervals from "./ip-intervals";
import type { IntervalSet } from "./ip-intervals";
import {
    IPV4_EMBEDDINGS,
    LINK_LOCAL,
    METADATA_ENDPOINTS,
    NON_PUBLIC_IPV4,
    NON_PUBLIC_IPV6,
} from "./ip-ranges";

/** A Kubernetes NetworkPolicy `ipBlock` (also used for security group rules: a CIDR with no carve-outs). */
export interface IpBlock {
    readonly cidr: string;
    readonly except?: readonly string[];
}

/** What a set of egress destinations reaches. */
export interface EgressAnalysis {
    /**
     * Public IPv4 addresses reachable: the union of the blocks minus their own `except`s, minus the non-public
     * ranges of `NON_PUBLIC_IPV4`. IPv4-mapped (`::ffff:0:0/96`) and NAT64 (`64:ff9b::/96`) blocks count here.
     */
    publicIpv4Addresses: bigint;
    /** Public IPv6 addresses reachable, excluding `NON_PUBLIC_IPV6` and the IPv4 embeddings counted above. */
    publicIpv6Addresses: bigint;
    /**
     * The union reaches every public IPv4 address. Excepting only private ranges from 0.0.0.0/0 still covers
     * everything that matters, so this is judged against the public space, not the whole space.
     */
    coversAllIpv4: boolean;
    /** The union reaches every public IPv6 address (as for IPv4). */
    coversAllIpv6: boolean;
    /** Cloud metadata/credential endpoints reachable (see `METADATA_ENDPOINTS`), as plain addresses. */
    metadataEndpoints: string[];
    /** The `cidr` of each block whose reachable part overlaps 169.254.0.0/16 or fe80::/10. */
    linkLocal: string[];
}

export interface ParsedCidr {
    readonly family: 4 | 6;
    readonly prefixLength: number;
    /** First and last address of the block, as integers in the family's own address space. */
    readonly first: bigint;
    readonly last: bigint;
}

const IPV4_BITS = 32n;
const IPV6_BITS = 128n;
const ALLOWED_FORM = "a.b.c.d/n (n 0-32, decimal octets without leading zeros) or IPv6/n (n 0-128)";
const IPV4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,3})$/;
const IPV6_CIDR = /^([0-9a-fA-F:.]+)\/(\d{1,3})$/;

function invalid(cidr: unknown, problem: string): Error {
    return new Error(`Invalid CIDR ${JSON.stringify(cidr)}: ${problem}; expected ${ALLOWED_FORM}`);
}

function decimal(text: string, max: number, cidr: string, what: string): number {
    if (text.length > 1 && text.startsWith("0")) throw invalid(cidr, `${what} ${text} has a leading zero`);
    const value = Number(text);
    if (value > max) throw invalid(cidr, `${what} ${text} is larger than ${max}`);
    return value;
}

function block(address: bigint, prefixLength: number, bits: bigint): { first: bigint; last: bigint } {
    const hostBits = bits - BigInt(prefixLength);
    const first = (address >> hostBits) << hostBits;
    return { first, last: first + (1n << hostBits) - 1n };
}

/**
 * Parses a CIDR as Kubernetes requires it in a NetworkPolicy ipBlock. A bare address (`1.2.3.4`) is
 * rejected rather than read as /32: Kubernetes rejects it, and guessing would hide a typo. Host bits are
 * allowed and masked (`10.0.0.1/8` is 10.0.0.0/8), as Go's CIDR parser does. Forms that parsers read
 * differently (leading zeros, which some read as octal; hex or shortened IPv4; IPv6 zones) are rejected,
 * so the analysis and the cluster can never disagree about which addresses a block means.
 */
export function parseCidr(cidr: string): ParsedCidr {
    if (typeof cidr !== "string") throw invalid(cidr, "it is not a string");
    if (!cidr.includes("/"))
        throw invalid(cidr, "it has no prefix length (Kubernetes requires CIDR notation)");
    const v4 = IPV4_CIDR.exec(cidr);
    if (v4) {
        const octets = v4.slice(1, 5).map((o) => decimal(o, 255, cidr, "octet"));
        const prefixLength = decimal(v4[5], 32, cidr, "prefix length");
        const address = octets.reduce((acc, o) => (acc << 8n) | BigInt(o), 0n);
        return { family: 4, prefixLength, ...block(address, prefixLength, IPV4_BITS) };
    }
    const v6 = IPV6_CIDR.exec(cidr);
    if (!v6 || !v6[1].includes(":")) throw invalid(cidr, "it is not an IPv4 or IPv6 CIDR");
    const embeddedIpv4Text = v6[1].includes(".") ? v6[1].slice(v6[1].lastIndexOf(":") + 1) : undefined;
    if (
        embeddedIpv4Text !== undefined &&
        embeddedIpv4Text.split(".").some((o) => o.length > 1 && o.startsWith("0"))
    ) {
        throw invalid(cidr, `its embedded IPv4 address ${embeddedIpv4Text} has a leading zero`);
    }
    // ipaddr.js reads `::a.b.c.d` as IPv4-mapped; RFC 4291 and Go read it as IPv4-compatible (::0:a.b.c.d).
    const text = /^::\d+\./.test(v6[1]) ? `::0:${v6[1].slice(2)}` : v6[1];
    if (!ipaddr.IPv6.isValid(text)) throw invalid(cidr, `${v6[1]} is not a valid IPv6 address`);
    const prefixLength = decimal(v6[2], 128, cidr, "prefix length");
    const address = ipaddr.IPv6.parse(text).parts.reduce((acc, p) => (acc << 16n) | BigInt(p), 0n);
    return { family: 6, prefixLength, ...block(address, prefixLength, IPV6_BITS) };
}

function setOf(cidrs: readonly string[]): IntervalSet {
    return intervals.normalize(cidrs.map((c) => parseCidr(c)).map((p) => [p.first, p.last] as const));
}

const ALL_IPV4: IntervalSet = [[0n, (1n << IPV4_BITS) - 1n]];
const ALL_IPV6: IntervalSet = [[0n, (1n << IPV6_BITS) - 1n]];
const NON_PUBLIC_V4 = setOf(NON_PUBLIC_IPV4.map((r) => r.cidr));
const EMBEDDINGS = IPV4_EMBEDDINGS.map((r) => parseCidr(r.cidr));
const EMBEDDING_SET = setOf(IPV4_EMBEDDINGS.map((r) => r.cidr));
const NON_PUBLIC_V6 = intervals.union(setOf(NON_PUBLIC_IPV6.map((r) => r.cidr)), EMBEDDING_SET);
const PUBLIC_V4 = intervals.subtract(ALL_IPV4, NON_PUBLIC_V4);
const PUBLIC_V6 = intervals.subtract(ALL_IPV6, NON_PUBLIC_V6);
const LINK_LOCAL_V4 = setOf(LINK_LOCAL.filter((c) => !c.includes(":")));
const LINK_LOCAL_V6 = setOf(LINK_LOCAL.filter((c) => c.includes(":")));

/** The IPv4 addresses an IPv6 set reaches through the IPv4 embeddings. */
function embeddedIpv4(v6: IntervalSet): IntervalSet {
    return intervals.union(
        ...EMBEDDINGS.map((embedding) =>
            intervals
                .intersect(v6, [[embedding.first, embedding.last]])
                .map(([first, last]) => [first - embedding.first, last - embedding.first] as const),
        ),
    );
}

/** One block's reachable addresses, split into IPv4 (embeddings included) and the rest of IPv6. */
function reachableOf(ipBlock: IpBlock): { v4: IntervalSet; v6: IntervalSet } {
    const parsed = parseCidr(ipBlock.cidr);
    // An except of the other family removes nothing: Kubernetes requires excepts inside the cidr, and
    // treating `::ffff:a.b.c.d` excepts as IPv4 would let a hostile author shrink a NAT64 block on paper.
    const excepts = (ipBlock.except ?? []).map((e) => parseCidr(e)).filter((e) => e.family === parsed.family);
    const reachable = intervals.subtract(
        [[parsed.first, parsed.last]],
        intervals.normalize(excepts.map((e) => [e.first, e.last] as const)),
    );
    if (parsed.family === 4) return { v4: reachable, v6: [] };
    return { v4: embeddedIpv4(reachable), v6: intervals.subtract(reachable, EMBEDDING_SET) };
}

function metadataReachable(v4: IntervalSet, v6: IntervalSet): string[] {
    return METADATA_ENDPOINTS.filter((endpoint) => {
        const parsed = parseCidr(endpoint.cidr);
        return intervals.containsAddress(parsed.family === 4 ? v4 : v6, parsed.first);
    }).map((endpoint) => endpoint.cidr.replace(/\/\d+$/, ""));
}

/**
 * What a set of egress destinations reaches, with exact set arithmetic: overlapping blocks are counted
 * once, 0.0.0.0/1 + 128.0.0.0/1 covers everything, an `except` only removes addresses inside its own
 * block. Throws (see `parseCidr`) on any malformed CIDR, so a typo can never pass as "reaches nothing".
 */
export function analyzeIpBlocks(blocks: readonly IpBlock[]): EgressAnalysis {
    const v4Parts: IntervalSet[] = [];
    const v6Parts: IntervalSet[] = [];
    const linkLocal = new Set<string>();
    for (const ipBlock of blocks) {
        const { v4, v6 } = reachableOf(ipBlock);
        v4Parts.push(v4);
        v6Parts.push(v6);
        if (intervals.overlaps(v4, LINK_LOCAL_V4) || intervals.overlaps(v6, LINK_LOCAL_V6)) {
            linkLocal.add(ipBlock.cidr);
        }
    }
    const v4 = intervals.union(...v4Parts);
    const v6 = intervals.union(...v6Parts);
    return {
        publicIpv4Addresses: intervals.size(intervals.intersect(v4, PUBLIC_V4)),
        publicIpv6Addresses: intervals.size(intervals.intersect(v6, PUBLIC_V6)),
        coversAllIpv4: intervals.containsAll(v4, PUBLIC_V4),
        coversAllIpv6: intervals.containsAll(v6, PUBLIC_V6),
        metadataEndpoints: metadataReachable(v4, v6),
        linkLocal: [...linkLocal],
    };
}

/** Blocks split into those `analyzeIpBlocks` can judge and a sentence for each CIDR it cannot parse. */
export interface ParseableBlocks {
    /** Every block whose `cidr` parses, with the `except` entries that parse (a dropped carve-out only widens). */
    readonly blocks: IpBlock[];
    /** `"10.0.0.0/33" cannot be parsed (Invalid CIDR ...)`, one per unparseable cidr or except entry. */
    readonly problems: string[];
}

/**
 * Keeps what can be judged, so that one unparseable CIDR never hides what the other blocks reach: a block
 * with an unparseable `cidr` is left out (its problem said instead), an unparseable `except` entry is left
 * out of the carve-outs (the block is judged wider, never narrower).
 */
export function parseableBlocks(blocks: readonly IpBlock[]): ParseableBlocks {
    const kept: IpBlock[] = [];
    const problems: string[] = [];
    const problemOf = (cidr: string): string | undefined => {
        try {
            parseCidr(cidr);
            return undefined;
        } catch (err) {
            return `${JSON.stringify(cidr)} cannot be parsed (${err instanceof Error ? err.message : String(err)})`;
        }
    };
    for (const block of blocks) {
        const problem = problemOf(block.cidr);
        if (problem !== undefined) {
            problems.push(problem);
            continue;
        }
        const except: string[] = [];
        for (const e of block.except ?? []) {
            const exceptProblem = problemOf(e);
            if (exceptProblem === undefined) except.push(e);
            else problems.push(`${exceptProblem}, so the carve-out is ignored`);
        }
        kept.push(block.except === undefined ? { cidr: block.cidr } : { cidr: block.cidr, except });
    }
    return { blocks: kept, problems };
}
