import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { trustPolicyOutput } from "../../../components/aws/agent-role-plan";
import { resolvedStatementsOutput } from "../../../components/aws/permissions";
import { installPulumiMocks, outputValue } from "../../helpers/pulumi-mocks";
import { ACCOUNT } from "./aws-mock-outputs";

// Values that are Outputs are checked when they resolve, by the functions AgentRole builds its trust and
// permissions with. A failed check fails the Output and so the deployment; tested here on the Outputs
// themselves, since a registration fed a failed Output never completes under mocks.
installPulumiMocks();

/**
 * The error an Output failed with. Reads the Output's own promises: wrapping it again (as pulumi.output()
 * does) would derive new promises that reject with nobody listening.
 */
async function failureOf(output: pulumi.Output<unknown>): Promise<Error> {
    const internals = output as unknown as {
        isKnown: Promise<unknown>;
        isSecret: Promise<unknown>;
        promise: () => Promise<unknown>;
    };
    void internals.isKnown.catch(() => undefined);
    void internals.isSecret.catch(() => undefined);
    try {
        const value = await internals.promise();
        throw new Error(`expected the Output to fail, it resolved to ${JSON.stringify(value)}`);
    } catch (err) {
        return err as Error;
    }
}

const COMPONENT = 'AgentRole "late"';
const IRSA = {
    kind: "irsa",
    oidcProviderArn: `arn:aws:iam::${ACCOUNT}:oidc-provider/oidc.example/id/X`,
} as const;

describe("AgentRole values known only at deployment", () => {
    it("fails the trust policy when a namespace Output resolves to a wildcard", async () => {
        const trust = trustPolicyOutput(COMPONENT, IRSA, {
            namespace: pulumi.output("agent-*"),
            serviceAccount: "runner",
        });
        expect((await failureOf(trust)).message).toMatch(/namespace = "agent-\*" is not allowed/);
    });

    it("builds the exact subject once the service account Outputs resolve", async () => {
        const trust = trustPolicyOutput(COMPONENT, IRSA, {
            namespace: pulumi.output("agent-a"),
            serviceAccount: pulumi.output("runner"),
        });
        const condition = JSON.parse(await outputValue(trust)).Statement[0].Condition.StringEquals;
        expect(condition["oidc.example/id/X:sub"]).toBe("system:serviceaccount:agent-a:runner");
    });

    it("fails the trust policy when the OIDC provider ARN Output is malformed", async () => {
        const trust = trustPolicyOutput(
            COMPONENT,
            { kind: "irsa", oidcProviderArn: pulumi.output("not-an-arn") },
            { namespace: "agent-a", serviceAccount: "runner" },
        );
        expect((await failureOf(trust)).message).toMatch(/trust.oidcProviderArn = "not-an-arn"/);
    });

    it("fails the permissions when a resource Output resolves to a wildcard role", async () => {
        const statements = [
            { Effect: "Allow", Action: "sts:AssumeRole", Resource: pulumi.output("*") },
        ] as const;
        const error = await failureOf(resolvedStatementsOutput(COMPONENT, statements));
        expect(error.message).toMatch(/\[role-assumption\].*Allow "sts:AssumeRole"/);
    });

    it("accepts a resource Output naming one exact role", async () => {
        const reader = `arn:aws:iam::${ACCOUNT}:role/reader`;
        const statements = [
            { Effect: "Allow", Action: "sts:AssumeRole", Resource: pulumi.output(reader) },
        ] as const;
        const [statement] = await outputValue(resolvedStatementsOutput(COMPONENT, statements));
        expect(statement.Resource).toBe(reader);
    });
});
