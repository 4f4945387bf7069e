import { describe, expect, it } from "vitest";
import { identifyAgentRoles } from "../../../core/aws/agent-roles";
import { iamGlobMatches, iamGlobsIntersect } from "../../../core/aws/iam-glob";
import { UNKNOWN, type FakeResource } from "../../helpers/policy-harness";
import {
    defaultConfig,
    irsaTrust,
    modelOf,
    namespace,
    role,
    SUB_KEY,
    trustOf,
} from "../../policy-pack/lib/aws/fixtures";

function certaintyOf(resources: FakeResource[], roleName: string): string | undefined {
    const index = identifyAgentRoles(modelOf(resources), defaultConfig);
    return [...index.roles.values()].find((r) => r.node.name === roleName)?.certainty;
}

const podIdentity = (
    name: string,
    props: Record<string, unknown>,
    extra: Partial<FakeResource> = {},
): FakeResource => ({
    type: "aws:eks/podIdentityAssociation:PodIdentityAssociation",
    name,
    props: { clusterName: "prod", serviceAccount: "runner", ...props },
    ...extra,
});

describe("iamGlobsIntersect", () => {
    it.each([
        ["system:serviceaccount:*", "system:serviceaccount:agent-*:*", true],
        ["system:serviceaccount:a*", "system:serviceaccount:agent-*:*", true],
        ["system:serviceaccount:ag?nt-x:*", "system:serviceaccount:agent-*:*", true],
        ["system:serviceaccount:default:*", "system:serviceaccount:agent-*:*", false],
        ["system:serviceaccount:b*", "system:serviceaccount:agent-*:*", false],
        ["*", "x", true],
        ["a?c", "abd", false],
    ])("%s ∩ %s non-empty is %s", (a, b, expected) => {
        expect(iamGlobsIntersect(a, b)).toBe(expected);
        expect(iamGlobsIntersect(b, a)).toBe(expected);
    });

    it("matches a literal text without treating its stars as wildcards", () => {
        expect(iamGlobMatches("a*", "abc")).toBe(true);
        expect(iamGlobMatches("abc", "a*")).toBe(false);
    });
});

describe("identifyAgentRoles", () => {
    it("takes a tagged role as an agent role, whatever the case of the tag key", () => {
        expect(certaintyOf([role("r", { tags: { "agentguard.io/agent": "x" } })], "r")).toBe("agent");
        expect(certaintyOf([role("r", { tagsAll: { "AgentGuard.io/Agent": "x" } })], "r")).toBe("agent");
    });

    it("does not take an untagged role trusted by a service principal", () => {
        expect(certaintyOf([role("deployer")], "deployer")).toBeUndefined();
    });

    it("takes an untagged role whose IRSA trust admits an exact agent-namespace service account", () => {
        const trust = irsaTrust({ StringEquals: { [SUB_KEY]: "system:serviceaccount:agent-x:runner" } });
        expect(certaintyOf([role("r", { assumeRolePolicy: trust })], "r")).toBe("agent");
    });

    it("does not take a role trusted by a non-agent namespace's service account", () => {
        const trust = irsaTrust({ StringEquals: { [SUB_KEY]: "system:serviceaccount:monitoring:prom" } });
        expect(certaintyOf([role("r", { assumeRolePolicy: trust })], "r")).toBeUndefined();
    });

    it.each([
        "system:serviceaccount:agent-x:*",
        "system:serviceaccount:*",
        "system:serviceaccount:agent-*:*",
        "system:serviceaccount:a*",
        "*",
    ])("takes an untagged role whose StringLike subject %s could match an agent namespace", (sub) => {
        const trust = irsaTrust({ StringLike: { [SUB_KEY]: sub } });
        expect(certaintyOf([role("r", { assumeRolePolicy: trust })], "r")).toBe("agent");
    });

    it("takes a role whose OIDC trust has no :sub condition, or only :aud", () => {
        expect(certaintyOf([role("r", { assumeRolePolicy: irsaTrust({}) })], "r")).toBe("agent");
        const audOnly = irsaTrust({ StringEquals: { "oidc.example/id/X:aud": "sts.amazonaws.com" } });
        expect(certaintyOf([role("r", { assumeRolePolicy: audOnly })], "r")).toBe("agent");
    });

    it("sees through ForAnyValue, IfExists, IgnoreCase and object-form trust policies", () => {
        const ignoreCase = irsaTrust({
            StringEqualsIgnoreCase: { [SUB_KEY]: "SYSTEM:SERVICEACCOUNT:AGENT-X:RUNNER" },
        });
        expect(certaintyOf([role("r", { assumeRolePolicy: ignoreCase })], "r")).toBe("agent");
        const setOp = irsaTrust({
            "ForAnyValue:StringLikeIfExists": { [SUB_KEY]: ["x", "system:serviceaccount:agent-*"] },
        });
        expect(certaintyOf([role("r", { assumeRolePolicy: setOp })], "r")).toBe("agent");
        const asObject = JSON.parse(
            irsaTrust({ StringEquals: { [SUB_KEY]: "system:serviceaccount:agent-x:a" } }),
        );
        expect(certaintyOf([role("r", { assumeRolePolicy: asObject })], "r")).toBe("agent");
    });

    it("takes a role trusted by a service account of a labelled namespace with any name", () => {
        const trust = irsaTrust({ StringEquals: { [SUB_KEY]: "system:serviceaccount:writers:w" } });
        const resources = [
            namespace("writers", { "agentguard.io/agent": "w" }),
            role("r", { assumeRolePolicy: trust }),
        ];
        expect(certaintyOf(resources, "r")).toBe("agent");
    });

    it("takes a role whose StringNotEquals on :sub admits every other subject", () => {
        const trust = irsaTrust({ StringNotEquals: { [SUB_KEY]: "system:serviceaccount:kube-system:x" } });
        expect(certaintyOf([role("r", { assumeRolePolicy: trust })], "r")).toBe("agent");
    });

    it("calls an untagged role with an unknown trust policy only possibly an agent role", () => {
        expect(certaintyOf([role("r", { assumeRolePolicy: UNKNOWN })], "r")).toBe("possible");
        expect(certaintyOf([role("r", { assumeRolePolicy: "{not json" })], "r")).toBe("possible");
    });

    it("takes a role bound by Pod Identity to an agent namespace, joined through an unknown roleArn", () => {
        const resources = [
            role("r", { arn: UNKNOWN }),
            podIdentity(
                "pia",
                { namespace: "agent-x", roleArn: UNKNOWN },
                { propertyDependencies: { roleArn: ["r"] } },
            ),
        ];
        expect(certaintyOf(resources, "r")).toBe("agent");
    });

    it("joins Pod Identity by ARN, and by a namespace known only through its dependency", () => {
        const byArn = [
            role("r", { arn: "arn:aws:iam::111122223333:role/r" }),
            podIdentity("pia", { namespace: "agent-x", roleArn: "arn:aws:iam::111122223333:role/r" }),
        ];
        expect(certaintyOf(byArn, "r")).toBe("agent");
        const byNamespaceLink = [
            namespace("agent-y"),
            role("r"),
            podIdentity(
                "pia",
                { namespace: UNKNOWN, roleArn: "arn:aws:iam::1:role/r" },
                {
                    propertyDependencies: { namespace: ["agent-y"] },
                },
            ),
        ];
        expect(certaintyOf(byNamespaceLink, "r")).toBe("agent");
    });

    it("ignores Pod Identity in a non-agent namespace", () => {
        const resources = [
            role("r"),
            podIdentity("pia", { namespace: "monitoring", roleArn: "arn:aws:iam::1:role/r" }),
        ];
        expect(certaintyOf(resources, "r")).toBeUndefined();
    });

    it("reports a Pod Identity association of an agent namespace whose role cannot be resolved", () => {
        const index = identifyAgentRoles(
            modelOf([podIdentity("pia", { namespace: "agent-x", roleArn: UNKNOWN })]),
            defaultConfig,
        );
        expect(index.unresolvedBindings).toEqual([
            expect.objectContaining({
                name: "pia",
                message: expect.stringMatching(/roleArn is unknown.*IAM/),
            }),
        ]);
    });

    it("takes Principal * with no subject condition as admitting agents", () => {
        expect(certaintyOf([role("r", { assumeRolePolicy: trustOf("*") })], "r")).toBe("agent");
    });

    it("takes a role that trusts an agent role as an agent role (role chaining), by ARN or by dependency", () => {
        const tagged = { tags: { "agentguard.io/agent": "x" } };
        const byArn = [
            role("agent-r", tagged),
            role("hop", { assumeRolePolicy: trustOf({ AWS: "arn:aws:iam::111122223333:role/agent-r" }) }),
            role("hop2", { assumeRolePolicy: trustOf({ AWS: "arn:aws:iam::111122223333:role/hop" }) }),
        ];
        expect(certaintyOf(byArn, "hop")).toBe("agent");
        expect(certaintyOf(byArn, "hop2")).toBe("agent");
        const byDependency = [
            role("agent-r", { ...tagged, arn: UNKNOWN }),
            role(
                "hop",
                { assumeRolePolicy: UNKNOWN },
                { propertyDependencies: { assumeRolePolicy: ["agent-r"] } },
            ),
        ];
        expect(certaintyOf(byDependency, "hop")).toBe("agent");
    });

    it("does not take a role that trusts a non-agent role", () => {
        const resources = [
            role("ci"),
            role("hop", { assumeRolePolicy: trustOf({ AWS: "arn:aws:iam::111122223333:role/ci" }) }),
        ];
        expect(certaintyOf(resources, "hop")).toBeUndefined();
    });

    it("matches a wildcard subject against labelled namespaces that no name pattern covers", () => {
        const trust = irsaTrust({ StringLike: { [SUB_KEY]: "system:serviceaccount:writ*" } });
        const labelled = [
            namespace("writers", { "agentguard.io/agent": "w" }),
            role("r", { assumeRolePolicy: trust }),
        ];
        expect(certaintyOf(labelled, "r")).toBe("agent");
        expect(
            certaintyOf([namespace("writers"), role("r", { assumeRolePolicy: trust })], "r"),
        ).toBeUndefined();
    });

    it("does not take a role trusted by AWS * as reachable by service-account tokens", () => {
        const orgWide = trustOf({ AWS: "*" }, { StringEquals: { "aws:PrincipalOrgID": "o-abc" } });
        expect(certaintyOf([role("r", { assumeRolePolicy: orgWide })], "r")).toBeUndefined();
    });

    it("takes the roles that agent-tagged instances, task definitions and functions run as", () => {
        const tagged = { tags: { "agentguard.io/agent": "x" } };
        const resources: FakeResource[] = [
            role("via-profile", { name: UNKNOWN }),
            {
                type: "aws:iam/instanceProfile:InstanceProfile",
                name: "profile",
                props: { name: UNKNOWN, role: UNKNOWN },
                propertyDependencies: { role: ["via-profile"] },
            },
            {
                type: "aws:ec2/instance:Instance",
                name: "vm",
                props: { ...tagged, iamInstanceProfile: UNKNOWN },
                propertyDependencies: { iamInstanceProfile: ["profile"] },
            },
            role("task-role", { arn: "arn:aws:iam::1:role/task-role" }),
            {
                type: "aws:ecs/taskDefinition:TaskDefinition",
                name: "task",
                props: { ...tagged, taskRoleArn: "arn:aws:iam::1:role/task-role" },
            },
            role("untagged-fn-role"),
            {
                type: "aws:lambda/function:Function",
                name: "fn",
                props: { role: "arn:aws:iam::1:role/untagged-fn-role" },
            },
        ];
        expect(certaintyOf(resources, "via-profile")).toBe("agent");
        expect(certaintyOf(resources, "task-role")).toBe("agent");
        expect(certaintyOf(resources, "untagged-fn-role")).toBeUndefined();
    });
});

describe("roles whose trust is unknown during preview, judged by what it is computed from", () => {
    const identities = (
        props: Record<string, unknown>,
        deps: readonly string[],
        extra: Partial<FakeResource> = {},
    ): FakeResource => ({
        ...role("deployer", { assumeRolePolicy: UNKNOWN, ...props }),
        propertyDependencies: { assumeRolePolicy: deps },
        ...extra,
    });
    const user = (name: string, props: Record<string, unknown> = {}, extra: Partial<FakeResource> = {}) => ({
        type: "aws:iam/user:User",
        name,
        props: { name, arn: UNKNOWN, ...props },
        ...extra,
    });
    const oidc: FakeResource = {
        type: "aws:iam/openIdConnectProvider:OpenIdConnectProvider",
        name: "cluster-oidc",
        props: { url: UNKNOWN, clientIdLists: ["sts.amazonaws.com"] },
    };
    const reasons = (resources: FakeResource[]) =>
        [...identifyAgentRoles(modelOf(resources), defaultConfig).roles.values()].find(
            (r) => r.node.name === "deployer",
        );

    it("is not an agent role when it names only an IAM user of a stack without any agent identity", () => {
        expect(reasons([user("ci"), identities({}, ["ci"])])).toBeUndefined();
        // A role of the same stack, or a subject unknown in a known document, likewise.
        expect(reasons([role("ci"), identities({}, ["ci"])])).toBeUndefined();
        const unknownSubject = irsaTrust({ StringEquals: { [SUB_KEY]: UNKNOWN } });
        expect(
            reasons([user("ci"), identities({ assumeRolePolicy: unknownSubject }, ["ci"])]),
        ).toBeUndefined();
    });

    it("fails closed when the unknown trust is computed from no resource of the stack", () => {
        const found = reasons([role("deployer", { assumeRolePolicy: UNKNOWN })]);
        expect(found?.certainty).toBe("possible");
        expect(found?.reasons.join()).toMatch(
            /unknown during preview and computed from no resource of this stack/,
        );
    });

    it("takes it as possibly an agent's when computed from an agent namespace, an OIDC provider or an agent-tagged role", () => {
        const fromNamespace = reasons([namespace("agent-x"), identities({}, ["agent-x"])]);
        expect(fromNamespace?.certainty).toBe("possible");
        expect(fromNamespace?.reasons.join()).toMatch(
            /computed from Namespace agent-x, agent namespace "agent-x"/,
        );
        const fromOidc = reasons([oidc, identities({}, ["cluster-oidc"])]);
        expect(fromOidc?.certainty).toBe("possible");
        expect(fromOidc?.reasons.join()).toMatch(/computed from OpenIdConnectProvider cluster-oidc/);
        const fromAgentRole = reasons([
            role("agent-r", { tags: { "agentguard.io/agent": "x" }, arn: UNKNOWN }),
            identities({}, ["agent-r"]),
        ]);
        expect(fromAgentRole?.certainty).toBe("agent");
        const fromAgentUser = reasons([
            user("bot", { tags: { "agentguard.io/agent": "x" } }),
            identities({}, ["bot"]),
        ]);
        expect(fromAgentUser?.certainty).toBe("agent");
    });

    it("fails closed, saying why, when the stack has agent identities even if none is among the sources", () => {
        const found = reasons([namespace("agent-x"), user("ci"), identities({}, ["ci"])]);
        expect(found?.certainty).toBe("possible");
        expect(found?.reasons.join()).toMatch(
            /its trust policy \(assumeRolePolicy\) is unknown during preview; an agent identity could be behind it, as this stack has agent namespace "agent-x"/,
        );
        // A pod in an agent namespace the stack does not declare: its service account is an agent identity.
        const agentPod: FakeResource = {
            type: "kubernetes:core/v1:Pod",
            name: "runner",
            props: { metadata: { name: "runner", namespace: "agent-y" }, spec: {} },
        };
        expect(reasons([agentPod, user("ci"), identities({}, ["ci"])])?.reasons.join()).toMatch(
            /as this stack has Pod runner in agent namespace "agent-y"/,
        );
        const agentSa: FakeResource = {
            type: "kubernetes:core/v1:ServiceAccount",
            name: "runner",
            props: { metadata: { name: "runner", namespace: "agent-y" } },
        };
        expect(reasons([agentSa, identities({}, ["runner"])])?.reasons.join()).toMatch(
            /computed from ServiceAccount runner, a service account of agent namespace "agent-y"/,
        );
        const withOidc = reasons([oidc, user("ci"), identities({}, ["ci"])]);
        expect(withOidc?.reasons.join()).toMatch(/as this stack has OpenIdConnectProvider cluster-oidc/);
    });

    it("sees an agent source through a component parent and through an unknown computed from another unknown", () => {
        const component: FakeResource = { type: "platform:index:Cluster", name: "platform", props: {} };
        const child = { ...oidc, parent: "platform" };
        const throughComponent = reasons([component, child, identities({}, ["platform"])]);
        expect(throughComponent?.certainty).toBe("possible");
        expect(throughComponent?.reasons.join()).toMatch(/computed from OpenIdConnectProvider cluster-oidc/);
        const parameter: FakeResource = {
            type: "aws:ssm/parameter:Parameter",
            name: "issuer",
            props: { value: UNKNOWN },
            propertyDependencies: { value: ["cluster-oidc"] },
        };
        const throughUnknown = reasons([oidc, parameter, identities({}, ["issuer"])]);
        expect(throughUnknown?.reasons.join()).toMatch(/computed from OpenIdConnectProvider cluster-oidc/);
        // An agent role reached only through another resource's output, not as a direct dependency.
        const tagged = role("agent-r", { tags: { "agentguard.io/agent": "x" }, arn: UNKNOWN });
        const relay = { ...parameter, propertyDependencies: { value: ["agent-r"] } };
        const throughRelay = reasons([tagged, relay, identities({}, ["issuer"])]);
        expect(throughRelay?.certainty).toBe("possible");
        expect(throughRelay?.reasons.join()).toMatch(/computed from agent identity Role agent-r/);
    });

    it("chains from a role it settles as possibly an agent's to the roles that trust it", () => {
        const resources = [
            namespace("agent-x"),
            identities({}, ["agent-x"]),
            role(
                "next",
                { assumeRolePolicy: UNKNOWN },
                { propertyDependencies: { assumeRolePolicy: ["deployer"] } },
            ),
        ];
        const index = identifyAgentRoles(modelOf(resources), defaultConfig);
        const next = [...index.roles.values()].find((r) => r.node.name === "next");
        expect(next?.certainty).toBe("possible");
    });
});

describe("agent roles derived once per stack model", () => {
    const trust = irsaTrust({ StringEquals: { [SUB_KEY]: "system:serviceaccount:team-x:runner" } });
    const model = modelOf([role("r", { assumeRolePolicy: trust })]);

    it("hands every rule of one model the same answer for the same patterns", () => {
        expect(identifyAgentRoles(model, defaultConfig)).toBe(identifyAgentRoles(model, defaultConfig));
    });

    it("answers afresh for other agent namespace patterns on the same model", () => {
        expect(identifyAgentRoles(model, defaultConfig).roles.has(model.resources[0].urn)).toBe(false);
        const teamConfig = { ...defaultConfig, agentNamespacePatterns: ["team-*"] };
        expect(identifyAgentRoles(model, teamConfig).roles.get(model.resources[0].urn)?.certainty).toBe(
            "agent",
        );
    });
});
