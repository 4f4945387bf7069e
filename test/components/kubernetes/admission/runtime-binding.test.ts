import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { installPulumiMocks, outputValue } from "../../../helpers/pulumi-mocks";

const mocks = installPulumiMocks();
beforeEach(() => mocks.reset());

type Baseline = typeof import("../../../../components/kubernetes/agent-guardrails-baseline");
type Runtime = typeof import("../../../../components/kubernetes/agent-runtime");
let k8sComponents: Baseline & Runtime;
beforeAll(async () => {
    k8sComponents = {
        ...(await import("../../../../components/kubernetes/agent-guardrails-baseline")),
        ...(await import("../../../../components/kubernetes/agent-runtime")),
    };
});

const BINDING = "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding";

describe("AgentRuntime admissionBaseline", () => {
    it("binds the baseline's namespace-scoped policies to the runtime's namespace, as its children", async () => {
        const baseline = new k8sComponents.AgentGuardrailsBaseline("guard", { owner: "platform" });
        const runtime = new k8sComponents.AgentRuntime("coder", {
            agentId: "coder",
            owner: "team-a",
            admissionBaseline: baseline,
        });
        await mocks.settle();
        const bindings = runtime.admissionBindings;
        expect(bindings).toBeDefined();
        expect(await outputValue(bindings!.podSecurity.metadata.name)).toBe(
            "guard-namespace-pod-security.agent-coder",
        );
        const recorded = mocks.findResource(BINDING, "coder-admission-protected-resources");
        expect(recorded.parentUrn).toBe(await outputValue(runtime.urn));
        expect(recorded.inputs.spec).toEqual({
            policyName: "guard-namespace-protected-resources",
            validationActions: ["Deny", "Audit"],
            matchResources: {
                namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "agent-coder" } },
            },
        });
        expect(mocks.findResource(BINDING, "coder-admission-pod-security").inputs.spec).toMatchObject({
            policyName: "guard-namespace-pod-security",
        });
    });

    it("keeps the bindings while suspended", async () => {
        new k8sComponents.AgentRuntime("coder", {
            agentId: "coder",
            owner: "team-a",
            suspended: true,
            admissionBaseline: { protectedResources: "p-protected", podSecurity: "p-pods" },
        });
        await mocks.settle();
        expect(
            mocks
                .resourcesOfType(BINDING)
                .map((r) => r.name)
                .sort(),
        ).toEqual(["coder-admission-pod-security", "coder-admission-protected-resources"]);
    });

    it("creates no binding without the opt-in", async () => {
        const runtime = new k8sComponents.AgentRuntime("coder", { agentId: "coder", owner: "team-a" });
        await mocks.settle();
        expect(runtime.admissionBindings).toBeUndefined();
        expect(mocks.resourcesOfType(BINDING)).toEqual([]);
    });

    it("rejects a malformed admissionBaseline before creating anything", async () => {
        const bad = { protectedResources: "p" } as unknown as {
            protectedResources: string;
            podSecurity: string;
        };
        expect(
            () =>
                new k8sComponents.AgentRuntime("coder", {
                    agentId: "coder",
                    owner: "team-a",
                    admissionBaseline: bad,
                }),
        ).toThrow(
            /AgentRuntime "coder": admissionBaseline = \{"protectedResources":"p"\} is not allowed; expected an AgentGuardrailsBaseline/,
        );
        await mocks.settle();
        expect(mocks.resources).toEqual([]);
    });
});
