import Ajv from "ajv";
import * as yaml from "js-yaml";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { AgentRuntime, type AgentRuntimeArgs } from "../../../../components/kubernetes/agent-runtime";
import { kubernetesRules } from "../../../../policy-pack/rules/kubernetes";
import { fromRegistered, runPolicies, type FakeResource } from "../../../helpers/policy-harness";
import { declaredSquidProxy } from "../../../policy-pack/rules/kubernetes/fixtures";
import { installPulumiMocks, type RecordedResource } from "../../../helpers/pulumi-mocks";

const mocks = installPulumiMocks();
beforeEach(() => mocks.reset());

const CNP = "kubernetes:cilium.io/v2:CiliumNetworkPolicy";
const NP = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
// The published CiliumNetworkPolicy CRD (see test/fixtures/cilium/README.md); its v2 openAPIV3Schema is what the
// API server validates a CiliumNetworkPolicy against.
type SchemaNode = { [key: string]: unknown };
const crd = yaml.load(
    readFileSync(join(__dirname, "../../../fixtures/cilium/ciliumnetworkpolicies.yaml"), "utf8"),
) as { spec: { versions: { name: string; schema: { openAPIV3Schema: SchemaNode } }[] } };
const v2 = crd.spec.versions.find((v) => v.name === "v2");
if (v2 === undefined) throw new Error("the CiliumNetworkPolicy CRD fixture has no v2 version");
// kubectl's default (--validate=strict) asks the API server to reject fields the schema does not declare; JSON
// Schema allows them, so every object the CRD declares properties for is closed here, as strict validation does.
function closeObjects(node: unknown): unknown {
    if (Array.isArray(node)) return node.map(closeObjects);
    if (node === null || typeof node !== "object") return node;
    const out: SchemaNode = {};
    for (const [key, value] of Object.entries(node as SchemaNode)) out[key] = closeObjects(value);
    if (out.type === "object" && out.properties !== undefined && out.additionalProperties === undefined) {
        out.additionalProperties = false;
    }
    return out;
}
// strict: false lets Ajv ignore the Kubernetes extensions (x-kubernetes-int-or-string, x-kubernetes-list-type).
const validateCnp = new Ajv({
    allErrors: true,
    strict: false,
    validateFormats: false,
    logger: false,
}).compile(closeObjects(v2.schema.openAPIV3Schema) as object);

const github = { host: "api.github.com", ports: [{ port: 443 }], description: "GitHub REST API" };
const base: AgentRuntimeArgs = { agentId: "coder", owner: "ml-platform" };

async function build(args: Partial<AgentRuntimeArgs>) {
    const runtime = new AgentRuntime("rt", { ...base, ...args });
    await mocks.settle();
    return runtime;
}
const cnp = () => mocks.resources.find((r) => r.type === CNP);
const np = (name: string) => mocks.findResource(NP, name);
const egressOf = (r: RecordedResource | undefined) =>
    ((r?.inputs.spec as { egress?: unknown[] }) ?? {}).egress ?? [];

async function judge(args: Partial<AgentRuntimeArgs>): Promise<string[]> {
    await build(args);
    return (await runPolicies(kubernetesRules, fromRegistered(mocks.resources))).map(
        (v) => `${v.policy}: ${v.message}`,
    );
}

describe("AgentRuntime egressHosts in Cilium mode", () => {
    it("emits toFQDNs and a DNS rule limited to the listed names, valid against the Cilium CRD schema", async () => {
        await build({
            egressEnforcement: "cilium",
            egressHosts: [
                github,
                {
                    host: "*.pkg.example.com",
                    ports: [{ port: 443 }, { port: 8443 }],
                    description: "mirrors",
                },
            ],
        });
        const policy = cnp();
        expect(policy?.name).toBe("rt-allow-hosts");
        expect(validateCnp(policy?.inputs), JSON.stringify(validateCnp.errors)).toBe(true);
        const egress = egressOf(policy) as Record<string, unknown>[];
        expect(egress[0]).toMatchObject({
            toPorts: [
                { rules: { dns: [{ matchName: "api.github.com" }, { matchPattern: "*.pkg.example.com" }] } },
            ],
        });
        expect(egress.slice(1)).toEqual([
            {
                toFQDNs: [{ matchName: "api.github.com" }],
                toPorts: [{ ports: [{ port: "443", protocol: "TCP" }] }],
            },
            {
                toFQDNs: [{ matchPattern: "*.pkg.example.com" }],
                toPorts: [
                    {
                        ports: [
                            { port: "443", protocol: "TCP" },
                            { port: "8443", protocol: "TCP" },
                        ],
                    },
                ],
            },
        ]);
        // The NetworkPolicy DNS allow would add unfiltered port 53 next to Cilium's DNS filter: it allows nothing.
        expect(egressOf(np("rt-allow-dns"))).toEqual([]);
    });

    it("with CIDR-only egress allows no DNS at all, and while suspended nothing", async () => {
        await build({ egressEnforcement: "cilium" });
        expect(egressOf(cnp())).toEqual([]);
        expect(validateCnp(cnp()?.inputs)).toBe(true);
        expect(egressOf(np("rt-allow-dns"))).toEqual([]);
        mocks.reset();
        await build({ egressEnforcement: "cilium", egressHosts: [github], suspended: true });
        expect(egressOf(cnp())).toEqual([]);
    });

    it("the schema fixture can fail: it rejects a misspelt field, a non-ASCII name and a non-string name", () => {
        const cnpOf = (spec: unknown) => ({
            apiVersion: "cilium.io/v2",
            kind: "CiliumNetworkPolicy",
            metadata: {},
            spec,
        });
        const ok = { endpointSelector: {}, egress: [{ toFQDNs: [{ matchName: "a.example.com" }] }] };
        expect(validateCnp(cnpOf(ok)), JSON.stringify(validateCnp.errors)).toBe(true);
        // matchName's pattern in the CRD is ^([-a-zA-Z0-9_]+[.]?)+$
        const spec = { endpointSelector: {}, egress: [{ toFQDNs: [{ matchName: "bücher.example" }] }] };
        expect(validateCnp(cnpOf(spec))).toBe(false);
        const numeric = { endpointSelector: {}, egress: [{ toFQDNs: [{ matchName: 42 }] }] };
        expect(validateCnp(cnpOf(numeric))).toBe(false);
        // spec needs exactly one of endpointSelector and nodeSelector
        expect(validateCnp(cnpOf({ egress: ok.egress }))).toBe(false);
        const typo = { endpointSelector: {}, egress: [{ toFQDN: [{ matchName: "a.example.com" }] }] };
        expect(
            validateCnp({
                apiVersion: "cilium.io/v2",
                kind: "CiliumNetworkPolicy",
                metadata: {},
                spec: typo,
            }),
        ).toBe(false);
    });

    it("passes the policy pack", async () => {
        expect(
            await judge({
                egressEnforcement: "cilium",
                egressHosts: [
                    github,
                    { host: "*.pkg.example.com", ports: [{ port: 443 }], description: "mirrors" },
                ],
                egress: [{ cidr: "10.30.0.0/24", ports: [{ port: 443 }], description: "internal API" }],
            }),
        ).toEqual([]);
    });
});

describe("AgentRuntime Cilium mode beside hand-written policies", () => {
    it("the pack rejects a port-53 allow added next to the runtime's DNS filter, naming both policies", async () => {
        await build({ egressEnforcement: "cilium", egressHosts: [github] });
        const dns: FakeResource = {
            type: NP,
            name: "extra-dns",
            props: {
                metadata: { name: "extra-dns", namespace: "agent-coder" },
                spec: {
                    podSelector: {},
                    policyTypes: ["Egress"],
                    egress: [
                        {
                            to: [
                                {
                                    namespaceSelector: {
                                        matchLabels: { "kubernetes.io/metadata.name": "kube-system" },
                                    },
                                    podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
                                },
                            ],
                            ports: [{ port: "domain", protocol: "UDP" }],
                        },
                    ],
                },
            },
        };
        const v = await runPolicies(kubernetesRules, [...fromRegistered(mocks.resources), dns]);
        expect(v.map((x) => x.message)).toEqual([
            expect.stringMatching(
                /NetworkPolicy extra-dns in agent namespace agent-coder: spec\.egress\[0\] allows port 53 .* beside the DNS name filter \(rules\.dns\) of CiliumNetworkPolicy rt-allow-hosts/,
            ),
        ]);
    });
});

describe("AgentRuntime egress proxy mode", () => {
    const proxy = { namespace: "egress-proxy", podLabels: { app: "squid" }, port: 3128 };

    it("allows only the proxy (and CIDR entries), no DNS, and gives Squid ACL lines", async () => {
        const runtime = await build({
            egressEnforcement: "proxy",
            egressProxy: proxy,
            egressHosts: [github],
        });
        expect(egressOf(np("rt-allow-dns"))).toEqual([]);
        expect(egressOf(np("rt-allow-egress"))).toEqual([
            {
                to: [
                    {
                        namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "egress-proxy" } },
                        podSelector: { matchLabels: { app: "squid" } },
                    },
                ],
                ports: [{ protocol: "TCP", port: 3128 }],
            },
        ]);
        expect(cnp()).toBeUndefined();
        expect(runtime.proxyAllowlist).toContain("acl agent_coder_0_dst dstdomain -n api.github.com");
        expect(runtime.proxyAllowlist).toMatch(/http_access deny all\n$/);
    });

    it("writes one-label regexes for patterns; the pack passes the emitted policies once the proxy is in the stack", async () => {
        const mirrors = { host: "*.pkg.example.com", ports: [{ port: 443 }], description: "mirrors" };
        const runtime = await build({
            egressEnforcement: "proxy",
            egressProxy: proxy,
            egressHosts: [mirrors],
        });
        expect(runtime.proxyAllowlist).toContain("dstdom_regex -n ^[^.]+\\.pkg\\.example\\.com$");
        expect(runtime.proxyAllowlist).toContain("acl agent_coder_0_port port 443");
        const judgeWith = async (extra: FakeResource[]) =>
            (await runPolicies(kubernetesRules, [...fromRegistered(mocks.resources), ...extra])).map(
                (v) => `${v.policy}: ${v.message}`,
            );
        // Without the proxy, the pack cannot see what it forwards, and says so.
        expect(await judgeWith([])).toEqual([
            expect.stringMatching(
                /rt-allow-egress in agent namespace agent-coder: .* in namespace egress-proxy, which this stack does not describe .* look like an egress proxy/,
            ),
        ]);
        // What docs/components.md asks the platform to deploy: the proxy annotated with its allowlist ConfigMap.
        const squid: FakeResource[] = declaredSquidProxy(
            `http_port 3128\n${runtime.proxyAllowlist}`,
            "ubuntu/squid:6.6-24.04_beta",
        );
        expect(await judgeWith(squid)).toEqual([]);
    });

    it("requires egressProxy in proxy mode and rejects it otherwise", () => {
        expect(() => new AgentRuntime("p", { ...base, egressEnforcement: "proxy" })).toThrow(
            /egressProxy = undefined is not allowed; egressEnforcement "proxy" needs/,
        );
        expect(() => new AgentRuntime("p", { ...base, egressProxy: proxy })).toThrow(
            /egressProxy .* only used with egressEnforcement "proxy"/,
        );
        expect(
            () =>
                new AgentRuntime("p", {
                    ...base,
                    egressEnforcement: "proxy",
                    egressProxy: { ...proxy, namespace: "agent-x" },
                }),
        ).toThrow(/egressProxy.namespace = "agent-x"/);
    });
});

describe("AgentRuntime egressHosts validation", () => {
    const reject = (host: string, why: RegExp) =>
        expect(
            () =>
                new AgentRuntime("v", {
                    ...base,
                    egressEnforcement: "cilium",
                    egressHosts: [{ host, ports: [{ port: 443 }], description: "x" }],
                }),
        ).toThrow(why);

    it("rejects host names in NetworkPolicy mode, which has nothing to enforce them", () => {
        expect(() => new AgentRuntime("v", { ...base, egressHosts: [github] })).toThrow(
            /egressHosts = \["api.github.com"\] is not allowed; a NetworkPolicy cannot name hosts/,
        );
    });

    it("rejects whole public suffixes and shared cloud domains", () => {
        reject("*.com", /public suffix "com"/);
        reject("*.co.uk", /public suffix "co.uk"/);
        reject("*.amazonaws.com", /amazonaws.com, where every AWS customer/);
        reject("*.s3.amazonaws.com", /amazonaws.com/);
        reject("*.githubusercontent.com", /githubusercontent.com/);
        reject(
            "*.trycloudflare.com",
            /public suffix "trycloudflare.com" \(Public Suffix List, private section/,
        );
    });

    it("rejects the evasions: mixed case, trailing dot, Unicode, **., partial and inner wildcards, empty labels", () => {
        reject("API.GitHub.com", /upper-case letters/);
        reject("api.github.com.", /trailing dot/);
        reject("bücher.example", /punycode \(xn--\) form/);
        reject("**.example.com", /multi-level wildcard/);
        reject("api*.example.com", /whole first label/);
        reject("api.*.example.com", /whole first label/);
        reject("*", /single label/);
        reject("api..example.com", /empty label/);
        reject(".example.com", /empty label/);
        reject("localhost", /single label/);
        reject(`${"a".repeat(64)}.example.com`, /longer than 63/);
        reject(`${"a.".repeat(127)}com`, /longer than 253/);
        reject("-a.example.com", /not a DNS label/);
    });

    it("accepts punycode names and narrow patterns, and checks ports and descriptions", () => {
        const ok = (host: string) =>
            new AgentRuntime("ok", {
                ...base,
                egressEnforcement: "cilium",
                egressHosts: [{ ...github, host }],
            });
        expect(() => ok("xn--bcher-kva.example")).not.toThrow();
        expect(() => ok("*.example.co.uk")).not.toThrow();
        expect(() => ok("s3.eu-west-1.amazonaws.com")).not.toThrow();
        const bad = (rule: Record<string, unknown>) => () =>
            new AgentRuntime("bad", {
                ...base,
                egressEnforcement: "cilium",
                egressHosts: [{ ...github, ...rule } as never],
            });
        expect(bad({ ports: [] })).toThrow(/egressHosts\[0\]\.ports = \[\] is not allowed/);
        expect(bad({ ports: [{ port: 70000 }] })).toThrow(/port = 70000 .* from 1 to 65535/);
        expect(bad({ ports: [{ port: 443, protocol: "tcp" }] })).toThrow(/expected TCP, UDP or SCTP/);
        expect(bad({ description: " " })).toThrow(/description/);
        // The published Cilium CRD has no endPort: a range would be rejected or pruned to its first port.
        expect(bad({ ports: [{ port: 443 }, { port: 8000, endPort: 8080 }] })).toThrow(
            /egressHosts\[0\]\.ports\[1\]\.endPort = 8080 .*single ports/,
        );
        expect(
            () =>
                new AgentRuntime("dup", {
                    ...base,
                    egressEnforcement: "cilium",
                    egressHosts: [github, github],
                }),
        ).toThrow(/listed twice/);
        expect(() => new AgentRuntime("m", { ...base, egressEnforcement: "calico" as never })).toThrow(
            /egressEnforcement = "calico" is not allowed; expected one of "networkPolicy", "cilium", "proxy"/,
        );
    });
});
