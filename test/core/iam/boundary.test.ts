import { describe, expect, it } from "vitest";
import {
    MANAGED_POLICY_MAX_CHARS,
    analyzeGrants,
    buildAgentGuardrailPolicies,
    buildAgentPermissionsBoundary,
    catalogServices,
    compressActions,
    dangerousCatalogActions,
    expandActionPattern,
    normalizePolicyDocument,
    policySize,
    type SourcedDocument,
} from "../../../core/iam";

const everyServiceGranted = {
    source: "grant of every service",
    document: {
        Statement: catalogServices().map((s) => ({ Effect: "Allow", Action: `${s}:*`, Resource: "*" })),
    },
};

describe("agent permissions boundary", () => {
    it("is a valid policy document within IAM's managed policy size", () => {
        const boundary = buildAgentPermissionsBoundary();
        expect(() => normalizePolicyDocument(boundary)).not.toThrow();
        expect(policySize(boundary)).toBeLessThanOrEqual(MANAGED_POLICY_MAX_CHARS);
    });

    it("leaves a grant of every service with no IAM write, credential, role assumption, escalation, network or audit change", () => {
        const docs = [everyServiceGranted, { source: "boundary", document: buildAgentPermissionsBoundary() }];
        const findings = analyzeGrants(docs);
        const categories = new Set(findings.map((f) => f.category).filter((c) => c !== "audit-tampering"));
        // Allow * inside the boundary is itself reported; resource-policy management, network tampering and
        // credentials found by name outside IAM/STS are left to the guardrails.
        expect([...categories].sort()).toEqual([
            "all-actions",
            "credentials",
            "network-tampering",
            "permissions-management",
        ]);
        expect(onlyObjectDeletion(docs)).toBe(true);
        const pm = findings.filter((f) => f.category === "permissions-management");
        expect(pm.some((f) => f.action.startsWith("iam:"))).toBe(false);
    });

    it("with the guardrail policies, leaves nothing forbidden at all", () => {
        const guardrails = buildAgentGuardrailPolicies().map((document, i) => ({
            source: `guardrail ${i}`,
            document,
        }));
        const docs = [
            everyServiceGranted,
            ...guardrails,
            { source: "b", document: buildAgentPermissionsBoundary() },
        ];
        const findings = analyzeGrants(docs);
        expect(findings.map((f) => f.category).filter((c) => c !== "audit-tampering")).toEqual([
            "all-actions",
        ]);
        expect(onlyObjectDeletion(docs)).toBe(true);
        for (const g of guardrails)
            expect(policySize(g.document)).toBeLessThanOrEqual(MANAGED_POLICY_MAX_CHARS);
    });

    it("denies role assumption except the listed roles, and everything on the audit trail's resources", () => {
        const assumable = ["arn:aws:iam::123456789012:role/reader"];
        const audit = ["arn:aws:s3:::audit-bucket", "arn:aws:s3:::audit-bucket/*"];
        const statements = normalizePolicyDocument(
            buildAgentPermissionsBoundary({ assumableRoleArns: assumable, protectedResourceArns: audit }),
        );
        const roleDeny = statements.find((s) => s.sid === "DenyOtherRoleAssumption");
        expect(roleDeny).toMatchObject({ effect: "Deny", notResources: assumable });
        expect(roleDeny?.actions).toContain("sts:AssumeRole");
        expect(statements.find((s) => s.sid === "DenyAuditTrail")).toMatchObject({
            effect: "Deny",
            actions: ["*"],
            resources: audit,
        });
    });

    it("is deterministic", () => {
        expect(JSON.stringify(buildAgentPermissionsBoundary())).toBe(
            JSON.stringify(buildAgentPermissionsBoundary()),
        );
    });
});

describe("compressActions", () => {
    it("never denies an action outside the set it compresses", () => {
        const wanted = new Set([...dangerousCatalogActions().keys()]);
        const patterns = compressActions(wanted);
        const outside = patterns.flatMap(expandActionPattern).filter((a) => !wanted.has(a));
        expect(outside).toEqual([]);
        const covered = new Set(patterns.flatMap(expandActionPattern));
        expect([...wanted].filter((a) => !covered.has(a))).toEqual([]);
    });

    it("uses a service wildcard only when every action of the service is in the set", () => {
        const iam = new Set(expandActionPattern("iam:*"));
        expect(compressActions(iam)).toEqual(["iam:*"]);
        iam.delete("iam:GetRole");
        expect(compressActions(iam)).not.toContain("iam:*");
    });
});

/**
 * Object deletion on any bucket is audit tampering only because the bucket is unnamed: the boundary denies
 * it on the audit trail's own ARNs (protectedResourceArns), not everywhere, since agents delete their own
 * objects. Denying just those two actions must leave no other audit finding.
 */
function onlyObjectDeletion(docs: readonly SourcedDocument[]): boolean {
    const deny = { Effect: "Deny", Action: ["s3:DeleteObject", "s3:DeleteObjectVersion"], Resource: "*" };
    const withDeny = [...docs, { source: "d", document: { Version: "2012-10-17", Statement: [deny] } }];
    return analyzeGrants(withDeny).every((f) => f.category !== "audit-tampering");
}
