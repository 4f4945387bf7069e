import { describe, expect, it } from "vitest";
import { AWS_MANAGED_POLICY_FINDINGS, judgeManagedPolicyArn } from "../../../core/iam";

describe("AWS managed policy verdicts", () => {
    it.each([
        ["AdministratorAccess", "all-actions"],
        ["IAMFullAccess", "permissions-management"],
        ["PowerUserAccess", "not-action-allow"],
        ["AWSLambda_FullAccess", "privilege-escalation"],
        ["AmazonEC2FullAccess", "network-tampering"],
    ])("judges %s dangerous (%s)", (name, category) => {
        const verdict = judgeManagedPolicyArn(`arn:aws:iam::aws:policy/${name}`);
        expect(verdict.kind).toBe("dangerous");
        if (verdict.kind === "dangerous") expect(verdict.findings.map((f) => f.category)).toContain(category);
    });

    it("matches names case-insensitively, with paths and in other partitions", () => {
        expect(judgeManagedPolicyArn("arn:aws:iam::aws:policy/administratoraccess").kind).toBe("dangerous");
        expect(judgeManagedPolicyArn("arn:aws-us-gov:iam::aws:policy/AdministratorAccess").kind).toBe(
            "dangerous",
        );
        expect(judgeManagedPolicyArn("arn:aws:iam::aws:policy/job-function/NetworkAdministrator").kind).toBe(
            "dangerous",
        );
    });

    it("judges metadata-only read policies safe", () => {
        expect(judgeManagedPolicyArn("arn:aws:iam::aws:policy/job-function/ViewOnlyAccess").kind).toBe(
            "safe-read-only",
        );
        expect(judgeManagedPolicyArn("arn:aws:iam::aws:policy/SecurityAudit").kind).toBe("safe-read-only");
    });

    it("does not call ReadOnlyAccess safe: it reads every object and item in the account", () => {
        const verdict = judgeManagedPolicyArn("arn:aws:iam::aws:policy/ReadOnlyAccess");
        expect(verdict).toMatchObject({ kind: "unknown", reason: expect.stringMatching(/S3 objects/) });
    });

    it("says unknown for an unlisted AWS policy and not-aws-managed for a customer policy", () => {
        expect(judgeManagedPolicyArn("arn:aws:iam::aws:policy/AmazonSomethingNew").kind).toBe("unknown");
        expect(judgeManagedPolicyArn("arn:aws:iam::123456789012:policy/AdministratorAccess").kind).toBe(
            "not-aws-managed",
        );
    });

    it("gives every dangerous entry a category and a reason", () => {
        for (const [name, findings] of Object.entries(AWS_MANAGED_POLICY_FINDINGS)) {
            expect(findings.length, name).toBeGreaterThan(0);
            for (const f of findings) expect(f.reason.length, name).toBeGreaterThan(10);
        }
    });
});
