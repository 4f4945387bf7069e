import { beforeEach, describe, expect, it } from "vitest";
import { AgentRuntime, type AgentRuntimeArgs } from "../../../../components/kubernetes/agent-runtime";
import { kubernetesRules } from "../../../../policy-pack/rules/kubernetes";
import { fromRegistered, runPolicies, type FakeResource } from "../../../helpers/policy-harness";
import { declaredSquidProxy } from "../../../policy-pack/rules/kubernetes/fixtures";
import { installPulumiMocks } from "../../../helpers/pulumi-mocks";

const mocks = installPulumiMocks();
beforeEach(() => mocks.reset());

const proxyAt = (port: number) => ({ namespace: "egress-proxy", podLabels: { app: "squid" }, port });
const agent = (agentId: string, host: string, port: number): AgentRuntimeArgs => ({
    agentId,
    owner: "ml-platform",
    egressEnforcement: "proxy",
    egressProxy: proxyAt(port),
    egressHosts: [{ host, ports: [{ port: 443 }], description: "needed" }],
});

/** One Squid for every agent: an http_port per distinct listening port, then each runtime's lines. */
function sharedSquid(runtimes: AgentRuntime[], ports: number[]): FakeResource[] {
    // Each runtime's lines end with "http_access deny all"; on a shared proxy only the last one is kept.
    const sections = runtimes.map((r) => (r.proxyAllowlist ?? "").replace(/http_access deny all\n$/, ""));
    const conf = [...new Set(ports)]
        .map((p) => `http_port ${p}`)
        .concat(sections, ["http_access deny all", ""]);
    return declaredSquidProxy(conf.join("\n"));
}

async function judge(ports: [number, number]) {
    const a = new AgentRuntime("a", agent("coder", "api.github.com", ports[0]));
    const b = new AgentRuntime("b", agent("writer", "docs.example.com", ports[1]));
    await mocks.settle();
    const resources = [...fromRegistered(mocks.resources), ...sharedSquid([a, b], ports)];
    return { a, violations: (await runPolicies(kubernetesRules, resources)).map((v) => v.message) };
}

describe("AgentRuntime on a shared egress proxy", () => {
    it("binds every allow line to the agent's own listening port", async () => {
        const { a } = await judge([3130, 3131]);
        expect(a.proxyAllowlist).toContain("acl agent_coder_in localport 3130");
        expect(a.proxyAllowlist).toContain(
            "http_access allow agent_coder_in agent_coder_0_dst agent_coder_0_port",
        );
    });

    it("passes the pack when each agent has its own port", async () => {
        expect((await judge([3130, 3131])).violations).toEqual([]);
    });

    it("is reported per agent when two agents share one port, since each then gets the other's names", async () => {
        const { violations } = await judge([3128, 3128]);
        expect(violations).toHaveLength(2);
        expect(violations.join("\n")).toMatch(
            /agent namespace agent-coder: .* on port 3128, which agent namespace agent-writer reaches too, and both may use its line \d+ "http_access allow agent_coder_in .*line \d+ "http_access allow agent_writer_in .*one proxy per agent/,
        );
        expect(violations.join("\n")).toMatch(/agent namespace agent-writer: .* agent-coder reaches too/);
    });
});
