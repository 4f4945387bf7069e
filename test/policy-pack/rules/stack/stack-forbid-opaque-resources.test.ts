import { describe, expect, it } from "vitest";
import {
    hostAccessPaths,
    judgeCloudControl,
    judgeTemplate,
    sensitiveTypesIn,
} from "../../../../policy-pack/lib/opaque";
import { stackForbidOpaqueResources } from "../../../../policy-pack/rules/stack/stack-forbid-opaque-resources";
import { runStackPolicy, UNKNOWN, urnOf, type FakeResource } from "../../../helpers/policy-harness";
import { namespace } from "../kubernetes/fixtures";

const run = (resources: FakeResource[], config?: Record<string, unknown>) =>
    runStackPolicy(stackForbidOpaqueResources, resources, { config });

const release = (name: string, props: Record<string, unknown>): FakeResource => ({
    type: "kubernetes:helm.sh/v3:Release",
    name,
    props: { chart: "tools", ...props },
});

const workflow = (ns: unknown, spec: Record<string, unknown>): FakeResource => ({
    type: "kubernetes:argoproj.io/v1alpha1:Workflow",
    name: "wf",
    props: {
        apiVersion: "argoproj.io/v1alpha1",
        kind: "Workflow",
        metadata: { name: "wf", namespace: ns },
        spec,
    },
});

const hostPathSpec = {
    templates: [
        {
            name: "main",
            container: { image: "busybox", securityContext: { privileged: true } },
            volumes: [{ name: "root", hostPath: { path: "/" } }],
        },
    ],
};

const ADMIN_ROLE_TEMPLATE = JSON.stringify({
    Resources: {
        Admin: {
            Type: "AWS::IAM::Role",
            Properties: { ManagedPolicyArns: ["arn:aws:iam::aws:policy/AdministratorAccess"] },
        },
    },
});

describe("stack-forbid-opaque-resources: Kubernetes", () => {
    it("rejects a Helm release installed into an agent namespace, whatever the chart", async () => {
        const v = await run([namespace("agent-a"), release("tools", { namespace: "agent-a" })]);
        expect(v).toHaveLength(1);
        expect(v[0].urn).toBe(urnOf("kubernetes:helm.sh/v3:Release", "tools"));
        expect(v[0].message).toMatch(
            /Helm release tools in agent namespace agent-a installs a chart whose resources no policy sees/,
        );
    });

    it("passes a Helm release in a platform namespace", async () => {
        expect(await run([namespace("ingress"), release("nginx", { namespace: "ingress" })])).toEqual([]);
    });

    it("fails closed on a release whose namespace is unknown, and follows the provider's default namespace", async () => {
        const unknown = await run([release("tools", { namespace: UNKNOWN })]);
        expect(unknown[0].message).toMatch(
            /namespace that could not be determined \(namespace of tools is unknown/,
        );
        const viaProvider: FakeResource = {
            ...release("tools", {}),
            provider: {
                type: "pulumi:providers:kubernetes",
                name: "agents",
                props: { namespace: "agent-b" },
            },
        };
        expect((await run([viaProvider]))[0].message).toMatch(/in agent namespace agent-b/);
        const unknownProviderNamespace: FakeResource = {
            ...release("tools", {}),
            provider: { type: "pulumi:providers:kubernetes", name: "agents", props: { namespace: UNKNOWN } },
        };
        expect((await run([unknownProviderNamespace]))[0].message).toMatch(
            /provider agents's default namespace is unknown/,
        );
        expect(await run([release("tools", {})])).toEqual([]);
    });

    it("rejects a custom resource whose operator would run privileged hostPath pods in an agent namespace", async () => {
        const v = await run([namespace("agent-a"), workflow("agent-a", hostPathSpec)]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(
            /Workflow wf in agent namespace agent-a is a custom resource \(argoproj.io\)/,
        );
        expect(v[0].message).toContain("spec.templates[0].container.securityContext.privileged: true");
        expect(v[0].message).toContain('spec.templates[0].volumes[0].hostPath: {"path":"/"}');
    });

    it("counts host-access fields that are unknown during preview, and added capabilities", async () => {
        const unknown = workflow("agent-a", { templates: [{ podSpecPatch: "", hostNetwork: UNKNOWN }] });
        expect((await run([namespace("agent-a"), unknown]))[0].message).toContain(
            "spec.templates[0].hostNetwork (unknown during preview)",
        );
        const caps = workflow("agent-a", {
            templates: [{ container: { securityContext: { capabilities: { add: ["SYS_ADMIN"] } } } }],
        });
        expect((await run([namespace("agent-a"), caps]))[0].message).toContain(
            'capabilities.add: ["SYS_ADMIN"]',
        );
    });

    it("passes confined custom resources, and any custom resource outside agent namespaces", async () => {
        const confined = workflow("agent-a", {
            templates: [{ container: { image: "busybox", securityContext: { privileged: false } } }],
        });
        expect(await run([namespace("agent-a"), confined])).toEqual([]);
        expect(await run([namespace("ops"), workflow("ops", hostPathSpec)])).toEqual([]);
        // An unrelated `add` (not capabilities) is not host access.
        const unrelated = workflow("agent-a", { patch: { add: ["x"] } });
        expect(await run([namespace("agent-a"), unrelated])).toEqual([]);
    });

    it("does not take built-in kinds for custom resources", async () => {
        const pod: FakeResource = {
            type: "kubernetes:core/v1:Pod",
            name: "p",
            props: { metadata: { name: "p", namespace: "agent-a" }, spec: { hostPID: true } },
        };
        expect(await run([namespace("agent-a"), pod])).toEqual([]);
    });
});

describe("stack-forbid-opaque-resources: AWS and dynamic providers", () => {
    // These matter where an agent could be behind them: each case runs beside an agent role.
    const agentRole: FakeResource = {
        type: "aws:iam/role:Role",
        name: "ops-agent",
        props: { name: "ops-agent", tags: { "agentguard.io/agent": "ops" }, assumeRolePolicy: "{}" },
    };
    const run = (resources: FakeResource[], config?: Record<string, unknown>) =>
        runStackPolicy(stackForbidOpaqueResources, [agentRole, ...resources], { config });
    const cfn = (props: Record<string, unknown>): FakeResource => ({
        type: "aws:cloudformation/stack:Stack",
        name: "vendor",
        props,
    });

    it("rejects a CloudFormation stack whose template declares IAM, and passes one that does not", async () => {
        const v = await run([cfn({ templateBody: ADMIN_ROLE_TEMPLATE })]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(/CloudFormation stack vendor: its template declares AWS::IAM::Role/);
        const bucket = JSON.stringify({ Resources: { B: { Type: "AWS::S3::Bucket" } } });
        expect(await run([cfn({ templateBody: bucket })])).toEqual([]);
    });

    it("reads YAML templates and security-group egress too", async () => {
        const yaml =
            "Resources:\n  Open:\n    Type: AWS::EC2::SecurityGroupEgress\n    Properties:\n      CidrIp: 0.0.0.0/0\n";
        expect((await run([cfn({ templateBody: yaml })]))[0].message).toContain(
            "AWS::EC2::SecurityGroupEgress",
        );
    });

    it("fails closed on a template it cannot read: unknown body or fetched from a URL", async () => {
        expect((await run([cfn({ templateBody: UNKNOWN })]))[0].message).toMatch(
            /templateBody is unknown during preview/,
        );
        expect((await run([cfn({ templateUrl: "https://templates.example/t.yaml" })]))[0].message).toMatch(
            /fetched from "https:\/\/templates.example\/t.yaml"/,
        );
        const set: FakeResource = {
            type: "aws:cloudformation/stackSet:StackSet",
            name: "org",
            props: { templateBody: ADMIN_ROLE_TEMPLATE },
        };
        expect((await run([set]))[0].message).toMatch(/CloudFormation stack set org/);
    });

    it("rejects Cloud Control resources of IAM or network types, or of an unknown type", async () => {
        const cc = (typeName: unknown): FakeResource => ({
            type: "aws:cloudcontrol/resource:Resource",
            name: "cc",
            props: { typeName, desiredState: "{}" },
        });
        expect((await run([cc("AWS::IAM::RolePolicy")]))[0].message).toMatch(
            /it creates AWS::IAM::RolePolicy/,
        );
        expect((await run([cc(UNKNOWN)]))[0].message).toMatch(/typeName is unknown/);
        expect(await run([cc("AWS::S3::Bucket")])).toEqual([]);
    });

    it("rejects dynamic resources, whose code runs at deploy time", async () => {
        const dynamic: FakeResource = {
            type: "pulumi-nodejs:dynamic:Resource",
            name: "attach",
            props: { __provider: "…" },
        };
        expect((await run([dynamic]))[0].message).toMatch(
            /Dynamic resource attach runs its provider's own code/,
        );
    });

    it("says which agent identity makes it matter", async () => {
        const [v] = await run([cfn({ templateBody: UNKNOWN })]);
        expect(v.message).toMatch(
            /templateBody is unknown during preview, so what it creates cannot be read\. This stack has agent identities \(agent role ops-agent \(it is tagged agentguard\.io\/agent\)\), so IAM and network changes/,
        );
    });

    const opaque = (): FakeResource[] => [
        cfn({ templateBody: UNKNOWN }),
        { type: "aws:cloudcontrol/resource:Resource", name: "cc", props: { typeName: UNKNOWN } },
        { type: "pulumi-nodejs:dynamic:Resource", name: "attach", props: {} },
    ];
    const alone = (resources: FakeResource[]) => runStackPolicy(stackForbidOpaqueResources, resources);

    it("passes them in a stack without agent identities (awsx.classic's CloudFormation stack with an unknown template)", async () => {
        const plain: FakeResource[] = [
            { type: "aws:iam/user:User", name: "ci", props: { name: "ci" } },
            {
                type: "aws:iam/role:Role",
                name: "svc",
                props: { name: "svc", assumeRolePolicy: JSON.stringify({ Statement: [] }) },
            },
            {
                type: "kubernetes:core/v1:Pod",
                name: "web",
                props: { metadata: { name: "web", namespace: "default" } },
            },
            namespace("tools"),
        ];
        expect(await alone([...plain, ...opaque()])).toEqual([]);
    });

    it.each<[string, FakeResource[], RegExp]>([
        ["an agent namespace", [namespace("agent-a")], /agent namespace "agent-a"/],
        [
            "a pod in an agent namespace the stack does not declare",
            [
                {
                    type: "kubernetes:core/v1:Pod",
                    name: "p",
                    props: { metadata: { name: "p", namespace: "agent-b" } },
                },
            ],
            /Pod p in agent namespace "agent-b"/,
        ],
        [
            "an agent-tagged bucket",
            [{ type: "aws:s3/bucket:Bucket", name: "b", props: { tags: { "agentguard.io/agent": "x" } } }],
            /Bucket b, as it is tagged agentguard\.io\/agent/,
        ],
        [
            "a role whose trust policy is unknown and computed from nothing in the stack",
            [{ type: "aws:iam/role:Role", name: "r", props: { name: "r", assumeRolePolicy: UNKNOWN } }],
            /possible agent role r \(its trust policy \(assumeRolePolicy\) is unknown during preview/,
        ],
        [
            "a workload whose namespace cannot be told",
            [
                {
                    type: "kubernetes:apps/v1:Deployment",
                    name: "d",
                    props: { metadata: { name: "d", namespace: UNKNOWN } },
                },
            ],
            /Deployment d, whose namespace cannot be told/,
        ],
        [
            "resources with unknown tags",
            [{ type: "aws:s3/bucket:Bucket", name: "b", props: { tags: UNKNOWN } }],
            /Bucket b, as/,
        ],
    ])("reports them where the stack has %s (or cannot tell)", async (_what, identities, why) => {
        const v = await alone([...identities, ...opaque()]);
        expect(v.map((x) => x.message)).toHaveLength(3);
        for (const x of v) expect(x.message).toMatch(why);
    });

    it("lets a reviewed resource be exempted by name, with a reason", async () => {
        const config = {
            exemptions: [{ resource: "vendor", reason: "reviewed vendor template, no agent access" }],
        };
        expect(await run([cfn({ templateBody: ADMIN_ROLE_TEMPLATE })], config)).toEqual([]);
    });
});

describe("opaque-resource helpers", () => {
    it("lists each sensitive type once, sorted", () => {
        const template =
            "AWS::IAM::Role AWS::IAM::Role AWS::EC2::SecurityGroup AWS::SSO::PermissionSet AWS::S3::Bucket";
        expect(sensitiveTypesIn(template)).toEqual([
            "AWS::EC2::SecurityGroup",
            "AWS::IAM::Role",
            "AWS::SSO::PermissionSet",
        ]);
    });

    it("passes an empty stack template and a harmless Cloud Control type", () => {
        expect(judgeTemplate(undefined, undefined)).toEqual({});
        expect(judgeCloudControl("AWS::Logs::LogGroup")).toEqual({});
    });

    it("finds nothing in scalars and stops at absurd depth", () => {
        expect(hostAccessPaths("x")).toEqual([]);
        let deep: Record<string, unknown> = { hostPID: true };
        for (let i = 0; i < 30; i++) deep = { nested: deep };
        expect(hostAccessPaths(deep)).toEqual([]);
    });
});
