import { describe, expect, it } from "vitest";
import { analyzeIpBlocks } from "../../../../core/cidr";
import { planEgress, type EgressRule } from "../../../../components/kubernetes/runtime-egress";

const rule = (cidr: string, except?: string[]): EgressRule => ({
    cidr,
    ...(except === undefined ? {} : { except }),
    ports: [{ port: 443 }],
    description: "API",
});
const plan = (...rules: EgressRule[]) =>
    planEgress(
        "rt",
        rules,
        rules.map((r) => r.cidr as string),
        65_536,
    );

describe("planEgress metadata carve-outs", () => {
    it("excepts every AWS IPv6 metadata endpoint inside a ULA block", () => {
        expect(plan(rule("fd00:ec2::/112"))[0].except).toEqual(["fd00:ec2::254/128", "fd00:ec2::23/128"]);
    });

    it("excepts an IPv4 endpoint written inside an IPv4-mapped block", () => {
        const [planned] = plan(rule("::ffff:100.64.0.0/106"));
        expect(planned.except).toEqual(["::ffff:6464:64c8/128"]);
        expect(analyzeIpBlocks([planned]).metadataEndpoints).toEqual([]);
    });

    it("excepts an IPv4 endpoint reached through the NAT64 prefix", () => {
        const [planned] = plan(rule("64:ff9b::a83f:0/112"));
        expect(planned.except).toEqual(["64:ff9b::a83f:8110/128"]);
        expect(analyzeIpBlocks([planned]).metadataEndpoints).toEqual([]);
    });

    it("keeps the caller's excepts and adds none the caller already made", () => {
        expect(plan(rule("100.64.0.0/10", ["100.100.0.0/16"]))[0].except).toEqual(["100.100.0.0/16"]);
        expect(plan(rule("100.64.0.0/10", ["100.64.0.0/16"]))[0].except).toEqual([
            "100.64.0.0/16",
            "100.100.100.200/32",
        ]);
    });

    it("adds nothing to a block without metadata endpoints", () => {
        expect(plan(rule("203.0.113.0/24"))[0].except).toEqual([]);
    });
});

describe("planEgress budget", () => {
    it("counts overlapping entries once against the budget", () => {
        const rules = [rule("8.8.0.0/17"), rule("8.8.0.0/16"), rule("8.8.128.0/17")];
        expect(() =>
            planEgress(
                "rt",
                rules,
                rules.map((r) => r.cidr as string),
                65_536,
            ),
        ).not.toThrow();
        expect(() =>
            planEgress(
                "rt",
                rules,
                rules.map((r) => r.cidr as string),
                65_535,
            ),
        ).toThrow("together they reach 65536 public addresses, more than maxPublicEgressAddresses (65535)");
    });

    it("does not count private destinations against the budget", () => {
        const rules = [rule("10.0.0.0/8"), rule("fc00::/7")];
        expect(() =>
            planEgress(
                "rt",
                rules,
                rules.map((r) => r.cidr as string),
                0,
            ),
        ).not.toThrow();
    });

    it("counts the public part left by an except", () => {
        const rules = [rule("8.8.0.0/16", ["8.8.0.0/17"])];
        expect(() => planEgress("rt", rules, ["8.8.0.0/16"], 32_768)).not.toThrow();
        expect(() => planEgress("rt", rules, ["8.8.0.0/16"], 32_767)).toThrow("32768 public addresses");
    });

    it("rejects 0.0.0.0/0 even when its excepts are only private ranges", () => {
        const rules = [rule("0.0.0.0/0", ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"])];
        expect(() => planEgress("rt", rules, ["0.0.0.0/0"], Number.MAX_SAFE_INTEGER)).toThrow(
            'egress[0].cidr = "0.0.0.0/0" is not allowed; it opens egress to every public IPv4 address',
        );
    });

    it("judges only resolved entries when others are still unknown", () => {
        const rules = [rule("8.8.8.0/24"), rule("ignored")];
        expect(planEgress("rt", rules, ["8.8.8.0/24", undefined], 256)).toHaveLength(1);
    });
});
