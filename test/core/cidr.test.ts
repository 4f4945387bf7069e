import { describe, expect, it } from "vitest";
import { analyzeIpBlocks, parseableBlocks, parseCidr, type IpBlock } from "../../core/cidr";

// Public IPv4 space: 2^32 minus the non-public ranges listed in ip-ranges.ts.
const PUBLIC_IPV4 = 3_702_258_688n;
const analyze = (...cidrs: (string | IpBlock)[]) =>
    analyzeIpBlocks(cidrs.map((c) => (typeof c === "string" ? { cidr: c } : c)));

describe("parseCidr", () => {
    it("parses IPv4 and IPv6 blocks into address ranges", () => {
        expect(parseCidr("10.1.0.0/16")).toEqual({
            family: 4,
            prefixLength: 16,
            first: 0x0a010000n,
            last: 0x0a01ffffn,
        });
        expect(parseCidr("2001:db8::/127")).toMatchObject({
            family: 6,
            prefixLength: 127,
            last: parseCidr("2001:db8::1/128").first,
        });
    });

    it("masks host bits as Go's CIDR parser does", () => {
        expect(parseCidr("10.0.0.1/8")).toMatchObject({ first: 0x0a000000n, last: 0x0affffffn });
    });

    it("reads ::a.b.c.d as IPv4-compatible, not IPv4-mapped", () => {
        expect(parseCidr("::1.2.3.4/128").first).toBe(0x01020304n);
        expect(parseCidr("::ffff:1.2.3.4/128").first).toBe(0xffff01020304n);
    });

    it.each([
        ["1.2.3.4", "has no prefix length (Kubernetes requires CIDR notation)"],
        ["2001:db8::1", "has no prefix length"],
        ["1.2.3.4/33", "prefix length 33 is larger than 32"],
        ["::/129", "prefix length 129 is larger than 128"],
        ["010.0.0.0/8", "octet 010 has a leading zero"],
        ["10.0.0.0/08", "prefix length 08 has a leading zero"],
        ["::ffff:010.0.0.1/128", "embedded IPv4 address 010.0.0.1 has a leading zero"],
        ["0x0a.0.0.0/8", "not an IPv4 or IPv6 CIDR"],
        ["10.0/8", "not an IPv4 or IPv6 CIDR"],
        ["256.0.0.0/8", "octet 256 is larger than 255"],
        ["fe80::1%eth0/64", "not an IPv4 or IPv6 CIDR"],
        ["1::2::3/64", "1::2::3 is not a valid IPv6 address"],
        [" 10.0.0.0/8", "not an IPv4 or IPv6 CIDR"],
        ["", "has no prefix length"],
    ])("rejects %j: %s", (cidr, problem) => {
        expect(() => parseCidr(cidr)).toThrow(problem);
        expect(() => parseCidr(cidr)).toThrow(`Invalid CIDR ${JSON.stringify(cidr)}`);
        expect(() => parseCidr(cidr)).toThrow("expected a.b.c.d/n");
    });

    it("rejects a value that is not a string", () => {
        expect(() => parseCidr(42 as unknown as string)).toThrow("Invalid CIDR 42: it is not a string");
    });
});

describe("analyzeIpBlocks: coverage of the whole space", () => {
    it("flags 0.0.0.0/0 as every IPv4 address", () => {
        const result = analyze("0.0.0.0/0");
        expect(result.coversAllIpv4).toBe(true);
        expect(result.publicIpv4Addresses).toBe(PUBLIC_IPV4);
        expect(result.coversAllIpv6).toBe(false);
    });

    it("flags 0.0.0.0/1 + 128.0.0.0/1 as every IPv4 address", () => {
        const result = analyze("0.0.0.0/1", "128.0.0.0/1");
        expect(result.coversAllIpv4).toBe(true);
        expect(result.publicIpv4Addresses).toBe(PUBLIC_IPV4);
    });

    it("flags 256 /8 blocks that together tile the IPv4 space", () => {
        const blocks = Array.from({ length: 256 }, (_, i) => `${i}.0.0.0/8`);
        expect(analyze(...blocks).coversAllIpv4).toBe(true);
    });

    it("still flags 0.0.0.0/0 whose excepts are only the private ranges", () => {
        const result = analyze({
            cidr: "0.0.0.0/0",
            except: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"],
        });
        expect(result.coversAllIpv4).toBe(true);
        expect(result.publicIpv4Addresses).toBe(PUBLIC_IPV4);
    });

    it("does not flag 0.0.0.0/0 once a public range is carved out", () => {
        const result = analyze({ cidr: "0.0.0.0/0", except: ["8.8.8.0/24"] });
        expect(result.coversAllIpv4).toBe(false);
        expect(result.publicIpv4Addresses).toBe(PUBLIC_IPV4 - 256n);
    });

    it("flags ::/0 and ::/1 + 8000::/1 as every IPv6 address", () => {
        for (const result of [analyze("::/0"), analyze("::/1", "8000::/1")]) {
            expect(result.coversAllIpv6).toBe(true);
            // ::/1 holds ::ffff:0:0/96, so IPv4 is reachable too.
            expect(result.coversAllIpv4).toBe(true);
        }
    });

    it("flags ::ffff:0:0/96 (IPv4-mapped) as every IPv4 address", () => {
        const result = analyze("::ffff:0:0/96");
        expect(result.coversAllIpv4).toBe(true);
        expect(result.publicIpv4Addresses).toBe(PUBLIC_IPV4);
        expect(result.publicIpv6Addresses).toBe(0n);
    });

    it("flags the NAT64 prefix 64:ff9b::/96 as every IPv4 address", () => {
        expect(analyze("64:ff9b::/96").coversAllIpv4).toBe(true);
    });

    it("flags halves split across IPv4 and mapped IPv6 notation", () => {
        expect(analyze("0.0.0.0/1", "::ffff:128.0.0.0/97").coversAllIpv4).toBe(true);
    });
});

describe("analyzeIpBlocks: counting public addresses", () => {
    it("counts a public /24 as 256 addresses", () => {
        expect(analyze("8.8.8.0/24").publicIpv4Addresses).toBe(256n);
    });

    it("does not double count overlapping or repeated blocks", () => {
        expect(analyze("8.8.8.0/24", "8.8.8.0/25", "8.8.8.128/26", "8.8.8.0/24").publicIpv4Addresses).toBe(
            256n,
        );
    });

    it("counts an IPv4 host once whether written as IPv4 or as mapped IPv6", () => {
        expect(analyze("1.2.3.0/24", "::ffff:1.2.3.0/120").publicIpv4Addresses).toBe(256n);
    });

    it("counts adjacent blocks exactly", () => {
        expect(analyze("8.8.8.0/25", "8.8.8.128/25", "8.8.9.0/24").publicIpv4Addresses).toBe(512n);
    });

    it("does not count private, CGNAT, loopback, multicast and reserved ranges", () => {
        const result = analyze(
            "10.0.0.0/8",
            "172.16.0.0/12",
            "192.168.0.0/16",
            "100.64.0.0/10",
            "127.0.0.0/8",
        );
        expect(result.publicIpv4Addresses).toBe(0n);
        expect(analyze("224.0.0.0/3").publicIpv4Addresses).toBe(0n);
    });

    it("counts only the public part of a block straddling a private range", () => {
        // 172.0.0.0/8 holds 172.16.0.0/12 (private): 2^24 - 2^20.
        expect(analyze("172.0.0.0/8").publicIpv4Addresses).toBe(16_777_216n - 1_048_576n);
    });

    it("counts public IPv6 and leaves unique-local and documentation space out", () => {
        expect(analyze("2600::/112").publicIpv6Addresses).toBe(65_536n);
        expect(analyze("fc00::/7", "2001:db8::/32", "ff00::/8").publicIpv6Addresses).toBe(0n);
    });

    it("counts IPv4-compatible ::a.b.c.d blocks as IPv6, not as nothing", () => {
        expect(analyze("::8.8.8.0/120").publicIpv6Addresses).toBe(256n);
    });

    it("counts nothing for no blocks", () => {
        expect(analyze()).toEqual({
            publicIpv4Addresses: 0n,
            publicIpv6Addresses: 0n,
            coversAllIpv4: false,
            coversAllIpv6: false,
            metadataEndpoints: [],
            linkLocal: [],
        });
    });
});

describe("analyzeIpBlocks: excepts", () => {
    it("removes an except inside its block", () => {
        expect(analyze({ cidr: "8.8.8.0/24", except: ["8.8.8.0/25"] }).publicIpv4Addresses).toBe(128n);
    });

    it("removes the whole block when the except is the block itself", () => {
        expect(analyze({ cidr: "8.8.8.0/24", except: ["8.8.8.0/24"] }).publicIpv4Addresses).toBe(0n);
    });

    it("removes nothing for an except outside its block", () => {
        expect(analyze({ cidr: "8.8.8.0/24", except: ["9.9.9.0/24"] }).publicIpv4Addresses).toBe(256n);
    });

    it("does not let one block's except carve another block", () => {
        const result = analyze({ cidr: "8.8.8.0/24", except: ["1.1.1.0/24"] }, { cidr: "1.1.1.0/24" });
        expect(result.publicIpv4Addresses).toBe(512n);
    });

    it("does not let an except in another block remove addresses a second block allows", () => {
        const result = analyze({ cidr: "8.8.8.0/24", except: ["8.8.8.0/25"] }, { cidr: "8.8.8.0/24" });
        expect(result.publicIpv4Addresses).toBe(256n);
    });

    it("does not let a mapped-IPv6 except shrink an IPv4 block", () => {
        expect(analyze({ cidr: "0.0.0.0/0", except: ["::ffff:0:0/97"] }).coversAllIpv4).toBe(true);
    });

    it("rejects a malformed except instead of ignoring it", () => {
        expect(() => analyze({ cidr: "8.8.8.0/24", except: ["8.8.8.0"] })).toThrow('Invalid CIDR "8.8.8.0"');
    });
});

describe("analyzeIpBlocks: metadata endpoints and link-local", () => {
    it("reports 169.254.169.254 reached by a link-local allowlist entry", () => {
        const result = analyze("169.254.0.0/16");
        expect(result.metadataEndpoints).toContain("169.254.169.254");
        expect(result.metadataEndpoints).toContain("169.254.170.2");
        expect(result.linkLocal).toEqual(["169.254.0.0/16"]);
    });

    it("reports the metadata endpoint reached through mapped IPv6", () => {
        const result = analyze("::ffff:169.254.169.254/128");
        expect(result.metadataEndpoints).toEqual(["169.254.169.254"]);
        expect(result.linkLocal).toEqual(["::ffff:169.254.169.254/128"]);
    });

    it("reports the AWS IPv6 metadata and Pod Identity endpoints", () => {
        expect(analyze("fd00:ec2::/64").metadataEndpoints).toEqual(["fd00:ec2::254", "fd00:ec2::23"]);
    });

    it("reports metadata endpoints that sit in public or CGNAT space", () => {
        expect(analyze("168.63.0.0/16").metadataEndpoints).toEqual(["168.63.129.16"]);
        expect(analyze("100.64.0.0/10").metadataEndpoints).toEqual(["100.100.100.200"]);
    });

    it("stops reporting an endpoint the block's except removes", () => {
        const result = analyze({ cidr: "169.254.169.0/24", except: ["169.254.169.254/32"] });
        expect(result.metadataEndpoints).toEqual([]);
        expect(result.linkLocal).toEqual(["169.254.169.0/24"]);
    });

    it("reports fe80::/10 overlaps as link-local", () => {
        expect(analyze("fe80::/64", "2600::/64").linkLocal).toEqual(["fe80::/64"]);
    });

    it("reports nothing for a narrow public allowlist", () => {
        const result = analyze("8.8.8.8/32", "2600::1/128");
        expect(result.metadataEndpoints).toEqual([]);
        expect(result.linkLocal).toEqual([]);
    });
});

describe("parseableBlocks", () => {
    it("keeps the parseable blocks and says each unparseable CIDR", () => {
        const { blocks, problems } = parseableBlocks([
            { cidr: "10.0.0.0/33" },
            { cidr: "0.0.0.0/0", except: ["10.0.0.0/8", "x/8"] },
            { cidr: "8.8.8.0/24" },
        ]);
        expect(blocks).toEqual([{ cidr: "0.0.0.0/0", except: ["10.0.0.0/8"] }, { cidr: "8.8.8.0/24" }]);
        expect(problems).toHaveLength(2);
        expect(problems[0]).toMatch(
            /^"10\.0\.0\.0\/33" cannot be parsed \(Invalid CIDR .*prefix length 33 is larger than 32/,
        );
        expect(problems[1]).toMatch(/^"x\/8" cannot be parsed .*so the carve-out is ignored$/);
        expect(analyzeIpBlocks(blocks).coversAllIpv4).toBe(true);
    });
});
