import { describe, expect, it } from "vitest";
import { publicResolverOfName, publicResolversInRange } from "../../core/dns-resolvers";
import {
    hostDestinationProblem,
    isPublicSuffix,
    patternBreadthProblem,
    SHARED_DOMAINS,
} from "../../core/fqdn";
import { addressLiteralOf, addressLiteralProblem } from "../../core/host-literals";
import { reservedHostMatchedBy } from "../../core/reserved-hosts";

describe("addressLiteralOf reads every spelling getaddrinfo and Squid accept", () => {
    it.each([
        ["169.254.169.254", "169.254.169.254"],
        ["2852039166", "169.254.169.254"],
        ["0xa9fea9fe", "169.254.169.254"],
        ["0XA9FEA9FE", "169.254.169.254"],
        ["0251.0376.0251.0376", "169.254.169.254"],
        ["0xa9.0xfe.0xa9.0xfe", "169.254.169.254"],
        ["169.254.43518", "169.254.169.254"],
        ["169.16689662", "169.254.169.254"],
        ["127.1", "127.0.0.1"],
        ["0", "0.0.0.0"],
        ["169.254.169.254.", "169.254.169.254"],
        ["169.254.169.254..", "169.254.169.254"],
        [" 1.2.3.4 ", "1.2.3.4"],
        ["[::1]", "::1"],
        ["::ffff:169.254.169.254", "169.254.169.254"],
        ["[::ffff:a9fe:a9fe]", "169.254.169.254"],
        ["fd00:ec2::254", "fd00:ec2::254"],
        ["fe80::1%eth0", "fe80::1"],
    ])("%s is %s", (raw, address) => {
        expect(addressLiteralOf(raw)?.address).toBe(address);
    });

    it("refuses numeric hosts that do not parse, since URL parsers still read them as IPv4", () => {
        expect(addressLiteralOf("1.2.3.4.5")).toEqual({ family: 4, spelling: expect.any(String) });
        expect(addressLiteralOf("256.1.1.1")).toEqual({ family: 4, spelling: expect.any(String) });
        expect(addressLiteralOf("example.123")).toMatchObject({ family: 4 });
        expect(addressLiteralOf("example.0x10")).toMatchObject({ family: 4 });
        expect(addressLiteralOf("09.1.1.1")).toEqual({ family: 4, spelling: expect.any(String) });
        expect(addressLiteralOf("[::g]")).toEqual({ family: 6, spelling: expect.any(String) });
    });

    it("leaves names alone, numeric labels before the last included", () => {
        for (const name of [
            "api.github.com",
            "1.example.com",
            "123.45.example.net",
            "0x1.example.com",
            "a1b2",
        ])
            expect(addressLiteralOf(name)).toBeUndefined();
    });

    it("says what the address is", () => {
        expect(addressLiteralProblem("0xa9fea9fe")).toMatch(
            /169\.254\.169\.254, written as a single number, hexadecimal; link-local/,
        );
        expect(addressLiteralProblem("127.1")).toMatch(/127\.0\.0\.1.*loopback/);
        expect(addressLiteralProblem("::ffff:169.254.169.254")).toMatch(/IPv4-mapped IPv6; link-local/);
    });
});

describe("reserved host names", () => {
    it.each([
        "metadata.google.internal",
        "METADATA.GOOGLE.INTERNAL.",
        "metadata",
        "instance-data",
        "instance-data.ec2.internal",
        "instance-data.eu-west-1.compute.internal",
        "localhost",
        "api.localhost",
        "kubernetes.default.svc",
        "kubernetes.default.svc.cluster.local",
        "169.254.169.254.nip.io",
        "a9fea9fe.sslip.io",
        "x.localtest.me",
    ])("%s is reserved", (name) => {
        expect(hostDestinationProblem(name)).toBeDefined();
    });

    it.each([
        "*.google.internal",
        "metadata.*.internal",
        "meta*.google.internal",
        "**.internal",
        "instance-data.*.compute.internal",
        "instance-*.us-east-1.compute.internal",
        "*.ec2.internal",
        "*.default.svc",
        "*.nip.io",
        "**.cluster.local",
    ])("the pattern %s can match a reserved name", (pattern) => {
        expect(reservedHostMatchedBy(pattern)).toBeDefined();
    });

    it("leaves other names and patterns alone", () => {
        for (const name of [
            "api.github.com",
            "*.example.com",
            "metadata.example.com",
            "*.internal.example.com",
        ])
            expect(hostDestinationProblem(name)).toBeUndefined();
    });
});

describe("public suffixes come from the Public Suffix List", () => {
    it("knows ICANN and private suffixes, and unknown top-level domains", () => {
        for (const s of [
            "com",
            "co.uk",
            "xn--p1ai",
            "github.io",
            "s3.amazonaws.com",
            "trycloudflare.com",
            "internal",
        ])
            expect(isPublicSuffix(s), s).toBe(true);
        for (const s of ["example.com", "github.com", "example.co.uk", "amazonaws.com"])
            expect(isPublicSuffix(s), s).toBe(false);
    });

    it("flags wildcards over suffixes, over wildcard rules, and over the reasoned shared list", () => {
        expect(patternBreadthProblem("*.github.io")).toMatch(/private section/);
        expect(patternBreadthProblem("*.ngrok-free.app")).toMatch(/public suffix "ngrok-free.app"/);
        expect(patternBreadthProblem("*.compute.amazonaws.com")).toMatch(/public suffix/);
        expect(patternBreadthProblem("*.eu-west-1.compute.amazonaws.com")).toMatch(/public suffix/);
        expect(patternBreadthProblem("*.run.app")).toMatch(/public suffix|themselves public suffixes/);
        expect(patternBreadthProblem("*.amazonaws.com")).toMatch(/amazonaws\.com, where every AWS customer/);
        expect(patternBreadthProblem("*.loca.lt")).toMatch(/reverse tunnel/);
        expect(patternBreadthProblem("*.example.com")).toBeUndefined();
        expect(patternBreadthProblem("*.example.co.uk")).toBeUndefined();
    });
});

describe("the reasoned list beside the Public Suffix List", () => {
    it("holds only domains the list does not cover (when this fails after a tldts update, drop the entry)", () => {
        for (const domain of Object.keys(SHARED_DOMAINS)) {
            expect(isPublicSuffix(domain), domain).toBe(false);
            expect(isPublicSuffix(`x.${domain}`), `x.${domain}`).toBe(false);
        }
    });
});

describe("public DNS resolvers", () => {
    it("are found by name and by patterns that can match their names", () => {
        for (const name of [
            "dns.google",
            "DNS.GOOGLE.",
            "cloudflare-dns.com",
            "security.cloudflare-dns.com",
            "dns.quad9.net",
            "abc123.dns.nextdns.io",
            "*.cloudflare-dns.com",
            "*.quad9.net",
            "**.google",
            "*.google",
            "dns*.quad9.net",
            "sec*.cloudflare-dns.com",
            "*dns.google",
        ])
            expect(publicResolverOfName(name), name).toBeDefined();
        for (const name of ["www.google.com", "quad9.net", "example.com", "*.example.com"])
            expect(publicResolverOfName(name), name).toBeUndefined();
    });

    it("are found in address ranges, IPv4-mapped and NAT64 forms included, unless carved out", () => {
        expect(publicResolversInRange("8.8.8.8/32")).toEqual(["Google Public DNS 8.8.8.8"]);
        expect(publicResolversInRange("8.8.0.0/16")).toHaveLength(2);
        expect(publicResolversInRange("8.8.0.0/16", ["8.8.8.8/32", "8.8.4.4/32"])).toEqual([]);
        expect(publicResolversInRange("::ffff:1.1.1.1/128")).toEqual(["Cloudflare 1.1.1.1 1.1.1.1"]);
        expect(publicResolversInRange("64:ff9b::909:909/128")).toEqual(["Quad9 9.9.9.9"]);
        expect(publicResolversInRange("2606:4700:4700::/48").length).toBeGreaterThan(0);
        expect(publicResolversInRange("203.0.113.0/24")).toEqual([]);
        expect(publicResolversInRange("not a cidr")).toEqual([]);
    });
});
