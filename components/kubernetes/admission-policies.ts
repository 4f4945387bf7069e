/**
 * The baseline's ValidatingAdmissionPolicy specs as plain data (pure; the component only wraps them).
 */
import type * as k8s from "@pulumi/kubernetes";
import {
    agentNamespaceOfObjectExpression,
    agentRequesterExpression,
    CelNamed,
    CelSettings,
    CelValidation,
    deployerExpression,
    integrityValidations,
    POD_VARIABLES,
    podSecurityValidations,
    protectedResourcesValidation,
    REQUESTER_OWNS_NAMESPACE_EXPRESSION,
    TARGET_DESCRIPTION_EXPRESSION,
    TARGET_EXPRESSION,
} from "./admission-cel";
import {
    AGENT_PROTECTED_RULES,
    INTEGRITY_RULES,
    NAMESPACE_PROTECTED_RULES,
    POD_BEARING_RULES,
    ResourceRule,
} from "./admission-rules";

type ValidatingAdmissionPolicySpec = k8s.types.input.admissionregistration.v1.ValidatingAdmissionPolicySpec;

export interface PolicySpec {
    readonly failurePolicy: "Fail";
    readonly matchConstraints: {
        readonly matchPolicy: "Equivalent";
        readonly resourceRules: readonly ResourceRule[];
    };
    readonly matchConditions?: readonly CelNamed[];
    readonly variables: readonly CelNamed[];
    readonly validations: readonly CelValidation[];
}

/** Which policies exist. `cluster` policies get a cluster-wide binding; `namespace` ones are bound per namespace. */
export type PolicyKey =
    | "agentProtectedResources"
    | "agentPodSecurity"
    | "guardrailIntegrity"
    | "namespaceProtectedResources"
    | "namespacePodSecurity";

export const CLUSTER_POLICY_KEYS = [
    "agentProtectedResources",
    "agentPodSecurity",
    "guardrailIntegrity",
] as const;
export const NAMESPACE_POLICY_KEYS = ["namespaceProtectedResources", "namespacePodSecurity"] as const;

/** Kebab-case suffix of each policy's Kubernetes name and Pulumi child name. */
export const POLICY_SUFFIXES: Readonly<Record<PolicyKey, string>> = {
    agentProtectedResources: "agent-protected-resources",
    agentPodSecurity: "agent-pod-security",
    guardrailIntegrity: "guardrail-integrity",
    namespaceProtectedResources: "namespace-protected-resources",
    namespacePodSecurity: "namespace-pod-security",
};

export function policyNames(prefix: string): Record<PolicyKey, string> {
    const entries = Object.entries(POLICY_SUFFIXES).map(([key, suffix]) => [key, `${prefix}-${suffix}`]);
    return Object.fromEntries(entries) as Record<PolicyKey, string>;
}

const TARGET_VARIABLES: readonly CelNamed[] = [
    { name: "target", expression: TARGET_EXPRESSION },
    { name: "targetDescription", expression: TARGET_DESCRIPTION_EXPRESSION },
];

function protectedResourcesPolicy(rules: readonly ResourceRule[], requester: string): PolicySpec {
    return {
        failurePolicy: "Fail",
        matchConstraints: { matchPolicy: "Equivalent", resourceRules: rules },
        variables: [...TARGET_VARIABLES, { name: "agentRequester", expression: requester }],
        validations: [protectedResourcesValidation("agentRequester")],
    };
}

/**
 * With `agentNamespace`, the rules apply only where it holds. It is a variable guarding each validation,
 * not a matchCondition, because Kubernetes binds no `namespaceObject` (so no labels) in matchConditions.
 */
function podSecurityPolicy(settings: CelSettings, agentNamespace?: string): PolicySpec {
    const validations = podSecurityValidations(settings);
    return {
        failurePolicy: "Fail",
        matchConstraints: { matchPolicy: "Equivalent", resourceRules: POD_BEARING_RULES },
        variables:
            agentNamespace === undefined
                ? POD_VARIABLES
                : [{ name: "inAgentNamespace", expression: agentNamespace }, ...POD_VARIABLES],
        validations:
            agentNamespace === undefined
                ? validations
                : validations.map((v) => ({
                      ...v,
                      expression: `!variables.inAgentNamespace || (${v.expression})`,
                  })),
    };
}

export function buildPolicySpecs(settings: CelSettings): Record<PolicyKey, PolicySpec> {
    return {
        agentProtectedResources: protectedResourcesPolicy(
            AGENT_PROTECTED_RULES,
            agentRequesterExpression(settings),
        ),
        agentPodSecurity: podSecurityPolicy(settings, agentNamespaceOfObjectExpression(settings)),
        guardrailIntegrity: {
            failurePolicy: "Fail",
            matchConstraints: { matchPolicy: "Equivalent", resourceRules: INTEGRITY_RULES },
            variables: [{ name: "isDeployer", expression: deployerExpression(settings) }],
            validations: integrityValidations(settings),
        },
        namespaceProtectedResources: protectedResourcesPolicy(
            NAMESPACE_PROTECTED_RULES,
            REQUESTER_OWNS_NAMESPACE_EXPRESSION,
        ),
        namespacePodSecurity: podSecurityPolicy(settings),
    };
}

/** The Kubernetes `validations` entry: our test id is not a Kubernetes field. */
export function toKubernetesValidation(validation: CelValidation): Omit<CelValidation, "id"> {
    return {
        expression: validation.expression,
        message: validation.message,
        messageExpression: validation.messageExpression,
        reason: validation.reason,
    };
}

/** The spec as the Kubernetes provider takes it (mutable copies, no test ids). */
export function toKubernetesSpec(spec: PolicySpec): ValidatingAdmissionPolicySpec {
    return {
        failurePolicy: spec.failurePolicy,
        matchConstraints: {
            matchPolicy: spec.matchConstraints.matchPolicy,
            resourceRules: spec.matchConstraints.resourceRules.map((rule) => ({
                apiGroups: [...rule.apiGroups],
                apiVersions: [...rule.apiVersions],
                resources: [...rule.resources],
                operations: [...rule.operations],
                ...(rule.scope === undefined ? {} : { scope: rule.scope }),
            })),
        },
        ...(spec.matchConditions === undefined
            ? {}
            : { matchConditions: spec.matchConditions.map((condition) => ({ ...condition })) }),
        variables: spec.variables.map((variable) => ({ ...variable })),
        validations: spec.validations.map(toKubernetesValidation),
    };
}
