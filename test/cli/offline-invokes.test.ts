import { describe, expect, it } from "vitest";
import { awsIamPolicyDocument, kubernetesYamlDecode } from "../../cli/program/offline-invokes";

describe("offline provider functions", () => {
    it("renders aws.iam.getPolicyDocument statements as the AWS provider does", () => {
        const result = awsIamPolicyDocument({
            statements: [
                {
                    sid: "Read",
                    actions: ["s3:GetObject"],
                    resources: ["arn:aws:s3:::b/*", "arn:aws:s3:::c/*"],
                    principals: [{ type: "AWS", identifiers: ["arn:aws:iam::1:root"] }],
                    conditions: [{ test: "StringEquals", variable: "aws:PrincipalTag/team", values: ["a"] }],
                },
                {
                    effect: "Deny",
                    notActions: ["iam:*"],
                    resources: ["*"],
                    principals: [{ type: "*", identifiers: ["*"] }],
                },
            ],
        });
        expect(JSON.parse(String(result.json))).toEqual({
            Version: "2012-10-17",
            Statement: [
                {
                    Sid: "Read",
                    Effect: "Allow",
                    Action: "s3:GetObject",
                    Resource: ["arn:aws:s3:::b/*", "arn:aws:s3:::c/*"],
                    Principal: { AWS: "arn:aws:iam::1:root" },
                    Condition: { StringEquals: { "aws:PrincipalTag/team": "a" } },
                },
                { Sid: "", Effect: "Deny", NotAction: "iam:*", Resource: "*", Principal: "*" },
            ],
        });
        expect(JSON.parse(String(result.minifiedJson))).toEqual(JSON.parse(String(result.json)));
    });

    it("refuses to guess merged source or override documents", () => {
        expect(() => awsIamPolicyDocument({ sourcePolicyDocuments: ["{}"] })).toThrow(/not rendered offline/);
    });

    it("decodes multi-document Kubernetes YAML, skipping empty documents", () => {
        const result = kubernetesYamlDecode({
            text: "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n---\n---\nkind: ServiceAccount\n",
        });
        expect(result.result).toEqual([
            { apiVersion: "v1", kind: "Namespace", metadata: { name: "a" } },
            { kind: "ServiceAccount" },
        ]);
    });
});
