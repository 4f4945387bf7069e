import { describe, expect, it } from "vitest";
import type { CollectedResource } from "../../../cli/blast-radius/collect";
import { buildStackModel } from "../../../cli/blast-radius/collect";
import { computeBlastRadius } from "../../../cli/blast-radius/model";
import { squidAllowedHosts } from "../../../cli/blast-radius/reach-extras";
import { reviewResources } from "../../../cli/review/review";
import { readAgentguardConfig } from "../../../core/stack/config";
import { agentStack, DEPLOYMENT, NETPOL, NS, res, ROLE, urnOf } from "../blast-radius/resources";

const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";
const ACCESS_ENTRY = "aws:eks/accessEntry:AccessEntry";

const review = (base: CollectedResource[], head: CollectedResource[]) =>
    reviewResources(base, head, { project: "p", stack: "dev" });

const squid = (hosts: string[]) =>
    [`acl allowed dstdomain -n ${hosts.join(" ")}`, "http_access allow allowed", "http_access deny all"].join(
        "\n",
    );

/** The agent stack in proxy mode: its egress goes to a Squid proxy in namespace egress-proxy. */
function proxyStack(hosts: string[], configMapData?: Record<string, string>): CollectedResource[] {
    return [
        ...agentStack(),
        res(NS, "proxy-ns", { metadata: { name: "egress-proxy" } }),
        res(NETPOL, "coder-to-proxy", {
            metadata: { name: "to-proxy", namespace: "agent-coder" },
            spec: {
                podSelector: {},
                policyTypes: ["Egress"],
                egress: [
                    {
                        to: [
                            {
                                namespaceSelector: {
                                    matchLabels: { "kubernetes.io/metadata.name": "egress-proxy" },
                                },
                                podSelector: { matchLabels: { app: "squid" } },
                            },
                        ],
                        ports: [{ port: 3128, protocol: "TCP" }],
                    },
                ],
            },
        }),
        res(DEPLOYMENT, "squid", {
            metadata: {
                name: "squid",
                namespace: "egress-proxy",
                annotations: { "agentguard.io/egress-proxy": "squid-allowlist" },
            },
            spec: {
                selector: { matchLabels: { app: "squid" } },
                template: {
                    metadata: { labels: { app: "squid" } },
                    spec: {
                        containers: [{ name: "squid", image: "squid:6" }],
                        volumes: [{ name: "conf", configMap: { name: "squid-allowlist" } }],
                    },
                },
            },
        }),
        res(CONFIG_MAP, "squid-allowlist", {
            metadata: { name: "squid-allowlist", namespace: "egress-proxy" },
            data: configMapData ?? { "squid.conf": squid(hosts) },
        }),
    ];
}

const appConfig = (value: string) =>
    res(CONFIG_MAP, "app-config", {
        metadata: { name: "app-config", namespace: "agent-coder" },
        data: { "settings.ini": value },
    });

const pod = (container: Record<string, unknown>, volumes: unknown[] = []) =>
    res(DEPLOYMENT, "worker", {
        metadata: { name: "worker", namespace: "agent-coder" },
        spec: {
            template: {
                spec: { containers: [{ name: "w", image: "w:1", ...container }], volumes },
            },
        },
    });

describe("reach through an egress proxy", () => {
    it("reads the hosts of the allow lines", () => {
        expect(squidAllowedHosts(squid(["api.github.com", ".pypi.org"]))).toEqual([
            ".pypi.org",
            "api.github.com",
        ]);
        expect(squidAllowedHosts("acl x dstdomain a.com\nhttp_access deny x\n")).toEqual([]);
    });

    it("the report shows a proxy-mode agent's allowed hosts beside its CIDRs", () => {
        const report = computeBlastRadius(
            buildStackModel(proxyStack(["api.github.com"])),
            readAgentguardConfig({}),
        );
        const coder = report.agents.find((a) => a.id === "coder")!;
        expect(coder.egress?.destinations.map((d) => d.fqdn ?? d.cidr)).toEqual(
            expect.arrayContaining(["10.20.0.10/32", "api.github.com"]),
        );
        expect(coder.egress?.destinations.find((d) => d.fqdn)?.via).toContain(
            "allowlist egress-proxy/squid-allowlist",
        );
    });

    it("evasion: the Squid allowlist ConfigMap (a Tier 2 type) gaining a host is Tier 3 by the agent's reach", () => {
        const r = review(proxyStack(["api.github.com"]), proxyStack(["api.github.com", "paste.example.net"]));
        expect(r.tier).toBe(3);
        expect(r.changes.find((c) => c.type === CONFIG_MAP)?.tier).toBe(2);
        expect(r.reach[0].agent).toBe("coder");
        expect(r.reach[0].changes.join("\n")).toContain("+egress paste.example.net : through the proxy");
    });

    it("evasion: an allowlist that stops denying the rest is Tier 3 (the pack's problem becomes reach)", () => {
        const open = {
            "squid.conf": `${squid(["api.github.com"]).replace("http_access deny all", "")}\nhttp_access allow all`,
        };
        const r = review(proxyStack(["api.github.com"]), proxyStack([], open));
        expect(r.tier).toBe(3);
        expect(r.reach[0].changes.join("\n")).toContain("egress unknown: egress proxy");
    });

    it("evasion: an allowlist whose proxy agents reach by address (no policy links them) is Tier 3 on any change", () => {
        const byAddress = (hosts: string[]) => proxyStack(hosts).filter((r) => r.name !== "coder-to-proxy");
        const r = review(byAddress(["api.github.com"]), byAddress(["api.github.com", "paste.example.net"]));
        expect(r.tier).toBe(3);
        const change = r.changes.find((c) => c.type === CONFIG_MAP)!;
        expect(change.tier).toBe(3);
        expect(change.reasons.join()).toContain(
            "which no agent NetworkPolicy of this stack is seen to reach",
        );
    });

    it("a proxy annotation unknown during preview names no allowlist to read: reach says so", () => {
        const stack = proxyStack(["api.github.com"]).map((r) =>
            r.name === "squid"
                ? res(DEPLOYMENT, "squid", {
                      ...r.inputs,
                      metadata: {
                          name: "squid",
                          namespace: "egress-proxy",
                          annotations: {
                              "agentguard.io/egress-proxy": "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
                          },
                      },
                  })
                : r,
        );
        const coder = computeBlastRadius(buildStackModel(stack), readAgentguardConfig({})).agents.find(
            (a) => a.id === "coder",
        )!;
        expect(coder.egress?.unknown.join()).toContain("annotation is unknown during preview");
    });

    it("look-alike: a comment in the allowlist, or an app ConfigMap gaining a line, stays Tier 2", () => {
        const commented = { "squid.conf": `# reviewed\n${squid(["api.github.com"])}` };
        const r = review(proxyStack(["api.github.com"]), proxyStack([], commented));
        expect(r.tier).toBe(2);
        expect(r.reach).toEqual([]);
        const app = review([...agentStack(), appConfig("a=1")], [...agentStack(), appConfig("a=1\nb=2")]);
        expect(app.tier).toBe(2);
    });
});

describe("Secrets available to an agent's pods", () => {
    const base = () => [...agentStack(), pod({})];
    const cases: [string, CollectedResource][] = [
        [
            "env valueFrom",
            pod({ env: [{ name: "TOKEN", valueFrom: { secretKeyRef: { name: "deploy-key", key: "k" } } }] }),
        ],
        ["envFrom", pod({ envFrom: [{ secretRef: { name: "deploy-key" } }] })],
        ["a secret volume", pod({}, [{ name: "v", secret: { secretName: "deploy-key" } }])],
        [
            "a projected volume",
            pod({}, [{ name: "v", projected: { sources: [{ secret: { name: "deploy-key" } }] } }]),
        ],
    ];
    cases.push([
        "an init container's env",
        res(DEPLOYMENT, "worker", {
            metadata: { name: "worker", namespace: "agent-coder" },
            spec: {
                template: {
                    spec: {
                        initContainers: [
                            {
                                name: "i",
                                image: "i",
                                env: [{ name: "K", valueFrom: { secretKeyRef: { name: "deploy-key" } } }],
                            },
                        ],
                        containers: [{ name: "w", image: "w:1" }],
                    },
                },
            },
        }),
    ]);
    for (const [how, head] of cases) {
        it(`evasion: a Secret injected through ${how} into a Deployment (a Tier 2 type) is Tier 3`, () => {
            const r = review(base(), [...agentStack(), head]);
            expect(r.tier).toBe(3);
            expect(r.reach[0].changes.join("\n")).toContain("+reads Secret agent-coder/deploy-key");
        });
    }

    it("evasion: a CSI secret-store volume (cloud secrets mounted as files) is Tier 3", () => {
        const head = pod({}, [
            {
                name: "v",
                csi: {
                    driver: "secrets-store.csi.k8s.io",
                    volumeAttributes: { secretProviderClass: "prod-db" },
                },
            },
        ]);
        const r = review(base(), [...agentStack(), head]);
        expect(r.tier).toBe(3);
        expect(r.reach[0].changes.join("\n")).toContain("+reads SecretProviderClass agent-coder/prod-db");
    });

    it("look-alike: a ConfigMap value injected the same way stays Tier 2", () => {
        const head = pod({
            env: [{ name: "MODE", valueFrom: { configMapKeyRef: { name: "app-config", key: "m" } } }],
        });
        const r = review(base(), [...agentStack(), head]);
        expect(r.tier).toBe(2);
        expect(r.reach).toEqual([]);
    });

    it("a secret reference unknown during preview is reach too (fail closed)", () => {
        const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
        const r = review(base(), [...agentStack(), pod({ envFrom: [{ secretRef: { name: unknown } }] })]);
        expect(r.tier).toBe(3);
        expect(r.reach[0].changes.join("\n")).toContain("Secret agent-coder/unknown during preview");
    });
});

describe("Kubernetes identities of an agent's IAM principals", () => {
    const awsAuth = (rolearn: string, groups: string[]) =>
        res(CONFIG_MAP, "aws-auth", {
            metadata: { name: "aws-auth", namespace: "kube-system" },
            data: { mapRoles: `- rolearn: ${rolearn}\n  username: x\n  groups: [${groups.join(", ")}]\n` },
        });
    const AGENT_ROLE = "arn:aws:iam::111122223333:role/coder";
    const NODE_ROLE = "arn:aws:iam::111122223333:role/eks-node";

    it("evasion: aws-auth mapping the agent's role to system:masters is Tier 3 and in the agent's reach", () => {
        const base = [...agentStack(), awsAuth(NODE_ROLE, ["system:bootstrappers", "system:nodes"])];
        const head = [
            ...agentStack(),
            res(CONFIG_MAP, "aws-auth", {
                metadata: { name: "aws-auth", namespace: "kube-system" },
                data: {
                    mapRoles:
                        `- rolearn: ${NODE_ROLE}\n  username: n\n  groups: [system:nodes]\n` +
                        `- rolearn: ${AGENT_ROLE}\n  username: c\n  groups: [system:masters]\n`,
                },
            }),
        ];
        const r = review(base, head);
        expect(r.tier).toBe(3);
        const coder = r.reach.find((a) => a.agent === "coder")!;
        expect(coder.changes.join("\n")).toContain(
            `+Kubernetes identity ${AGENT_ROLE} → groups [system:masters]`,
        );
    });

    it("an EKS access entry for the agent's role shows in its reach", () => {
        const entry = res(ACCESS_ENTRY, "coder-entry", {
            clusterName: "c",
            principalArn: AGENT_ROLE,
            kubernetesGroups: ["admins"],
        });
        const r = review(agentStack(), [...agentStack(), entry]);
        expect(r.reach.find((a) => a.agent === "coder")?.changes.join("\n")).toContain(
            "+Kubernetes identity arn:aws:iam::111122223333:role/coder → groups [admins] via AccessEntry coder-entry",
        );
    });

    it("a mapping whose ARN is unknown during preview belongs to the role it is computed from", () => {
        const unknown = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
        const entry = res(
            ACCESS_ENTRY,
            "coder-entry",
            { clusterName: "c", principalArn: unknown, kubernetesGroups: ["admins"] },
            { propertyDependencies: { principalArn: [urnOf(ROLE, "coder")] } },
        );
        const report = computeBlastRadius(
            buildStackModel([...agentStack(), entry]),
            readAgentguardConfig({}),
        );
        expect(report.agents.find((a) => a.id === "coder")?.kubernetesIdentities[0]?.target).toContain(
            "groups [admins]",
        );
    });

    it("look-alike: the node role's mapping changes no agent's reach", () => {
        const base = [...agentStack(), awsAuth(NODE_ROLE, ["system:nodes"])];
        const head = [...agentStack(), awsAuth(NODE_ROLE, ["system:bootstrappers", "system:nodes"])];
        expect(review(base, head).reach).toEqual([]);
    });
});
