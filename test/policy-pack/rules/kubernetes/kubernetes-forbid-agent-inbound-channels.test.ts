import { describe, expect, it } from "vitest";
import { kubernetesForbidAgentInboundChannels } from "../../../../policy-pack/rules/kubernetes/kubernetes-forbid-agent-inbound-channels";
import { clusterNamespaceOf } from "../../../../core/kubernetes/inbound-channels";
import { runStackPolicy, UNKNOWN, urnOf, type FakeResource } from "../../../helpers/policy-harness";
import { codeOf, deployment, namespace, resourceQuota, withProps } from "./fixtures";

const SVC = "kubernetes:core/v1:Service";
const ING = "kubernetes:networking.k8s.io/v1:Ingress";
const HTTP_ROUTE = "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute";
const GRANT = "kubernetes:gateway.networking.k8s.io/v1beta1:ReferenceGrant";
const NP = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
const CNP = "kubernetes:cilium.io/v2:CiliumNetworkPolicy";
const reason = "approved by the platform team in review";

const run = (resources: FakeResource[], config: Record<string, unknown> = {}) =>
    runStackPolicy(kubernetesForbidAgentInboundChannels, resources, { config });
/** `[code, urn]` of each violation. */
const found = async (resources: FakeResource[], config: Record<string, unknown> = {}) =>
    (await run(resources, config)).map((v) => [codeOf(v), v.urn]);

const service = (name: string, ns: unknown, spec: unknown): FakeResource => ({
    type: SVC,
    name,
    props: { metadata: { name, namespace: ns }, spec },
});
const coder = { selector: { app: "coder" }, ports: [{ port: 8080 }] };
const base = [
    namespace("agent-a"),
    namespace("web"),
    deployment("coder", "agent-a", { containers: [{ name: "coder", image: "coder:1" }] }),
    service("coder", "agent-a", coder),
];
const ingress = (name: string, ns: string, backend: string): FakeResource => ({
    type: ING,
    name,
    props: {
        metadata: { name, namespace: ns },
        spec: {
            rules: [
                {
                    host: "coder.example.com",
                    http: {
                        paths: [
                            {
                                path: "/",
                                pathType: "Prefix",
                                backend: { service: { name: backend, port: { number: 80 } } },
                            },
                        ],
                    },
                },
            ],
        },
    },
});
const route = (name: string, ns: string, backendRef: unknown, type = HTTP_ROUTE): FakeResource => ({
    type,
    name,
    props: {
        metadata: { name, namespace: ns },
        spec: {
            parentRefs: [{ name: "public", namespace: "gateways" }],
            rules: [{ backendRefs: [backendRef] }],
        },
    },
});
const grant = (from: unknown[], to: unknown[]): FakeResource => ({
    type: GRANT,
    name: "allow-web",
    props: { metadata: { name: "allow-web", namespace: "agent-a" }, spec: { from, to } },
});
const ingressPolicy = (
    name: string,
    ingressRules: unknown,
    extra: Record<string, unknown> = {},
): FakeResource => ({
    type: NP,
    name,
    props: {
        metadata: { name, namespace: "agent-a" },
        spec: { podSelector: {}, policyTypes: ["Ingress"], ingress: ingressRules, ...extra },
    },
});

describe("kubernetes-forbid-agent-inbound-channels: Services", () => {
    it("accepts the agent's ClusterIP Service, and a Service without a type", async () => {
        expect(await run(base)).toEqual([]);
        expect(await run([...base, service("plain", "agent-a", { ...coder, type: "ClusterIP" })])).toEqual(
            [],
        );
    });

    it.each([
        ["LoadBalancer", "inbound/load-balancer"],
        ["NodePort", "inbound/node-port"],
    ])("rejects a %s Service in an agent namespace", async (type, code) => {
        const v = await run([...base, service("exposed", "agent-a", { ...coder, type })]);
        expect(v.map(codeOf)).toEqual([code]);
        expect(v[0].urn).toBe(urnOf(SVC, "exposed"));
        expect(v[0].message).toMatch(
            new RegExp(`^\\[${code}\\] Service exposed in agent namespace agent-a is of type ${type}`, "m"),
        );
    });

    it("rejects an internal-load-balancer annotation: the controller decides, not the pack", async () => {
        const internal = service("internal", "agent-a", { ...coder, type: "LoadBalancer" });
        (internal.props.metadata as Record<string, unknown>).annotations = {
            "service.beta.kubernetes.io/aws-load-balancer-internal": "true",
        };
        expect((await run([...base, internal])).map(codeOf)).toEqual(["inbound/load-balancer"]);
    });

    it("rejects the evasion: a ServicePatch that turns the agent's Service into a LoadBalancer", async () => {
        const patch: FakeResource = {
            type: "kubernetes:core/v1:ServicePatch",
            name: "coder-lb",
            props: { metadata: { name: "coder", namespace: "agent-a" }, spec: { type: "LoadBalancer" } },
        };
        expect((await run([...base, patch])).map(codeOf)).toEqual(["inbound/load-balancer"]);
    });

    it("rejects a Service of an agent namespace named by the label, not the pattern", async () => {
        const labelled = namespace("ml-jobs", { "agentguard.io/agent": "ml" });
        const v = await run([...base, labelled, service("jobs", "ml-jobs", { ...coder, type: "NodePort" })]);
        expect(v.map(codeOf)).toEqual(["inbound/node-port"]);
    });

    it("rejects externalIPs on a ClusterIP Service", async () => {
        const v = await found([
            ...base,
            service("ext", "agent-a", { ...coder, externalIPs: ["203.0.113.7"] }),
        ]);
        expect(v).toEqual([["inbound/external-ip", urnOf(SVC, "ext")]]);
    });

    it.each([
        ["a type unknown during preview", UNKNOWN],
        ["a type Kubernetes does not define (lower case)", "nodeport"],
        ["a type that is not a string", 30000],
    ])("fails closed on %s", async (_, type) => {
        const v = await run([...base, service("odd", "agent-a", { ...coder, type })]);
        expect(v.map(codeOf)).toEqual(["inbound/unreadable"]);
    });

    it("fails closed on unknown externalIPs and an unknown spec", async () => {
        expect(
            (await run([...base, service("a", "agent-a", { ...coder, externalIPs: UNKNOWN })])).map(codeOf),
        ).toEqual(["inbound/unreadable"]);
        expect((await run([...base, service("b", "agent-a", UNKNOWN)])).map(codeOf)).toEqual([
            "inbound/unreadable",
        ]);
    });

    it("rejects a LoadBalancer Service whose namespace is unknown: it may be an agent namespace", async () => {
        const v = await run([...base, service("where", UNKNOWN, { ...coder, type: "LoadBalancer" })]);
        expect(v.map(codeOf)).toEqual(["inbound/load-balancer"]);
        expect(v[0].message).toMatch(/possibly an agent namespace/);
    });

    it("accepts a LoadBalancer in another namespace selecting the agent's labels: a selector never leaves its namespace", async () => {
        expect(await run([...base, service("lookalike", "web", { ...coder, type: "LoadBalancer" })])).toEqual(
            [],
        );
    });
});

describe("kubernetes-forbid-agent-inbound-channels: selectorless Services with hand-written endpoints", () => {
    const lb = service("relay", "web", { type: "LoadBalancer", ports: [{ port: 80 }] });
    const slice = (targetRef: unknown): FakeResource => ({
        type: "kubernetes:discovery.k8s.io/v1:EndpointSlice",
        name: "relay-1",
        props: {
            metadata: {
                name: "relay-1",
                namespace: "web",
                labels: { "kubernetes.io/service-name": "relay" },
            },
            addressType: "IPv4",
            endpoints: [{ addresses: ["10.1.2.3"], targetRef }],
        },
    });

    it("rejects the evasion: a LoadBalancer elsewhere whose EndpointSlice points at an agent pod", async () => {
        const v = await run([...base, lb, slice({ kind: "Pod", name: "coder-0", namespace: "agent-a" })]);
        expect(v.map(codeOf)).toEqual(["inbound/load-balancer"]);
        expect(v[0].message).toMatch(
            /hand-written endpoints point at Pod coder-0 in agent namespace agent-a/,
        );
    });

    it("rejects a NodePort elsewhere whose Endpoints name an agent pod, and fails closed on an unknown target", async () => {
        const np = service("relay", "web", { type: "NodePort" });
        const endpoints: FakeResource = {
            type: "kubernetes:core/v1:Endpoints",
            name: "relay",
            props: {
                metadata: { name: "relay", namespace: "web" },
                subsets: [
                    {
                        addresses: [
                            { ip: "10.1.2.3", targetRef: { kind: "Pod", name: "c", namespace: "agent-a" } },
                        ],
                    },
                ],
            },
        };
        expect((await run([...base, np, endpoints])).map(codeOf)).toEqual(["inbound/node-port"]);
        expect((await run([...base, lb, slice(UNKNOWN)])).map(codeOf)).toEqual(["inbound/load-balancer"]);
    });

    it("accepts hand-written endpoints of pods outside agent namespaces", async () => {
        expect(await run([...base, lb, slice({ kind: "Pod", name: "site-0", namespace: "web" })])).toEqual(
            [],
        );
    });
});

describe("kubernetes-forbid-agent-inbound-channels: Ingress and ExternalName aliases", () => {
    it("rejects an Ingress in an agent namespace, naming its backends", async () => {
        const v = await run([...base, ingress("public", "agent-a", "coder")]);
        expect(v.map(codeOf)).toEqual(["inbound/ingress"]);
        expect(v[0].message).toMatch(/spec\.rules\[0\]\.http\.paths\[0\]\.backend → Service coder/);
    });

    it("rejects a v1beta1 Ingress default backend in an agent namespace", async () => {
        const old: FakeResource = {
            type: "kubernetes:extensions/v1beta1:Ingress",
            name: "old",
            props: {
                metadata: { name: "old", namespace: "agent-a" },
                spec: { backend: { serviceName: "coder", servicePort: 80 } },
            },
        };
        expect((await run([...base, old])).map(codeOf)).toEqual(["inbound/ingress"]);
    });

    it("rejects a resource backend in an agent namespace, and fails closed on an unknown spec there", async () => {
        const res: FakeResource = {
            type: ING,
            name: "bucket",
            props: {
                metadata: { name: "bucket", namespace: "agent-a" },
                spec: {
                    defaultBackend: { resource: { apiGroup: "k8s.example.com", kind: "Bucket", name: "b" } },
                },
            },
        };
        const v = await run([...base, res]);
        expect(v.map(codeOf)).toEqual(["inbound/ingress"]);
        expect(v[0].message).toMatch(/a resource backend/);
        const unknown: FakeResource = {
            ...res,
            name: "later",
            props: { metadata: { name: "later", namespace: "agent-a" }, spec: UNKNOWN },
        };
        expect((await run([...base, unknown])).map(codeOf)).toEqual(["inbound/unreadable"]);
    });

    it("accepts an Ingress in another namespace to that namespace's own Service", async () => {
        expect(
            await run([
                ...base,
                service("site", "web", { selector: { app: "site" } }),
                ingress("site", "web", "site"),
            ]),
        ).toEqual([]);
    });

    it.each([
        "coder.agent-a.svc.cluster.local",
        "CODER.Agent-A.svc.cluster.local.",
        "coder.agent-a.svc",
        "coder.agent-a",
        "coder.agent-a.svc.corp.internal",
    ])("rejects the evasion: an Ingress elsewhere to an ExternalName alias %s", async (externalName) => {
        const alias = service("alias", "web", { type: "ExternalName", externalName });
        const v = await found([...base, alias, ingress("front", "web", "alias")]);
        expect(v).toEqual([["inbound/ingress", urnOf(ING, "front")]]);
    });

    it("accepts an ExternalName alias of a host outside agent namespaces", async () => {
        const alias = service("alias", "web", { type: "ExternalName", externalName: "api.example.com" });
        expect(await run([...base, alias, ingress("front", "web", "alias")])).toEqual([]);
    });

    it("fails closed on an alias whose externalName is unknown, and an Ingress backend unknown during preview", async () => {
        const alias = service("alias", "web", { type: "ExternalName", externalName: UNKNOWN });
        expect((await run([...base, alias, ingress("front", "web", "alias")])).map(codeOf)).toEqual([
            "inbound/ingress",
        ]);
        expect((await run([...base, ingress("front", "web", UNKNOWN)])).map(codeOf)).toEqual([
            "inbound/unreadable",
        ]);
    });
});

describe("kubernetes-forbid-agent-inbound-channels: ingress controllers' own routes", () => {
    const cr = (
        type: string,
        name: string,
        ns: string,
        spec: unknown,
        labels?: Record<string, string>,
    ): FakeResource => ({
        type,
        name,
        props: { metadata: { name, namespace: ns, ...(labels ? { labels } : {}) }, spec },
    });

    it.each([
        "kubernetes:traefik.io/v1alpha1:IngressRoute",
        "kubernetes:traefik.containo.us/v1alpha1:IngressRouteTCP",
        "kubernetes:projectcontour.io/v1:HTTPProxy",
        "kubernetes:networking.istio.io/v1beta1:VirtualService",
        "kubernetes:route.openshift.io/v1:Route",
        "kubernetes:getambassador.io/v3alpha1:Mapping",
        "kubernetes:serving.knative.dev/v1:Service",
    ])("rejects a %s in an agent namespace", async (type) => {
        const v = await found([...base, cr(type, "r", "agent-a", {})]);
        expect(v).toEqual([["inbound/ingress", urnOf(type, "r")]]);
    });

    it("accepts a Knative Service labelled cluster-local, and fails closed on unknown labels", async () => {
        const type = "kubernetes:serving.knative.dev/v1:Service";
        const local = cr(type, "k", "agent-a", {}, { "networking.knative.dev/visibility": "cluster-local" });
        expect(await run([...base, local])).toEqual([]);
        const unknown = {
            ...local,
            props: { metadata: { name: "k", namespace: "agent-a", labels: UNKNOWN }, spec: {} },
        };
        expect((await run([...base, unknown])).map(codeOf)).toEqual(["inbound/unreadable"]);
    });

    it("rejects the evasion: an Istio VirtualService in another namespace routing to an agent Service's host", async () => {
        const type = "kubernetes:networking.istio.io/v1:VirtualService";
        const vs = cr(type, "front", "web", {
            hosts: ["coder.example.com"],
            gateways: ["istio-system/public"],
            http: [
                { route: [{ destination: { host: "site.web.svc.cluster.local" } }] },
                {
                    route: [
                        { destination: { host: "coder.agent-a.svc.cluster.local", port: { number: 8080 } } },
                    ],
                },
            ],
        });
        expect(await found([...base, vs])).toEqual([["inbound/ingress", urnOf(type, "front")]]);
        const own = cr(type, "own", "web", { http: [{ route: [{ destination: { host: "site" } }] }] });
        expect(await run([...base, own])).toEqual([]);
    });
});

describe("kubernetes-forbid-agent-inbound-channels: Gateway API routes", () => {
    it("rejects an HTTPRoute in another namespace with a cross-namespace backend, and the ReferenceGrant that admits it", async () => {
        const v = await found([
            ...base,
            route("expose", "web", { name: "coder", namespace: "agent-a", port: 8080 }),
            grant(
                [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", namespace: "web" }],
                [{ group: "", kind: "Service" }],
            ),
        ]);
        expect(v).toEqual([
            ["inbound/gateway-route", urnOf(HTTP_ROUTE, "expose")],
            ["inbound/gateway-route", urnOf(GRANT, "allow-web")],
        ]);
    });

    it.each(["TCPRoute", "TLSRoute", "GRPCRoute", "UDPRoute"])(
        "rejects a %s in an agent namespace",
        async (kind) => {
            const type = `kubernetes:gateway.networking.k8s.io/v1alpha2:${kind}`;
            const v = await found([...base, route("r", "agent-a", { name: "coder", port: 8080 }, type)]);
            expect(v).toEqual([["inbound/gateway-route", urnOf(type, "r")]]);
        },
    );

    it("rejects a route elsewhere to an ExternalName alias of an agent Service", async () => {
        const alias = service("alias", "web", {
            type: "ExternalName",
            externalName: "coder.agent-a.svc.cluster.local",
        });
        expect(
            (await run([...base, alias, route("r", "web", { name: "alias", port: 80 })])).map(codeOf),
        ).toEqual(["inbound/gateway-route"]);
    });

    it("accepts a route to its own namespace's Service, and a ReferenceGrant that admits no route", async () => {
        expect(
            await run([
                ...base,
                service("site", "web", { selector: { app: "site" } }),
                route("site", "web", { name: "site", port: 80 }),
                grant(
                    [{ group: "gateway.networking.k8s.io", kind: "Gateway", namespace: "gateways" }],
                    [{ group: "", kind: "Secret" }],
                ),
            ]),
        ).toEqual([]);
    });

    it("rejects a Gateway in an agent namespace, not one in the platform's namespace", async () => {
        const gateway = (ns: string): FakeResource => ({
            type: "kubernetes:gateway.networking.k8s.io/v1:Gateway",
            name: `gw-${ns}`,
            props: {
                metadata: { name: "public", namespace: ns },
                spec: {
                    gatewayClassName: "envoy",
                    listeners: [{ name: "http", port: 80, protocol: "HTTP" }],
                },
            },
        });
        expect((await run([...base, gateway("agent-a")])).map(codeOf)).toEqual(["inbound/gateway-route"]);
        expect(await run([...base, gateway("gateways")])).toEqual([]);
    });

    it("fails closed on a backendRef unknown during preview", async () => {
        expect(
            (await run([...base, route("r", "web", { name: "coder", namespace: UNKNOWN })])).map(codeOf),
        ).toEqual(["inbound/unreadable"]);
    });
});

describe("kubernetes-forbid-agent-inbound-channels: agent NetworkPolicy ingress", () => {
    it("accepts ingress from named pods and the default deny", async () => {
        const narrow = ingressPolicy("from-gateway", [
            { from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "web" } } }] },
        ]);
        expect(await run([...base, narrow])).toEqual([]);
    });

    it.each([
        ["an ingress rule without from", [{}], /has no `from`/],
        ["an empty from list", [{ from: [] }], /has no `from`/],
        ["an empty peer", [{ from: [{}] }], /empty peer/],
        ["0.0.0.0/0", [{ from: [{ ipBlock: { cidr: "0.0.0.0/0" } }] }], /admit every IPv4 address/],
        [
            "a public /8, beyond the budget",
            [{ from: [{ ipBlock: { cidr: "8.0.0.0/8" } }] }],
            /more than the budget/,
        ],
    ])("rejects %s", async (_, rules, why) => {
        const v = await run([...base, ingressPolicy("in", rules)]);
        expect(v.map(codeOf)).toEqual(["inbound/open-ingress"]);
        expect(v[0].message).toMatch(why);
    });

    it("rejects the evasion: the internet split across two policies of the namespace, once", async () => {
        const v = await run([
            ...base,
            ingressPolicy("low", [{ from: [{ ipBlock: { cidr: "0.0.0.0/1" } }] }]),
            ingressPolicy("high", [{ from: [{ ipBlock: { cidr: "128.0.0.0/1" } }] }]),
        ]);
        expect(v.map(codeOf)).toEqual(["inbound/open-ingress"]);
        expect(v[0].message).toMatch(/together with those of high admit every IPv4 address/);
    });

    it("judges ingress when policyTypes is omitted, and ignores it when only Egress is governed", async () => {
        const omitted = ingressPolicy("omitted", [{}]);
        delete (omitted.props.spec as Record<string, unknown>).policyTypes;
        expect((await run([...base, omitted])).map(codeOf)).toEqual(["inbound/open-ingress"]);
        const egressOnly = ingressPolicy("egress-only", [{}], { policyTypes: ["Egress"] });
        expect(await run([...base, egressOnly])).toEqual([]);
    });

    it("rejects a CiliumNetworkPolicy admitting the world entity, in any case", async () => {
        const cnp: FakeResource = {
            type: CNP,
            name: "world-in",
            props: {
                metadata: { name: "world-in", namespace: "agent-a" },
                spec: { endpointSelector: {}, ingress: [{ fromEntities: ["World"] }] },
            },
        };
        expect((await run([...base, cnp])).map(codeOf)).toEqual(["inbound/open-ingress"]);
    });

    it("fails closed on unknown ingress rules, and ignores policies of other namespaces", async () => {
        expect((await run([...base, ingressPolicy("u", UNKNOWN)])).map(codeOf)).toEqual([
            "inbound/unreadable",
        ]);
        const web = ingressPolicy("web-open", [{}]);
        (web.props.metadata as Record<string, unknown>).namespace = "web";
        expect(await run([...base, web])).toEqual([]);
    });
});

describe("kubernetes-forbid-agent-inbound-channels: exemptions by code", () => {
    const both = service("exposed", "agent-a", {
        ...coder,
        type: "LoadBalancer",
        externalIPs: ["203.0.113.7"],
    });

    it("waives only the findings whose code matches", async () => {
        const v = await run([...base, both], {
            exemptions: [{ resource: "exposed", code: "inbound/load-*", reason }],
        });
        expect(v.map(codeOf)).toEqual(["inbound/external-ip"]);
    });

    it("a code glob that matches every inbound code waives everything on that resource only", async () => {
        const other = service("other", "agent-a", { ...coder, type: "NodePort" });
        const v = await run([...base, both, other], {
            exemptions: [{ resource: "exposed", code: "inbound/*", reason }],
        });
        expect(v.map((x) => [codeOf(x), x.urn])).toEqual([["inbound/node-port", urnOf(SVC, "other")]]);
    });

    it("rejects an egress code on this rule, naming the allowed codes", async () => {
        await expect(
            run(base, { exemptions: [{ resource: "exposed", code: "egress/*", reason }] }),
        ).rejects.toThrow(
            /kubernetes-forbid-agent-inbound-channels: exemptions\[0\]\.code "egress\/\*" matches no finding code of the rule; allowed are its codes inbound\/load-balancer, /,
        );
    });
});

describe("clusterNamespaceOf", () => {
    it.each([
        ["svc.ns", "ns"],
        ["svc.ns.svc.cluster.local", "ns"],
        ["10-0-0-1.ns.pod.cluster.local", "ns"],
        ["api.example.com", undefined],
        ["example", undefined],
    ])("%s → %s", (host, ns) => {
        expect(clusterNamespaceOf(host)).toBe(ns);
    });
});

describe("kubernetes-forbid-agent-inbound-channels: RBAC that lets agents open channels themselves", () => {
    const ROLE = "kubernetes:rbac.authorization.k8s.io/v1:Role";
    const CLUSTER_ROLE = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole";
    const RB = "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding";
    const CRB = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding";
    const role = (name: string, ns: string, rules: unknown[]): FakeResource => ({
        type: ROLE,
        name,
        props: { metadata: { name, namespace: ns }, rules },
    });
    const binding = (name: string, ns: string, roleName: string, sa = "runner"): FakeResource => ({
        type: RB,
        name,
        props: {
            metadata: { name, namespace: ns },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: roleName },
            subjects: [{ kind: "ServiceAccount", name: sa, namespace: "agent-a" }],
        },
    });
    const writeServices = [{ apiGroups: [""], resources: ["services"], verbs: ["create", "get"] }];
    const closedQuota = resourceQuota("exposure", "agent-a", {
        "services.loadbalancers": "0",
        "services.nodeports": 0,
    });

    it("rejects a Role of an agent namespace that lets the agent create Services with no exposure quota", async () => {
        const v = await run([
            ...base,
            role("expose", "agent-a", writeServices),
            binding("expose", "agent-a", "expose"),
        ]);
        expect(v.map((x) => [codeOf(x), x.urn])).toEqual([["inbound/rbac-grant", urnOf(RB, "expose")]]);
        expect(v[0].message).toMatch(
            /LoadBalancer or NodePort.*services\.loadbalancers: "0" and services\.nodeports: "0"/,
        );
    });

    it("accepts Service writes beside an unscoped quota that sets LoadBalancers and NodePorts to zero", async () => {
        expect(
            await found([
                ...base,
                closedQuota,
                role("expose", "agent-a", writeServices),
                binding("expose", "agent-a", "expose"),
            ]),
        ).toEqual([]);
    });

    it("rejects Service writes when the zero quota is scoped or caps only LoadBalancers", async () => {
        const scoped = withProps(closedQuota, {
            spec: {
                hard: { "services.loadbalancers": "0", "services.nodeports": "0" },
                scopes: ["BestEffort"],
            },
        });
        const half = resourceQuota("exposure", "agent-a", {
            "services.loadbalancers": "0",
            "services.nodeports": "2",
        });
        for (const quota of [scoped, half]) {
            expect(
                await found([
                    ...base,
                    quota,
                    role("expose", "agent-a", writeServices),
                    binding("expose", "agent-a", "expose"),
                ]),
            ).toEqual([["inbound/rbac-grant", urnOf(RB, "expose")]]);
        }
    });

    it.each([
        [["ingresses"], ["create"]],
        [["httproutes", "referencegrants"], ["update"]],
        [["gateways"], ["patch"]],
        [["ingressroutes"], ["*"]],
        [["*"], ["create"]],
    ])("rejects writes to %j (verbs %j) even beside the exposure quota", async (resources, verbs) => {
        const r = role("expose", "agent-a", [{ apiGroups: ["*"], resources, verbs }]);
        expect(await found([...base, closedQuota, r, binding("expose", "agent-a", "expose")])).toEqual([
            ["inbound/rbac-grant", urnOf(RB, "expose")],
        ]);
    });

    it("accepts read-only access to routes and Services", async () => {
        const r = role("look", "agent-a", [
            {
                apiGroups: ["", "networking.k8s.io"],
                resources: ["services", "ingresses"],
                verbs: ["get", "list", "watch"],
            },
        ]);
        expect(await found([...base, r, binding("look", "agent-a", "look")])).toEqual([]);
    });

    it("rejects a ClusterRoleBinding that lets an agent create ingresses anywhere", async () => {
        const cr: FakeResource = {
            type: CLUSTER_ROLE,
            name: "ingress-writer",
            props: {
                metadata: { name: "ingress-writer" },
                rules: [{ apiGroups: ["networking.k8s.io"], resources: ["ingresses"], verbs: ["create"] }],
            },
        };
        const crb: FakeResource = {
            type: CRB,
            name: "ingress-writer",
            props: {
                metadata: { name: "ingress-writer" },
                roleRef: {
                    apiGroup: "rbac.authorization.k8s.io",
                    kind: "ClusterRole",
                    name: "ingress-writer",
                },
                subjects: [{ kind: "Group", name: "system:serviceaccounts:agent-a" }],
            },
        };
        expect(await found([...base, cr, crb])).toEqual([
            ["inbound/rbac-grant", urnOf(CRB, "ingress-writer")],
        ]);
    });

    it("leaves bindings of non-agent service accounts alone", async () => {
        const r = role("expose", "agent-a", writeServices);
        const b = withProps(binding("expose", "agent-a", "expose"), {
            subjects: [{ kind: "ServiceAccount", name: "deployer", namespace: "platform" }],
        });
        expect(await found([...base, r, b])).toEqual([]);
    });
});

describe("kubernetes-forbid-agent-inbound-channels: tunnel operators", () => {
    const annotated = (annotations: unknown): FakeResource => ({
        type: SVC,
        name: "coder",
        props: { metadata: { name: "coder", namespace: "agent-a", annotations }, spec: coder },
    });
    const withoutService = base.filter((r) => r.type !== SVC);
    const NGROK = "kubernetes:ngrok.k8s.ngrok.com/v1alpha1:AgentEndpoint";
    const endpoint = (ns: string, upstream: string): FakeResource => ({
        type: NGROK,
        name: "ep",
        props: {
            metadata: { name: "ep", namespace: ns },
            spec: { url: "https://coder.ngrok.app", upstream: { url: upstream } },
        },
    });

    it("rejects an agent Service annotated tailscale.com/expose", async () => {
        expect(await found([...withoutService, annotated({ "tailscale.com/expose": "true" })])).toEqual([
            ["inbound/tunnel", urnOf(SVC, "coder")],
        ]);
    });

    it("accepts the annotation set to false, other annotations, and fails closed on unknown annotations", async () => {
        expect(
            await found([...withoutService, annotated({ "tailscale.com/expose": "false", team: "ml" })]),
        ).toEqual([]);
        expect(await found([...withoutService, annotated(UNKNOWN)])).toEqual([
            ["inbound/unreadable", urnOf(SVC, "coder")],
        ]);
    });

    it.each(["http://coder.agent-a:8080", "coder.agent-a.svc.cluster.local:8080", "tcp://coder.agent-a.svc"])(
        "rejects an ngrok endpoint elsewhere that forwards to %s",
        async (upstream) => {
            expect(await found([...base, endpoint("ngrok-operator", upstream)])).toEqual([
                ["inbound/tunnel", urnOf(NGROK, "ep")],
            ]);
        },
    );

    it("rejects any ngrok resource in an agent namespace, and accepts one elsewhere forwarding to a platform Service", async () => {
        expect(await found([...base, endpoint("agent-a", "http://coder:8080")])).toEqual([
            ["inbound/tunnel", urnOf(NGROK, "ep")],
        ]);
        expect(await found([...base, endpoint("ngrok-operator", "http://docs.web:80")])).toEqual([]);
    });
});
