import { describe, expect, it } from "vitest";
import { iamGlobMatches, iamGlobsIntersect, SEGMENT_WILDCARD as S, starGlobMatches } from "../../core/glob";

describe("iamGlobsIntersect", () => {
    it("treats * as any run, colons included, and ? as one character", () => {
        expect(iamGlobsIntersect("arn:aws:*", "arn:*:lambda:x")).toBe(true);
        expect(iamGlobsIntersect("a?c", "abc")).toBe(true);
        expect(iamGlobsIntersect("a?c", "ac")).toBe(false);
        expect(iamGlobMatches("role/*", "role/a/b")).toBe(true);
    });

    it("a segment run never crosses a colon, so two generated names cannot meet through the separators", () => {
        expect(iamGlobsIntersect(`fn:auto-${S}`, "fn:report-*")).toBe(false);
        expect(iamGlobsIntersect(`arn:${S}:lambda`, "arn:aws:lambda")).toBe(true);
        expect(iamGlobsIntersect(`arn:${S}:lambda`, "arn:aws:x:lambda")).toBe(false);
        expect(iamGlobsIntersect(`arn:${S}:${S}:fn`, "arn:*:fn")).toBe(true);
        expect(iamGlobsIntersect(`a${S}`, "a?")).toBe(true);
        expect(iamGlobsIntersect(`a${S}`, "a:")).toBe(false);
    });
});

describe("starGlobMatches (config globs: exemptions, agent namespace patterns, RBAC names)", () => {
    it.each([
        ["agent-*", "agent-a", true],
        ["agent-*", "agent-", true],
        ["agent-*", "my-agent-a", false],
        ["agent-*", "AGENT-a", false],
        ["urn:pulumi:*::proxy", "urn:pulumi:dev::p::k8s:core/v1:Service::proxy", true],
        ["a?c", "abc", false],
        ["a?c", "a?c", true],
        ["a.c", "abc", false],
        ["[x]", "[x]", true],
        ["*", "line\nbreak", true],
    ])("%s vs %j: %s", (pattern, text, expected) => {
        expect(starGlobMatches(pattern, text)).toBe(expected);
    });
});
