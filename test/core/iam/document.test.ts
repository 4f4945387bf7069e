import { describe, expect, it } from "vitest";
import { IamDocumentError, normalizePolicyDocument } from "../../../core/iam";

const allow = { Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" };

describe("normalizePolicyDocument", () => {
    it("reads a JSON string and an object to the same statements", () => {
        const doc = { Version: "2012-10-17", Statement: [allow] };
        expect(normalizePolicyDocument(JSON.stringify(doc))).toEqual(normalizePolicyDocument(doc));
        expect(normalizePolicyDocument(doc)).toEqual([
            { index: 0, effect: "Allow", actions: ["s3:GetObject"], resources: ["arn:aws:s3:::b/*"] },
        ]);
    });

    it("refuses a JSON string with a duplicate key, naming the key: JSON.parse keeps the last, AWS may not", () => {
        const text = '{"Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*","Effect":"Deny"}]}';
        expect(() => normalizePolicyDocument(text)).toThrow(IamDocumentError);
        expect(() => normalizePolicyDocument(text)).toThrow(
            /policy document is ambiguous: Statement\[0\] has the key "Effect" twice/,
        );
    });

    it("accepts a single Statement object as well as an array", () => {
        const single = normalizePolicyDocument({ Statement: allow });
        expect(single).toHaveLength(1);
        expect(single[0].actions).toEqual(["s3:GetObject"]);
    });

    it("keeps Sid, NotAction, NotResource, Principal and Condition", () => {
        const [st] = normalizePolicyDocument({
            Statement: [
                {
                    Sid: "S",
                    Effect: "Deny",
                    NotAction: ["iam:Get*"],
                    NotResource: "arn:aws:iam::1:role/x",
                    Principal: { AWS: "*" },
                    Condition: { Bool: { "aws:SecureTransport": "false" } },
                },
            ],
        });
        expect(st).toEqual({
            index: 0,
            sid: "S",
            effect: "Deny",
            notActions: ["iam:Get*"],
            notResources: ["arn:aws:iam::1:role/x"],
            principal: { AWS: "*" },
            condition: { Bool: { "aws:SecureTransport": "false" } },
        });
    });

    it("rejects a lowercase element name instead of ignoring the grant it hides", () => {
        expect(() => normalizePolicyDocument({ Statement: [{ Effect: "Allow", action: "iam:*" }] })).toThrow(
            /unknown element "action"; element names are case-sensitive: write "Action"/,
        );
        expect(() => normalizePolicyDocument({ statement: [allow] })).toThrow(/write "Statement"/);
    });

    it("rejects an Effect other than Allow or Deny, naming the value", () => {
        expect(() => normalizePolicyDocument({ Statement: [{ ...allow, Effect: "allow" }] })).toThrow(
            /statement 0 Effect is "allow"; allowed: "Allow" or "Deny"/,
        );
    });

    it("rejects statements with both or neither of Action and NotAction", () => {
        expect(() => normalizePolicyDocument({ Statement: [{ ...allow, NotAction: "s3:*" }] })).toThrow(
            /exactly one of Action or NotAction/,
        );
        expect(() => normalizePolicyDocument({ Statement: [{ Effect: "Allow", Resource: "*" }] })).toThrow(
            /exactly one of Action or NotAction/,
        );
    });

    it("rejects malformed action names, non-string values and empty lists", () => {
        expect(() => normalizePolicyDocument({ Statement: [{ ...allow, Action: "iam" }] })).toThrow(
            /action "iam" is malformed; expected "service:Action"/,
        );
        expect(() =>
            normalizePolicyDocument({ Statement: [{ ...allow, Action: ["s3:GetObject", 7] }] }),
        ).toThrow(/Action contains 7; expected non-empty strings/);
        expect(() => normalizePolicyDocument({ Statement: [{ ...allow, Action: [] }] })).toThrow(
            /empty list/,
        );
    });

    it("rejects invalid JSON, non-objects, a missing Statement and an unknown Version", () => {
        expect(() => normalizePolicyDocument("{not json")).toThrow(/not valid JSON/);
        expect(() => normalizePolicyDocument([allow])).toThrow(/must be a JSON object/);
        expect(() => normalizePolicyDocument({ Version: "2012-10-17" })).toThrow(/no Statement/);
        expect(() => normalizePolicyDocument({ Version: "2020-01-01", Statement: [] })).toThrow(
            /Version "2020-01-01" is not valid/,
        );
    });

    it("names the statement by Sid in errors and throws IamDocumentError", () => {
        let caught: unknown;
        try {
            normalizePolicyDocument({ Statement: [allow, { ...allow, Sid: "Bad", Resource: 5 }] });
        } catch (err) {
            caught = err;
        }
        expect(caught).toBeInstanceOf(IamDocumentError);
        expect(String(caught)).toMatch(/statement 1 \(Sid "Bad"\) Resource contains 5/);
    });
});
