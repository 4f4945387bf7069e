import { describe, expect, it } from "vitest";
import { imageRepository, looksLikeAgentImage } from "../../../../core/kubernetes/agent-looking";
import { kubernetesMarkAgentWorkloads } from "../../../../policy-pack/rules/kubernetes/kubernetes-mark-agent-workloads";
import { runStackPolicy, UNKNOWN, type FakeResource } from "../../../helpers/policy-harness";
import { cronJob, deployment, namespace, pod } from "./fixtures";

const run = (resources: FakeResource[], config?: Record<string, unknown>) =>
    runStackPolicy(kubernetesMarkAgentWorkloads, resources, { config });

const container = (image: string) => ({ containers: [{ name: "main", image }] });

/** The agent-sandbox project's Sandbox: a pod template the controller runs, here in `default`. */
const sandbox = (ns: string | undefined, image = "python:3.12-slim"): FakeResource => ({
    type: "kubernetes:agents.x-k8s.io/v1alpha1:Sandbox",
    name: "coder",
    props: {
        apiVersion: "agents.x-k8s.io/v1alpha1",
        kind: "Sandbox",
        metadata: ns === undefined ? { name: "coder" } : { name: "coder", namespace: ns },
        spec: { podTemplate: { spec: container(image) } },
    },
});

describe("agent-looking images", () => {
    it.each([
        "ghcr.io/all-hands-ai/openhands:0.9",
        "docker.all-hands.dev/all-hands-ai/runtime-openhands:0.9",
        "localhost:5000/claude-code:latest",
        "registry.example.com/team/coding-agent@sha256:abc",
        "paulgauthier/aider",
        "example/agent-sandbox:1",
        "example/swe-agent",
        "example/llm-agents:2",
    ])("takes %s for an agent runtime", (image) => {
        expect(looksLikeAgentImage(image)).toBe(true);
    });

    it.each([
        "datadog/agent:7",
        "grafana/agent:v0.40",
        "jenkins/inbound-agent:latest",
        "docker.elastic.co/beats/elastic-agent:8.15.0",
        "amazon/cloudwatch-agent",
        "busybox:1.36",
        "ghcr.io/example/agentguard-docs:1",
        "reagent/tool:1",
    ])("does not take %s (monitoring, CI and unrelated images)", (image) => {
        expect(looksLikeAgentImage(image)).toBe(false);
    });

    it("strips the registry, tag and digest", () => {
        expect(imageRepository("ghcr.io/a/b:1")).toBe("a/b");
        expect(imageRepository("localhost:5000/b@sha256:x")).toBe("b");
        expect(imageRepository("a/b")).toBe("a/b");
    });
});

describe("kubernetes-mark-agent-workloads", () => {
    it("advises marking an agent sandbox that runs in namespace default, saying how", async () => {
        const v = await run([sandbox(undefined)]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toContain(
            'Sandbox coder looks like an agent workload (it is an agent sandbox custom resource (Sandbox, agents.x-k8s.io)) but runs in namespace "default", which is not an agent namespace, so no agent rule judges it. If it runs an agent, mark its namespace: label "default" agentguard.io/agent (a NamespacePatch for an existing namespace) or move it to a namespace matching "agent-*"; if not, exempt it by name with a reason.',
        );
    });

    it("advises on workloads whose image names an agent runtime, in every workload kind", async () => {
        const v = await run([
            pod("p", "tools", container("ghcr.io/all-hands-ai/openhands:0.9")),
            deployment("d", "default", container("example/claude-code:1")),
            cronJob("c", "batch", container("example/aider:1")),
        ]);
        expect(v.map((x) => x.message)).toEqual([
            expect.stringMatching(
                /Pod p .*its image "ghcr\.io\/all-hands-ai\/openhands:0\.9" names an agent runtime.*namespace "tools"/,
            ),
            expect.stringMatching(/Deployment d .*"example\/claude-code:1".*namespace "default"/),
            expect.stringMatching(/CronJob c .*"example\/aider:1".*namespace "batch"/),
        ]);
    });

    it("says nothing of agent-looking workloads in agent namespaces (by pattern or label) or of ordinary ones", async () => {
        expect(
            await run([sandbox("agent-coder"), pod("p", "agent-x", container("example/openhands"))]),
        ).toEqual([]);
        expect(
            await run([namespace("sandboxes", { "agentguard.io/agent": "coder" }), sandbox("sandboxes")]),
        ).toEqual([]);
        expect(
            await run([
                pod("web", "default", container("nginx:1.27")),
                pod("dd", "monitoring", container("datadog/agent:7")),
            ]),
        ).toEqual([]);
    });

    it("follows the configured agent namespace patterns", async () => {
        expect(await run([sandbox("ai-coder")], { agentNamespacePatterns: ["ai-*"] })).toEqual([]);
        const [v] = await run([sandbox("tools")], { agentNamespacePatterns: ["ai-*"] });
        expect(v.message).toContain('move it to a namespace matching "ai-*"');
    });

    it("leaves workloads whose namespace is unknown to the agent rules, which fail closed on them", async () => {
        expect(await run([sandbox(UNKNOWN)])).toEqual([]);
    });

    it("takes a sandbox-like kind of another group, and a custom resource whose spec runs an agent image", async () => {
        const other: FakeResource = {
            type: "kubernetes:sandbox.example.com/v1:Sandbox",
            name: "s",
            props: { metadata: { name: "s", namespace: "default" }, spec: {} },
        };
        const workflow: FakeResource = {
            type: "kubernetes:argoproj.io/v1alpha1:Workflow",
            name: "wf",
            props: {
                metadata: { name: "wf", namespace: "ci" },
                spec: { templates: [{ name: "run", container: { image: "example/swe-agent:1" } }] },
            },
        };
        const v = await run([other, workflow]);
        expect(v.map((x) => x.urn)).toHaveLength(2);
        expect(v[1].message).toMatch(/Workflow wf .*"example\/swe-agent:1"/);
    });

    it("can be exempted by name with a reason", async () => {
        const config = { exemptions: [{ resource: "coder", reason: "a demo sandbox, no credentials" }] };
        expect(await run([sandbox(undefined)], config)).toEqual([]);
    });
});
