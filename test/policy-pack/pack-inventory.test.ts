import { describe, expect, it } from "vitest";
import { allRules } from "../../policy-pack/rules";

/**
 * Every rule of the pack and its enforcement level. Adding, removing, renaming or relaxing a rule is a
 * user-visible change: it must show up here, in review.
 */
const INVENTORY: Record<string, string> = {
    // Kubernetes
    "kubernetes-require-default-deny-egress": "mandatory",
    "kubernetes-forbid-open-egress": "mandatory",
    "kubernetes-forbid-dns-tunnelling": "mandatory",
    "kubernetes-forbid-onward-egress-routes": "mandatory",
    "kubernetes-forbid-agent-inbound-channels": "mandatory",
    "kubernetes-forbid-agent-rbac-escalation": "mandatory",
    "kubernetes-forbid-host-access": "mandatory",
    "kubernetes-require-gpu-quota": "mandatory",
    "kubernetes-require-restricted-pod-security": "advisory",
    "kubernetes-require-resource-quota": "advisory",
    "kubernetes-require-owner-label": "advisory",
    "kubernetes-disable-token-automount": "advisory",
    "kubernetes-mark-agent-workloads": "advisory",
    // AWS
    "aws-restrict-agent-iam-grants": "mandatory",
    "aws-forbid-agent-escalation-paths": "mandatory",
    "aws-restrict-agent-role-trust": "mandatory",
    "aws-require-agent-permissions-boundary": "advisory",
    "aws-restrict-agent-security-group-egress": "mandatory",
    "aws-restrict-agent-compute-egress": "mandatory",
    "aws-restrict-agent-resource-policies": "mandatory",
    // Whole stack
    "stack-forbid-agent-credential-paths": "mandatory",
    "stack-forbid-agent-egress-paths": "mandatory",
    "stack-forbid-agent-escape-paths": "mandatory",
    "stack-forbid-opaque-resources": "mandatory",
};

const AREAS = ["kubernetes", "aws", "stack"];
const SEVERITIES = ["low", "medium", "high", "critical"];

describe("pack inventory", () => {
    it("pins every rule id and enforcement level", () => {
        const actual = Object.fromEntries(allRules.map((r) => [r.name, r.enforcementLevel]));
        expect(actual).toEqual(INVENTORY);
        expect(allRules).toHaveLength(Object.keys(INVENTORY).length);
    });

    it.each(allRules.map((r) => [r.name, r] as const))("%s is named and documented", (name, rule) => {
        const [area] = name.split("-");
        expect(AREAS).toContain(area);
        expect(name).toMatch(/^[a-z0-9]+(-[a-z0-9]+){2,}$/);
        expect(rule.description).toMatch(/^[A-Z].{20,}[.!?]$/);
        expect(SEVERITIES).toContain(rule.severity);
        expect(rule.remediationSteps?.trim().length ?? 0).toBeGreaterThan(20);
    });
});
