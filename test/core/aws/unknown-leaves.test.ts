import { describe, expect, it } from "vitest";
import { normalizePolicyDocument } from "../../../core/iam";
import { DenyIndex } from "../../../core/iam/deny-index";
import { identifyAgentRoles } from "../../../core/aws/agent-roles";
import { readJsonDocument } from "../../../core/aws/json-document";
import { UNKNOWN_RESOURCE } from "../../../core/aws/unknown-leaves";
import { awsRestrictAgentIamGrants } from "../../../policy-pack/rules/aws/aws-restrict-agent-iam-grants";
import { runStackPolicy, UNKNOWN, type FakeResource } from "../../helpers/policy-harness";
import { defaultConfig, modelOf, OIDC_PROVIDER, role, SUB_KEY } from "../../policy-pack/lib/aws/fixtures";

const doc = (...Statement: Record<string, unknown>[]) => ({ Version: "2012-10-17", Statement });
const read = (value: unknown) => readJsonDocument(value);
const statementsOf = (value: unknown) => {
    const r = read(value);
    if (r.kind !== "known") throw new Error(`not read: ${r.kind}`);
    return normalizePolicyDocument(r.document);
};
const denies = (value: unknown) => {
    const index = new DenyIndex();
    for (const s of statementsOf(value)) index.add(s);
    return index;
};

describe("policy documents declared as objects with leaves unknown during preview", () => {
    it("reads effects and actions; an Allow's unknown resource grants everywhere", () => {
        const r = read(doc({ Effect: "Allow", Action: "iam:PassRole", Resource: [UNKNOWN] }));
        expect(r).toMatchObject({ kind: "known", unknownLeaves: ["Statement[0].Resource"] });
        expect(
            statementsOf(doc({ Effect: "Allow", Action: "iam:PassRole", Resource: UNKNOWN }))[0],
        ).toMatchObject({
            effect: "Allow",
            actions: ["iam:PassRole"],
            resources: ["*"],
        });
    });

    it("an Allow's unknown NotResource or condition widens to every resource, unconditionally", () => {
        const [notResource] = statementsOf(doc({ Effect: "Allow", Action: "s3:*", NotResource: [UNKNOWN] }));
        expect(notResource).toMatchObject({ resources: ["*"] });
        expect(notResource.notResources).toBeUndefined();
        const [conditioned] = statementsOf(
            doc({
                Effect: "Allow",
                Action: "s3:GetObject",
                Resource: "*",
                Condition: {
                    StringEquals: { "aws:SourceArn": UNKNOWN, "aws:SourceAccount": "111122223333" },
                },
            }),
        );
        expect(conditioned.condition).toEqual({ StringEquals: { "aws:SourceAccount": "111122223333" } });
    });

    it("a Deny whose resource, NotResource or condition is unknown denies nothing for certain", () => {
        const known = { Effect: "Deny", Action: "iam:*" };
        expect(denies(doc({ ...known, Resource: "*" })).has("iam:PassRole")).toBe(true);
        for (const unknownPart of [
            { Resource: [UNKNOWN] },
            { Resource: UNKNOWN },
            { NotResource: [UNKNOWN] },
            { Resource: "*", Condition: { StringEquals: { "aws:PrincipalArn": UNKNOWN } } },
            { Resource: "*", Condition: UNKNOWN },
        ]) {
            const index = denies(doc({ ...known, ...unknownPart }));
            expect(index.has("iam:PassRole"), JSON.stringify(unknownPart)).toBe(false);
        }
        expect(statementsOf(doc({ ...known, Resource: ["arn:aws:s3:::a", UNKNOWN] }))[0].resources).toEqual([
            "arn:aws:s3:::a",
            UNKNOWN_RESOURCE,
        ]);
    });

    it("stays unknown when an effect, action, principal or the statement list is unknown", () => {
        for (const d of [
            doc({ Effect: UNKNOWN, Action: "s3:GetObject", Resource: "*" }),
            doc({ Effect: "Allow", Action: UNKNOWN, Resource: "*" }),
            doc({ Effect: "Allow", Action: ["s3:GetObject", UNKNOWN], Resource: "*" }),
            doc({ Effect: "Deny", NotAction: UNKNOWN, Resource: "*" }),
            doc({ Effect: "Allow", Principal: { AWS: UNKNOWN }, Action: "sts:AssumeRole" }),
            doc({ Effect: "Allow", NotPrincipal: UNKNOWN, Action: "sts:AssumeRole" }),
            { Version: UNKNOWN, Statement: [] },
            { Version: "2012-10-17", Statement: UNKNOWN },
            { Version: "2012-10-17", Statement: [UNKNOWN] },
        ])
            expect(read(d), JSON.stringify(d)).toEqual({ kind: "unknown" });
        // A JSON string computed in an apply is unknown as a whole, as before.
        expect(read(UNKNOWN)).toEqual({ kind: "unknown" });
    });
});

describe("agent identification from a trust declared as an object", () => {
    const certaintyOf = (resources: FakeResource[], name: string) =>
        [...identifyAgentRoles(modelOf(resources), defaultConfig).roles.values()].find(
            (r) => r.node.name === name,
        )?.certainty;
    const trust = (statement: Record<string, unknown>) => doc({ Action: "sts:AssumeRole", ...statement });

    it("a service's role whose only unknown is the trail's ARN in a condition is not an agent role", () => {
        const delivery = role("delivery", {
            assumeRolePolicy: trust({
                Effect: "Allow",
                Principal: { Service: "cloudtrail.amazonaws.com" },
                Condition: { StringEquals: { "aws:SourceArn": UNKNOWN } },
            }),
        });
        expect(certaintyOf([delivery], "delivery")).toBeUndefined();
    });

    it("an unknown principal is still possibly an agent role", () => {
        const r = role("r", { assumeRolePolicy: trust({ Effect: "Allow", Principal: { AWS: UNKNOWN } }) });
        expect(certaintyOf([r], "r")).toBe("possible");
    });

    it("an IRSA trust whose sub condition is unknown admits every service account: an agent role", () => {
        const r = role("irsa", {
            assumeRolePolicy: doc({
                Effect: "Allow",
                Principal: { Federated: OIDC_PROVIDER },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: { StringEquals: { [SUB_KEY]: UNKNOWN } },
            }),
        });
        expect(certaintyOf([r], "irsa")).toBeDefined();
    });
});

describe("the pack on an agent policy declared as an object with an unknown resource", () => {
    const agent = (resource: unknown) =>
        role("agent-builder", {
            tags: { "agentguard.io/agent": "builder" },
            inlinePolicies: [
                {
                    name: "launch",
                    policy: doc({
                        Effect: "Allow",
                        Action: ["iam:PassRole", "ec2:RunInstances"],
                        Resource: resource,
                    }),
                },
            ],
        });

    it("judges the grant as on every resource: PassRole + RunInstances is still escalation", async () => {
        const v = await runStackPolicy(awsRestrictAgentIamGrants, [agent([UNKNOWN])]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(/privilege escalation/);
    });

    it("accepts a read-only grant whose bucket ARN is unknown (the test can pass)", async () => {
        const readOnly = role("agent-reader", {
            tags: { "agentguard.io/agent": "reader" },
            inlinePolicies: [
                { name: "read", policy: doc({ Effect: "Allow", Action: "s3:GetObject", Resource: UNKNOWN }) },
            ],
        });
        expect(await runStackPolicy(awsRestrictAgentIamGrants, [readOnly])).toEqual([]);
    });
});
