import { describe, expect, it } from "vitest";
import { AgentRuntime, type AgentRuntimeArgs } from "../../../../components/kubernetes/agent-runtime";
import { installPulumiMocks } from "../../../helpers/pulumi-mocks";

const mocks = installPulumiMocks();

const base: AgentRuntimeArgs = { agentId: "coder", owner: "ml-platform" };
const proxy = { namespace: "egress", podLabels: { app: "squid" }, port: 3128 };
const modes = {
    cilium: { egressEnforcement: "cilium" },
    proxy: { egressEnforcement: "proxy", egressProxy: proxy },
} as const;
const host = (h: string, port = 443) => ({ host: h, ports: [{ port }], description: "needed" });
const build = (args: Partial<AgentRuntimeArgs>) => () => new AgentRuntime("rt", { ...base, ...args });

describe("AgentRuntime refuses IP literals and reserved names as egressHosts", () => {
    describe.each(Object.entries(modes))("in %s mode", (_, mode) => {
        it.each([
            "169.254.169.254",
            "1.2.3.4",
            "127.1",
            "2852039166",
            "0251.0376.0251.0376",
            "169.254.43518",
            "0x7f.1",
            "10.0.0.1.",
            "::ffff:169.254.169.254",
            "[fd00:ec2::254]",
            "fe80::1",
        ])("refuses the address literal %s", (literal) => {
            expect(build({ ...mode, egressHosts: [host(literal)] })).toThrow(
                /egressHosts\[0\]\.host = .* is not allowed; (it is an IP address literal|it ends with a dot)/,
            );
        });

        it.each([
            ["metadata.google.internal", /Google Cloud's metadata server/],
            ["instance-data.ec2.internal", /EC2 instance metadata/],
            ["instance-data.ap-south-1.compute.internal", /EC2 instance metadata/],
            ["*.google.internal", /can match metadata\.google\.internal/],
            ["*.ec2.internal", /can match instance-data\.ec2\.internal/],
            ["api.localhost", /loopback/],
            ["kubernetes.default.svc", /cluster Service/],
            ["kubernetes.default.svc.cluster.local", /cluster-internal/],
            ["169.254.169.254.nip.io", /wildcard-DNS/],
            ["a9fea9fe.sslip.io", /wildcard-DNS/],
        ])("refuses %s", (name, why) => {
            expect(build({ ...mode, egressHosts: [host(name)] })).toThrow(why);
        });

        it.each([
            "dns.google",
            "cloudflare-dns.com",
            "mozilla.cloudflare-dns.com",
            "dns.quad9.net",
            "*.dns.nextdns.io",
            "*.adguard-dns.com",
        ])("refuses the public DNS resolver %s on 443 and 853", (name) => {
            expect(build({ ...mode, egressHosts: [host(name)] })).toThrow(/public DNS resolver/);
            expect(build({ ...mode, egressHosts: [host(name, 853)] })).toThrow(/public DNS resolver/);
        });

        it("refuses port 53 to a named host, alone or inside a range", () => {
            expect(build({ ...mode, egressHosts: [host("ns.example.com", 53)] })).toThrow(
                /egressHosts\[0\]\.ports\[0\] = \{"port":53\} is not allowed/,
            );
            if (mode.egressEnforcement === "proxy") {
                expect(
                    build({
                        ...mode,
                        egressHosts: [
                            { ...host("ns.example.com"), ports: [{ port: 443 }, { port: 1, endPort: 100 }] },
                        ],
                    }),
                ).toThrow(/egressHosts\[0\]\.ports\[1\] = .* DNS server/);
            }
            expect(
                build({
                    ...mode,
                    egressHosts: [{ ...host("ns.example.com"), ports: [{ port: 53, protocol: "UDP" }] }],
                }),
            ).toThrow(/port 53/);
        });

        it("refuses egress CIDR entries on port 53, alone, in a range, or in any protocol", () => {
            const cidr = (ports: unknown) => ({
                ...mode,
                egress: [{ cidr: "203.0.113.10/32", ports: ports as never, description: "a resolver" }],
            });
            expect(build(cidr([{ port: 53, protocol: "UDP" }]))).toThrow(
                /egress\[0\]\.ports\[0\] .* port 53/,
            );
            expect(build(cidr([{ port: 443 }, { port: 1, endPort: 1024 }]))).toThrow(
                /egress\[0\]\.ports\[1\]/,
            );
            expect(build(cidr([{ port: 53, protocol: "SCTP" }]))).toThrow(/port 53/);
            expect(build(cidr([{ port: 54, endPort: 65535 }]))).not.toThrow();
        });

        it("refuses egress CIDRs reaching public DoH/DoT resolvers, in any notation, unless carved out", () => {
            const cidr = (c: string, except?: string[]) => ({
                ...mode,
                egress: [{ cidr: c, ...(except && { except }), ports: [{ port: 443 }], description: "d" }],
            });
            expect(build(cidr("8.8.8.8/32"))).toThrow(/public DNS resolvers Google Public DNS 8\.8\.8\.8/);
            expect(build(cidr("1.0.0.0/8"))).toThrow(/Cloudflare/);
            expect(build(cidr("::ffff:9.9.9.9/128"))).toThrow(/Quad9/);
            expect(build(cidr("2606:4700:4700::1111/128"))).toThrow(/Cloudflare/);
            expect(build(cidr("8.8.8.0/24", ["8.8.8.8/32"]))).not.toThrow();
        });
    });

    it("keeps networkPolicy mode as it was: DNS is open there, so port 53 and resolvers add nothing", () => {
        expect(
            build({
                egress: [
                    { cidr: "8.8.8.8/32", ports: [{ port: 53, protocol: "UDP" }], description: "resolver" },
                ],
            }),
        ).not.toThrow();
    });

    it("still accepts ordinary names", () => {
        expect(
            build({ ...modes.cilium, egressHosts: [host("api.github.com"), host("*.pkg.example.com")] }),
        ).not.toThrow();
        expect(
            build({ ...modes.proxy, egressHosts: [host("1password.com"), host("metadata.example.com")] }),
        ).not.toThrow();
    });
});

describe("AgentRuntime keeps names pointed at metadata addresses out", () => {
    // Whoever runs a name's DNS chooses its address: an author's own name may resolve to 169.254.169.254.
    it("denies link-local and metadata ranges in the Cilium host policy, which wins over toFQDNs", async () => {
        mocks.reset();
        new AgentRuntime("rt", { ...base, ...modes.cilium, egressHosts: [host("api.github.com")] });
        await mocks.settle();
        const cnp = mocks.resources.find((r) => r.type === "kubernetes:cilium.io/v2:CiliumNetworkPolicy");
        const deny = (cnp?.inputs.spec as { egressDeny?: { toCIDRSet: { cidr: string }[] }[] }).egressDeny;
        const cidrs = deny?.[0].toCIDRSet.map((c) => c.cidr);
        expect(cidrs).toEqual(
            expect.arrayContaining([
                "169.254.0.0/16",
                "fe80::/10",
                "100.100.100.200/32",
                "168.63.129.16/32",
                "fd00:ec2::254/128",
            ]),
        );
    });

    it("denies them in the Squid allowlist before any allow line", () => {
        const runtime = new AgentRuntime("rt", {
            ...base,
            ...modes.proxy,
            egressHosts: [host("api.github.com")],
        });
        const lines = (runtime.proxyAllowlist ?? "").split("\n");
        const deny = lines.indexOf("http_access deny agent_coder_in agent_coder_never");
        expect(deny).toBeGreaterThan(-1);
        expect(deny).toBeLessThan(lines.findIndex((l) => l.startsWith("http_access allow")));
        expect(lines.find((l) => l.startsWith("acl agent_coder_never dst "))).toContain("169.254.0.0/16");
    });
});
