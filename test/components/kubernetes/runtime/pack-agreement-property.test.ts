/**
 * A property over generated arguments: whatever AgentRuntime accepts, the policy pack passes. Arguments are drawn
 * by a seeded generator (fast-check is not a dependency) from pools that mix valid values with the evasions a
 * hostile author would try: address literals, metadata and resolver names, wide patterns, port 53 alone or in
 * a range, resolver and metadata CIDRs in several notations. Every draw either fails construction with an
 * AgentRuntimeArgumentError or yields resources the pack accepts; the seed is printed with any failure.
 */
import { beforeEach, describe, expect, it } from "vitest";
import {
    AgentRuntime,
    AgentRuntimeArgumentError,
    type AgentRuntimeArgs,
    type EgressHostRule,
    type EgressPort,
    type EgressRule,
} from "../../../../components/kubernetes/agent-runtime";
import { kubernetesRules } from "../../../../policy-pack/rules/kubernetes";
import { fromRegistered, runPolicies, type FakeResource } from "../../../helpers/policy-harness";
import { declaredSquidProxy } from "../../../policy-pack/rules/kubernetes/fixtures";
import { installPulumiMocks } from "../../../helpers/pulumi-mocks";

const mocks = installPulumiMocks();
beforeEach(() => mocks.reset());

/** mulberry32: a small seeded generator, so a failing draw can be replayed from its seed. */
function generator(seed: number) {
    let state = seed >>> 0;
    const next = () => {
        state = (state + 0x6d2b79f5) >>> 0;
        let t = state;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const int = (n: number) => Math.floor(next() * n);
    const pick = <T>(pool: readonly T[]): T => pool[int(pool.length)];
    /** One of `valid` or, one time in three, of `hostile`. */
    const mixed = <T>([valid, hostile]: readonly [readonly T[], readonly T[]]): T =>
        next() < 1 / 3 ? pick(hostile) : pick(valid);
    const some = <T>(pools: readonly [readonly T[], readonly T[]], max: number): T[] =>
        Array.from({ length: int(max + 1) }, () => mixed(pools));
    return { next, int, pick, mixed, some };
}

const HOSTS: readonly [string[], string[]] = [
    [
        "api.github.com",
        "*.pkg.example.com",
        "xn--bcher-kva.example",
        "*.example.co.uk",
        "s3.eu-west-1.amazonaws.com",
        "metadata.example.com",
    ],
    [
        "169.254.169.254",
        "127.1",
        "2852039166",
        "0xa9fea9fe",
        "0251.0376.0251.0376",
        "::ffff:169.254.169.254",
        "metadata.google.internal",
        "instance-data.ec2.internal",
        "*.google.internal",
        "169.254.169.254.nip.io",
        "kubernetes.default.svc",
        "api.localhost",
        "dns.google",
        "*.cloudflare-dns.com",
        "dns.quad9.net",
        "*.com",
        "*.github.io",
        "*.amazonaws.com",
        "*.trycloudflare.com",
        "*.loca.lt",
        "**.example.com",
        "API.example.com",
        "api.example.com.",
    ],
];
const PORTS: readonly [EgressPort[], EgressPort[]] = [
    [
        { port: 443 },
        { port: 80 },
        { port: 8443 },
        { port: 853 },
        { port: 5353, protocol: "UDP" },
        { port: 54, endPort: 65535 },
    ],
    [{ port: 53 }, { port: 53, protocol: "UDP" }, { port: 1, endPort: 100 }, { port: 53, protocol: "SCTP" }],
];
const CIDRS: readonly [{ cidr: string; except?: string[] }[], { cidr: string; except?: string[] }[]] = [
    [
        { cidr: "203.0.113.10/32" },
        { cidr: "198.51.100.0/24" },
        { cidr: "100.64.0.0/10" },
        { cidr: "2001:db8::/64" },
        { cidr: "fd00:ec2::/112" },
        { cidr: "8.8.8.0/24", except: ["8.8.8.8/32"] },
        { cidr: "10.0.0.0/8" },
    ],
    [
        { cidr: "8.8.8.8/32" },
        { cidr: "8.8.0.0/16" },
        { cidr: "1.1.1.1/32" },
        { cidr: "::ffff:9.9.9.9/128" },
        { cidr: "2606:4700:4700::1111/128" },
        { cidr: "169.254.169.254/32" },
        { cidr: "100.100.100.200/32" },
        { cidr: "0.0.0.0/1" },
        { cidr: "::/0" },
    ],
];
const MODES = ["networkPolicy", "cilium", "proxy"] as const;
const PROXY = { namespace: "egress-proxy", podLabels: { app: "squid" }, port: 3128 };

function draw(seed: number): AgentRuntimeArgs {
    const g = generator(seed);
    const mode = g.pick(MODES);
    const hosts = [...new Set(g.some(HOSTS, 3))].map((host): EgressHostRule => ({
        host,
        ports: g.some(PORTS, 1).concat(g.mixed(PORTS)),
        description: "d",
    }));
    const egress = g
        .some(CIDRS, 2)
        .map((c): EgressRule => ({ ...c, ports: g.some(PORTS, 1).concat(g.mixed(PORTS)), description: "d" }));
    return {
        agentId: "coder",
        owner: "ml-platform",
        egressEnforcement: mode,
        ...(mode === "proxy" && { egressProxy: PROXY }),
        ...(mode !== "networkPolicy" || g.next() < 0.2 ? { egressHosts: hosts } : {}),
        egress,
        suspended: g.next() < 0.1,
    };
}

/** The platform's proxy, as docs/components.md asks for it: declared, with the runtime's allowlist. */
function proxyFor(allowlist: string): FakeResource[] {
    return declaredSquidProxy(`http_port 3128\n${allowlist}`);
}

const RUNS = 200;
const FIRST_SEED = 24_000;

describe("AgentRuntime and the policy pack agree on generated arguments", () => {
    it(`never emits what the pack rejects (${RUNS} seeded draws)`, async () => {
        let accepted = 0;
        const refusedArgs = new Set<string>();
        for (let seed = FIRST_SEED; seed < FIRST_SEED + RUNS; seed++) {
            mocks.reset();
            const args = draw(seed);
            let runtime: AgentRuntime;
            try {
                runtime = new AgentRuntime("rt", args);
            } catch (error) {
                expect(error, `seed ${seed}`).toBeInstanceOf(AgentRuntimeArgumentError);
                // The error names the argument, the value and what is allowed.
                const at = /^AgentRuntime "rt": ([^ ]+) = .+ is not allowed; .+/s.exec(
                    (error as Error).message,
                );
                expect(at, `seed ${seed}: ${(error as Error).message}`).not.toBeNull();
                refusedArgs.add((at as RegExpExecArray)[1].replace(/\[\d+\]/g, "[]"));
                continue;
            }
            await mocks.settle();
            const extra = runtime.proxyAllowlist === undefined ? [] : proxyFor(runtime.proxyAllowlist);
            const violations = (
                await runPolicies(kubernetesRules, [...fromRegistered(mocks.resources), ...extra])
            ).map((v) => `${v.policy}: ${v.message}`);
            expect(violations, `seed ${seed}: ${JSON.stringify(args)}`).toEqual([]);
            accepted += 1;
        }
        // Not vacuous: both outcomes occur, and the hostile pools reach each kind of refusal.
        expect(accepted).toBeGreaterThan(RUNS / 10);
        expect([...refusedArgs].sort()).toEqual(
            expect.arrayContaining([
                "egress[].cidr",
                "egress[].ports[]",
                "egressHosts[].host",
                "egressHosts[].ports[]",
            ]),
        );
    }, 300_000);
});
