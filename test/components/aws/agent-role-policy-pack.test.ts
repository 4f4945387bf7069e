import { beforeEach, describe, expect, it } from "vitest";
import { AgentAuditTrail, AgentContainment, AgentRole } from "../../../components/aws";
import { allRules } from "../../../policy-pack/rules";
import { awsRules } from "../../../policy-pack/rules/aws";
import { type FakeResource, runPolicies } from "../../helpers/policy-harness";
import { installPulumiMocks, type RecordedResource } from "../../helpers/pulumi-mocks";
import { ACCOUNT, awsOutputs } from "./aws-mock-outputs";

// The pack judges raw resources and must not trust the components; the components must still pass it.
const mocks = installPulumiMocks({ outputs: awsOutputs });
beforeEach(() => mocks.reset());

/** A recorded resource as the pack sees it after deployment: its inputs plus the provider's computed outputs. */
const asFake = (r: RecordedResource): FakeResource => ({
    type: r.type,
    name: r.name,
    props: awsOutputs({ type: r.type, name: r.name, inputs: r.inputs, custom: true }),
});
const agentArgs = {
    agentId: "a",
    owner: "ml",
    namespace: "agent-a",
    serviceAccount: "runner",
    trust: { kind: "irsa", oidcProviderArn: `arn:aws:iam::${ACCOUNT}:oidc-provider/oidc.example/id/X` },
} as const;

describe("AWS components under the policy pack's AWS rules", () => {
    it("an AgentRole with data-plane permissions, suspended and revoked, passes every rule", async () => {
        const trail = new AgentAuditTrail("audit", { agentId: "all-agents", owner: "security" });
        new AgentRole("a", {
            ...agentArgs,
            statements: [
                { Effect: "Allow", Action: ["s3:GetObject"], Resource: "arn:aws:s3:::agent-a-data/*" },
            ],
            suspended: true,
            revokeSessionsIssuedBefore: "2024-01-01T00:00:00Z",
            auditTrail: trail,
        });
        await mocks.settle();
        const violations = await runPolicies(awsRules, mocks.resources.filter((r) => r.custom).map(asFake));
        expect(violations).toEqual([]);
    });

    it("an AgentContainment of that role, mapped into the cluster, passes every rule of the pack", async () => {
        const role = new AgentRole("a", { ...agentArgs, statements: [] });
        new AgentContainment("guard", {
            agentId: "all-agents",
            owner: "security",
            agents: [{ agentId: "a", role, runtime: { namespaceName: "agent-a" } }],
            guardDuty: true,
            kubernetes: {
                clusterName: "prod",
                endpoint: "https://k8s.example",
                certificateAuthority: "Q0E=",
            },
        });
        await mocks.settle();
        // The function's code is an asset the mocks keep as an object with promises: the pack reads no code.
        const fakes = mocks.resources
            .filter((r) => r.custom)
            .map(asFake)
            .map((f) => ({ ...f, props: JSON.parse(JSON.stringify(f.props)) as Record<string, unknown> }));
        expect(fakes.filter((f) => f.type.startsWith("kubernetes:"))).toHaveLength(2);
        const violations = await runPolicies(allRules, fakes);
        expect(violations.filter((v) => v.enforcementLevel === "mandatory")).toEqual([]);
    });

    it("the same rules catch a role the component would have refused, when written by hand", async () => {
        new AgentRole("b", { ...agentArgs, serviceAccount: "b" });
        await mocks.settle();
        const fakes = mocks.resources.filter((r) => r.custom).map(asFake);
        const role = fakes.find((f) => f.type === "aws:iam/role:Role" && f.name === "b") as FakeResource;
        const escalated: FakeResource = {
            type: "aws:iam/rolePolicy:RolePolicy",
            name: "b-extra",
            props: {
                role: role.props.name,
                policy: JSON.stringify({ Statement: [{ Effect: "Allow", Action: "iam:*", Resource: "*" }] }),
            },
        };
        const violations = await runPolicies(awsRules, [...fakes, escalated]);
        expect(violations.some((v) => v.policy === "aws-restrict-agent-iam-grants")).toBe(true);
    });

    it("an AgentRole's guardrail keeps its wide grants off AgentContainment; without it they are tamper paths", async () => {
        const role = new AgentRole("a", {
            ...agentArgs,
            statements: [
                {
                    Effect: "Allow",
                    Action: [
                        "lambda:InvokeFunction",
                        "lambda:GetFunction",
                        "sns:Unsubscribe",
                        "cloudwatch:SetAlarmState",
                        "cloudwatch:PutMetricData",
                    ],
                    Resource: "*",
                },
            ],
        });
        new AgentContainment("guard", {
            agentId: "all-agents",
            owner: "security",
            agents: [{ agentId: "a", role }],
        });
        await mocks.settle();
        const fakes = mocks.resources
            .filter((r) => r.custom)
            .map(asFake)
            .map((f) => ({ ...f, props: JSON.parse(JSON.stringify(f.props)) as Record<string, unknown> }));
        const tamper = (violations: { message: string }[]) =>
            violations.filter((v) => /automated containment/.test(v.message)).map((v) => v.message);
        expect(tamper(await runPolicies(awsRules, fakes))).toEqual([]);
        // The same role written by hand: its guardrail policies left out.
        const guardrails = new Set(
            fakes
                .filter(
                    (f) =>
                        f.type === "aws:iam/policy:Policy" &&
                        /DenyContainmentTampering/.test(String(f.props.policy)),
                )
                .map((f) => String(f.props.arn)),
        );
        expect(guardrails.size).toBeGreaterThan(0);
        const bare = fakes
            .map((f) =>
                f.type === "aws:iam/role:Role" && f.name === "a" && Array.isArray(f.props.managedPolicyArns)
                    ? {
                          ...f,
                          props: {
                              ...f.props,
                              managedPolicyArns: f.props.managedPolicyArns.filter(
                                  (a) => !guardrails.has(String(a)),
                              ),
                          },
                      }
                    : f,
            )
            .filter(
                (f) =>
                    !(
                        f.type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment" &&
                        guardrails.has(String(f.props.policyArn))
                    ),
            );
        const found = tamper(await runPolicies(awsRules, bare));
        expect(found.join("\n")).toMatch(
            /lambda:InvokeFunction on Lambda function agentguard-containment-guard → it is automated containment/,
        );
    });
});
