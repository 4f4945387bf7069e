import { describe, expect, it } from "vitest";
import {
    BUILT_IN_PRIVILEGED_CLUSTER_ROLES,
    describeRbacFinding,
    findForbiddenRbacGrants,
    type RbacPolicyRule,
} from "../../core/rbac";

const pairs = (...rules: RbacPolicyRule[]) =>
    findForbiddenRbacGrants(rules).map((f) => `${f.ruleIndex}:${f.verb}:${f.resource}`);

describe("findForbiddenRbacGrants", () => {
    it("allows read-only access to ordinary resources", () => {
        expect(
            pairs(
                {
                    apiGroups: [""],
                    resources: ["pods", "configmaps", "pods/log"],
                    verbs: ["get", "list", "watch"],
                },
                {
                    apiGroups: ["apps"],
                    resources: ["deployments"],
                    verbs: ["get", "create", "update", "delete"],
                },
                { apiGroups: ["networking.k8s.io"], resources: ["networkpolicies"], verbs: ["get", "list"] },
            ),
        ).toEqual([]);
    });

    it("allows a rule that grants nothing", () => {
        expect(pairs({ apiGroups: [""], resources: ["secrets"], verbs: [] }, {})).toEqual([]);
    });

    it.each(["escalate", "bind", "impersonate"])("rejects the %s verb on any resource", (verb) => {
        const findings = findForbiddenRbacGrants([
            { apiGroups: ["rbac.authorization.k8s.io"], resources: ["clusterroles"], verbs: [verb] },
        ]);
        expect(findings).toHaveLength(1);
        expect(findings[0]).toMatchObject({ ruleIndex: 0, verb, resource: "clusterroles" });
        expect(findings[0].reason).toContain(verb);
    });

    it.each(["get", "list", "watch", "create"])("rejects %s on secrets", (verb) => {
        expect(pairs({ apiGroups: [""], resources: ["secrets"], verbs: [verb] })).toEqual([
            `0:${verb}:secrets`,
        ]);
    });

    it("rejects secrets even when narrowed by resourceNames", () => {
        expect(pairs({ resources: ["secrets"], resourceNames: ["one"], verbs: ["get"] })).toEqual([
            "0:get:secrets",
        ]);
    });

    it.each([
        "pods/exec",
        "pods/attach",
        "pods/portforward",
        "pods/ephemeralcontainers",
        "serviceaccounts/token",
        "nodes/proxy",
        "services/proxy",
    ])("rejects any verb on %s", (resource) => {
        expect(pairs({ resources: [resource], verbs: ["create", "get"] })).toEqual([
            `0:create:${resource}`,
            `0:get:${resource}`,
        ]);
    });

    it.each([
        "networkpolicies",
        "roles",
        "rolebindings",
        "clusterroles",
        "clusterrolebindings",
        "resourcequotas",
        "limitranges",
        "namespaces",
        "serviceaccounts",
        "validatingadmissionpolicies",
        "validatingadmissionpolicybindings",
        "validatingwebhookconfigurations",
        "mutatingwebhookconfigurations",
    ])("rejects writes to the guardrail resource %s but allows reading it", (resource) => {
        const writes = ["create", "update", "patch", "delete", "deletecollection"];
        expect(pairs({ resources: [resource], verbs: writes })).toEqual(
            writes.map((v) => `0:${v}:${resource}`),
        );
        expect(pairs({ resources: [resource], verbs: ["get", "list", "watch"] })).toEqual([]);
    });

    it("rejects the wildcard verb, resource and apiGroup", () => {
        expect(pairs({ apiGroups: [""], resources: ["configmaps"], verbs: ["*"] })).toEqual([
            "0:*:configmaps",
        ]);
        expect(pairs({ apiGroups: [""], resources: ["*"], verbs: ["get"] })).toEqual(["0:get:*"]);
        const group = findForbiddenRbacGrants([
            { apiGroups: ["*"], resources: ["configmaps"], verbs: ["get"] },
        ]);
        expect(group).toHaveLength(1);
        expect(group[0].reason).toContain("wildcard apiGroup");
    });

    it("rejects a wildcard in non-resource URLs", () => {
        expect(pairs({ nonResourceURLs: ["/logs/*"], verbs: ["get"] })).toEqual(["0:get:/logs/*"]);
        expect(pairs({ nonResourceURLs: ["/healthz"], verbs: ["get"] })).toEqual([]);
    });

    it("names the index of the offending rule among compliant ones", () => {
        const findings = findForbiddenRbacGrants([
            { resources: ["pods"], verbs: ["get"] },
            { resources: ["configmaps"], verbs: ["list"] },
            { resources: ["roles"], verbs: ["patch"] },
        ]);
        expect(findings.map((f) => f.ruleIndex)).toEqual([2]);
        expect(describeRbacFinding(findings[0])).toMatch(/^rules\[2\] grants patch on roles: writing roles/);
    });
});

describe("findForbiddenRbacGrants: evasions", () => {
    it("compares verbs and resources case-insensitively", () => {
        expect(pairs({ resources: ["Secrets"], verbs: ["GET"] })).toEqual(["0:get:secrets"]);
        expect(pairs({ resources: ["pods/EXEC"], verbs: ["Create"] })).toEqual(["0:create:pods/exec"]);
        expect(pairs({ resources: ["roles"], verbs: ["Escalate"] })).toEqual(["0:escalate:roles"]);
    });

    it("ignores surrounding whitespace", () => {
        expect(pairs({ resources: [" secrets "], verbs: ["get "] })).toEqual(["0:get:secrets"]);
    });

    it("judges a guardrail resource under a made-up apiGroup", () => {
        expect(pairs({ apiGroups: ["example.invalid"], resources: ["roles"], verbs: ["create"] })).toEqual([
            "0:create:roles",
        ]);
    });

    it("rejects subresource wildcards that cover exec", () => {
        for (const resource of ["pods/*", "*/exec", "*/*", "pods/ex*"]) {
            const findings = findForbiddenRbacGrants([{ resources: [resource], verbs: ["create"] }]);
            expect(findings).toHaveLength(1);
            expect(findings[0].reason).toContain("pods/exec");
        }
    });

    it("rejects partial wildcards that cover secrets", () => {
        const findings = findForbiddenRbacGrants([{ resources: ["secret*"], verbs: ["get"] }]);
        expect(findings[0].reason).toContain("secrets hold");
    });

    it("rejects partial verb wildcards", () => {
        expect(pairs({ resources: ["configmaps"], verbs: ["escal*"] })).toEqual(["0:escal*:configmaps"]);
    });

    it("rejects writes to a guardrail's subresource", () => {
        expect(pairs({ resources: ["namespaces/finalize"], verbs: ["update"] })).toEqual([
            "0:update:namespaces/finalize",
        ]);
    });

    it("fails closed on entries that are not strings", () => {
        const rules = [{ resources: ["pods"], verbs: [42] }] as unknown as RbacPolicyRule[];
        const findings = findForbiddenRbacGrants(rules);
        expect(findings).toHaveLength(1);
        expect(findings[0].reason).toContain("verbs[0] is 42 (a number), not a string");
    });

    it("names a field given as a string instead of a list, and still judges the grant it spells", () => {
        const notAList = [{ resources: "secrets", verbs: ["get"] }] as unknown as RbacPolicyRule[];
        const findings = findForbiddenRbacGrants(notAList);
        expect(findings.map((f) => f.reason)).toEqual([
            expect.stringContaining('resources is "secrets" (a string), not a list of strings'),
            expect.stringContaining("secrets hold other identities' credentials"),
        ]);
        const verbs = findForbiddenRbacGrants([
            { resources: ["configmaps"], verbs: "*" },
        ] as unknown as RbacPolicyRule[]);
        expect(verbs.map((f) => f.reason).join("\n")).toMatch(
            /verbs is "\*" \(a string\)[^]*wildcard verb "\*"/,
        );
    });

    it.each([
        ["a string", "*"],
        ["a list", [["*"]]],
        ["null", null],
    ])("fails closed on a rule that is %s, naming its index", (_label, rule) => {
        const findings = findForbiddenRbacGrants([
            { resources: ["configmaps"], verbs: ["get"] },
            rule,
        ] as unknown as RbacPolicyRule[]);
        expect(findings).toHaveLength(1);
        expect(findings[0].ruleIndex).toBe(1);
        expect(findings[0].reason).toMatch(/^rules\[1\] is .*, not a PolicyRule object/);
    });
});

describe("BUILT_IN_PRIVILEGED_CLUSTER_ROLES", () => {
    it("lists the built-in roles that can write the guardrails or read secrets", () => {
        for (const role of ["cluster-admin", "admin", "edit", "system:aggregate-to-edit"]) {
            expect(BUILT_IN_PRIVILEGED_CLUSTER_ROLES).toContain(role);
            expect(BUILT_IN_PRIVILEGED_CLUSTER_ROLES.has(role)).toBe(true);
        }
    });

    it("does not list the read-only view role", () => {
        expect(BUILT_IN_PRIVILEGED_CLUSTER_ROLES.has("view")).toBe(false);
    });
});
