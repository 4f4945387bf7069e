import { describe, expect, it } from "vitest";
import {
    AgentAwsArgumentError as AwsFromIndex,
    AgentguardArgumentError as BaseFromIndex,
    AgentRuntimeArgumentError as RuntimeFromIndex,
    BaselineArgumentError as BaselineFromIndex,
    type RiskTier,
} from "../../components";
import {
    AgentAwsArgumentError,
    AgentguardArgumentError,
    AgentRuntimeArgumentError,
    BaselineArgumentError,
    checkAgentIdentity,
    checkRiskTier,
    describe as describeValue,
    fail,
    isDnsLabel,
    isDnsSubdomain,
} from "../../components/args";
import { BaselineArgumentError as BaselineFromAdmissionArgs } from "../../components/kubernetes/admission-args";

/** The error `run` throws; fails the test when it throws none. */
function thrown(run: () => unknown): AgentguardArgumentError {
    try {
        run();
    } catch (error) {
        expect(error).toBeInstanceOf(AgentguardArgumentError);
        return error as AgentguardArgumentError;
    }
    throw new Error("expected an AgentguardArgumentError, got none");
}

describe("fail", () => {
    it("names the component, the argument, the value and what is allowed, and keeps them as fields", () => {
        const error = thrown(() => fail('AgentRuntime "coder"', "egress[0].cidr", "0.0.0.0/0", "narrow it"));
        expect(error.message).toBe(
            'AgentRuntime "coder": egress[0].cidr = "0.0.0.0/0" is not allowed; narrow it',
        );
        expect(error).toMatchObject({
            name: "AgentRuntimeArgumentError",
            component: 'AgentRuntime "coder"',
            argument: "egress[0].cidr",
            value: "0.0.0.0/0",
            allowed: "narrow it",
        });
    });

    it.each([
        ['AgentRuntime "a"', AgentRuntimeArgumentError],
        ['AgentRole "a"', AgentAwsArgumentError],
        ['AgentAuditTrail "a"', AgentAwsArgumentError],
        ['AgentContainment "a"', AgentAwsArgumentError],
        ['AgentGuardrailsBaseline "a"', BaselineArgumentError],
        ["bindBaselineToNamespace", BaselineArgumentError],
    ] as const)("throws the subclass of %s, which is also the base class", (component, subclass) => {
        const error = thrown(() => fail(component, "x", 1, "y"));
        expect(error).toBeInstanceOf(subclass);
        expect(error).toBeInstanceOf(AgentguardArgumentError);
        expect(error).toBeInstanceOf(Error);
        expect(error.name).toBe(subclass.name);
    });

    it("throws the base class for a component it does not know", () => {
        const error = thrown(() => fail("rt", "x", 1, "y"));
        expect(error.constructor).toBe(AgentguardArgumentError);
        expect(error.message).toBe("rt: x = 1 is not allowed; y");
    });

    it("keeps the public classes one and the same wherever they are imported from", () => {
        expect(BaseFromIndex).toBe(AgentguardArgumentError);
        expect(AwsFromIndex).toBe(AgentAwsArgumentError);
        expect(RuntimeFromIndex).toBe(AgentRuntimeArgumentError);
        expect(BaselineFromIndex).toBe(BaselineArgumentError);
        expect(BaselineFromAdmissionArgs).toBe(BaselineArgumentError);
        const tier: RiskTier = 2;
        expect(checkRiskTier("c", tier)).toBe(2);
    });
});

describe("describe (the value in a message)", () => {
    it("renders JSON, undefined, bigints and circular values readably", () => {
        expect(describeValue("a")).toBe('"a"');
        expect(describeValue({ a: [1] })).toBe('{"a":[1]}');
        expect(describeValue(undefined)).toBe("undefined");
        expect(describeValue(10n)).toBe("10");
        expect(describeValue(() => 1)).toMatch(/=>/);
        class Resource {
            self = this;
        }
        expect(describeValue(new Resource())).toBe("a Resource");
    });

    it("cuts long values to 200 characters", () => {
        const text = describeValue("x".repeat(500));
        expect(text).toHaveLength(200);
        expect(text.endsWith("...")).toBe(true);
        expect(describeValue("x".repeat(198))).toHaveLength(200);
    });
});

describe("isDnsLabel", () => {
    it.each(["a", "0", "agent-1", "a".repeat(63), "1-2-3"])("accepts %j", (value) => {
        expect(isDnsLabel(value)).toBe(true);
    });

    it.each([
        ["64 characters", "a".repeat(64)],
        ["a leading hyphen", "-a"],
        ["a trailing hyphen", "a-"],
        ["upper case", "Agent"],
        ["a dot", "a.b"],
        ["an underscore", "a_b"],
        ["a wildcard", "agent-*"],
        ["the empty string", ""],
        ["a space", "a b"],
        ["a trailing newline", "a\n"],
        ["a number", 1],
        ["undefined", undefined],
        ["null", null],
        ["an array", ["a"]],
    ])("refuses %s", (_what, value) => {
        expect(isDnsLabel(value)).toBe(false);
    });

    it("takes a tighter maximum length, never a looser one", () => {
        expect(isDnsLabel("a".repeat(57), 57)).toBe(true);
        expect(isDnsLabel("a".repeat(58), 57)).toBe(false);
        expect(isDnsLabel("a".repeat(64), 100)).toBe(false);
    });
});

describe("isDnsSubdomain", () => {
    it.each(["a", "a.b", "example.com", "a-1.b-2", `${"a".repeat(63)}.b`])("accepts %j", (value) => {
        expect(isDnsSubdomain(value)).toBe(true);
    });

    it.each([
        ["empty", ""],
        ["an empty label", "a..b"],
        ["a leading dot", ".a"],
        ["a trailing dot", "a."],
        ["a label ending in a hyphen", "a-.b"],
        ["a label starting with a hyphen", "a.-b"],
        ["a label over 63 characters", `${"a".repeat(64)}.b`],
        ["upper case", "A.b"],
        ["254 characters", Array.from({ length: 51 }, () => "abcd").join(".")],
        ["not a string", 7],
    ])("refuses %s", (_what, value) => {
        expect(isDnsSubdomain(value)).toBe(false);
    });

    it("takes a tighter maximum length", () => {
        expect(isDnsSubdomain("a.b.c", 5)).toBe(true);
        expect(isDnsSubdomain("a.b.cd", 5)).toBe(false);
    });
});

describe("checkAgentIdentity", () => {
    const C = 'AgentRole "r"';

    it("defaults the risk tier to 3 (high) and keeps the component's agentId limit", () => {
        expect(checkAgentIdentity(C, { agentId: "a", owner: "Team_1" }, 57)).toEqual({
            agentId: "a",
            owner: "Team_1",
            riskTier: 3,
        });
        expect(() => checkAgentIdentity(C, { agentId: "a".repeat(58), owner: "t" }, 57)).toThrow(
            "at most 57 characters",
        );
        expect(checkAgentIdentity(C, { agentId: "a".repeat(63), owner: "t" }, 63).agentId).toHaveLength(63);
    });

    it.each([
        [undefined, "args = undefined", "args"],
        [{ agentId: "A", owner: "t" }, 'agentId = "A"', "agentId"],
        [{ agentId: "a", owner: "" }, 'owner = ""', "owner"],
        [{ agentId: "a", owner: "-t" }, 'owner = "-t"', "owner"],
        [{ agentId: "a", owner: "t".repeat(64) }, "owner = ", "owner"],
        [{ agentId: "a", owner: "t", riskTier: 0 }, "riskTier = 0", "riskTier"],
        [{ agentId: "a", owner: "t", riskTier: "1" }, 'riskTier = "1"', "riskTier"],
        [{ agentId: "a", owner: "t", riskTier: null }, "riskTier = null", "riskTier"],
    ])("rejects %j", (args, fragment, argument) => {
        const error = thrown(() => checkAgentIdentity(C, args, 57));
        expect(error).toBeInstanceOf(AgentAwsArgumentError);
        expect(error.message).toContain(`${C}: ${fragment}`);
        expect(error.argument).toBe(argument);
    });
});
