import { describe, expect, it } from "vitest";
import { kubernetesForbidOpenEgress } from "../../../../policy-pack/rules/kubernetes/kubernetes-forbid-open-egress";
import { runStackPolicy, urnOf, type FakeResource } from "../../../helpers/policy-harness";
import { defaultDenyEgress, namespace } from "./fixtures";

/** Cilium entities, endpoints, services and nodes; (Baseline)AdminNetworkPolicy pods, namespaces and nodes peers. */

const CNP = "kubernetes:cilium.io/v2:CiliumNetworkPolicy";
const CCNP = "kubernetes:cilium.io/v2:CiliumClusterwideNetworkPolicy";
const ANP = "kubernetes:policy.networking.k8s.io/v1alpha1:AdminNetworkPolicy";
const BANP = "kubernetes:policy.networking.k8s.io/v1alpha1:BaselineAdminNetworkPolicy";

const run = (resources: FakeResource[]) => runStackPolicy(kubernetesForbidOpenEgress, resources);
const base = [namespace("agent-a"), defaultDenyEgress("agent-a")];

function cilium(name: string, ns: string | undefined, egress: unknown[], type = CNP): FakeResource {
    const metadata = ns === undefined ? { name } : { name, namespace: ns };
    return { type, name, props: { metadata, spec: { endpointSelector: {}, egress } } };
}

function service(name: string, ns: string, spec: Record<string, unknown>): FakeResource {
    return { type: "kubernetes:core/v1:Service", name, props: { metadata: { name, namespace: ns }, spec } };
}

function admin(name: string, to: unknown[], type = ANP, subject: unknown = { namespaces: {} }): FakeResource {
    return {
        type,
        name,
        props: {
            metadata: { name },
            spec: { priority: 5, subject, egress: [{ name: "r", action: "Allow", to }] },
        },
    };
}

const messages = (v: { message: string }[]) => v.map((x) => x.message).join("\n");

describe("kubernetes-forbid-open-egress Cilium entities", () => {
    it.each([
        ["cluster", /every pod of every namespace/],
        ["host", /the local node/],
        ["remote-node", /every other node/],
        ["kube-apiserver", /Kubernetes API server/],
        ["unmanaged", /pods that Cilium does not manage/],
        [" Host ", /the local node/],
        ["World-IPv4", /every IPv4 address outside the cluster/],
    ])("rejects toEntities %j in an agent namespace", async (entity, reach) => {
        const v = await run([...base, cilium("e", "agent-a", [{ toEntities: [entity] }])]);
        expect(v).toHaveLength(1);
        expect(v[0].urn).toBe(urnOf(CNP, "e"));
        expect(v[0].message).toMatch(reach);
    });

    it("fails closed on an entity it does not know, and accepts init, health and ingress", async () => {
        const unknown = await run([...base, cilium("e", "agent-a", [{ toEntities: ["everything"] }])]);
        expect(messages(unknown)).toMatch(/entity "everything" is not a Cilium entity this pack knows/);
        expect(
            await run([...base, cilium("e", "agent-a", [{ toEntities: ["init", "health", "ingress"] }])]),
        ).toEqual([]);
    });

    it("accepts cluster and host entities in a non-agent namespace (a CNI or monitoring agent)", async () => {
        expect(
            await run([
                ...base,
                namespace("kube-system"),
                cilium("cilium-agent", "kube-system", [
                    { toEntities: ["cluster", "host", "kube-apiserver"] },
                ]),
            ]),
        ).toEqual([]);
    });

    it("rejects toNodes and a rule that has only toRequires (Cilium reads it as no destination)", async () => {
        const v = await run([
            ...base,
            cilium("nodes", "agent-a", [{ toNodes: [{ matchLabels: { role: "worker" } }] }]),
            cilium("req", "agent-a", [{ toRequires: [{ matchLabels: { env: "prod" } }] }]),
        ]);
        expect(messages(v.filter((x) => x.urn === urnOf(CNP, "nodes")))).toMatch(/toNodes selects nodes/);
        expect(messages(v.filter((x) => x.urn === urnOf(CNP, "req")))).toMatch(/names no destination/);
    });
});

describe("kubernetes-forbid-open-egress Cilium toEndpoints", () => {
    const endpoints = (selector: unknown, type = CNP, ns: string | undefined = "agent-a") =>
        cilium("ep", ns, [{ toEndpoints: [selector] }], type);

    it.each([
        [
            "Exists on the namespace label",
            { matchExpressions: [{ key: "k8s:io.kubernetes.pod.namespace", operator: "Exists" }] },
        ],
        [
            "NotIn a few namespaces",
            {
                matchExpressions: [
                    { key: "io.kubernetes.pod.namespace", operator: "NotIn", values: ["kube-system"] },
                ],
            },
        ],
        [
            "Exists on the namespace name label plus a pod label exclusion",
            {
                matchExpressions: [
                    {
                        key: "k8s:io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name",
                        operator: "Exists",
                    },
                    { key: "app", operator: "DoesNotExist" },
                ],
            },
        ],
        ["reserved:host", { matchLabels: { "reserved:host": "" } }],
        ["reserved:kube-apiserver", { matchLabels: { "reserved:kube-apiserver": "" } }],
    ])("rejects a selector that looks narrow but spans the cluster: %s", async (_, selector) => {
        const v = await run([...base, endpoints(selector)]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(/toEndpoints\[0\] .*(every endpoint of every namespace|reserved:)/);
    });

    it("rejects {} in a clusterwide policy (every endpoint of the cluster)", async () => {
        const v = await run([...base, endpoints({}, CCNP, undefined)]);
        expect(v).toHaveLength(1);
        expect(v[0].urn).toBe(urnOf(CCNP, "ep"));
    });

    it("accepts {} in a namespaced policy (its own namespace) and kube-dns in kube-system", async () => {
        const dns = {
            matchLabels: { "k8s:io.kubernetes.pod.namespace": "kube-system", "k8s:k8s-app": "kube-dns" },
        };
        expect(await run([...base, endpoints({})])).toEqual([]);
        expect(await run([...base, endpoints(dns)])).toEqual([]);
        expect(await run([...base, endpoints(dns, CCNP, undefined)])).toEqual([]);
        const anyNamespaceDns = {
            matchLabels: { "k8s:k8s-app": "kube-dns" },
            matchExpressions: [{ key: "k8s:io.kubernetes.pod.namespace", operator: "Exists" }],
        };
        expect(await run([...base, endpoints(anyNamespaceDns)])).toEqual([]);
    });
});

describe("kubernetes-forbid-open-egress Cilium toServices", () => {
    const toService = (k8sService: unknown) => cilium("svc", "agent-a", [{ toServices: [k8sService] }]);

    it("accepts a declared Service with a pod selector and the cluster's DNS", async () => {
        expect(
            await run([
                ...base,
                service("api", "agent-a", { selector: { app: "api" } }),
                toService({ k8sService: { serviceName: "api" } }),
            ]),
        ).toEqual([]);
        expect(
            await run([
                ...base,
                toService({ k8sService: { serviceName: "kube-dns", namespace: "kube-system" } }),
            ]),
        ).toEqual([]);
    });

    it("fails closed on selectorless, ExternalName, undeclared and label-selected Services", async () => {
        const cases: [FakeResource[], unknown, RegExp][] = [
            [
                [service("out", "agent-a", { ports: [{ port: 443 }] })],
                { k8sService: { serviceName: "out" } },
                /no pod selector/,
            ],
            [
                [service("ext", "agent-a", { type: "ExternalName", externalName: "evil.example" })],
                { k8sService: { serviceName: "ext" } },
                /ExternalName/,
            ],
            [[], { k8sService: { serviceName: "elsewhere", namespace: "web" } }, /does not declare/],
            [[], { k8sServiceSelector: { selector: {} } }, /selects Services by label/],
        ];
        for (const [extra, entry, reason] of cases) {
            const v = await run([...base, ...extra, toService(entry)]);
            expect(v, JSON.stringify(entry)).toHaveLength(1);
            expect(v[0].message).toMatch(reason);
        }
    });
});

describe("kubernetes-forbid-open-egress AdminNetworkPolicy peers", () => {
    it.each([
        [
            "pods with empty selectors",
            { pods: { namespaceSelector: {}, podSelector: {} } },
            /\.pods .*every .*pods of every namespace/,
        ],
        [
            "pods in all but kube-system",
            {
                pods: {
                    namespaceSelector: {
                        matchExpressions: [
                            {
                                key: "kubernetes.io/metadata.name",
                                operator: "NotIn",
                                values: ["kube-system"],
                            },
                        ],
                    },
                    podSelector: {},
                },
            },
            /\.pods /,
        ],
        [
            "namespaces that only exclude",
            { namespaces: { matchExpressions: [{ key: "tenant", operator: "DoesNotExist" }] } },
            /\.namespaces .*every pod of every namespace/,
        ],
        [
            "nodes",
            { nodes: { matchLabels: { "node-role.kubernetes.io/worker": "" } } },
            /\.nodes allows egress to nodes/,
        ],
    ])("rejects an Allow to %s", async (_, peer, reason) => {
        const v = await run([...base, admin("anp", [peer])]);
        expect(v).toHaveLength(1);
        expect(v[0].urn).toBe(urnOf(ANP, "anp"));
        expect(v[0].message).toMatch(reason);
    });

    it("accepts an Allow to named pods in kube-system, and fails closed on unknown peer fields and actions", async () => {
        const dns = {
            pods: {
                namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
                podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
            },
        };
        expect(await run([...base, admin("dns", [dns])])).toEqual([]);
        expect(messages(await run([...base, admin("odd", [{ everything: true }])]))).toMatch(
            /peer fields everything that the pack does not know/,
        );
        const lower: FakeResource = {
            type: ANP,
            name: "lower",
            props: {
                metadata: { name: "lower" },
                spec: {
                    subject: { namespaces: {} },
                    egress: [{ action: "allow", to: [{ networks: ["0.0.0.0/0"] }] }],
                },
            },
        };
        expect(messages(await run([...base, lower]))).toMatch(
            /action "allow" is not one of Allow, Deny, Pass/,
        );
    });

    it("judges a BaselineAdminNetworkPolicy Allow the same way (it applies where no NetworkPolicy decides)", async () => {
        const v = await run([
            namespace("agent-a"),
            admin("default", [{ networks: ["0.0.0.0/0"] }, { namespaces: {} }], BANP),
        ]);
        expect(v.every((x) => x.urn === urnOf(BANP, "default"))).toBe(true);
        expect(messages(v)).toMatch(
            /BaselineAdminNetworkPolicy default .*applies wherever their NetworkPolicies do not decide/,
        );
        expect(messages(v)).toMatch(/every IPv4 address/);
        expect(messages(v)).toMatch(/namespaces \(\{\}\) selects every/);
    });

    it("accepts a BaselineAdminNetworkPolicy for kube-system only", async () => {
        const subject = { namespaces: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } } };
        expect(await run([...base, admin("default", [{ networks: ["0.0.0.0/0"] }], BANP, subject)])).toEqual(
            [],
        );
    });
});
