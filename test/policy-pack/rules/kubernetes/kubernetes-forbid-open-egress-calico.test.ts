import { describe, expect, it } from "vitest";
import {
    calicoSelectsNearlyEverything,
    parseCalicoSelector,
} from "../../../../core/kubernetes/calico-selectors";
import { kubernetesForbidOpenEgress } from "../../../../policy-pack/rules/kubernetes/kubernetes-forbid-open-egress";
import { runStackPolicy, UNKNOWN, urnOf, type FakeResource } from "../../../helpers/policy-harness";
import { codeOf, defaultDenyEgress, namespace, WIDE_AND_METADATA } from "./fixtures";

const NP = "kubernetes:projectcalico.org/v3:NetworkPolicy";
const CRD_NP = "kubernetes:crd.projectcalico.org/v1:NetworkPolicy";
const GNP = "kubernetes:projectcalico.org/v3:GlobalNetworkPolicy";
const GNS = "kubernetes:projectcalico.org/v3:GlobalNetworkSet";
const NS_SET = "kubernetes:projectcalico.org/v3:NetworkSet";

const run = (resources: FakeResource[]) => runStackPolicy(kubernetesForbidOpenEgress, resources);
const base = [namespace("agent-a"), defaultDenyEgress("agent-a")];
const messages = (v: { message: string }[]) => v.map((x) => x.message).join("\n");

function calico(
    name: string,
    ns: string | undefined,
    spec: Record<string, unknown>,
    type = NP,
): FakeResource {
    return { type, name, props: { metadata: ns === undefined ? { name } : { name, namespace: ns }, spec } };
}
const allow = (destination?: unknown) => ({ action: "Allow", protocol: "TCP", destination });
const global = (name: string, spec: Record<string, unknown>) => calico(name, undefined, spec, GNP);

function networkSet(name: string, labels: Record<string, string>, nets: unknown, ns?: string): FakeResource {
    return {
        type: ns === undefined ? GNS : NS_SET,
        name,
        props: {
            metadata: ns === undefined ? { name, labels } : { name, namespace: ns, labels },
            spec: { nets },
        },
    };
}

describe("Calico selector parsing", () => {
    it.each([
        "",
        "all()",
        "!has(app)",
        "app != 'x'",
        "app not in {'a', \"b\"}",
        "has(projectcalico.org/namespace)",
    ])("reads %j as matching nearly everything", (text) =>
        expect(calicoSelectsNearlyEverything(parseCalicoSelector(text))).toBe(true),
    );
    it.each([
        "app == 'x'",
        "has(app)",
        "all() && role in {'db'}",
        "projectcalico.org/namespace == 'kube-system'",
    ])("reads %j as narrow", (text) =>
        expect(calicoSelectsNearlyEverything(parseCalicoSelector(text))).toBe(false),
    );
    it("rejects text it cannot read", () => {
        for (const text of ["app = 'x'", "app == x", "has(app", "app == 'x' &&", "app matches 'x'"]) {
            expect(() => parseCalicoSelector(text), text).toThrow();
        }
    });
});

describe("kubernetes-forbid-open-egress Calico NetworkPolicy", () => {
    it("rejects an Allow with no destination despite the Kubernetes default deny, in v3 and CRD form", async () => {
        for (const type of [NP, CRD_NP]) {
            const v = await run([
                ...base,
                calico(
                    "open",
                    "agent-a",
                    { selector: "app == 'runner'", order: 5000, egress: [allow()] },
                    type,
                ),
            ]);
            expect(v).toHaveLength(1);
            expect(v[0].urn).toBe(urnOf(type, "open"));
            expect(v[0].message).toMatch(
                /Calico NetworkPolicy open in agent namespace agent-a: spec\.egress\[0\] allows egress with no destination/,
            );
        }
    });

    it("rejects open nets, notNets-only destinations and nets split with a Kubernetes NetworkPolicy", async () => {
        const v = await run([
            ...base,
            calico("nets", "agent-a", { egress: [allow({ nets: ["0.0.0.0/0"] })] }),
            calico("not", "agent-a", { egress: [allow({ notNets: ["10.0.0.0/8"] })] }),
            calico("meta", "agent-a", { egress: [allow({ nets: ["169.254.169.254/32"], ports: [80] })] }),
        ]);
        const text = messages(v);
        expect(text).toMatch(/every IPv4 address/);
        expect(text).toMatch(/every IPv6 address/);
        expect(text).toMatch(/metadata endpoints 169\.254\.169\.254/);
    });

    it("reads a bare address in nets as that one host: the metadata endpoint is caught, a private host passes", async () => {
        const v = await run([
            ...base,
            calico("meta", "agent-a", { egress: [allow({ nets: ["169.254.169.254"], ports: [80] })] }),
        ]);
        expect(messages(v)).toMatch(/metadata endpoints 169\.254\.169\.254/);
        expect(messages(v)).not.toMatch(/not a valid CIDR/);
        expect(
            await run([
                ...base,
                calico("db", "agent-a", { egress: [allow({ nets: ["10.1.2.3"], ports: [5432] })] }),
            ]),
        ).toEqual([]);
    });

    it("rejects a Pass in the default tier (it skips the namespace's NetworkPolicies) but not in an earlier tier", async () => {
        const pass = { action: "Pass" };
        const v = await run([...base, calico("pass", "agent-a", { order: 1, egress: [pass] })]);
        expect(messages(v)).toMatch(/Pass in the default tier skips/);
        expect(
            await run([...base, calico("security.pass", "agent-a", { tier: "security", egress: [pass] })]),
        ).toEqual([]);
    });

    it("does not credit a Deny: an Allow after a lower-order Deny still counts", async () => {
        const v = await run([
            ...base,
            calico("deny", "agent-a", {
                order: 1,
                egress: [{ action: "Deny", destination: { nets: ["0.0.0.0/0"] } }],
            }),
            calico("allow", "agent-a", {
                order: 2,
                egress: [{ action: "Log" }, allow({ nets: ["0.0.0.0/0"] })],
            }),
        ]);
        expect(v.map(codeOf)).toEqual(WIDE_AND_METADATA);
        expect(v[0].urn).toBe(urnOf(NP, "allow"));
    });

    it("rejects destinations that look narrow but select every namespace's pods", async () => {
        for (const destination of [
            { namespaceSelector: "all()" },
            { namespaceSelector: "!has(tenant)", selector: "app not in {'x'}" },
            { namespaceSelector: "has(projectcalico.org/name)", notSelector: "app == 'db'" },
        ]) {
            const v = await run([...base, calico("lateral", "agent-a", { egress: [allow(destination)] })]);
            expect(v, JSON.stringify(destination)).toHaveLength(1);
            expect(v[0].message).toMatch(/every endpoint of every namespace/);
        }
    });

    it("joins network sets the selector matches, declared in its namespace or globally via global()", async () => {
        const local = await run([
            ...base,
            networkSet("internet", { role: "out" }, ["0.0.0.0/0"], "agent-a"),
            calico("set", "agent-a", { egress: [allow({ selector: "role == 'out'" })] }),
        ]);
        expect(messages(local)).toMatch(/every IPv4 address/);
        const viaGlobal = await run([
            ...base,
            networkSet("internet", { role: "out" }, ["0.0.0.0/1", "128.0.0.0/1"]),
            calico("set", "agent-a", {
                egress: [allow({ selector: "role == 'out'", namespaceSelector: "global()" })],
            }),
        ]);
        expect(messages(viaGlobal)).toMatch(/every IPv4 address/);
    });

    it("fails closed on global() sets this stack does not declare, broad global() selectors and unreadable selectors", async () => {
        const v = await run([
            ...base,
            calico("undeclared", "agent-a", {
                egress: [allow({ selector: "role == 'x'", namespaceSelector: "global()" })],
            }),
            calico("hosts", "agent-a", {
                egress: [allow({ selector: "all()", namespaceSelector: "global()" })],
            }),
            calico("garbled", "agent-a", { egress: [allow({ selector: "role = 'x'" })] }),
            calico("later", "agent-a", { egress: [allow({ nets: [UNKNOWN] })] }),
            calico("verb", "agent-a", { egress: [{ action: "Accept" }] }),
        ]);
        const by = (name: string) => messages(v.filter((x) => x.urn === urnOf(NP, name)));
        expect(by("undeclared")).toMatch(/global network sets or host endpoints .* does not declare/);
        expect(by("hosts")).toMatch(/every global network set and host endpoint/);
        expect(by("garbled")).toMatch(/cannot be parsed/);
        expect(by("later")).toMatch(/spec\.egress\[0\] cannot be read/);
        expect(by("verb")).toMatch(/"Accept" is not one of Allow, Deny, Log, Pass/);
    });

    it("accepts narrow Calico egress in an agent namespace, and anything in kube-system", async () => {
        const v = await run([
            ...base,
            namespace("kube-system"),
            networkSet("partners", { role: "partner" }, ["203.0.113.0/28"], "agent-a"),
            calico("narrow", "agent-a", {
                types: ["Egress"],
                egress: [
                    allow({ selector: "role == 'partner'" }),
                    allow({ selector: "app == 'api'" }),
                    allow({ services: { name: "kube-dns", namespace: "kube-system" } }),
                    allow({ nets: ["10.0.0.0/8"], ports: [443] }),
                    { action: "Deny" },
                ],
            }),
            calico("ingress-only", "agent-a", { types: ["Ingress"], egress: [allow()] }),
            calico("calico-node", "kube-system", { egress: [allow()] }),
        ]);
        expect(v).toEqual([]);
    });
});

describe("kubernetes-forbid-open-egress Calico GlobalNetworkPolicy", () => {
    it("rejects one whose selector can match agent pods, whatever labels it asks for", async () => {
        for (const selector of [
            undefined,
            "all()",
            "app == 'runner'",
            "projectcalico.org/namespace starts with 'agent'",
        ]) {
            const v = await run([
                ...base,
                global("g", { selector, order: 1, egress: [allow({ nets: ["0.0.0.0/0"] })] }),
            ]);
            expect(v.map(codeOf), String(selector)).toEqual(WIDE_AND_METADATA);
            expect(v[0].urn).toBe(urnOf(GNP, "g"));
            expect(v[0].message).toMatch(
                /Calico GlobalNetworkPolicy g in the cluster, selecting endpoints that may be agent pods/,
            );
        }
    });

    it("rejects one whose namespaceSelector matches an agent namespace's labels or names an agent namespace", async () => {
        const labelled = [
            namespace("ml-jobs", { "agentguard.io/agent": "ml" }),
            defaultDenyEgress("ml-jobs"),
        ];
        for (const namespaceSelector of [
            "has(agentguard.io/agent)",
            "projectcalico.org/name == 'ml-jobs'",
            "projectcalico.org/name in {'agent-b', 'web'}",
        ]) {
            const v = await run([
                ...base,
                ...labelled,
                global("g", { namespaceSelector, egress: [allow()] }),
            ]);
            expect(v, namespaceSelector).toHaveLength(1);
        }
    });

    it("rejects a GlobalNetworkSet reached by a broad destination and host policies applied on forward", async () => {
        const v = await run([
            ...base,
            global("east-west", { egress: [allow({ selector: "all()" })] }),
            global("forward", {
                selector: "has(node-role)",
                applyOnForward: true,
                egress: [allow({ nets: ["0.0.0.0/0"] })],
            }),
        ]);
        const by = (name: string) => messages(v.filter((x) => x.urn === urnOf(GNP, name)));
        expect(by("east-west")).toMatch(/every endpoint of every namespace/);
        expect(by("forward")).toMatch(/every IPv4 address/);
    });

    it("reads serviceAccounts in a destination: named accounts narrow it, an all() account selector does not", async () => {
        const named = await run([
            ...base,
            global("sa", { egress: [allow({ serviceAccounts: { names: ["metrics-reader"] } })] }),
        ]);
        expect(named).toEqual([]);
        const every = await run([
            ...base,
            global("sa", { egress: [allow({ serviceAccounts: { selector: "all()" } })] }),
        ]);
        expect(messages(every)).toMatch(/every endpoint of every namespace/);
    });

    it("accepts system policies pinned to non-agent namespaces", async () => {
        const v = await run([
            ...base,
            global("kube-system-out", {
                namespaceSelector: "projectcalico.org/name == 'kube-system'",
                egress: [allow()],
            }),
            global("monitoring", {
                selector:
                    "projectcalico.org/namespace in {'monitoring', 'kube-system'} && app == 'prometheus'",
                egress: [allow({ nets: ["0.0.0.0/0"] })],
            }),
            global("deny-all", { selector: "all()", order: 10, egress: [{ action: "Deny" }] }),
        ]);
        expect(v).toEqual([]);
    });

    it("fails closed on an unreadable or unknown selector", async () => {
        const garbled = await run([...base, global("g", { selector: "app === 'x'", egress: [allow()] })]);
        expect(messages(garbled)).toMatch(/selector that cannot be read/);
        const later = await run([...base, global("g", { selector: UNKNOWN, egress: [allow()] })]);
        expect(later.length).toBeGreaterThan(0);
    });
});

describe("kubernetes-forbid-open-egress: Calico destination domains", () => {
    const withDomains = (domains: unknown) =>
        calico("out", "agent-a", {
            selector: "all()",
            types: ["Egress"],
            egress: [allow({ domains, ports: [443] })],
        });

    it.each([
        ["*.com", /public suffix|every name|whole/i],
        ["*.amazonaws.com", /amazonaws\.com/],
        ["169.254.169.254", /address/i],
        ["metadata.google.internal", /metadata/i],
        ["dns.google", /resolver/i],
    ])("rejects domains [%j] as Cilium's toFQDNs would be", async (domain, why) => {
        const v = await run([...base, withDomains([domain])]);
        expect(v.length).toBeGreaterThan(0);
        expect(messages(v)).toMatch(why);
    });

    it("accepts narrow domain names and one-label wildcards under an owned domain", async () => {
        expect(await run([...base, withDomains(["api.github.com", "*.example-corp.com"])])).toEqual([]);
    });

    it("fails closed on domains that are not a list of names", async () => {
        expect((await run([...base, withDomains("*.com")])).map(codeOf)).toEqual(["egress/unreadable"]);
    });
});
