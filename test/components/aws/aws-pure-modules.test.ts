import { describe, expect, it } from "vitest";
import { agentTags } from "../../../components/aws/agent-tags";
import { assumableRoleArns } from "../../../components/aws/permissions";
import { checkRevocationTime, MAX_REVOCATION_LEAD_MS } from "../../../components/aws/session-controls";
import { checkIssuerUrl, issuerFromProviderArn } from "../../../components/aws/trust-policy";

const C = 'AgentRole "t"';

describe("trust helpers", () => {
    it("reads the issuer from provider ARNs of every partition", () => {
        expect(
            issuerFromProviderArn(C, "arn:aws:iam::123456789012:oidc-provider/oidc.eks.x.amazonaws.com/id/A"),
        ).toBe("oidc.eks.x.amazonaws.com/id/A");
        expect(issuerFromProviderArn(C, "arn:aws-us-gov:iam::123456789012:oidc-provider/oidc.gov/id/B")).toBe(
            "oidc.gov/id/B",
        );
    });

    it("rejects provider ARNs with wildcards or another resource type", () => {
        expect(() => issuerFromProviderArn(C, "arn:aws:iam::123456789012:oidc-provider/*")).toThrow(
            /oidcProviderArn/,
        );
        expect(() => issuerFromProviderArn(C, "arn:aws:iam::*:oidc-provider/oidc.x")).toThrow(
            /oidcProviderArn/,
        );
        expect(() => issuerFromProviderArn(C, 42)).toThrow(/oidcProviderArn = 42/);
    });

    it("accepts the issuer URL with or without scheme only when it is the provider's", () => {
        expect(() => checkIssuerUrl(C, "https://oidc.x/id/A", "oidc.x/id/A")).not.toThrow();
        expect(() => checkIssuerUrl(C, "oidc.x/id/A", "oidc.x/id/A")).not.toThrow();
        expect(() => checkIssuerUrl(C, "https://oidc.x/id/B", "oidc.x/id/A")).toThrow(/oidcProviderUrl/);
    });
});

describe("revocation time", () => {
    const now = new Date("2025-06-01T12:00:00Z");

    it("normalises to UTC and tolerates a few minutes of clock skew", () => {
        expect(checkRevocationTime(C, "2025-06-01T13:00:00+02:00", now)).toBe("2025-06-01T11:00:00.000Z");
        const skewed = new Date(now.getTime() + MAX_REVOCATION_LEAD_MS - 1000).toISOString();
        expect(checkRevocationTime(C, skewed, now)).toBe(skewed);
    });

    it("rejects a time beyond the skew, pointing at suspended", () => {
        const later = new Date(now.getTime() + MAX_REVOCATION_LEAD_MS + 1000).toISOString();
        expect(() => checkRevocationTime(C, later, now)).toThrow(/use suspended: true/);
    });

    it("rejects non-strings and impossible dates", () => {
        expect(() => checkRevocationTime(C, 1717243200000, now)).toThrow(
            /revokeSessionsIssuedBefore = 1717243200000/,
        );
        expect(() => checkRevocationTime(C, "2025-04-31T00:00:00Z", now)).toThrow(/2025-04-31/);
    });
});

describe("assumable role ARNs", () => {
    it("collects exact role ARNs of Allow statements that assume roles, in any casing", () => {
        const arns = assumableRoleArns([
            { Effect: "Allow", Action: ["STS:assumerole"], Resource: ["arn:aws:iam::123456789012:role/b"] },
            { Effect: "Allow", Action: "sts:AssumeRole*", Resource: "arn:aws:iam::123456789012:role/a" },
            {
                Effect: "Allow",
                Action: "s3:GetObject",
                Resource: "arn:aws:iam::123456789012:role/not-assumed",
            },
            { Effect: "Deny", Action: "sts:AssumeRole", Resource: "arn:aws:iam::123456789012:role/denied" },
        ]);
        expect(arns).toEqual(["arn:aws:iam::123456789012:role/a", "arn:aws:iam::123456789012:role/b"]);
    });
});

describe("agent tags", () => {
    const identity = { agentId: "a", owner: "o", riskTier: 3 as const };

    it("sets the identification tags over extra tags", () => {
        expect(agentTags(C, identity, { cost: "x" })).toEqual({
            cost: "x",
            "agentguard.io/agent": "a",
            "agentguard.io/owner": "o",
            "agentguard.io/risk-tier": "3",
        });
    });

    it.each(["agentguard.io/agent", "AgentGuard.io/owner", "aws:cloudformation:stack-name"])(
        "rejects the reserved extra tag %s",
        (key) => {
            expect(() => agentTags(C, identity, { [key]: "x" })).toThrow(/are reserved/);
        },
    );

    it("rejects non-string tag values", () => {
        expect(() => agentTags(C, identity, { n: 1 })).toThrow(
            /tags\["n"\] = 1 is not allowed; tag values must be strings/,
        );
    });
});
