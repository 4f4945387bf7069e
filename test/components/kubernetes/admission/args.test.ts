import { describe, expect, it } from "vitest";
import {
    BaselineArgumentError,
    resolveBaselineSettings,
    type BaselineSettingsInput,
} from "../../../../components/kubernetes/admission-args";

const resolve = (input: Partial<BaselineSettingsInput>, name = "baseline") =>
    resolveBaselineSettings(name, { owner: "platform", ...input });

describe("baseline arguments: defaults", () => {
    it("defaults to agent-* namespaces, system:masters as deployer, cluster-admin as privileged, no runtime", () => {
        const settings = resolve({});
        expect(settings.agentNamespacePatterns).toEqual(["agent-*"]);
        expect(settings.agentNamespaces).toEqual([]);
        expect(settings.deployers).toEqual({ usernames: [], groups: ["system:masters"] });
        expect(settings.privilegedClusterRoles).toEqual(["cluster-admin"]);
        expect(settings.sandboxRuntimeClassName).toBeUndefined();
        expect(settings.policyNamePrefix).toBe("baseline");
    });

    it("keeps explicit values", () => {
        const settings = resolve({
            agentNamespacePatterns: ["ml-*"],
            agentNamespaces: ["research"],
            deployers: { groups: ["agentguard:deployers"] },
            sandboxRuntimeClassName: "gvisor",
            policyNamePrefix: "agentguard",
        });
        expect(settings.deployers).toEqual({ usernames: [], groups: ["agentguard:deployers"] });
        expect(settings.policyNamePrefix).toBe("agentguard");
        expect(settings.sandboxRuntimeClassName).toBe("gvisor");
    });
});

describe("baseline arguments: rejected values name the argument, the value and what is allowed", () => {
    const cases: [string, Partial<BaselineSettingsInput>, RegExp][] = [
        [
            "an owner that is not label-safe",
            { owner: "platform team" },
            /owner = "platform team".*label value/,
        ],
        [
            "a pattern with regex characters",
            { agentNamespacePatterns: ["agent-.+"] },
            /agentNamespacePatterns = "agent-\.\+".*a-z, 0-9, '-' and '\*'/,
        ],
        [
            "a pattern covering everything",
            { agentNamespacePatterns: ["*"] },
            /agentNamespacePatterns = "\*".*system namespace kube-system/,
        ],
        [
            "a pattern covering kube-*",
            { agentNamespacePatterns: ["kube-*"] },
            /matches the system namespace kube-system/,
        ],
        [
            "a pattern covering default",
            { agentNamespacePatterns: ["def*"] },
            /matches the system namespace default/,
        ],
        [
            "patterns that are not an array",
            { agentNamespacePatterns: "agent-*" as unknown as string[] },
            /agentNamespacePatterns = "agent-\*".*array of strings/,
        ],
        [
            "a namespace name with upper case",
            { agentNamespaces: ["Research"] },
            /agentNamespaces = "Research".*DNS label/,
        ],
        [
            "a system namespace as agent namespace",
            { agentNamespaces: ["kube-system"] },
            /agentNamespaces = "kube-system"/,
        ],
        [
            "no deployer at all",
            { deployers: { usernames: [], groups: [] } },
            /deployers = .*at least one username or group/,
        ],
        [
            "everyone as deployer",
            { deployers: { groups: ["system:authenticated"] } },
            /deployers.groups = "system:authenticated"/,
        ],
        [
            "all service accounts as deployer",
            { deployers: { groups: ["system:serviceaccounts"] } },
            /deployers.groups = "system:serviceaccounts"/,
        ],
        [
            "an agent namespace's service accounts as deployer",
            { deployers: { groups: ["system:serviceaccounts:agent-x"] } },
            /deployers.groups = "system:serviceaccounts:agent-x".*agent/,
        ],
        [
            "an agent service account as deployer",
            { deployers: { usernames: ["system:serviceaccount:agent-x:deployer"] } },
            /deployers.usernames = "system:serviceaccount:agent-x:deployer"/,
        ],
        [
            "a listed agent namespace's service account as deployer",
            {
                agentNamespaces: ["research"],
                deployers: { usernames: ["system:serviceaccount:research:ci"] },
            },
            /deployers.usernames/,
        ],
        [
            "the anonymous user as deployer",
            { deployers: { usernames: ["system:anonymous"] } },
            /deployers.usernames = "system:anonymous"/,
        ],
        [
            "an identity with whitespace",
            { deployers: { usernames: ["ops admin"] } },
            /deployers.usernames = "ops admin".*without whitespace/,
        ],
        [
            "a privileged role name with a slash",
            { privilegedClusterRoles: ["a/b"] },
            /privilegedClusterRoles = "a\/b"/,
        ],
        [
            "a runtime class that is not a DNS name",
            { sandboxRuntimeClassName: "gVisor!" },
            /sandboxRuntimeClassName = "gVisor!".*RuntimeClass name/,
        ],
        [
            "a name prefix with upper case",
            { policyNamePrefix: "Baseline" },
            /policyNamePrefix \(defaults to the component name\) = "Baseline"/,
        ],
    ];

    it.each(cases)("rejects %s", (_what, input, message) => {
        expect(() => resolve(input)).toThrow(BaselineArgumentError);
        expect(() => resolve(input)).toThrow(message);
    });

    it("names the component and asks for a prefix when the component name can't be a Kubernetes name", () => {
        expect(() => resolve({}, "My Baseline")).toThrow(
            /AgentGuardrailsBaseline "My Baseline": policyNamePrefix/,
        );
        expect(resolve({ policyNamePrefix: "baseline" }, "My Baseline").policyNamePrefix).toBe("baseline");
    });

    it("allows a service account of a non-agent namespace as deployer", () => {
        const settings = resolve({
            deployers: { usernames: ["system:serviceaccount:pulumi-operator:deployer"] },
        });
        expect(settings.deployers.usernames).toEqual(["system:serviceaccount:pulumi-operator:deployer"]);
    });
});
