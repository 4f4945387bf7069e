import { beforeEach, describe, expect, it } from "vitest";
import {
    AgentRuntime,
    AgentRuntimeArgumentError,
    type AgentRuntimeArgs,
} from "../../../../components/kubernetes/agent-runtime";
import { installPulumiMocks } from "../../../helpers/pulumi-mocks";

const mocks = installPulumiMocks();
beforeEach(() => mocks.reset());

/** An argument change, then fragments the rejection must contain. */
type Case = [Record<string, unknown>, ...string[]];

const base: AgentRuntimeArgs = { agentId: "coder", owner: "ml-platform" };
const port443 = [{ port: 443 }];

/** Constructs with one argument changed; expects a rejection naming it and its value, and no resource at all. */
async function expectRejected(change: Record<string, unknown>, ...fragments: string[]): Promise<void> {
    const args = { ...base, ...change } as unknown as AgentRuntimeArgs;
    let error: unknown;
    try {
        new AgentRuntime("rt", args);
    } catch (e) {
        error = e;
    }
    expect(error).toBeInstanceOf(AgentRuntimeArgumentError);
    const message = (error as Error).message;
    expect(message).toMatch(/^AgentRuntime "rt": /);
    for (const fragment of fragments) expect(message).toContain(fragment);
    await mocks.settle();
    expect(mocks.resources).toEqual([]);
}

describe("AgentRuntime identity arguments", () => {
    it.each<Case>([
        [{ agentId: "Coder" }, 'agentId = "Coder"'],
        [{ agentId: "-coder" }, 'agentId = "-coder"'],
        [{ agentId: "a".repeat(58) }, "at most 57 characters"],
        [{ agentId: undefined }, "agentId = undefined"],
        [{ owner: "ml platform" }, 'owner = "ml platform"'],
        [{ owner: "" }, 'owner = ""'],
        [{ owner: "x".repeat(64) }, "owner = "],
        [{ riskTier: 0 }, "riskTier = 0", "expected 1 (low), 2 (medium) or 3 (high)"],
        [{ riskTier: "3" }, 'riskTier = "3"'],
        [{ namespaceName: "kube-system" }, 'namespaceName = "kube-system"', 'starting with "agent-"'],
        [{ namespaceName: "coder" }, 'namespaceName = "coder"'],
        [{ namespaceName: "agent-" }, 'namespaceName = "agent-"'],
        [{ namespaceName: "agent-Coder" }, 'namespaceName = "agent-Coder"'],
        [{ podSecurityVersion: "latest" }, 'podSecurityVersion = "latest"', '"latest" is not a pin'],
        [{ podSecurityVersion: "1.33" }, 'podSecurityVersion = "1.33"'],
        [{ suspended: "yes" }, 'suspended = "yes"', "expected true or false"],
    ])("rejects %j", async (change, ...fragments) => {
        await expectRejected(change, ...fragments);
    });

    it("rejects missing args altogether", () => {
        expect(() => new AgentRuntime("rt", undefined as unknown as AgentRuntimeArgs)).toThrow(
            'AgentRuntime "rt": args = undefined is not allowed',
        );
    });
});

describe("AgentRuntime labels and annotations can't override its own keys", () => {
    it.each<Case>([
        [
            { labels: { "agentguard.io/agent": "someone-else" } },
            'labels key = "agentguard.io/agent"',
            "reserved",
        ],
        [{ labels: { "agentguard.io/risk-tier": "1" } }, 'labels key = "agentguard.io/risk-tier"'],
        [
            { labels: { "pod-security.kubernetes.io/enforce": "privileged" } },
            "pod-security.kubernetes.io/enforce",
        ],
        [{ labels: { "pod-security.kubernetes.io/enforce-version": "v1.0" } }, "enforce-version"],
        [{ labels: { "kubernetes.io/metadata.name": "kube-system" } }, "kubernetes.io/metadata.name"],
        [{ labels: { "app.kubernetes.io/managed-by": "me" } }, "app.kubernetes.io/managed-by"],
        [{ labels: { "x.agentguard.io/agent": "a" } }, "x.agentguard.io/agent", "reserved"],
        // An upper-case prefix is not a valid key at all, so it can't sneak past the reserved check.
        [{ labels: { "AgentGuard.io/agent": "a" } }, 'labels key = "AgentGuard.io/agent"'],
        [{ labels: { team: "not ok" } }, 'labels["team"] = "not ok"'],
        [{ labels: { team: 7 } }, 'labels["team"] = 7'],
        [{ labels: ["a"] }, 'labels = ["a"]'],
        [
            { annotations: { "agentguard.io/suspended": "false" } },
            'annotations key = "agentguard.io/suspended"',
        ],
        [{ annotations: { note: 1 } }, 'annotations["note"] = 1'],
    ])("rejects %j", async (change, ...fragments) => {
        await expectRejected(change, ...fragments);
    });
});

describe("AgentRuntime quota arguments", () => {
    it.each<Case>([
        [{ gpu: -1 }, "gpu = -1", "expected an integer from 0"],
        [{ gpu: 1.5 }, "gpu = 1.5"],
        [{ gpu: "1" }, 'gpu = "1"'],
        [{ gpuResourceName: "gpu" }, 'gpuResourceName = "gpu"'],
        [{ gpuResourceName: "example.kubernetes.io/gpu" }, "example.kubernetes.io/gpu"],
        [{ cpu: "lots" }, 'cpu = "lots"', "Kubernetes quantity"],
        [{ cpu: -2 }, "cpu = -2"],
        [{ memory: "8 GiB" }, 'memory = "8 GiB"'],
        [{ pods: -1 }, "pods = -1"],
        [{ objectCounts: { secrets: 5 } }, 'objectCounts key = "secrets"', "count/<resource>"],
        [{ objectCounts: { "services.loadbalancers": 3 } }, "services.loadbalancers"],
        [{ objectCounts: { "count/secrets": -1 } }, 'objectCounts["count/secrets"] = -1'],
        [{ containerDefaults: { limits: { gpu: "1" } } }, "containerDefaults.limits.gpu"],
        [
            { containerDefaults: { requests: { cpu: "2" } } },
            'containerDefaults.requests.cpu = "2"',
            "must not exceed containerDefaults.limits.cpu (500m)",
        ],
        [
            { memory: "256Mi" },
            'containerDefaults.limits.memory = "512Mi"',
            "must not exceed the namespace quota memory (256Mi)",
        ],
    ])("rejects %j", async (change, ...fragments) => {
        await expectRejected(change, ...fragments);
    });
});

describe("AgentRuntime RBAC arguments", () => {
    it.each<Case>([
        [
            { rbacRules: [{ apiGroups: [""], resources: ["secrets"], verbs: ["get"] }] },
            "rbacRules[0]",
            "get on secrets",
        ],
        [
            {
                rbacRules: [
                    { apiGroups: [""], resources: ["pods"], verbs: ["get"] },
                    { apiGroups: ["rbac.authorization.k8s.io"], resources: ["roles"], verbs: ["PATCH"] },
                ],
            },
            "rbacRules[1]",
            "patch on roles",
        ],
        [{ rbacRules: [{ apiGroups: [""], resources: ["pods/*"], verbs: ["create"] }] }, "create on pods/*"],
        [{ rbacRules: [{ apiGroups: ["*"], resources: ["pods"], verbs: ["get"] }] }, "wildcard apiGroup"],
        [{ rbacRules: [{ apiGroups: [""], resources: ["pods"], verbs: [] }] }, "rbacRules[0].verbs = []"],
        [{ rbacRules: [{ resources: ["pods"], verbs: ["get"] }] }, "rbacRules[0].apiGroups = undefined"],
        [
            {
                rbacRules: [
                    { apiGroups: [""], resources: ["pods"], verbs: ["get"], nonResourceURLs: ["/metrics"] },
                ],
            },
            "rbacRules[0].nonResourceURLs",
        ],
        [{ rbacRules: "admin" }, 'rbacRules = "admin"'],
    ])("rejects %j", async (change, ...fragments) => {
        await expectRejected(change, ...fragments);
    });
});

describe("AgentRuntime egress arguments", () => {
    const entry = (cidr: string, extra: Record<string, unknown> = {}) => ({
        cidr,
        ports: port443,
        description: "API",
        ...extra,
    });
    it.each<Case>([
        [{ egress: [entry("0.0.0.0/0")] }, 'egress[0].cidr = "0.0.0.0/0"', "every public IPv4 address"],
        [
            { egress: [entry("8.8.8.8/32"), entry("::/0")] },
            'egress[1].cidr = "::/0"',
            "every public IPv6 address",
        ],
        [
            { egress: [entry("0.0.0.0/1"), entry("128.0.0.0/1")] },
            'egress[*].cidr = ["0.0.0.0/1","128.0.0.0/1"]',
            "together they open egress to every public IPv4 address",
        ],
        [{ egress: [entry("::ffff:0:0/96")] }, "every public IPv4 address"],
        [{ egress: [entry("8.0.0.0/8")] }, "together they reach 16777216 public addresses", "(65536)"],
        [{ egress: [entry("8.8.8.0/24")], maxPublicEgressAddresses: 255 }, "maxPublicEgressAddresses (255)"],
        [{ egress: [entry("169.254.0.0/16")] }, 'egress[0].cidr = "169.254.0.0/16"', "link-local"],
        [{ egress: [entry("169.254.169.254/32")] }, "link-local"],
        [{ egress: [entry("::ffff:169.254.169.254/128")] }, "link-local"],
        [{ egress: [entry("64:ff9b::a9fe:a9fe/128")] }, "link-local"],
        [{ egress: [entry("fe80::/64")] }, "link-local"],
        [{ egress: [entry("100.100.100.200/32")] }, "cloud metadata endpoint"],
        [{ egress: [entry("fd00:ec2::254/128")] }, "cloud metadata endpoint"],
        [{ egress: [entry("8.8.8.8")] }, 'egress[0].cidr = "8.8.8.8"', "no prefix length"],
        [{ egress: [entry("010.0.0.0/8")] }, "leading zero"],
        [
            { egress: [entry("8.8.8.0/24", { except: ["9.9.9.0/28"] })] },
            "egress[0].except[0]",
            "strictly inside",
        ],
        [{ egress: [entry("8.8.8.0/24", { except: ["8.8.8.0/24"] })] }, "strictly inside"],
        [
            { egress: [{ cidr: "8.8.8.8/32", description: "API" }] },
            "egress[0].ports = undefined",
            "opens every port",
        ],
        [{ egress: [{ cidr: "8.8.8.8/32", ports: [], description: "API" }] }, "egress[0].ports = []"],
        [{ egress: [entry("8.8.8.8/32", { ports: [{ port: 0 }] })] }, "egress[0].ports[0].port = 0"],
        [{ egress: [entry("8.8.8.8/32", { ports: [{ port: 65536 }] })] }, "port = 65536"],
        [{ egress: [entry("8.8.8.8/32", { ports: [{ port: "443" }] })] }, 'port = "443"'],
        [{ egress: [entry("8.8.8.8/32", { ports: [{ port: 500, endPort: 400 }] })] }, "endPort = 400"],
        [{ egress: [entry("8.8.8.8/32", { ports: [{ port: 53, protocol: "udp" }] })] }, 'protocol = "udp"'],
        [{ egress: [entry("8.8.8.8/32", { ports: [{ port: 53, protocol: "ICMP" }] })] }, 'protocol = "ICMP"'],
        [{ egress: [entry("8.8.8.8/32", { description: " " })] }, 'egress[0].description = " "'],
        [{ egress: [{ ports: port443, description: "API" }] }, "egress[0].cidr = undefined"],
        [{ egress: "0.0.0.0/0" }, 'egress = "0.0.0.0/0"'],
        [{ maxPublicEgressAddresses: -1 }, "maxPublicEgressAddresses = -1"],
    ])("rejects %j", async (change, ...fragments) => {
        await expectRejected(change, ...fragments);
    });

    it("accepts a narrow allowlist within the budget", async () => {
        new AgentRuntime("rt", { ...base, egress: [entry("8.8.8.0/24"), entry("2001:db8::/120")] });
        await mocks.settle();
        expect(mocks.resources.length).toBeGreaterThan(0);
    });
});
