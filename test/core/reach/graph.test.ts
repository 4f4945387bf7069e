import { describe, expect, it } from "vitest";
import {
    buildReachGraph,
    decodeResource,
    formatReachPath,
    reachFindingData,
    type AgentSeed,
    type PrincipalPermissions,
    type ReachResource,
} from "../../../core/reach";
import { TargetIndex } from "../../../core/reach/targets";

const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const ACCOUNT = "111122223333";
const ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess";

/** Plain resources, linked by name: the graph needs nothing from the pack. */
function stack(
    specs: {
        type: string;
        name: string;
        props: Record<string, unknown>;
        deps?: Record<string, string[]>;
    }[],
): ReachResource[] {
    const byName = new Map<string, { -readonly [K in keyof ReachResource]: ReachResource[K] }>();
    for (const s of specs) {
        byName.set(s.name, {
            urn: `urn:pulumi:t::t::${s.type}::${s.name}`,
            type: s.type,
            name: s.name,
            props: s.props,
            dependencies: [],
            propertyDependencies: {},
        });
    }
    for (const s of specs) {
        const node = byName.get(s.name);
        if (!node) continue;
        node.propertyDependencies = Object.fromEntries(
            Object.entries(s.deps ?? {}).map(([k, names]) => [
                k,
                names.map((n) => byName.get(n) as ReachResource),
            ]),
        );
    }
    return [...byName.values()];
}

const trust = (principal: unknown) =>
    JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: principal, Action: "sts:AssumeRole" }],
    });
const doc = (...statements: Record<string, unknown>[]) => ({ Version: "2012-10-17", Statement: statements });
const allow = (action: string | string[], resource: string | string[]) => ({
    Effect: "Allow",
    Action: action,
    Resource: resource,
});

/** Permissions read from a test-only `testPolicy` prop and `managedPolicyArns`. */
function permissionsOf(principal: ReachResource): PrincipalPermissions {
    const policy = principal.props.testPolicy;
    const managed = principal.props.managedPolicyArns;
    return {
        documents: policy ? [{ source: `policy of ${principal.name}`, document: policy }] : [],
        managed: Array.isArray(managed)
            ? managed.map((arn) => ({ source: `managed of ${principal.name}`, arn: String(arn) }))
            : [],
        unresolved: principal.props.testUnknown ? [String(principal.props.testUnknown)] : [],
    };
}

function seed(resources: ReachResource[], name: string): AgentSeed {
    const resource = resources.find((r) => r.name === name);
    if (!resource) throw new Error(name);
    return { resource, certainty: "agent", reasons: ["tagged"] };
}

const P7 = stack([
    {
        type: "aws:iam/role:Role",
        name: "reporting",
        props: {
            name: "reporting",
            assumeRolePolicy: trust({ Service: "lambda.amazonaws.com" }),
            managedPolicyArns: [ADMIN],
        },
    },
    {
        type: "aws:lambda/function:Function",
        name: "report-builder",
        props: { name: "report-builder", role: UNKNOWN },
        deps: { role: ["reporting"] },
    },
    {
        type: "aws:iam/role:Role",
        name: "agent-analyst",
        props: {
            name: "agent-analyst",
            tags: { "agentguard.io/agent": "analyst" },
            testPolicy: doc(
                allow(
                    "lambda:UpdateFunctionCode",
                    `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:report-builder`,
                ),
            ),
        },
    },
]);

describe("buildReachGraph / closureOf", () => {
    it("keeps the path from the agent to the privileged role, as structured data and as text", () => {
        const graph = buildReachGraph(P7, { agents: [seed(P7, "agent-analyst")], permissionsOf });
        const closure = graph.closureOf(seed(P7, "agent-analyst"));
        expect(closure.findings).toHaveLength(1);
        const [finding] = closure.findings;
        expect(finding.path.map((e) => [e.kind, e.permission, graph.node(e.to)?.label])).toEqual([
            ["run-as", "lambda:UpdateFunctionCode", "Lambda function report-builder"],
            ["runs-as", undefined, "role reporting"],
        ]);
        expect(finding.outcome.kind).toBe("privileged-principal");
        expect(finding.certain).toBe(true);
        expect(formatReachPath(finding, (id) => graph.node(id))).toBe(
            "agent analyst (role agent-analyst) → lambda:UpdateFunctionCode on Lambda function report-builder → " +
                "runs as role reporting → AdministratorAccess grants * (every action, IAM write included)",
        );
        expect(JSON.parse(JSON.stringify(reachFindingData(finding, (id) => graph.node(id))))).toMatchObject({
            agent: { name: "agent-analyst", certainty: "agent", label: "agent analyst (role agent-analyst)" },
            steps: [
                { kind: "run-as", permission: "lambda:UpdateFunctionCode", certain: true },
                { kind: "runs-as", to: { label: "role reporting" }, certain: true },
            ],
            outcome: { kind: "privileged-principal", text: expect.stringContaining("AdministratorAccess") },
            certain: true,
        });
        // Everything reached is in the closure, with its path (report and review read this).
        const reportingUrn = P7[0].urn;
        expect(closure.reached.get(reportingUrn)?.length).toBe(2);
    });

    it("builds every agent's closure in one call, and an agent without edges reaches only itself", () => {
        const lone = stack([{ type: "aws:iam/role:Role", name: "agent-x", props: { name: "agent-x" } }]);
        const graph = buildReachGraph(lone, { agents: [seed(lone, "agent-x")], permissionsOf });
        const [closure] = graph.closures();
        expect(closure.findings).toEqual([]);
        expect([...closure.reached.keys()]).toEqual([lone[0].urn]);
    });

    it("follows a trust policy that names a stack role by its literal ARN (no grant needed in the account)", () => {
        const resources = stack([
            { type: "aws:iam/role:Role", name: "agent-a", props: { name: "agent-a" } },
            {
                type: "aws:iam/role:Role",
                name: "ops",
                props: {
                    name: "ops",
                    assumeRolePolicy: trust({ AWS: `arn:aws:iam::${ACCOUNT}:role/agent-a` }),
                    testPolicy: doc(allow("iam:PutRolePolicy", "*")),
                },
            },
        ]);
        const graph = buildReachGraph(resources, { agents: [seed(resources, "agent-a")], permissionsOf });
        const [finding] = graph.closureOf(seed(resources, "agent-a")).findings;
        expect(formatReachPath(finding, (id) => graph.node(id))).toBe(
            "agent role agent-a → assumes role ops (its trust policy admits it) → policy of ops grants " +
                "iam:PutRolePolicy (IAM write)",
        );
    });

    it("follows sts:AssumeRole on a role whose trust admits the whole account, not one that admits another role", () => {
        const resources = stack([
            {
                type: "aws:iam/role:Role",
                name: "agent-a",
                props: {
                    name: "agent-a",
                    testPolicy: doc(allow("sts:AssumeRole", `arn:aws:iam::${ACCOUNT}:role/*`)),
                },
            },
            { type: "aws:iam/role:Role", name: "other", props: { name: "other" } },
            {
                type: "aws:iam/role:Role",
                name: "open",
                props: {
                    name: "open",
                    assumeRolePolicy: trust({ AWS: `arn:aws:iam::${ACCOUNT}:root` }),
                    managedPolicyArns: [ADMIN],
                },
            },
            {
                type: "aws:iam/role:Role",
                name: "closed",
                props: {
                    name: "closed",
                    assumeRolePolicy: trust({ AWS: `arn:aws:iam::${ACCOUNT}:role/other` }),
                    managedPolicyArns: [ADMIN],
                },
            },
        ]);
        const graph = buildReachGraph(resources, { agents: [seed(resources, "agent-a")], permissionsOf });
        const ends = graph
            .closureOf(seed(resources, "agent-a"))
            .findings.map((f) => graph.node(f.end.id)?.label);
        expect(ends).toEqual(["role open"]);
    });

    it("stops at another agent identity: the direct rules judge it and its own closure goes on", () => {
        const resources = stack([
            {
                type: "aws:iam/role:Role",
                name: "agent-a",
                props: {
                    name: "agent-a",
                    testPolicy: doc(allow("lambda:UpdateFunctionCode", `arn:aws:lambda:*:*:function:b-fn`)),
                },
            },
            {
                type: "aws:iam/role:Role",
                name: "agent-b",
                props: { name: "agent-b", managedPolicyArns: [ADMIN] },
            },
            {
                type: "aws:lambda/function:Function",
                name: "b-fn",
                props: { name: "b-fn", role: `arn:aws:iam::${ACCOUNT}:role/agent-b` },
            },
        ]);
        const graph = buildReachGraph(resources, {
            agents: [seed(resources, "agent-a"), seed(resources, "agent-b")],
            permissionsOf,
        });
        expect(graph.closureOf(seed(resources, "agent-a")).findings).toEqual([]);
    });

    it("fails closed on a reached role whose permissions are unknown, saying what was unknown", () => {
        const resources = stack([
            {
                type: "aws:iam/role:Role",
                name: "agent-a",
                props: {
                    name: "agent-a",
                    testPolicy: doc(allow("codebuild:StartBuild", `arn:aws:codebuild:*:*:project/ci`)),
                },
            },
            {
                type: "aws:iam/role:Role",
                name: "ci-role",
                props: { name: "ci-role", testUnknown: "its policy ARN is unknown" },
            },
            {
                type: "aws:codebuild/project:Project",
                name: "ci",
                props: { name: "ci", serviceRole: UNKNOWN },
                deps: { serviceRole: ["ci-role"] },
            },
        ]);
        const graph = buildReachGraph(resources, { agents: [seed(resources, "agent-a")], permissionsOf });
        const [finding] = graph.closureOf(seed(resources, "agent-a")).findings;
        expect(finding.outcome.kind).toBe("unjudged-principal");
        expect(formatReachPath(finding, (id) => graph.node(id))).toMatch(
            /CodeBuild project ci → runs as role ci-role → its permissions cannot be judged: its policy ARN is unknown$/,
        );
    });

    it("walks EC2 instances through their instance profile (linked or named)", () => {
        const resources = stack([
            {
                type: "aws:iam/role:Role",
                name: "fleet",
                props: { name: "fleet", managedPolicyArns: [ADMIN] },
            },
            {
                type: "aws:iam/instanceProfile:InstanceProfile",
                name: "fleet-profile",
                props: { name: "fleet-profile", role: "fleet" },
            },
            {
                type: "aws:ec2/instance:Instance",
                name: "box",
                props: { iamInstanceProfile: "fleet-profile" },
            },
            {
                type: "aws:iam/role:Role",
                name: "agent-a",
                props: {
                    name: "agent-a",
                    testPolicy: doc(allow("ssm:StartSession", "arn:aws:ec2:*:*:instance/*")),
                },
            },
        ]);
        const graph = buildReachGraph(resources, { agents: [seed(resources, "agent-a")], permissionsOf });
        const texts = graph
            .closureOf(seed(resources, "agent-a"))
            .findings.map((f) => formatReachPath(f, (id) => graph.node(id)));
        expect(texts).toContain(
            "agent role agent-a → ssm:StartSession on may be EC2 instance box → runs as role fleet → AdministratorAccess grants * (every action, IAM write included)",
        );
    });
});

describe("decodeResource", () => {
    const [reportBuilder] = stack([
        {
            type: "aws:lambda/function:Function",
            name: "f",
            props: { name: UNKNOWN, role: "arn:aws:iam::1:role/r" },
        },
    ]);

    it("reads each property as known, unknown (with why) or absent", () => {
        const decoded = decodeResource(reportBuilder);
        expect(decoded?.cloudName).toEqual({ state: "unknown", why: "f's name is unknown during preview" });
        expect(decoded?.runsAs[0].value).toEqual({ state: "known", value: ["arn:aws:iam::1:role/r"] });
        expect(decoded?.arn).toEqual({ state: "absent" });
        expect(decoded?.what).toEqual({ kind: "compute", compute: "lambda-function" });
    });

    it.each([
        [
            "kubernetes:argoproj.io/v1alpha1:Workflow",
            { serviceAccountName: "wf", templates: [{ container: { image: "repo/a:1" } }] },
            ["wf"],
        ],
        [
            "kubernetes:ray.io/v1:RayCluster",
            {
                headGroupSpec: {
                    template: { spec: { serviceAccountName: "ray", containers: [{ image: "repo/a:1" }] } },
                },
            },
            ["ray"],
        ],
        [
            "kubernetes:kubeflow.org/v1:PyTorchJob",
            {
                pytorchReplicaSpecs: {
                    Master: { template: { spec: { containers: [{ image: "repo/a:1" }] } } },
                },
            },
            ["default"],
        ],
        [
            "kubernetes:sparkoperator.k8s.io/v1beta2:SparkApplication",
            { image: "repo/a:1", driver: { serviceAccount: "spark" }, executor: { serviceAccount: "spark" } },
            ["spark"],
        ],
        [
            "kubernetes:jobset.x-k8s.io/v1alpha2:JobSet",
            {
                replicatedJobs: [
                    {
                        template: {
                            spec: {
                                template: {
                                    spec: { serviceAccountName: "js", containers: [{ image: "repo/a:1" }] },
                                },
                            },
                        },
                    },
                ],
            },
            ["js"],
        ],
        [
            "kubernetes:made.up/v1:RayJob",
            {
                rayClusterSpec: {
                    headGroupSpec: {
                        template: { spec: { serviceAccountName: "x", containers: [{ image: "repo/a:1" }] } },
                    },
                },
            },
            ["x"],
        ],
    ])("finds the service accounts and images of %s", (type, spec, accounts) => {
        const [resource] = stack([
            { type, name: "w", props: { metadata: { name: "w", namespace: "ml" }, spec } },
        ]);
        const decoded = decodeResource(resource);
        expect(decoded?.kubernetes?.serviceAccounts).toEqual({ state: "known", value: accounts });
        expect(decoded?.kubernetes?.namespace).toEqual({ state: "known", value: "ml" });
        expect(decoded?.images.map((i) => i.uri)).toContainEqual({ state: "known", value: "repo/a:1" });
    });

    it("makes a workload's service account unknown when any name in its spec is unknown", () => {
        const [resource] = stack([
            {
                type: "kubernetes:apps/v1:Deployment",
                name: "d",
                props: { spec: { template: { spec: { serviceAccountName: UNKNOWN, containers: [] } } } },
            },
        ]);
        expect(decodeResource(resource)?.kubernetes?.serviceAccounts.state).toBe("unknown");
    });

    it("marks EventBridge rules on security findings as containment, schedules not, unknown patterns unknown", () => {
        const rules = stack([
            {
                type: "aws:cloudwatch/eventRule:EventRule",
                name: "gd",
                props: { eventPattern: JSON.stringify({ source: ["aws.guardduty"] }) },
            },
            {
                type: "aws:cloudwatch/eventRule:EventRule",
                name: "api",
                props: { eventPattern: JSON.stringify({ "detail-type": ["AWS API Call via CloudTrail"] }) },
            },
            {
                type: "aws:cloudwatch/eventRule:EventRule",
                name: "cron",
                props: { scheduleExpression: "rate(1 day)" },
            },
            {
                type: "aws:cloudwatch/eventRule:EventRule",
                name: "app",
                props: { eventPattern: JSON.stringify({ source: ["my.app"] }) },
            },
            { type: "aws:cloudwatch/eventRule:EventRule", name: "x", props: { eventPattern: UNKNOWN } },
        ]);
        expect(
            rules.map((r) =>
                decodeResource(r)?.containment?.state === "known"
                    ? decodeResource(r)?.containment
                    : "unknown",
            ),
        ).toEqual([
            { state: "known", value: true },
            { state: "known", value: true },
            { state: "known", value: false },
            { state: "known", value: false },
            "unknown",
        ]);
    });
});

describe("TargetIndex", () => {
    const fns = stack([
        { type: "aws:lambda/function:Function", name: "a", props: { name: "report-builder" } },
        { type: "aws:lambda/function:Function", name: "b", props: { name: "report-builder-drafts" } },
        { type: "aws:lambda/function:Function", name: "auto", props: {} },
    ]);
    const index = new TargetIndex();
    for (const fn of fns)
        index.add("lambda-function", decodeResource(fn) as NonNullable<ReturnType<typeof decodeResource>>);
    const names = (resources: readonly string[] | undefined) => {
        const match = index.match("lambda-function", resources);
        return {
            targets: match.targets.map((t) => `${t.entry.node.resource.name}${t.certain ? "" : "?"}`).sort(),
            outside: match.outside,
        };
    };

    it("matches an exact ARN by name, qualifiers included, and nothing else", () => {
        expect(names(["arn:aws:lambda:eu-west-1:1:function:report-builder"])).toEqual({
            targets: ["a"],
            outside: [],
        });
        expect(names(["arn:aws:lambda:eu-west-1:1:function:report-builder:prod"])).toEqual({
            targets: ["a"],
            outside: [],
        });
    });

    it("a wildcard matches stack functions (surely when it names them) and may match functions outside the stack", () => {
        expect(names(["arn:aws:lambda:*:*:function:report-*"])).toEqual({
            targets: ["a", "b"],
            outside: ["arn:aws:lambda:*:*:function:report-*"],
        });
        expect(names(undefined).targets).toEqual(["a", "auto?", "b"]);
    });

    it("an autonamed function matches an exact ARN with its logical name as prefix (a guess), and the ARN stays open", () => {
        expect(names(["arn:aws:lambda:eu-west-1:1:function:auto-1a2b3c4"])).toEqual({
            targets: ["auto?"],
            outside: ["arn:aws:lambda:eu-west-1:1:function:auto-1a2b3c4"],
        });
    });

    it("still matches when one star spans region and account (IAM's * crosses colons)", () => {
        expect(names(["arn:aws:lambda:*:function:report-builder"]).targets).toEqual(["a?"]);
        expect(names(["arn:aws:lambda*report-builder"]).targets).toContain("a?");
    });

    it("ignores resources of other services", () => {
        expect(names(["arn:aws:s3:::bucket/*", "arn:aws:lambda:eu-west-1:1:layer:x"])).toEqual({
            targets: [],
            outside: [],
        });
    });
});
