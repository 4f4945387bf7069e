/**
 * ValidatingAdmissionPolicyBindings for the baseline, shared by the cluster-wide component and by
 * per-namespace opt-ins such as AgentRuntime's.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { fail, isDnsLabel } from "../args";

/** Deny and also record the denial in the audit log; Deny and Warn can't be combined. */
export const VALIDATION_ACTIONS: readonly string[] = ["Deny", "Audit"];
export const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";
export const MANAGED_BY_LABELS: Readonly<Record<string, string>> = {
    "app.kubernetes.io/managed-by": "agentguard",
};

/** The baseline's namespace-scoped policies, by Kubernetes name. */
export interface NamespaceBaselinePolicies {
    /** Denies the namespace's own service accounts writes to its guardrail kinds (core/guardrail-kinds.ts) and the Namespace. */
    readonly protectedResources: pulumi.Input<string>;
    /** Denies host namespaces, hostPath, privilege and (if configured) a non-sandbox runtime for the namespace's pods. */
    readonly podSecurity: pulumi.Input<string>;
}

/** Anything exposing the namespace-scoped policies, e.g. an AgentGuardrailsBaseline. */
export interface HasNamespaceBaselinePolicies {
    readonly namespacePolicies: NamespaceBaselinePolicies;
}

export function bindingSpec(policyName: pulumi.Input<string>, namespace?: pulumi.Input<string>) {
    return {
        policyName,
        validationActions: [...VALIDATION_ACTIONS],
        ...(namespace === undefined
            ? {}
            : {
                  matchResources: {
                      namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: namespace } },
                  },
              }),
    };
}

const BIND = "bindBaselineToNamespace";

function checkNamespace(namespace: unknown): string {
    if (!isDnsLabel(namespace)) {
        fail(BIND, "namespace", namespace, "expected a namespace name (DNS label: 1-63 of a-z, 0-9, '-')");
    }
    return namespace;
}

export interface BaselineNamespaceBindingArgs {
    /** Namespace to bind to; matched by its `kubernetes.io/metadata.name` label, which the API server sets. */
    readonly namespace: pulumi.Input<string>;
    /** The baseline (or its namespace-scoped policy names) to bind. */
    readonly baseline: NamespaceBaselinePolicies | HasNamespaceBaselinePolicies;
}

export interface BaselineNamespaceBindings {
    readonly protectedResources: k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding;
    readonly podSecurity: k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding;
}

function isObject(value: unknown): value is Record<string, unknown> {
    return value !== null && typeof value === "object";
}

/**
 * The namespace-scoped policy names of a baseline argument, checked so that a caller can reject a
 * malformed one before creating anything. `component` and `argument` name them in the error.
 */
export function namespaceBaselinePolicies(
    component: string,
    argument: string,
    baseline: unknown,
): NamespaceBaselinePolicies {
    const policies =
        isObject(baseline) && "namespacePolicies" in baseline ? baseline.namespacePolicies : baseline;
    const isName = (value: unknown) =>
        (typeof value === "string" && value !== "") || pulumi.Output.isInstance(value);
    if (!isObject(policies) || !isName(policies.protectedResources) || !isName(policies.podSecurity)) {
        fail(
            component,
            argument,
            baseline,
            "expected an AgentGuardrailsBaseline or { protectedResources, podSecurity } naming its namespace-scoped policies",
        );
    }
    return {
        protectedResources: policies.protectedResources as pulumi.Input<string>,
        podSecurity: policies.podSecurity as pulumi.Input<string>,
    };
}

/**
 * Makes one namespace an agent namespace for admission, whatever its name or labels: its service
 * accounts can't edit guardrail resources inside it, and its pods get the pod-security rules. Child names
 * are `${name}-protected-resources` and `${name}-pod-security`; Kubernetes names `<policy>.<namespace>`.
 */
export function bindBaselineToNamespace(
    name: string,
    args: BaselineNamespaceBindingArgs,
    opts: pulumi.CustomResourceOptions = {},
): BaselineNamespaceBindings {
    if (typeof args.namespace === "string") checkNamespace(args.namespace);
    const policies = namespaceBaselinePolicies(BIND, "baseline", args.baseline);
    const namespace = pulumi.output(args.namespace).apply(checkNamespace);
    const bind = (suffix: string, policyName: pulumi.Input<string>) =>
        new k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding(
            `${name}-${suffix}`,
            {
                metadata: {
                    name: pulumi.all([policyName, namespace]).apply(([policy, ns]) => `${policy}.${ns}`),
                    labels: { ...MANAGED_BY_LABELS },
                },
                spec: bindingSpec(policyName, namespace),
            },
            opts,
        );
    return {
        protectedResources: bind("protected-resources", policies.protectedResources),
        podSecurity: bind("pod-security", policies.podSecurity),
    };
}
