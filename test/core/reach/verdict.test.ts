import { describe, expect, it } from "vitest";
import { classifyAction, lookupAction } from "../../../core/iam";
import { judgePrincipal } from "../../../core/reach";
import { REACHED_SERVICE_ROLE_POLICIES } from "../../../core/reach/verdict";

describe("judgePrincipal", () => {
    it.each(Object.entries(REACHED_SERVICE_ROLE_POLICIES))(
        "%s grants only catalogue actions outside every forbidden family",
        (_name, actions) => {
            for (const action of actions) {
                expect(lookupAction(action), action).toBeDefined();
                expect(classifyAction(action), action).toEqual([]);
            }
        },
    );

    it("treats a reached role with only service-role policies as gaining nothing, and still judges the rest", () => {
        const managed = (name: string) => ({
            source: "managedPolicyArns",
            arn: `arn:aws:iam::aws:policy/${name}`,
        });
        expect(
            judgePrincipal({
                documents: [],
                managed: [
                    managed("service-role/AWSLambdaBasicExecutionRole"),
                    managed("AWSXRayDaemonWriteAccess"),
                ],
                unresolved: [],
            }),
        ).toEqual({ grants: [], unknown: [] });
        const verdict = judgePrincipal({
            documents: [],
            managed: [
                managed("service-role/AWSLambdaBasicExecutionRole"),
                managed("AmazonS3FullAccess"),
                managed("SomethingNew"),
            ],
            unresolved: [],
        });
        expect(verdict.grants.map((g) => g.source)).toContain("AmazonS3FullAccess");
        expect(verdict.unknown).toEqual([expect.stringContaining("SomethingNew")]);
    });

    it("leaves run-as grants on exact resources to the walk, and reports them on wildcards", () => {
        const doc = (resource: string) => ({
            source: "inline",
            document: {
                Version: "2012-10-17",
                Statement: [{ Effect: "Allow", Action: "lambda:UpdateFunctionCode", Resource: resource }],
            },
        });
        expect(
            judgePrincipal({
                documents: [doc("arn:aws:lambda:eu-west-1:1:function:f")],
                managed: [],
                unresolved: [],
            }).grants,
        ).toEqual([]);
        expect(judgePrincipal({ documents: [doc("*")], managed: [], unresolved: [] }).grants).toEqual([
            { source: "inline", action: "lambda:UpdateFunctionCode", category: "privilege-escalation" },
        ]);
    });
});
