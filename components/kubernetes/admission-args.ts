/**
 * Validation of the baseline's plain arguments. They are compiled into CEL at construction time, so they
 * are checked synchronously and strictly (which also rules out CEL or regex injection).
 */
import { DEFAULT_AGENT_NAMESPACE_PATTERNS } from "../../core/agent-namespaces";
import { checkOwner, componentLabel, fail, isDnsLabel, isDnsSubdomain, isPlainObject } from "../args";
import { CelSettings } from "./admission-cel";
import { starGlobMatches } from "../../core/glob";

export { BaselineArgumentError } from "../args";

/** The policy pack's default too (core/agent-namespaces.ts). */
export { DEFAULT_AGENT_NAMESPACE_PATTERNS };
/** Members of system:masters bypass RBAC, which makes them the one identity that can always repair the baseline. */
export const DEFAULT_DEPLOYER_GROUPS: readonly string[] = ["system:masters"];
export const DEFAULT_PRIVILEGED_CLUSTER_ROLES: readonly string[] = ["cluster-admin"];

/** Namespaces the cluster itself runs in: agent rules there would break the cluster (e.g. kube-proxy uses hostNetwork). */
export const SYSTEM_NAMESPACES: readonly string[] = [
    "kube-system",
    "kube-public",
    "kube-node-lease",
    "default",
];

/** Groups every service account (or everyone) belongs to; trusting them would trust agents. */
const BROAD_GROUPS: readonly string[] = [
    "system:authenticated",
    "system:unauthenticated",
    "system:serviceaccounts",
];

export interface DeployerIdentities {
    /** Exact Kubernetes usernames. @default [] */
    readonly usernames?: readonly string[];
    /** Kubernetes groups. @default ["system:masters"] when `deployers` is omitted */
    readonly groups?: readonly string[];
}

export interface BaselineSettingsInput {
    readonly owner: string;
    readonly policyNamePrefix?: string;
    readonly agentNamespacePatterns?: readonly string[];
    readonly agentNamespaces?: readonly string[];
    readonly deployers?: DeployerIdentities;
    readonly privilegedClusterRoles?: readonly string[];
    readonly sandboxRuntimeClassName?: string;
}

export interface BaselineSettings extends CelSettings {
    readonly owner: string;
    readonly policyNamePrefix: string;
}

const NAMESPACE_GLOB = /^[a-z0-9*-]+$/;
const RBAC_NAME = /^[A-Za-z0-9:._@-]+$/;
/** Printable, no whitespace: usernames and groups are compared exactly. */
const IDENTITY = /^[\x21-\x7e]+$/;
/** Leaves room for `-namespace-protected-resources.<namespace>` within Kubernetes' 253 characters. */
const MAX_PREFIX_LENGTH = 100;

function stringList(component: string, arg: string, value: unknown): string[] {
    if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) {
        fail(component, arg, value, "expected an array of strings");
    }
    return [...(value as string[])];
}

/** `*` any run, anchored, case-sensitive: the pack's glob (core/glob.ts), so both read a pattern alike. */
export const globMatches = starGlobMatches;

function namespacePatterns(component: string, value: unknown): string[] {
    const patterns = stringList(component, "agentNamespacePatterns", value);
    for (const pattern of patterns) {
        if (!NAMESPACE_GLOB.test(pattern) || pattern.length > 63) {
            fail(
                component,
                "agentNamespacePatterns",
                pattern,
                "use 1-63 of a-z, 0-9, '-' and '*' (any run of characters)",
            );
        }
        const system = SYSTEM_NAMESPACES.find((ns) => globMatches(pattern, ns));
        if (system !== undefined) {
            fail(
                component,
                "agentNamespacePatterns",
                pattern,
                `it matches the system namespace ${system}; agent patterns must not cover ${SYSTEM_NAMESPACES.join(", ")}`,
            );
        }
    }
    return patterns;
}

function namespaceNames(component: string, value: unknown): string[] {
    const names = stringList(component, "agentNamespaces", value);
    for (const name of names) {
        if (!isDnsLabel(name)) {
            fail(
                component,
                "agentNamespaces",
                name,
                "expected a namespace name (DNS label: 1-63 of a-z, 0-9, '-')",
            );
        }
        if (SYSTEM_NAMESPACES.includes(name)) {
            fail(
                component,
                "agentNamespaces",
                name,
                `system namespaces (${SYSTEM_NAMESPACES.join(", ")}) can't be agent namespaces`,
            );
        }
    }
    return names;
}

function isAgentNamespaceName(name: string, patterns: readonly string[], names: readonly string[]): boolean {
    return names.includes(name) || patterns.some((glob) => globMatches(glob, name));
}

function deployerIdentities(
    component: string,
    value: DeployerIdentities | undefined,
    patterns: readonly string[],
    names: readonly string[],
): { usernames: string[]; groups: string[] } {
    if (value === undefined) return { usernames: [], groups: [...DEFAULT_DEPLOYER_GROUPS] };
    const usernames = stringList(component, "deployers.usernames", value.usernames ?? []);
    const groups = stringList(component, "deployers.groups", value.groups ?? []);
    if (usernames.length + groups.length === 0) {
        fail(
            component,
            "deployers",
            value,
            "name at least one username or group: the guardrail-integrity policy trusts only them",
        );
    }
    for (const [arg, list] of [
        ["deployers.usernames", usernames],
        ["deployers.groups", groups],
    ] as const) {
        const bad = list.find((identity) => !IDENTITY.test(identity));
        if (bad !== undefined) fail(component, arg, bad, "expected a non-empty identity without whitespace");
    }
    for (const username of usernames) {
        const sa = /^system:serviceaccount:([^:]+):/.exec(username);
        if (
            username === "system:anonymous" ||
            (sa !== null && isAgentNamespaceName(sa[1], patterns, names))
        ) {
            fail(
                component,
                "deployers.usernames",
                username,
                "an agent service account or anonymous user can't be a deployer",
            );
        }
    }
    for (const group of groups) {
        const sa = /^system:serviceaccounts:(.+)$/.exec(group);
        if (BROAD_GROUPS.includes(group) || (sa !== null && isAgentNamespaceName(sa[1], patterns, names))) {
            fail(
                component,
                "deployers.groups",
                group,
                `groups that include agents or everyone (${BROAD_GROUPS.join(", ")}, agent namespaces' service accounts) can't be deployers`,
            );
        }
    }
    return { usernames, groups };
}

/** Validates every argument of the baseline named `name`; throws BaselineArgumentError naming the argument, value and what is allowed. */
export function resolveBaselineSettings(name: string, input: BaselineSettingsInput): BaselineSettings {
    const component = componentLabel("AgentGuardrailsBaseline", name);
    if (!isPlainObject(input)) fail(component, "args", input, "expected an object with at least owner");
    const owner = checkOwner(component, input.owner);
    const prefix = input.policyNamePrefix ?? name;
    if (!isDnsSubdomain(prefix, MAX_PREFIX_LENGTH)) {
        fail(
            component,
            "policyNamePrefix (defaults to the component name)",
            prefix,
            `expected a DNS subdomain of 1-${MAX_PREFIX_LENGTH} characters (a-z, 0-9, '-', '.', each dot-separated part alphanumeric at both ends)`,
        );
    }
    const patterns = namespacePatterns(
        component,
        input.agentNamespacePatterns ?? DEFAULT_AGENT_NAMESPACE_PATTERNS,
    );
    const names = namespaceNames(component, input.agentNamespaces ?? []);
    const roles = stringList(
        component,
        "privilegedClusterRoles",
        input.privilegedClusterRoles ?? DEFAULT_PRIVILEGED_CLUSTER_ROLES,
    );
    const badRole = roles.find((role) => !RBAC_NAME.test(role));
    if (badRole !== undefined)
        fail(
            component,
            "privilegedClusterRoles",
            badRole,
            "expected ClusterRole names (A-Z, a-z, 0-9, ':', '.', '_', '@', '-')",
        );
    const runtime = input.sandboxRuntimeClassName;
    if (runtime !== undefined && !isDnsSubdomain(runtime)) {
        fail(
            component,
            "sandboxRuntimeClassName",
            runtime,
            "expected a RuntimeClass name (DNS subdomain), e.g. gvisor",
        );
    }
    return {
        owner,
        policyNamePrefix: prefix,
        agentNamespacePatterns: patterns,
        agentNamespaces: names,
        deployers: deployerIdentities(component, input.deployers, patterns, names),
        privilegedClusterRoles: roles,
        ...(runtime === undefined ? {} : { sandboxRuntimeClassName: runtime }),
    };
}
