/**
 * Every component checks all its plain arguments before it registers itself or any child: a bad argument
 * leaves nothing behind in the program, not even the component.
 */
import * as pulumi from "@pulumi/pulumi";
import { beforeEach, describe, expect, it } from "vitest";
import {
    AgentAuditTrail,
    AgentAwsArgumentError,
    AgentGuardrailsBaseline,
    AgentguardArgumentError,
    AgentRole,
    AgentRuntime,
    AgentRuntimeArgumentError,
    BaselineArgumentError,
} from "../../components";
import { installPulumiMocks } from "../helpers/pulumi-mocks";
import { awsOutputs } from "./aws/aws-mock-outputs";

const mocks = installPulumiMocks({ outputs: awsOutputs });
beforeEach(() => mocks.reset());

/** Runs `construct`, expects `errorClass` (and the base class), then that nothing was registered. */
async function expectNothingRegistered(
    construct: () => unknown,
    errorClass: typeof AgentguardArgumentError,
    fragment: string,
): Promise<void> {
    expect(construct).toThrow(errorClass);
    expect(construct).toThrow(AgentguardArgumentError);
    expect(construct).toThrow(fragment);
    await mocks.settle();
    expect(mocks.resources.map((r) => `${r.type} ${r.name}`)).toEqual([]);
}

const ROLE_ARGS = {
    agentId: "a",
    owner: "ml-platform",
    namespace: "agent-a",
    serviceAccount: "runner",
    trust: { kind: "pod-identity", clusterName: "c" },
} as const;

describe("the recorder this file relies on", () => {
    it("sees a component that registers itself and then throws", async () => {
        class RegistersThenThrows extends pulumi.ComponentResource {
            constructor(name: string) {
                super("agentguard:test:RegistersThenThrows", name, {}, {});
                throw new Error("late check");
            }
        }
        expect(() => new RegistersThenThrows("late")).toThrow("late check");
        await mocks.settle();
        expect(mocks.resources.map((r) => r.type)).toEqual(["agentguard:test:RegistersThenThrows"]);
    });
});

describe("AgentRuntime validates before registering", () => {
    it.each([
        [{ agentId: "Bad" }, 'agentId = "Bad"'],
        [{ rbacRules: [{ apiGroups: [""], resources: ["secrets"], verbs: ["get"] }] }, "rbacRules[0]"],
        [{ egress: [{ cidr: "0.0.0.0/0", ports: [{ port: 443 }], description: "all" }] }, "egress[0].cidr"],
        [{ admissionBaseline: { protectedResources: "p" } }, "admissionBaseline = "],
    ])("%j", async (change, fragment) => {
        const args = { agentId: "coder", owner: "ml-platform", ...change } as never;
        await expectNothingRegistered(
            () => new AgentRuntime("rt", args),
            AgentRuntimeArgumentError,
            fragment,
        );
    });

    it("registers itself and its children when the arguments are valid", async () => {
        new AgentRuntime("rt", { agentId: "coder", owner: "ml-platform" });
        await mocks.settle();
        expect(mocks.resources[0].type).toBe("agentguard:kubernetes:AgentRuntime");
    });
});

describe("AgentRole validates before registering", () => {
    it.each([
        [{ owner: "" }, 'owner = ""'],
        [{ maxSessionDuration: 60 }, "maxSessionDuration = 60"],
        [{ tags: { "agentguard.io/agent": "other" } }, 'tags["agentguard.io/agent"]'],
        [{ statements: [{ Effect: "Allow", Action: "*", Resource: "*" }] }, "statements"],
        [{ trust: { kind: "oidc" } }, 'trust.kind = "oidc"'],
        [{ namespace: "Agent A" }, 'namespace = "Agent A"'],
        [{ auditTrail: { protectedResourceArns: ["x".repeat(7000)] } }, "the permissions boundary can reach"],
    ])("%j", async (change, fragment) => {
        const args = { ...ROLE_ARGS, ...change } as never;
        await expectNothingRegistered(() => new AgentRole("role", args), AgentAwsArgumentError, fragment);
    });

    it("registers itself and its children when the arguments are valid", async () => {
        new AgentRole("role", ROLE_ARGS);
        await mocks.settle();
        expect(mocks.resources[0].type).toBe("agentguard:aws:AgentRole");
    });
});

describe("AgentAuditTrail validates before registering", () => {
    it.each([
        [{ agentId: "all_agents" }, 'agentId = "all_agents"'],
        [{ retentionDays: 1 }, "retentionDays = 1"],
        [{ logRetentionDays: 7 }, "logRetentionDays = 7"],
        [{ trailName: "a" }, 'trailName = "a"'],
        [{ dataEventBuckets: ["arn:aws:s3:::*"] }, "dataEventBuckets[0]"],
    ])("%j", async (change, fragment) => {
        const args = { agentId: "all-agents", owner: "security", ...change } as never;
        await expectNothingRegistered(
            () => new AgentAuditTrail("audit", args),
            AgentAwsArgumentError,
            fragment,
        );
    });

    it("registers itself and its children when the arguments are valid", async () => {
        new AgentAuditTrail("audit", { agentId: "all-agents", owner: "security" });
        await mocks.settle();
        expect(mocks.resources[0].type).toBe("agentguard:aws:AgentAuditTrail");
    });
});

describe("AgentGuardrailsBaseline validates before registering", () => {
    it.each([
        [{ owner: "platform team" }, 'owner = "platform team"'],
        [{ agentNamespacePatterns: ["kube-*"] }, "agentNamespacePatterns"],
        [{ deployers: { groups: ["system:authenticated"] } }, "deployers.groups"],
        [{ sandboxRuntimeClassName: "g..visor" }, 'sandboxRuntimeClassName = "g..visor"'],
    ])("%j", async (change, fragment) => {
        const args = { owner: "platform", ...change } as never;
        await expectNothingRegistered(
            () => new AgentGuardrailsBaseline("baseline", args),
            BaselineArgumentError,
            fragment,
        );
    });

    it("registers itself and its children when the arguments are valid", async () => {
        new AgentGuardrailsBaseline("baseline", { owner: "platform" });
        await mocks.settle();
        expect(mocks.resources[0].type).toBe("agentguard:kubernetes:AgentGuardrailsBaseline");
    });
});
