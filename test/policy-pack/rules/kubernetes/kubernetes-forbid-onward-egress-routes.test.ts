import { describe, expect, it } from "vitest";
import { kubernetesForbidOnwardEgressRoutes } from "../../../../policy-pack/rules/kubernetes/kubernetes-forbid-onward-egress-routes";
import { runStackPolicy, UNKNOWN, urnOf, type FakeResource } from "../../../helpers/policy-harness";
import { defaultDenyEgress, egressPolicy, namespace } from "./fixtures";

const NP = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const CNP = "kubernetes:cilium.io/v2:CiliumNetworkPolicy";
const run = (resources: FakeResource[]) => runStackPolicy(kubernetesForbidOnwardEgressRoutes, resources);

const ALLOWLIST = [
    "http_port 3128",
    "acl github dstdomain -n api.github.com",
    "acl mirrors dstdom_regex -n ^[^.]+\\.pkg\\.example\\.com$",
    "acl https port 443",
    "http_access allow github https",
    "http_access allow mirrors https",
    "http_access deny all",
    "",
].join("\n");

function workload(
    name: string,
    ns: string,
    labels: Record<string, string>,
    annotations = {},
    volumes: unknown[] = [],
): FakeResource {
    return {
        type: "kubernetes:apps/v1:Deployment",
        name,
        props: {
            metadata: { name, namespace: ns, annotations },
            spec: {
                selector: { matchLabels: labels },
                template: {
                    metadata: { labels },
                    spec: { containers: [{ name, image: `${name}:1` }], volumes },
                },
            },
        },
    };
}
const configMap = (name: string, ns: string, data: unknown): FakeResource => ({
    type: "kubernetes:core/v1:ConfigMap",
    name,
    props: { metadata: { name, namespace: ns }, data },
});
/** A Squid Deployment declared as the egress proxy, with its allowlist ConfigMap. */
const squid = (conf: string = ALLOWLIST, ref = "squid-allowlist"): FakeResource[] => [
    namespace("egress-proxy"),
    workload("squid", "egress-proxy", { app: "squid" }, { "agentguard.io/egress-proxy": ref }, [
        { name: "conf", configMap: { name: "squid-allowlist" } },
    ]),
    configMap("squid-allowlist", "egress-proxy", { "squid.conf": conf }),
];
const peer = (ns: string, pods?: Record<string, string>) => ({
    namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": ns } },
    ...(pods === undefined ? {} : { podSelector: { matchLabels: pods } }),
});
const agentTo = (to: unknown[], port = 3128) =>
    egressPolicy("agent-a", "to-peer", [{ to, ports: [{ protocol: "TCP", port }] }]);
const base = [namespace("agent-a"), defaultDenyEgress("agent-a")];

describe("kubernetes-forbid-onward-egress-routes: onward routes through other namespaces", () => {
    it("accepts a declared Squid proxy whose allowlist is narrow, even with open egress of its own", async () => {
        expect(await run([...base, ...squid(), agentTo([peer("egress-proxy", { app: "squid" })])])).toEqual(
            [],
        );
    });

    it("accepts the declaration on the Namespace, and a ConfigMap key named in the annotation", async () => {
        const ns = namespace("egress-proxy");
        (ns.props.metadata as Record<string, unknown>).annotations = {
            "agentguard.io/egress-proxy": "proxy-conf/allow.conf",
        };
        const v = await run([
            ...base,
            ns,
            configMap("proxy-conf", "egress-proxy", { "allow.conf": ALLOWLIST, "mime.conf": "x" }),
            agentTo([peer("egress-proxy")]),
        ]);
        expect(v).toEqual([]);
    });

    it.each([
        ["allows every request", "http_access allow all\n", /allows requests to any destination/],
        [
            "allows a public suffix",
            "acl a dstdomain -n .COM.\nhttp_access allow a\nhttp_access deny all\n",
            /public suffix "com"/,
        ],
        [
            "allows a whole domain at any depth (leading dot)",
            "acl a dstdomain -n .example.com\nhttp_access allow a\nhttp_access deny all\n",
            /multi-level wildcard/,
        ],
        [
            "allows a shared cloud domain in mixed case",
            "acl a dstdom_regex -n -i ^[^.]+\\.AmazonAWS\\.com$\nhttp_access allow a\nhttp_access deny all\n",
            /amazonaws\.com/,
        ],
        [
            "uses a regex the pack cannot read",
            "acl a dstdom_regex .*\nhttp_access allow a\nhttp_access deny all\n",
            /cannot judge/,
        ],
        [
            "ends with a narrow deny, so the default allows",
            "acl a dstdomain -n api.github.com\nacl bad dstdomain -n evil.example\nhttp_access allow a\nhttp_access deny bad\n",
            /last http_access line .* is a deny/,
        ],
        ["includes a file", "include /etc/squid/conf.d/*\nhttp_access deny all\n", /includes a file/],
        [
            "reads names from a file",
            'acl a dstdomain "/etc/squid/allow.txt"\nhttp_access allow a\nhttp_access deny all\n',
            /file the pack cannot see/,
        ],
        [
            "negates its name acl",
            "acl a dstdomain -n api.github.com\nhttp_access allow !a\nhttp_access deny all\n",
            /any destination/,
        ],
        [
            "omits -n, so an IP request matches by its reverse-DNS name",
            "acl a dstdomain api.github.com\nhttp_access allow a\nhttp_access deny all\n",
            /dstdomain without -n: for a request to an IP address Squid matches the address's reverse-DNS name/,
        ],
        [
            "allows the root (every name)",
            "acl a dstdomain -n .\nhttp_access allow a\nhttp_access deny all\n",
            /every domain name/,
        ],
        [
            "uses an undefined acl",
            "http_access allow localnet\nhttp_access deny all\n",
            /acl localnet, which is not defined/,
        ],
        [
            "allows the metadata endpoint by address",
            "acl a dstdomain -n 169.254.169.254\nhttp_access allow a\nhttp_access deny all\n",
            /IP address literal \(169\.254\.169\.254, written as dotted decimal; link-local/,
        ],
        [
            "allows the metadata endpoint with a trailing dot",
            "acl a dstdomain -n 169.254.169.254.\nhttp_access allow a\nhttp_access deny all\n",
            /IP address literal \(169\.254\.169\.254/,
        ],
        [
            "allows the metadata endpoint as one decimal number",
            "acl a dstdomain -n 2852039166\nhttp_access allow a\nhttp_access deny all\n",
            /single number/,
        ],
        [
            "allows the metadata endpoint in octal",
            "acl a dstdomain -n 0251.0376.0251.0376\nhttp_access allow a\nhttp_access deny all\n",
            /octal/,
        ],
        [
            "allows the metadata endpoint in hex, upper case",
            "acl a dstdomain -n 0XA9FEA9FE\nhttp_access allow a\nhttp_access deny all\n",
            /hexadecimal/,
        ],
        [
            "allows loopback in short form",
            "acl a dstdomain -n 127.1\nhttp_access allow a\nhttp_access deny all\n",
            /127\.0\.0\.1.*loopback/,
        ],
        [
            "allows an IPv4-mapped IPv6 literal in brackets",
            "acl a dstdomain -n [::ffff:169.254.169.254]\nhttp_access allow a\nhttp_access deny all\n",
            /IPv4-mapped IPv6/,
        ],
        [
            "allows a bare IPv6 literal",
            "acl a dstdomain -n fd00:ec2::254\nhttp_access allow a\nhttp_access deny all\n",
            /IPv6/,
        ],
        [
            "allows an address through an exact regex",
            "acl a dstdom_regex -n ^169\\.254\\.169\\.254$\nhttp_access allow a\nhttp_access deny all\n",
            /IP address literal/,
        ],
        [
            "allows Google's metadata name",
            "acl a dstdomain -n metadata.google.internal\nhttp_access allow a\nhttp_access deny all\n",
            /metadata server/,
        ],
        [
            "allows the bare metadata label",
            "acl a dstdomain -n metadata\nhttp_access allow a\nhttp_access deny all\n",
            /metadata\.google\.internal on Google Cloud/,
        ],
        [
            "allows EC2's metadata name",
            "acl a dstdomain -n instance-data.us-west-2.compute.internal\nhttp_access allow a\nhttp_access deny all\n",
            /EC2 instance metadata/,
        ],
        [
            "allows one label under the metadata name's domain",
            "acl a dstdom_regex -n ^[^.]+\\.google\\.internal$\nhttp_access allow a\nhttp_access deny all\n",
            /can match metadata\.google\.internal/,
        ],
        [
            "allows a wildcard-DNS service",
            "acl a dstdomain -n .nip.io\nhttp_access allow a\nhttp_access deny all\n",
            /wildcard-DNS/,
        ],
        [
            "allows a public DoH resolver",
            "acl a dstdomain -n dns.google\nhttp_access allow a\nhttp_access deny all\n",
            /public DNS resolver Google Public DNS/,
        ],
        [
            "allows every Cloudflare resolver endpoint",
            "acl a dstdom_regex -n ^[^.]+\\.cloudflare-dns\\.com$\nhttp_access allow a\nhttp_access deny all\n",
            /public DNS resolver Cloudflare/,
        ],
        [
            "allows the API server by Service name",
            "acl a dstdomain -n kubernetes.default.svc\nhttp_access allow a\nhttp_access deny all\n",
            /cluster Service/,
        ],
    ])("rejects a declared proxy whose allowlist %s", async (_, conf, why) => {
        const v = await run([...base, ...squid(conf), agentTo([peer("egress-proxy", { app: "squid" })])]);
        expect(v).toHaveLength(1);
        expect(v[0].urn).toBe(urnOf(NP, "to-peer"));
        expect(v[0].message).toMatch(
            /NetworkPolicy to-peer in agent namespace agent-a: spec\.egress\[0\]\.to\[0\] lets agent pods reach pods .*squid.* in namespace egress-proxy, which is declared an egress proxy by squid, but its allowlist egress-proxy\/squid-allowlist squid\.conf: (line|its last)/,
        );
        expect(v[0].message).toMatch(why);
    });

    it("rejects a declared proxy that does not mount its allowlist, and one declared on the Namespace whose workload does not", async () => {
        const resources = squid();
        resources[1] = workload(
            "squid",
            "egress-proxy",
            { app: "squid" },
            { "agentguard.io/egress-proxy": "squid-allowlist" },
        );
        const v = await run([...base, ...resources, agentTo([peer("egress-proxy", { app: "squid" })])]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(
            /declared an egress proxy by squid, but its workload squid does not mount the allowlist ConfigMap squid-allowlist/,
        );
        const ns = namespace("egress-proxy");
        (ns.props.metadata as Record<string, unknown>).annotations = {
            "agentguard.io/egress-proxy": "squid-allowlist",
        };
        const byNs = await run([
            ...base,
            ns,
            workload("relay", "egress-proxy", { app: "relay" }),
            configMap("squid-allowlist", "egress-proxy", { "squid.conf": ALLOWLIST }),
            agentTo([peer("egress-proxy")]),
        ]);
        expect(byNs[0]?.message).toMatch(
            /declared an egress proxy by Namespace egress-proxy, but its workload relay does not mount/,
        );
    });

    it("rejects a declared proxy whose ConfigMap is missing, unknown, or has no readable key", async () => {
        const missing = await run([...base, ...squid(ALLOWLIST, "other"), agentTo([peer("egress-proxy")])]);
        expect(missing[0]?.message).toMatch(
            /allowlist ConfigMap egress-proxy\/other is not declared in this stack/,
        );
        const unknown = [...squid()];
        unknown[2] = configMap("squid-allowlist", "egress-proxy", UNKNOWN);
        expect((await run([...base, ...unknown, agentTo([peer("egress-proxy")])]))[0]?.message).toMatch(
            /is unknown during preview/,
        );
        const keys = [...squid()];
        keys[2] = configMap("squid-allowlist", "egress-proxy", { a: ALLOWLIST, b: "" });
        expect((await run([...base, ...keys, agentTo([peer("egress-proxy")])]))[0]?.message).toMatch(
            /has no squid\.conf entry to read \(keys: a, b\)/,
        );
    });

    it("rejects a peer whose namespace has no default-deny egress, and one whose allows are wide", async () => {
        const open = await run([
            ...base,
            namespace("tools"),
            workload("relay", "tools", { app: "relay" }),
            agentTo([peer("tools", { app: "relay" })], 8080),
        ]);
        expect(open).toHaveLength(1);
        expect(open[0].message).toMatch(
            /reach pods .*relay.* in namespace tools, whose own egress is open: namespace tools has no default-deny egress policy .* so they can relay agent traffic out of the cluster/,
        );
        const wide = await run([
            ...base,
            namespace("tools"),
            defaultDenyEgress("tools"),
            egressPolicy("tools", "tools-out", [
                { to: [{ ipBlock: { cidr: "0.0.0.0/1" } }, { ipBlock: { cidr: "128.0.0.0/1" } }] },
            ]),
            agentTo([peer("tools")], 8080),
        ]);
        expect(wide).toHaveLength(1);
        expect(wide[0].message).toMatch(/whose policies together allow egress to every IPv4 address/);
    });

    it("rejects a proxy and a non-proxy workload behind one peer, and a namespaceSelector-wide peer", async () => {
        const mixed = await run([
            ...base,
            ...squid(),
            workload("debug", "egress-proxy", { app: "squid", role: "debug" }),
            agentTo([peer("egress-proxy", { app: "squid" })]),
        ]);
        expect(mixed[0]?.message).toMatch(/whose own egress is open/);
        const wide = await run([
            ...base,
            namespace("tools"),
            workload("relay", "tools", { app: "relay" }),
            agentTo([{ namespaceSelector: {}, podSelector: { matchLabels: { app: "relay" } } }], 8080),
        ]);
        expect(wide.map((x) => x.message).join("\n")).toMatch(/in namespace tools, whose own egress is open/);
    });

    it("judges Cilium toEndpoints by namespace name or label, and toServices", async () => {
        const cilium = (egress: unknown[]): FakeResource => ({
            type: CNP,
            name: "cnp",
            props: {
                metadata: { name: "cnp", namespace: "agent-a" },
                spec: { endpointSelector: {}, egress },
            },
        });
        const tools = [namespace("tools", { tier: "shared" }), workload("relay", "tools", { app: "relay" })];
        const byName = await run([
            ...base,
            ...tools,
            cilium([{ toEndpoints: [{ matchLabels: { "k8s:io.kubernetes.pod.namespace": "tools" } }] }]),
        ]);
        expect(byName.map((x) => x.urn)).toEqual([urnOf(CNP, "cnp")]);
        expect(byName[0].message).toMatch(
            /spec\.egress\[0\]\.toEndpoints\[0\] lets agent pods reach every pod in namespace tools/,
        );
        const byLabel = await run([
            ...base,
            ...tools,
            cilium([
                {
                    toEndpoints: [
                        { matchLabels: { "io.cilium.k8s.namespace.labels.tier": "shared", app: "relay" } },
                    ],
                },
            ]),
        ]);
        expect(byLabel[0]?.message).toMatch(/in namespace tools, whose own egress is open/);
        const service: FakeResource = {
            type: "kubernetes:core/v1:Service",
            name: "relay",
            props: { metadata: { name: "relay", namespace: "tools" }, spec: { selector: { app: "relay" } } },
        };
        const bySvc = await run([
            ...base,
            ...tools,
            service,
            cilium([{ toServices: [{ k8sService: { serviceName: "relay", namespace: "tools" } }] }]),
        ]);
        expect(bySvc[0]?.message).toMatch(
            /toServices\[0\] lets agent pods reach pods .*relay.* in namespace tools \(through Service tools\/relay\)/,
        );
    });

    it("reports an undeclared peer that looks like a proxy as unknown, by name, label or port", async () => {
        for (const [to, port, why] of [
            [peer("egress-proxy", { app: "web" }), 8080, /namespace egress-proxy/],
            [peer("shared", { app: "Squid" }), 8080, /pod label app=Squid/],
            [peer("shared", { app: "web" }), 3128, /port 3128/],
            [{ namespaceSelector: { matchLabels: { role: "egress" } } }, 443, /namespace label role=egress/],
        ] as const) {
            const v = await run([...base, agentTo([to], port)]);
            expect(v, JSON.stringify(to)).toHaveLength(1);
            expect(v[0].message).toMatch(/and they look like an egress proxy/);
            expect(v[0].message).toMatch(why);
        }
    });

    it("fails closed on a namespaceSelector value unknown during preview, and reads a named proxy port", async () => {
        const unknown = await run([
            ...base,
            agentTo([{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": UNKNOWN } } }]),
        ]);
        expect(unknown).toHaveLength(1);
        expect(unknown[0].message).toMatch(
            /spec\.egress\[0\]\.to\[0\] has a namespaceSelector with values unknown during preview/,
        );
        const named = await run([
            ...base,
            egressPolicy("agent-a", "to-peer", [
                { to: [peer("shared", { app: "web" })], ports: [{ protocol: "TCP", port: "squid-http" }] },
            ]),
        ]);
        expect(named[0]?.message).toMatch(/look like an egress proxy \(port squid-http\)/);
    });

    it("accepts the shapes real clusters have: kube-dns, the namespace itself, agent namespaces, undeclared services, confined peers, non-agent namespaces", async () => {
        const v = await run([
            ...base,
            namespace("agent-b"),
            namespace("shared"),
            defaultDenyEgress("shared"),
            egressPolicy("shared", "shared-out", [
                { to: [{ ipBlock: { cidr: "203.0.113.10/32" } }], ports: [{ protocol: "TCP", port: 443 }] },
            ]),
            workload("api", "shared", { app: "api" }),
            egressPolicy("agent-a", "allowed", [
                {
                    to: [
                        peer("kube-system", { "k8s-app": "kube-dns" }),
                        { podSelector: { matchLabels: { app: "cache" } } },
                        peer("agent-b"),
                        peer("shared", { app: "api" }),
                        // A service another stack runs that does not look like a proxy: not flagged (see docs).
                        peer("payments", { app: "ledger" }),
                    ],
                    ports: [{ protocol: "TCP", port: 8443 }],
                },
            ]),
            // Monitoring scrapes everything and has open egress: not agent egress.
            namespace("monitoring"),
            egressPolicy("monitoring", "scrape", [{ to: [peer("tools")] }]),
            workload("prometheus", "monitoring", { app: "prometheus" }),
        ]);
        expect(v).toEqual([]);
    });
});

describe("kubernetes-forbid-onward-egress-routes: judges a shared proxy per agent", () => {
    const PER_AGENT = [
        "http_port 3130",
        "http_port 3131",
        "acl a_in localport 3130",
        "acl b_in localport 3131",
        "acl a_dst dstdomain -n api.github.com",
        "acl b_dst dstdomain -n docs.example.com",
        "http_access allow a_in a_dst",
        "http_access allow b_in b_dst",
        "http_access deny all",
        "",
    ].join("\n");
    const agents = [
        namespace("agent-a"),
        defaultDenyEgress("agent-a"),
        namespace("agent-b"),
        defaultDenyEgress("agent-b"),
    ];
    const to = (ns: string, ports: number[], target: unknown = peer("egress-proxy", { app: "squid" })) =>
        egressPolicy(ns, "to-proxy", [
            {
                to: [target],
                ...(ports.length > 0 && { ports: ports.map((port) => ({ protocol: "TCP", port })) }),
            },
        ]);
    const urns = async (resources: FakeResource[]) => (await run(resources)).map((v) => v.urn).sort();
    const both = [urnOf(NP, "to-proxy"), urnOf(NP, "to-proxy")];

    it("accepts agents that each reach only their own port, whose lines are bound to it", async () => {
        expect(
            await run([...agents, ...squid(PER_AGENT), to("agent-a", [3130]), to("agent-b", [3131])]),
        ).toEqual([]);
    });

    it("accepts one agent alone on a proxy whose lines are not bound to ports", async () => {
        expect(await run([...agents, ...squid(), to("agent-a", [3128])])).toEqual([]);
    });

    it("rejects two agents on one allowlist whose lines are not bound to ports, on each side", async () => {
        const v = await run([...agents, ...squid(), to("agent-a", [3128]), to("agent-b", [3128])]);
        expect(v).toHaveLength(2);
        expect(v.map((x) => x.message).join("\n")).toMatch(
            /agent namespace agent-a: .* which agent namespace agent-b reaches too, and both may use its line 5 "http_access allow github https", line 6 .* one proxy per agent/,
        );
    });

    it.each([
        ["an agent allowed the other's port too", [3130], [3130, 3131], PER_AGENT],
        ["an agent allowed every port", [3130], [], PER_AGENT],
        [
            "a negated localport, which binds nothing",
            [3130],
            [3131],
            PER_AGENT.replace("http_access allow b_in b_dst", "http_access allow !a_in b_dst"),
        ],
        [
            "a localport acl the pack cannot read as ports",
            [3130],
            [3131],
            PER_AGENT.replace("acl b_in localport 3131", "acl b_in localport 3131-3140"),
        ],
    ])("rejects %s", async (_, aPorts, bPorts, conf) => {
        expect(await urns([...agents, ...squid(conf), to("agent-a", aPorts), to("agent-b", bPorts)])).toEqual(
            both,
        );
    });

    it("rejects the same proxy reached through a different selector", async () => {
        const v = await urns([
            ...agents,
            ...squid(),
            to("agent-a", [3128]),
            to("agent-b", [3128], peer("egress-proxy")),
        ]);
        expect(v).toEqual(both);
    });
});
