import { describe, expect, it } from "vitest";
import type { BaselineSettingsInput } from "../../../../components/kubernetes/admission-args";
import type { PolicySpec } from "../../../../components/kubernetes/admission-policies";
import {
    admissionRequest,
    compliantPodSpec,
    namespacedObject,
    podBearing,
    REFS,
    serviceAccount,
} from "./fixtures";
import { specsFor } from "./policies";
import { admit, compile } from "./vap-evaluator";

const CONFIGURATIONS: [string, Partial<BaselineSettingsInput>][] = [
    ["defaults", {}],
    [
        "every option",
        {
            agentNamespacePatterns: ["agent-*", "ml-*-jobs"],
            agentNamespaces: ["research", "sandbox-1"],
            deployers: {
                usernames: ["arn:aws:sts::123456789012:assumed-role/deployer/o'brien"],
                groups: ["agentguard:deployers"],
            },
            privilegedClusterRoles: ["cluster-admin", "system:aggregate-to-admin"],
            sandboxRuntimeClassName: "gvisor",
        },
    ],
    ["labels only (no patterns)", { agentNamespacePatterns: [] }],
];

function everyExpression(spec: PolicySpec): string[] {
    return [
        ...(spec.matchConditions ?? []).map((c) => c.expression),
        ...spec.variables.map((v) => v.expression),
        ...spec.validations.flatMap((v) => [v.expression, v.messageExpression]),
    ];
}

describe("CEL syntax of every expression", () => {
    it.each(CONFIGURATIONS)("parses and plans every expression of every policy (%s)", (_name, input) => {
        const specs = Object.values(specsFor(input));
        const expressions = specs.flatMap(everyExpression);
        expect(expressions.length).toBeGreaterThan(40);
        for (const expression of expressions) expect(() => compile(expression), expression).not.toThrow();
    });

    it.each(CONFIGURATIONS)(
        "uses no CEL features @bufbuild/cel or older Kubernetes lack (%s)",
        (_name, input) => {
            for (const expression of Object.values(specsFor(input)).flatMap(everyExpression)) {
                expect(expression).not.toMatch(/\.\?|\?\.|orValue|optional\.|cel\.bind|authorizer|params\./);
            }
        },
    );

    it.each(CONFIGURATIONS)("keeps Kubernetes' field constraints (%s)", (_name, input) => {
        for (const spec of Object.values(specsFor(input))) {
            expect(spec.failurePolicy).toBe("Fail");
            for (const variable of spec.variables) expect(variable.name).toMatch(/^[A-Za-z_][A-Za-z0-9_]*$/);
            for (const condition of spec.matchConditions ?? [])
                expect(condition.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
            for (const validation of spec.validations) {
                expect(validation.message).not.toMatch(/[\r\n]/);
                expect(validation.reason).toBe("Forbidden");
            }
            const ids = spec.validations.map((v) => v.id);
            expect(new Set(ids).size).toBe(ids.length);
        }
    });

    it.each(CONFIGURATIONS)(
        "never reads namespaceObject in matchConditions, where Kubernetes leaves it null (%s)",
        (_name, input) => {
            for (const spec of Object.values(specsFor(input))) {
                for (const condition of spec.matchConditions ?? [])
                    expect(condition.expression).not.toContain("namespaceObject");
            }
        },
    );

    it("rejects a malformed expression, so the syntax check can fail", () => {
        expect(() => compile("object.spec.hostNetwork ==")).toThrow();
    });

    it("escapes quotes in configured identities instead of breaking the expression", () => {
        const specs = specsFor(CONFIGURATIONS[1][1]);
        const fixture = admissionRequest({
            operation: "CREATE",
            ref: REFS.clusterRole,
            by: { username: "arn:aws:sts::123456789012:assumed-role/deployer/o'brien" },
            object: {
                kind: "ClusterRole",
                metadata: { name: "x" },
                rules: [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }],
            },
        });
        const outcome = admit(specs.guardrailIntegrity, fixture);
        expect(outcome.errors).toEqual([]);
        expect(outcome.allowed).toBe(true);
    });
});

describe("a baseline without name patterns", () => {
    const specs = specsFor({ agentNamespacePatterns: [] });

    it("relies on the agent label: agent-a without it is not an agent namespace", () => {
        const pod = (labels?: Record<string, string>) =>
            admissionRequest({
                operation: "CREATE",
                ref: REFS.pod,
                by: serviceAccount("agent-a"),
                namespace: "agent-a",
                namespaceLabels: labels,
                object: podBearing(REFS.pod, "agent-a", { ...compliantPodSpec(), hostNetwork: true }),
            });
        expect(admit(specs.agentPodSecurity, pod()).denials).toEqual([]);
        expect(admit(specs.agentPodSecurity, pod({ "agentguard.io/agent": "" })).allowed).toBe(false);
    });

    it("still recognises a labelled namespace's service accounts inside it", () => {
        const np = namespacedObject(REFS.networkPolicy, "agent-a", "np");
        const fixture = (labels?: Record<string, string>) =>
            admissionRequest({
                operation: "DELETE",
                ref: REFS.networkPolicy,
                by: serviceAccount("agent-a"),
                namespace: "agent-a",
                namespaceLabels: labels,
                oldObject: np,
            });
        expect(admit(specs.agentProtectedResources, fixture()).allowed).toBe(true);
        expect(admit(specs.agentProtectedResources, fixture({ "agentguard.io/agent": "x" })).allowed).toBe(
            false,
        );
    });
});
