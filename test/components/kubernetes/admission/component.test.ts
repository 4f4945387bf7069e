import * as pulumi from "@pulumi/pulumi";
import { beforeAll, beforeEach, describe, expect, it } from "vitest";

interface Registered {
    readonly type: string;
    readonly name: string;
    readonly inputs: Record<string, unknown>;
}

const registered: Registered[] = [];

pulumi.runtime.setMocks(
    {
        newResource: (args) => {
            registered.push({
                type: args.type,
                name: args.name,
                inputs: args.inputs as Record<string, unknown>,
            });
            return { id: `${args.name}-id`, state: args.inputs };
        },
        call: (args) => args.inputs,
    },
    "agentguard",
    "test",
    false,
);

type Module = typeof import("../../../../components/kubernetes/agent-guardrails-baseline");
let mod: Module;
beforeAll(async () => {
    mod = await import("../../../../components/kubernetes/agent-guardrails-baseline");
});
beforeEach(() => {
    registered.length = 0;
});

const POLICY = "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy";
const BINDING = "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding";

function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply(resolve));
}

type Spec = {
    failurePolicy: string;
    matchConstraints: { resourceRules: { resources: string[]; operations: string[] }[] };
    validations: Record<string, unknown>[];
};
type Metadata = { name: string; labels: Record<string, string> };

function inputsOf(type: string, name: string): { metadata: Metadata; spec: Record<string, unknown> } {
    const found = registered.find((r) => r.type === type && r.name === name);
    if (found === undefined)
        throw new Error(`no ${type} named ${name}; got ${registered.map((r) => r.name).join(", ")}`);
    return found.inputs as { metadata: Metadata; spec: Record<string, unknown> };
}

describe("AgentGuardrailsBaseline component", () => {
    it("installs five policies and cluster-wide Deny+Audit bindings for the three cluster policies", async () => {
        const parents: string[] = [];
        const baseline = new mod.AgentGuardrailsBaseline(
            "guard",
            { owner: "platform", sandboxRuntimeClassName: "gvisor" },
            {
                transformations: [
                    (args) => {
                        parents.push(
                            `${args.name} <- ${args.opts.parent === undefined ? "none" : "component"}`,
                        );
                        return undefined;
                    },
                ],
            },
        );
        expect(await valueOf(baseline.policyNames)).toEqual([
            "guard-agent-protected-resources",
            "guard-agent-pod-security",
            "guard-guardrail-integrity",
            "guard-namespace-protected-resources",
            "guard-namespace-pod-security",
        ]);
        expect(await valueOf(baseline.clusterBindingNames)).toEqual([
            "guard-agent-protected-resources",
            "guard-agent-pod-security",
            "guard-guardrail-integrity",
        ]);
        expect(
            registered
                .filter((r) => r.type === "agentguard:kubernetes:AgentGuardrailsBaseline")
                .map((r) => r.name),
        ).toEqual(["guard"]);
        expect(registered.filter((r) => r.type === POLICY)).toHaveLength(5);
        expect(registered.filter((r) => r.type === BINDING)).toHaveLength(3);
        expect(parents.filter((p) => p.startsWith("guard-"))).toHaveLength(8);
        expect(parents.filter((p) => p.startsWith("guard-")).every((p) => p.endsWith("<- component"))).toBe(
            true,
        );

        const binding = inputsOf(BINDING, "guard-agent-pod-security-binding");
        expect(binding.metadata.name).toBe("guard-agent-pod-security");
        expect(binding.spec).toEqual({
            policyName: "guard-agent-pod-security",
            validationActions: ["Deny", "Audit"],
        });
        const policy = inputsOf(POLICY, "guard-agent-pod-security");
        expect(policy.metadata.labels).toEqual({
            "app.kubernetes.io/managed-by": "agentguard",
            "agentguard.io/owner": "platform",
        });
    });

    it("generates specs with failurePolicy Fail, the intended matchConstraints, and no test-only fields", async () => {
        const baseline = new mod.AgentGuardrailsBaseline("guard", {
            owner: "platform",
            sandboxRuntimeClassName: "gvisor",
        });
        await valueOf(baseline.clusterBindingNames);
        const spec = (name: string) => inputsOf(POLICY, `guard-${name}`).spec as Spec;
        for (const name of ["agent-protected-resources", "agent-pod-security", "guardrail-integrity"]) {
            expect(spec(name).failurePolicy).toBe("Fail");
            for (const validation of spec(name).validations) {
                expect(Object.keys(validation).sort()).toEqual([
                    "expression",
                    "message",
                    "messageExpression",
                    "reason",
                ]);
            }
        }
        const resources = (name: string) =>
            spec(name).matchConstraints.resourceRules.flatMap((r) => r.resources);
        expect(resources("agent-protected-resources")).toEqual(
            expect.arrayContaining([
                "networkpolicies",
                "roles",
                "rolebindings",
                "clusterroles",
                "clusterrolebindings",
                "resourcequotas",
                "limitranges",
                "namespaces",
                "serviceaccounts",
                "serviceaccounts/*",
                "persistentvolumes",
                "certificatesigningrequests",
                "validatingwebhookconfigurations",
                "mutatingwebhookconfigurations",
            ]),
        );
        expect(resources("agent-pod-security")).toEqual(
            expect.arrayContaining([
                "pods",
                "pods/ephemeralcontainers",
                "deployments",
                "statefulsets",
                "daemonsets",
                "replicasets",
                "jobs",
                "cronjobs",
            ]),
        );
        const operations = (name: string) =>
            [...new Set(spec(name).matchConstraints.resourceRules.flatMap((r) => r.operations))].sort();
        expect(operations("agent-protected-resources")).toEqual(["CONNECT", "CREATE", "DELETE", "UPDATE"]);
        expect(operations("agent-pod-security")).toEqual(["CREATE", "UPDATE"]);
        expect(operations("guardrail-integrity")).toEqual(["CREATE", "UPDATE"]);
        expect(JSON.stringify(spec("agent-pod-security"))).toContain("runtimeClassName == 'gvisor'");
        const variableNames = (name: string) =>
            (spec(name) as unknown as { variables: { name: string }[] }).variables.map((v) => v.name);
        expect(variableNames("agent-pod-security")[0]).toBe("inAgentNamespace");
        expect(variableNames("namespace-pod-security")).not.toContain("inAgentNamespace");
    });

    it("uses policyNamePrefix for Kubernetes names but keeps Pulumi child names on the component name", async () => {
        const baseline = new mod.AgentGuardrailsBaseline("guard", {
            owner: "platform",
            policyNamePrefix: "agentguard",
        });
        expect(await valueOf(baseline.policyNames)).toContain("agentguard-agent-pod-security");
        expect(inputsOf(POLICY, "guard-agent-pod-security").metadata.name).toBe(
            "agentguard-agent-pod-security",
        );
    });

    it("rejects invalid arguments before constructing anything", () => {
        const constructed: string[] = [];
        const record: pulumi.ResourceTransformation = (args) => {
            constructed.push(args.name);
            return undefined;
        };
        expect(
            () =>
                new mod.AgentGuardrailsBaseline(
                    "guard",
                    { owner: "platform", agentNamespacePatterns: ["*"] },
                    { transformations: [record] },
                ),
        ).toThrow(/AgentGuardrailsBaseline "guard": agentNamespacePatterns = "\*"/);
        expect(constructed).toEqual([]);
        new mod.AgentGuardrailsBaseline("valid", { owner: "platform" }, { transformations: [record] });
        expect(constructed).toContain("valid");
    });
});

describe("bindBaselineToNamespace", () => {
    it("binds the namespace-scoped policies to one namespace by its metadata.name label", async () => {
        const baseline = new mod.AgentGuardrailsBaseline("guard", { owner: "platform" });
        const bindings = mod.bindBaselineToNamespace("research-admission", {
            namespace: "research",
            baseline,
        });
        expect(await valueOf(bindings.podSecurity.metadata.name)).toBe(
            "guard-namespace-pod-security.research",
        );
        expect(await valueOf(bindings.protectedResources.metadata.name)).toBe(
            "guard-namespace-protected-resources.research",
        );
        const spec = inputsOf(BINDING, "research-admission-pod-security").spec;
        expect(spec).toEqual({
            policyName: "guard-namespace-pod-security",
            validationActions: ["Deny", "Audit"],
            matchResources: {
                namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "research" } },
            },
        });
    });

    it("accepts policy names directly and an Output namespace", async () => {
        const bindings = mod.bindBaselineToNamespace("x", {
            namespace: pulumi.output("agent-x"),
            baseline: {
                protectedResources: "p-namespace-protected-resources",
                podSecurity: "p-namespace-pod-security",
            },
        });
        expect(await valueOf(bindings.protectedResources.metadata.name)).toBe(
            "p-namespace-protected-resources.agent-x",
        );
    });

    it("rejects a namespace that is not a namespace name", () => {
        expect(() =>
            mod.bindBaselineToNamespace("x", {
                namespace: "Bad Name",
                baseline: { protectedResources: "a", podSecurity: "b" },
            }),
        ).toThrow(/namespace = "Bad Name" is not allowed; expected a namespace name/);
    });
});
