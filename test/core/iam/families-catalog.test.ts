import { describe, expect, it } from "vitest";
import {
    CREDENTIAL_NAME_PATTERN,
    CREDENTIAL_WATCH_PATTERN,
    NON_PRODUCING_VERB,
    NOT_CREDENTIALS,
    allCatalogActions,
    canonicalName,
    classifyAction,
    lookupAction,
    namesAdminRole,
} from "../../../core/iam";

describe("credential family against the whole catalogue", () => {
    it("covers every catalogue action whose name mentions a credential, unless reviewed as harmless", () => {
        // Fails when the catalogue gains e.g. `foo:CreateConsoleToken` and a later edit narrows the pattern.
        const uncovered = allCatalogActions()
            .filter((a) => CREDENTIAL_WATCH_PATTERN.test(a.name) && !NON_PRODUCING_VERB.test(a.name))
            .map(canonicalName)
            .filter((name) => !Object.hasOwn(NOT_CREDENTIALS, name) && classifyAction(name).length === 0);
        expect(uncovered).toEqual([]);
    });

    it("keeps every hand-kept exception a real catalogue action that the name pattern would otherwise match", () => {
        for (const [name, reason] of Object.entries(NOT_CREDENTIALS)) {
            const action = lookupAction(name);
            expect(action, name).toBeDefined();
            expect(CREDENTIAL_NAME_PATTERN.test(action?.name ?? ""), name).toBe(true);
            expect(reason.length, name).toBeGreaterThan(10);
            expect(classifyAction(name), name).not.toContain("credentials");
        }
    });

    it.each([
        "sagemaker:CreatePresignedDomainUrl",
        "sagemaker:CreatePresignedNotebookInstanceUrl",
        "sagemaker:CreatePresignedMlflowTrackingServerUrl",
        "quicksight:GenerateEmbedUrlForRegisteredUser",
        "quicksight:GenerateEmbedUrlForAnonymousUser",
        "elasticmapreduce:GetClusterSessionCredentials",
        "redshift:GetClusterCredentials",
        "datazone:GetEnvironmentCredentials",
        "ec2:GetPasswordData",
        "ec2:CreateKeyPair",
        "appstream:CreateStreamingURL",
        "airflow:CreateWebLoginToken",
        "cognito-idp:AdminSetUserPassword",
        "ds:ResetUserPassword",
        "sso-oauth:CreateTokenWithIAM",
        "lightsail:CreateBucketAccessKey",
    ])("classifies %s as credentials", (action) => {
        expect(classifyAction(action)).toContain("credentials");
    });

    it.each(["ecr:GetAuthorizationToken", "kms:GenerateDataKeyPair", "iam:GetCredentialReport"])(
        "does not classify %s (reviewed: no usable credential) as credentials",
        (action) => {
            expect(classifyAction(action)).not.toContain("credentials");
        },
    );

    it.each([
        "kms:DisableKey",
        "kms:ScheduleKeyDeletion",
        "kms:DeleteImportedKeyMaterial",
        "cloudtrail:StopLogging",
        "cloudtrail:UpdateTrail",
        "logs:DeleteLogStream",
        "s3:PutLifecycleConfiguration",
    ])("classifies %s as audit tampering", (action) => {
        expect(classifyAction(action)).toContain("audit-tampering");
    });
});

describe("well-known administrator roles", () => {
    it.each([
        "arn:aws:iam::123456789012:role/OrganizationAccountAccessRole",
        "arn:aws:iam::123456789012:role/organizationaccountaccessrole",
        "arn:aws:iam::123456789012:role/AWSControlTowerExecution",
        "arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_AdministratorAccess_0123abcd",
        "arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Admin_1",
        "arn:aws:iam::123456789012:role/cdk-hnb659fds-cfn-exec-role-123456789012-eu-west-1",
        "arn:aws:iam::123456789012:role/AWSCloudFormationStackSetExecutionRole",
        "arn:aws-us-gov:iam::123456789012:role/some/path/OrganizationAccountAccessRole",
        "arn:aws:iam::123456789012:root",
    ])("treats %s as wide as *", (arn) => {
        expect(namesAdminRole(arn)).toBe(true);
    });

    it.each([
        "arn:aws:iam::123456789012:role/agent-x-worker",
        "arn:aws:iam::123456789012:role/OrganizationAccountAccessRoleReadOnly",
        "arn:aws:iam::123456789012:user/OrganizationAccountAccessRole",
    ])("does not treat %s as an administrator role", (arn) => {
        expect(namesAdminRole(arn)).toBe(false);
    });
});
