/**
 * The policy pack and the admission baseline protect the same kinds: whatever one forbids, the other
 * enforces too or records why it cannot. Both directions are checked against what each consumer really
 * does (the pack's RBAC judgement, the baseline's generated matchConstraints), not only against the shared
 * list, so an entry added to one consumer by hand fails here.
 */
import { describe, expect, it } from "vitest";
import { AGENT_LABEL, DEFAULT_AGENT_NAMESPACE_PATTERNS } from "../../core/agent-namespaces";
import { AGENT_NAMESPACE_LABEL } from "../../components/kubernetes/admission-cel";
import { AGENT_LABEL as PACK_AGENT_LABEL } from "../../core/stack/agent-namespaces";
import { GUARDRAIL_KINDS, GUARDRAIL_SUBRESOURCES, type AdmissionTreatment } from "../../core/guardrail-kinds";
import { FORBIDDEN_SUBRESOURCES, findForbiddenRbacGrants, GUARDRAIL_RESOURCES } from "../../core/rbac";
import { resolveBaselineSettings } from "../../components/kubernetes/admission-args";
import { NAMESPACE_PREFIX } from "../../components/kubernetes/agent-runtime-args";
import { agentguardConfigSchema, readAgentguardConfig } from "../../core/stack/config";
import { globMatches } from "../../components/kubernetes/admission-args";
import { admissionRequest, serviceAccount } from "../components/kubernetes/admission/fixtures";
import { specsFor } from "../components/kubernetes/admission/policies";
import { ruleMatches } from "../components/kubernetes/admission/vap-evaluator";
import type { Operation, ResourceRule } from "../../components/kubernetes/admission-rules";

const specs = specsFor();
const CLUSTER_RULES = specs.agentProtectedResources.matchConstraints.resourceRules;
const NAMESPACE_RULES = specs.namespaceProtectedResources.matchConstraints.resourceRules;
const AGENT = serviceAccount("agent-a", "worker");
const WRITES: readonly Operation[] = ["CREATE", "UPDATE", "DELETE"];
const MADE_UP_GROUP = "guardrails.evil.example";

/** Whether `rules` intercept every write of `group`/`resource` (optionally a subresource). */
function intercepted(
    rules: readonly ResourceRule[],
    group: string,
    resource: string,
    namespaced: boolean,
    subResource?: string,
    operations: readonly Operation[] = WRITES,
): boolean {
    return operations.every((operation) => {
        const fixture = admissionRequest({
            operation,
            ref: { group, version: "v1", resource, kind: "Any", subResource },
            by: AGENT,
            namespace: namespaced ? "agent-a" : undefined,
            object: { metadata: { name: "x" } },
            oldObject: { metadata: { name: "x" } },
        });
        return rules.some((rule) => ruleMatches(rule, fixture));
    });
}

/** Whether the pack forbids an agent `verb` on `resource` granted in `group`. */
function packForbids(group: string, resource: string, verb: string): boolean {
    const findings = findForbiddenRbacGrants([{ apiGroups: [group], resources: [resource], verbs: [verb] }]);
    return findings.some((f) => f.resource === resource);
}

function recordedReason(treatment: AdmissionTreatment): string | undefined {
    return treatment.kind === "enforced" ? undefined : treatment.reason;
}

/** `group`/`resource[/sub]` entries of the baseline's rules, wildcard subresources folded into their resource. */
function baselineEntries(rules: readonly ResourceRule[]): { group: string; resource: string }[] {
    return rules.flatMap((rule) =>
        rule.apiGroups.flatMap((group) =>
            rule.resources.map((resource) => ({ group, resource: resource.replace(/\/\*$/, "") })),
        ),
    );
}

describe("guardrail kinds: one list", () => {
    it("names each resource once, lower-case and plural, with its real groups, scope and reason", () => {
        const names = GUARDRAIL_KINDS.map((kind) => kind.resource);
        expect(new Set(names).size).toBe(names.length);
        for (const kind of GUARDRAIL_KINDS) {
            expect(kind.resource).toMatch(/^[a-z]+s$/);
            expect(kind.groups.length).toBeGreaterThan(0);
            for (const group of kind.groups) expect(group).toMatch(/^([a-z0-9-]+(\.[a-z0-9-]+)+)?$/);
            expect(["namespaced", "cluster"]).toContain(kind.scope);
            expect(kind.why.length).toBeGreaterThan(10);
        }
    });

    it("gives the pack exactly the listed resources and subresources, nothing added by hand", () => {
        expect([...GUARDRAIL_RESOURCES].sort()).toEqual(GUARDRAIL_KINDS.map((k) => k.resource).sort());
        expect(Object.keys(FORBIDDEN_SUBRESOURCES).sort()).toEqual(
            GUARDRAIL_SUBRESOURCES.map((s) => s.subresource).sort(),
        );
    });

    it("records a reason for every kind or subresource the baseline does not enforce", () => {
        for (const entry of [...GUARDRAIL_KINDS, ...GUARDRAIL_SUBRESOURCES]) {
            const reason = recordedReason(entry.admission);
            if (reason !== undefined) expect(reason.length).toBeGreaterThan(30);
        }
    });
});

describe("guardrail kinds: what the pack forbids, the baseline enforces or says why not", () => {
    it.each(GUARDRAIL_KINDS.map((kind) => [kind.resource, kind] as const))(
        "%s: the pack forbids writing it in its real groups and in a made-up one",
        (resource, kind) => {
            for (const group of [...kind.groups, MADE_UP_GROUP]) {
                for (const verb of ["create", "update", "patch", "delete"]) {
                    expect(packForbids(group, resource, verb), `${verb} ${group}/${resource}`).toBe(true);
                }
            }
            expect(packForbids(kind.groups[0], resource, "get")).toBe(false);
        },
    );

    it.each(GUARDRAIL_KINDS.map((kind) => [kind.resource, kind] as const))(
        "%s: the baseline intercepts agents' writes in every real group, or the list says why not",
        (resource, kind) => {
            const namespaced = kind.scope === "namespaced";
            for (const group of kind.groups) {
                const cluster = intercepted(CLUSTER_RULES, group, resource, namespaced);
                if (kind.admission.kind === "enforced") {
                    expect(cluster, `${group}/${resource} in agent-protected-resources`).toBe(true);
                    // A per-namespace binding covers namespaced kinds and the bound Namespace itself.
                    const perNamespace = namespaced || resource === "namespaces";
                    expect(intercepted(NAMESPACE_RULES, group, resource, namespaced)).toBe(perNamespace);
                } else {
                    // A recorded reason must stay true: listing the kind would contradict it.
                    expect(cluster, `${group}/${resource} is listed despite "${kind.admission.reason}"`).toBe(
                        false,
                    );
                }
            }
        },
    );

    it.each(GUARDRAIL_SUBRESOURCES.map((entry) => [entry.subresource, entry] as const))(
        "%s: the pack forbids every verb on it; the baseline intercepts it or the list says why not",
        (subresource, entry) => {
            for (const verb of ["get", "create"])
                expect(packForbids(entry.group, subresource, verb)).toBe(true);
            const [resource, sub] = subresource.split("/");
            // Exec, attach, port-forward and proxy reach admission as CONNECT; a write rule would not catch them.
            const operations: readonly Operation[] = entry.request === "connect" ? ["CONNECT"] : WRITES;
            const namespaced = entry.scope === "namespaced";
            const cluster = intercepted(CLUSTER_RULES, entry.group, resource, namespaced, sub, operations);
            if (entry.admission.kind === "enforced") {
                expect(intercepted(NAMESPACE_RULES, entry.group, resource, true, sub, operations)).toBe(
                    namespaced,
                );
            }
            expect(cluster, `${subresource}: ${recordedReason(entry.admission) ?? "enforced"}`).toBe(
                entry.admission.kind === "enforced",
            );
        },
    );
});

describe("guardrail kinds: what the baseline protects, the pack forbids too", () => {
    const entries = baselineEntries([...CLUSTER_RULES, ...NAMESPACE_RULES]);

    it("lists nothing the shared list does not hold as enforced", () => {
        for (const { group, resource } of entries) {
            const kind = GUARDRAIL_KINDS.find((k) => k.resource === resource && k.groups.includes(group));
            const sub = GUARDRAIL_SUBRESOURCES.find((s) => s.subresource === resource && s.group === group);
            expect(kind ?? sub, `${group}/${resource} is not in core/guardrail-kinds.ts`).toBeDefined();
            expect((kind ?? sub)?.admission.kind).toBe("enforced");
        }
    });

    it("protects nothing the pack would let an agent be granted", () => {
        for (const { group, resource } of entries) {
            const verb = resource.includes("/") ? "get" : "create";
            expect(packForbids(group, resource, verb), `${verb} ${group}/${resource}`).toBe(true);
        }
    });
});

describe("agent namespaces: one default pattern and one label", () => {
    it("gives the pack and the admission baseline the same default, from core", () => {
        expect(readAgentguardConfig({}).agentNamespacePatterns).toBe(DEFAULT_AGENT_NAMESPACE_PATTERNS);
        expect(agentguardConfigSchema.properties.agentNamespacePatterns).toMatchObject({
            default: [...DEFAULT_AGENT_NAMESPACE_PATTERNS],
        });
        const settings = resolveBaselineSettings("baseline", { owner: "platform" });
        expect(settings.agentNamespacePatterns).toEqual([...DEFAULT_AGENT_NAMESPACE_PATTERNS]);
    });

    it("gives the pack and the admission baseline the same agent label", () => {
        expect(PACK_AGENT_LABEL).toBe(AGENT_LABEL);
        expect(AGENT_NAMESPACE_LABEL).toBe(AGENT_LABEL);
        expect(AGENT_LABEL).toBe("agentguard.io/agent");
    });

    it("covers AgentRuntime's agent-<agentId> namespaces", () => {
        expect(
            DEFAULT_AGENT_NAMESPACE_PATTERNS.some((glob) => globMatches(glob, `${NAMESPACE_PREFIX}research`)),
        ).toBe(true);
    });

    it("can't be changed at run time by one consumer behind the other's back", () => {
        expect(Object.isFrozen(DEFAULT_AGENT_NAMESPACE_PATTERNS)).toBe(true);
    });
});
