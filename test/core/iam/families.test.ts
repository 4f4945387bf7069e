import { describe, expect, it } from "vitest";
import {
    AUDIT_TAMPERING_PATTERNS,
    CREDENTIAL_ACTIONS,
    EXTRA_PERMISSIONS_MANAGEMENT_ACTIONS,
    NETWORK_TAMPERING_PATTERNS,
    ROLE_ASSUMPTION_ACTIONS,
    ROLE_RUNNING_COMPUTE_PATTERNS,
    ROOT_SESSION_ACTIONS,
    STANDALONE_ESCALATION_ACTIONS,
    classifyAction,
    expandActionPattern,
} from "../../../core/iam";

describe("risk families", () => {
    const lists: Record<string, readonly string[]> = {
        CREDENTIAL_ACTIONS,
        EXTRA_PERMISSIONS_MANAGEMENT_ACTIONS,
        ROLE_ASSUMPTION_ACTIONS,
        ROOT_SESSION_ACTIONS,
        ROLE_RUNNING_COMPUTE_PATTERNS,
        STANDALONE_ESCALATION_ACTIONS,
        NETWORK_TAMPERING_PATTERNS,
        AUDIT_TAMPERING_PATTERNS,
    };
    for (const [name, list] of Object.entries(lists)) {
        it(`every entry of ${name} matches the catalogue (no typo silently drops a family member)`, () => {
            const unmatched = list.filter((pattern) => expandActionPattern(pattern).length === 0);
            expect(unmatched).toEqual([]);
        });
    }

    it("classifies IAM writes, including tagging, as permissions management", () => {
        expect(classifyAction("iam:PutRolePolicy")).toContain("permissions-management");
        expect(classifyAction("iam:TagRole")).toContain("permissions-management");
        expect(classifyAction("iam:PassRole")).toContain("permissions-management");
        expect(classifyAction("iam:GetRole")).toEqual([]);
        expect(classifyAction("iam:ListRoles")).toEqual([]);
    });

    it("classifies other services' permissions management from the catalogue's access level", () => {
        expect(classifyAction("s3:PutBucketPolicy")).toContain("permissions-management");
        expect(classifyAction("kms:PutKeyPolicy")).toContain("permissions-management");
        expect(classifyAction("lambda:AddPermission")).toContain("permissions-management");
        expect(classifyAction("s3:PutObject")).toEqual([]);
    });

    it("does not treat IAM database login or mislabelled reads as permission changes", () => {
        expect(classifyAction("rds-db:connect")).toEqual([]);
        expect(classifyAction("glue:GetStage")).toEqual([]);
        expect(classifyAction("datazone:GetIamPortalLoginUrl")).toContain("credentials");
    });

    it("classifies credentials, escalation, network and audit families", () => {
        expect(classifyAction("iam:CreateAccessKey")).toEqual(
            expect.arrayContaining(["credentials", "permissions-management"]),
        );
        expect(classifyAction("sts:GetFederationToken")).toEqual(["credentials"]);
        expect(classifyAction("ssm:SendCommand")).toEqual(["privilege-escalation"]);
        expect(classifyAction("lambda:UpdateFunctionCode")).toContain("privilege-escalation");
        expect(classifyAction("ec2:AuthorizeSecurityGroupEgress")).toContain("network-tampering");
        expect(classifyAction("ec2:CreateRoute")).toContain("network-tampering");
        expect(classifyAction("route53resolver:UpdateFirewallRule")).toContain("network-tampering");
        expect(classifyAction("cloudtrail:StopLogging")).toContain("audit-tampering");
        expect(classifyAction("logs:DeleteLogGroup")).toContain("audit-tampering");
        expect(classifyAction("s3:BypassGovernanceRetention")).toContain("audit-tampering");
    });

    it.each([
        "guardduty:ArchiveFindings",
        "securityhub:CreateAutomationRule",
        "securityhub:BatchUpdateAutomationRules",
        "inspector2:CreateFilter",
        "macie2:CreateFindingsFilter",
    ])("%s archives or suppresses findings: audit tampering", (action) => {
        expect(classifyAction(action)).toContain("audit-tampering");
    });

    it.each([
        ["sts:AssumeRoot", "role-assumption"],
        ["sso:PutInlinePolicyToPermissionSet", "permissions-management"],
        ["sso:AttachManagedPolicyToPermissionSet", "permissions-management"],
        ["sso:CreateAccountAssignment", "permissions-management"],
        ["identitystore:CreateGroupMembership", "permissions-management"],
        ["ssm:CreateAssociation", "privilege-escalation"],
        ["codebuild:StartBuildBatch", "privilege-escalation"],
        ["eks:CreatePodIdentityAssociation", "privilege-escalation"],
        ["eks:CreateAccessEntry", "privilege-escalation"],
        ["eks:AssociateAccessPolicy", "privilege-escalation"],
        ["cloudformation:UpdateStackSet", "privilege-escalation"],
        ["cloudformation:CreateStackInstances", "privilege-escalation"],
        ["cloudformation:UpdateStackInstances", "privilege-escalation"],
        ["elasticmapreduce:AddJobFlowSteps", "privilege-escalation"],
        ["ssm:RegisterTaskWithMaintenanceWindow", "privilege-escalation"],
        ["ssm:UpdateMaintenanceWindowTask", "privilege-escalation"],
    ])("classifies %s as %s (red-team h14)", (action, family) => {
        expect(classifyAction(action)).toContain(family);
    });

    it("leaves stack set reads and stack creation without a role alone", () => {
        expect(classifyAction("cloudformation:DescribeStackSet")).toEqual([]);
        expect(classifyAction("cloudformation:ListStackInstances")).toEqual([]);
        expect(classifyAction("elasticmapreduce:DescribeStep")).toEqual([]);
    });

    it("leaves reads inside tampering patterns alone", () => {
        expect(classifyAction("ec2:DescribeSecurityGroups")).toEqual([]);
        expect(classifyAction("cloudtrail:LookupEvents")).toEqual([]);
        expect(classifyAction("ec2:RunInstances")).toEqual([]);
    });
});
