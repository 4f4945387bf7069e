import { describe, expect, it } from "vitest";
import {
    allCatalogActions,
    describeActionPattern,
    expandActionPattern,
    isKnownService,
    lookupAction,
} from "../../../core/iam";

describe("IAM action catalogue", () => {
    it("looks up actions case-insensitively and returns catalogue casing and access level", () => {
        expect(lookupAction("IAM:putrolepolicy")).toEqual({
            service: "iam",
            name: "PutRolePolicy",
            accessLevel: expect.stringMatching(/Permissions management/),
        });
        expect(lookupAction("s3:GetObject")?.accessLevel).toBe("Read");
        expect(lookupAction("s3:NoSuchAction")).toBeUndefined();
        expect(lookupAction("nosuchservice:Get")).toBeUndefined();
    });

    it("expands wildcards case-insensitively to canonical names", () => {
        const put = expandActionPattern("IAM:put*");
        expect(put).toContain("iam:PutRolePolicy");
        expect(put).toContain("iam:PutUserPolicy");
        expect(put.every((a) => /^iam:Put/.test(a))).toBe(true);
        expect(expandActionPattern("Iam:Put?olePolicy")).toEqual(["iam:PutRolePolicy"]);
        expect(expandActionPattern("iam:*Policy*")).toContain("iam:AttachRolePolicy");
    });

    it("expands an exact name to its canonical casing and unknown names to nothing", () => {
        expect(expandActionPattern("EC2:runinstances")).toEqual(["ec2:RunInstances"]);
        expect(expandActionPattern("ec2:NotAnAction")).toEqual([]);
    });

    it("expands * to the whole catalogue and a wildcard service prefix to every matching service", () => {
        const everything = expandActionPattern("*");
        expect(everything.length).toBe(allCatalogActions().length);
        expect(everything.length).toBeGreaterThan(10_000);
        const s3Family = expandActionPattern("s3*:Put*Policy");
        expect(s3Family).toContain("s3:PutBucketPolicy");
        expect(s3Family).toContain("s3express:PutBucketPolicy");
    });

    it("says when a pattern's service prefix is unknown", () => {
        expect(isKnownService("IAM")).toBe(true);
        expect(describeActionPattern("madeup:*")).toEqual({ actions: [], unknownService: true });
        expect(describeActionPattern("iam:NoSuch*").unknownService).toBe(false);
        expect(describeActionPattern("zz*:*").unknownService).toBe(true);
    });
});
