import { describe, expect, it } from "vitest";
import { awsForbidAgentEscalationPaths } from "../../../../policy-pack/rules/aws/aws-forbid-agent-escalation-paths";
import { awsRestrictAgentIamGrants } from "../../../../policy-pack/rules/aws/aws-restrict-agent-iam-grants";
import {
    runStackPolicy,
    UNKNOWN,
    type FakeResource,
    ownLine,
    violationLines,
} from "../../../helpers/policy-harness";
import { allow, irsaTrust, SUB_KEY } from "../../lib/aws/fixtures";
import {
    adminRole,
    agentRole,
    arn,
    assumableByAgent,
    instanceProfile,
    lambda,
    narrowRole,
    roleWith,
} from "./reach-fixtures";

async function paths(resources: FakeResource[]) {
    return runStackPolicy(awsForbidAgentEscalationPaths, resources);
}

async function grants(resources: FakeResource[]) {
    return runStackPolicy(awsRestrictAgentIamGrants, resources);
}

const lines = violationLines;

describe("aws-forbid-agent-escalation-paths: red-team p7 and p8", () => {
    it("rejects p7: the agent may replace the code of a function that runs as an administrator role", async () => {
        const stack = [
            adminRole("reporting"),
            lambda("report-builder", "reporting"),
            agentRole([
                allow(["lambda:UpdateFunctionCode", "lambda:InvokeFunction"], arn.fn("report-builder")),
            ]),
        ];
        const v = await paths(stack);
        expect(v).toHaveLength(1);
        expect(v[0]).toMatchObject({
            enforcementLevel: "mandatory",
            urn: expect.stringContaining("agent-analyst"),
        });
        expect(lines(v)[0]).toBe(
            "IAM privilege escalation path: agent analyst (role agent-analyst) → lambda:UpdateFunctionCode on " +
                "Lambda function report-builder → runs as role reporting → AdministratorAccess grants * (every " +
                "action, IAM write included). The agent can act with that principal's permissions without holding them.",
        );
        // The finding code, usable in exemptions, leads the message.
        expect(ownLine(v[0]).code).toBe("reach/escalation");
        // The direct rule leaves a run-as grant on an exact function to the graph: one finding, with its path.
        expect(await grants(stack)).toEqual([]);
    });

    it("accepts p8: the function runs as a role no wider than the agent's own", async () => {
        const stack = [
            narrowRole("agent-analyst-tool"),
            lambda("analyst-tool", "agent-analyst-tool", { tags: { "agentguard.io/agent": "analyst" } }),
            agentRole([
                allow(["lambda:UpdateFunctionCode", "lambda:InvokeFunction"], arn.fn("analyst-tool")),
                allow("s3:GetObject", "arn:aws:s3:::acme-corpus/analyst/*"),
            ]),
        ];
        expect(await paths(stack)).toEqual([]);
        expect(await grants(stack)).toEqual([]);
    });

    it("accepts a function that runs as the agent's own role", async () => {
        const stack = [
            agentRole([allow("lambda:UpdateFunctionCode", arn.fn("self-tool"))]),
            lambda("self-tool", "agent-analyst"),
        ];
        expect(await paths(stack)).toEqual([]);
    });

    it("still lets the direct rule reject lambda:UpdateFunctionCode on every function, and adds the path", async () => {
        const stack = [
            adminRole("reporting"),
            lambda("report-builder", "reporting"),
            agentRole([allow("lambda:UpdateFunctionCode", "*")]),
        ];
        expect(lines(await grants(stack))[0]).toMatch(/lambda:UpdateFunctionCode.*privilege escalation/);
        const v = await paths(stack);
        expect(v).toHaveLength(1);
        expect(lines(v)[0]).toMatch(
            /Lambda function report-builder → runs as role reporting → AdministratorAccess/,
        );
    });

    it("names a function by a wildcard that covers the privileged one", async () => {
        const stack = [
            adminRole("reporting"),
            lambda("report-builder", "reporting"),
            agentRole([allow("lambda:UpdateFunctionCode", arn.fn("report-*"))]),
        ];
        const v = await paths(stack);
        expect(lines(v)[0]).toMatch(
            /^IAM privilege escalation path: .*on Lambda function report-builder → runs as role reporting/,
        );
    });
});

/** One compute kind: the resource running as `roleName`, the grant that changes it, and its ARN. */
interface RunAsCase {
    readonly kind: string;
    readonly service: string;
    readonly compute: (roleName: string) => FakeResource[];
    readonly action: string;
    readonly resource: string;
    readonly label: RegExp;
}

const RUN_AS_CASES: RunAsCase[] = [
    {
        kind: "lambda:UpdateFunctionConfiguration",
        service: "lambda.amazonaws.com",
        compute: (r) => [lambda("worker", r)],
        action: "lambda:UpdateFunctionConfiguration",
        resource: arn.fn("worker"),
        label: /Lambda function worker → runs as role/,
    },
    {
        kind: "ssm:SendCommand to an instance with an instance profile",
        service: "ec2.amazonaws.com",
        compute: (r) => [
            instanceProfile("box-profile", r),
            {
                type: "aws:ec2/instance:Instance",
                name: "box",
                props: {
                    ami: "ami-123",
                    instanceType: "t3.micro",
                    iamInstanceProfile: UNKNOWN,
                    arn: arn.instance("i-0123456789abcdef0"),
                },
                propertyDependencies: { iamInstanceProfile: ["box-profile"] },
            },
        ],
        action: "ssm:SendCommand",
        resource: arn.instance("i-0123456789abcdef0"),
        label: /ssm:SendCommand on EC2 instance box → runs as role/,
    },
    {
        kind: "ec2:CreateLaunchTemplateVersion",
        service: "ec2.amazonaws.com",
        compute: (r) => [
            instanceProfile("lt-profile", r),
            {
                type: "aws:ec2/launchTemplate:LaunchTemplate",
                name: "fleet",
                props: {
                    name: "fleet",
                    iamInstanceProfile: { name: "lt-profile" },
                    arn: arn.launchTemplate("lt-0123456789abcdef0"),
                },
            },
        ],
        action: "ec2:CreateLaunchTemplateVersion",
        resource: arn.launchTemplate("lt-0123456789abcdef0"),
        label: /launch template fleet → runs as role/,
    },
    {
        kind: "batch:SubmitJob",
        service: "ecs-tasks.amazonaws.com",
        compute: (r) => [
            {
                type: "aws:batch/jobDefinition:JobDefinition",
                name: "nightly",
                props: {
                    name: "nightly",
                    type: "container",
                    containerProperties: JSON.stringify({ image: "busybox", jobRoleArn: arn.role(r) }),
                },
            },
        ],
        action: "batch:SubmitJob",
        resource: `${arn.jobDefinition("nightly")}:3`,
        label: /Batch job definition nightly → runs as role/,
    },
    {
        kind: "batch:SubmitJob on an ECS-properties job definition",
        service: "ecs-tasks.amazonaws.com",
        compute: (r) => [
            {
                type: "aws:batch/jobDefinition:JobDefinition",
                name: "multi",
                props: {
                    name: "multi",
                    type: "container",
                    ecsProperties: JSON.stringify({
                        taskProperties: [
                            { taskRoleArn: arn.role(r), containers: [{ name: "a", image: "busybox" }] },
                        ],
                    }),
                },
            },
        ],
        action: "batch:SubmitJob",
        resource: arn.jobDefinition("multi"),
        label: /Batch job definition multi → runs as role/,
    },
    {
        kind: "codebuild:StartBuild",
        service: "codebuild.amazonaws.com",
        compute: (r) => [
            {
                type: "aws:codebuild/project:Project",
                name: "release",
                props: { name: "release", serviceRole: arn.role(r) },
            },
        ],
        action: "codebuild:StartBuild",
        resource: arn.project("release"),
        label: /CodeBuild project release → runs as role/,
    },
    {
        kind: "glue:UpdateJob",
        service: "glue.amazonaws.com",
        compute: (r) => [
            { type: "aws:glue/job:Job", name: "etl", props: { name: "etl", roleArn: arn.role(r) } },
        ],
        action: "glue:UpdateJob",
        resource: arn.glueJob("etl"),
        label: /Glue job etl → runs as role/,
    },
    {
        kind: "sagemaker:CreatePresignedNotebookInstanceUrl",
        service: "sagemaker.amazonaws.com",
        compute: (r) => [
            {
                type: "aws:sagemaker/notebookInstance:NotebookInstance",
                name: "Research",
                props: { name: "Research", roleArn: arn.role(r), instanceType: "ml.t3.medium" },
            },
        ],
        action: "sagemaker:CreatePresignedNotebookInstanceUrl",
        resource: arn.notebook("research"),
        label: /SageMaker notebook Research → runs as role/,
    },
    {
        kind: "a SageMaker lifecycle configuration a notebook runs",
        service: "sagemaker.amazonaws.com",
        compute: (r) => [
            {
                type: "aws:sagemaker/notebookInstanceLifecycleConfiguration:NotebookInstanceLifecycleConfiguration",
                name: "boot",
                props: { name: "boot", onStart: "ZWNobw==" },
            },
            {
                type: "aws:sagemaker/notebookInstance:NotebookInstance",
                name: "lab",
                props: { name: "lab", roleArn: arn.role(r), lifecycleConfigName: "boot" },
            },
        ],
        action: "sagemaker:UpdateNotebookInstanceLifecycleConfig",
        resource: arn.lifecycle("boot"),
        label: /lifecycle configuration boot → runs its scripts in SageMaker notebook lab → runs as role/,
    },
    {
        kind: "apprunner:UpdateService",
        service: "tasks.apprunner.amazonaws.com",
        compute: (r) => [
            {
                type: "aws:apprunner/service:Service",
                name: "web",
                props: { serviceName: "web", instanceConfiguration: { instanceRoleArn: arn.role(r) } },
            },
        ],
        action: "apprunner:UpdateService",
        resource: arn.apprunner("web"),
        label: /App Runner service web → runs as role/,
    },
    {
        kind: "bedrock-agentcore:UpdateAgentRuntime",
        service: "bedrock-agentcore.amazonaws.com",
        compute: (r) => [
            {
                type: "aws:bedrock/agentcoreAgentRuntime:AgentcoreAgentRuntime",
                name: "helper",
                props: { agentRuntimeName: "helper", roleArn: arn.role(r) },
            },
        ],
        action: "bedrock-agentcore:UpdateAgentRuntime",
        resource: arn.runtime("helper"),
        label: /AgentCore runtime helper → runs as role/,
    },
    {
        kind: "cloudformation:UpdateStack on a stack with a service role",
        service: "cloudformation.amazonaws.com",
        compute: (r) => [
            {
                type: "aws:cloudformation/stack:Stack",
                name: "network",
                props: { name: "network", iamRoleArn: arn.role(r), templateBody: "{}" },
            },
        ],
        action: "cloudformation:UpdateStack",
        resource: `arn:aws:cloudformation:eu-west-1:111122223333:stack/network/0f1e2d3c-aaaa-bbbb-cccc-123456789012`,
        label: /CloudFormation stack network → runs as role/,
    },
    {
        kind: "states:UpdateStateMachine",
        service: "states.amazonaws.com",
        compute: (r) => [
            {
                type: "aws:sfn/stateMachine:StateMachine",
                name: "pipeline",
                props: { name: "pipeline", roleArn: arn.role(r), definition: "{}" },
            },
        ],
        action: "states:UpdateStateMachine",
        resource: "arn:aws:states:eu-west-1:111122223333:stateMachine:pipeline",
        label: /Step Functions state machine pipeline → runs as role/,
    },
];

describe("aws-forbid-agent-escalation-paths: run-as edges", () => {
    it.each(RUN_AS_CASES.map((c) => [c.kind, c] as const))(
        "%s: rejects when the compute runs as an administrator role",
        async (_kind, c) => {
            const v = await paths([
                adminRole("platform", c.service),
                ...c.compute("platform"),
                agentRole([allow(c.action, c.resource)]),
            ]);
            expect(v).toHaveLength(1);
            expect(lines(v)[0]).toMatch(c.label);
            expect(lines(v)[0]).toMatch(/role platform → AdministratorAccess grants \*/);
            expect(lines(v)[0]).toMatch(/privilege escalation/i);
        },
    );

    it.each(RUN_AS_CASES.map((c) => [c.kind, c] as const))(
        "%s: accepts when the compute runs as a narrow role",
        async (_kind, c) => {
            expect(
                await paths([
                    narrowRole("narrow", c.service),
                    ...c.compute("narrow"),
                    agentRole([allow(c.action, c.resource)]),
                ]),
            ).toEqual([]);
        },
    );

    it("follows a function whose role is given as a literal ARN string, without a recorded dependency", async () => {
        const fn = lambda("report-builder", "reporting");
        const v = await paths([
            adminRole("reporting"),
            { ...fn, propertyDependencies: {} },
            agentRole([allow("lambda:UpdateFunctionCode", arn.fn("report-builder"))]),
        ]);
        expect(lines(v)[0]).toMatch(/runs as role reporting → AdministratorAccess/);
    });
});

describe("aws-forbid-agent-escalation-paths: chains of two steps", () => {
    it("rejects agent → function running as B → B may iam:PassRole + ec2:RunInstances an administrator role", async () => {
        const v = await paths([
            roleWith("deployer", "lambda.amazonaws.com", [
                allow(["iam:PassRole", "ec2:RunInstances"], [arn.role("fleet-admin"), "*"]),
            ]),
            lambda("deploy-fn", "deployer"),
            adminRole("fleet-admin", "ec2.amazonaws.com"),
            agentRole([allow("lambda:UpdateFunctionCode", arn.fn("deploy-fn"))]),
        ]);
        expect(v).toHaveLength(1);
        expect(lines(v)[0]).toMatch(
            /agent analyst \(role agent-analyst\) → lambda:UpdateFunctionCode on Lambda function deploy-fn → runs as role deployer → .*iam:PassRole.*(IAM write|privilege escalation)/,
        );
    });

    it("rejects agent → function running as B → B updates a function running as an administrator", async () => {
        const v = await paths([
            roleWith("middle", "lambda.amazonaws.com", [
                allow("lambda:UpdateFunctionCode", arn.fn("admin-fn")),
            ]),
            lambda("middle-fn", "middle"),
            adminRole("root-like"),
            lambda("admin-fn", "root-like"),
            agentRole([allow("lambda:UpdateFunctionCode", arn.fn("middle-fn"))]),
        ]);
        expect(lines(v)).toEqual([
            expect.stringMatching(
                /middle-fn → runs as role middle → lambda:UpdateFunctionCode on Lambda function admin-fn → runs as role root-like → AdministratorAccess/,
            ),
        ]);
    });

    it("prints a path through role chaining from the agent that assumes the role, blamed on that agent", async () => {
        // helper is an agent role only because agent-analyst may assume it: the path starts at the agent.
        const helper = assumableByAgent("helper", [allow("lambda:UpdateFunctionCode", arn.fn("admin-fn"))]);
        const v = await paths([
            helper,
            adminRole("root-like"),
            lambda("admin-fn", "root-like"),
            agentRole([allow("sts:AssumeRole", arn.role("helper"))]),
        ]);
        expect(v).toHaveLength(1);
        expect(v[0].urn).toContain("agent-analyst");
        expect(lines(v)[0]).toMatch(
            /^IAM privilege escalation path: agent analyst \(role agent-analyst\) → assumes role helper \(its trust policy admits it\) → lambda:UpdateFunctionCode on Lambda function admin-fn → runs as role root-like → AdministratorAccess/,
        );
    });

    it("keeps a tagged role's own path when another agent may also assume it", async () => {
        const helper = assumableByAgent("helper", [allow("lambda:UpdateFunctionCode", arn.fn("admin-fn"))], {
            tags: { "agentguard.io/agent": "helper" },
        });
        const v = await paths([
            helper,
            adminRole("root-like"),
            lambda("admin-fn", "root-like"),
            agentRole([allow("sts:AssumeRole", arn.role("helper"))]),
        ]);
        expect(lines(v)).toEqual([
            expect.stringMatching(
                /^IAM privilege escalation path: agent helper \(role helper\) → lambda:UpdateFunctionCode/,
            ),
        ]);
    });

    it("accepts the same chain when the last function runs as a narrow role", async () => {
        expect(
            await paths([
                roleWith("middle", "lambda.amazonaws.com", [
                    allow("lambda:UpdateFunctionCode", arn.fn("leaf-fn")),
                ]),
                lambda("middle-fn", "middle"),
                narrowRole("leaf"),
                lambda("leaf-fn", "leaf"),
                agentRole([allow("lambda:UpdateFunctionCode", arn.fn("middle-fn"))]),
            ]),
        ).toEqual([]);
    });

    it("rejects a role the agent may pass to a function it creates when that role is an administrator", async () => {
        // iam:PassRole itself is IAM write for the direct rule; the path adds which role it hands over.
        const v = await paths([
            adminRole("reporting"),
            agentRole([allow("iam:PassRole", arn.role("reporting")), allow("lambda:CreateFunction", "*")]),
        ]);
        expect(lines(v)[0]).toMatch(
            /iam:PassRole \+ lambda:CreateFunction on role reporting → AdministratorAccess/,
        );
    });

    it("accepts PassRole to an administrator role that no launch action the agent holds can use", async () => {
        expect(
            await paths([
                adminRole("reporting", "ec2.amazonaws.com"),
                agentRole([
                    allow("iam:PassRole", arn.role("reporting")),
                    allow("lambda:CreateFunction", "*"),
                ]),
            ]),
        ).toEqual([]);
    });
});

describe("aws-forbid-agent-escalation-paths: push-image-run-by", () => {
    const repository: FakeResource = {
        type: "aws:ecr/repository:Repository",
        name: "reports",
        props: { name: "reports" },
    };
    const imageFn = (roleName: string, uri: string): FakeResource =>
        lambda("report-image", roleName, { packageType: "Image", imageUri: uri });

    it("rejects ecr:PutImage on a repository whose image a function running as an administrator pulls", async () => {
        const v = await paths([
            repository,
            adminRole("reporting"),
            imageFn("reporting", "111122223333.dkr.ecr.eu-west-1.amazonaws.com/reports:latest"),
            agentRole([allow(["ecr:PutImage", "ecr:InitiateLayerUpload"], arn.repository("reports"))]),
        ]);
        expect(lines(v)[0]).toMatch(
            /ecr:PutImage on ECR repository reports → pulled and run by Lambda function report-image → runs as role reporting → AdministratorAccess/,
        );
    });

    it("rejects the same through a Kubernetes Deployment whose service account is the administrator role (IRSA)", async () => {
        const v = await paths([
            repository,
            {
                type: "aws:iam/role:Role",
                name: "batch-admin",
                props: {
                    name: "batch-admin",
                    assumeRolePolicy: irsaTrust({
                        StringEquals: { [SUB_KEY]: "system:serviceaccount:batch:runner" },
                    }),
                    managedPolicyArns: ["arn:aws:iam::aws:policy/AdministratorAccess"],
                },
            },
            {
                type: "kubernetes:apps/v1:Deployment",
                name: "runner",
                props: {
                    metadata: { name: "runner", namespace: "batch" },
                    spec: {
                        template: {
                            spec: {
                                serviceAccountName: "runner",
                                containers: [
                                    {
                                        name: "r",
                                        image: "111122223333.dkr.ecr.eu-west-1.amazonaws.com/reports:v1",
                                    },
                                ],
                            },
                        },
                    },
                },
            },
            agentRole([allow("ecr:PutImage", arn.repository("reports"))]),
        ]);
        expect(lines(v)[0]).toMatch(
            /ecr:PutImage on ECR repository reports → pulled and run by Deployment runner → runs as service account batch\/runner → which is role batch-admin \(IRSA or Pod Identity\) → AdministratorAccess/,
        );
    });

    it("accepts pushing to a repository pulled only by a narrow function", async () => {
        expect(
            await paths([
                repository,
                narrowRole("reader"),
                imageFn("reader", "111122223333.dkr.ecr.eu-west-1.amazonaws.com/reports:latest"),
                agentRole([allow("ecr:PutImage", arn.repository("reports"))]),
            ]),
        ).toEqual([]);
    });

    it("accepts pushing to another repository than the one the privileged function pulls", async () => {
        expect(
            await paths([
                repository,
                { type: "aws:ecr/repository:Repository", name: "scratch", props: { name: "scratch" } },
                adminRole("reporting"),
                imageFn("reporting", "111122223333.dkr.ecr.eu-west-1.amazonaws.com/reports:latest"),
                agentRole([allow("ecr:PutImage", arn.repository("scratch"))]),
            ]),
        ).toEqual([]);
    });
});

describe("aws-forbid-agent-escalation-paths: writing code that compute loads from S3", () => {
    const glueJob = (roleName: string, script: unknown, deps?: Record<string, string[]>): FakeResource => ({
        type: "aws:glue/job:Job",
        name: "etl",
        props: { name: "etl", roleArn: arn.role(roleName), command: { scriptLocation: script } },
        ...(deps && { propertyDependencies: deps }),
    });

    it("rejects s3:PutObject on the script of a Glue job that runs as an administrator", async () => {
        const v = await paths([
            adminRole("etl-admin", "glue.amazonaws.com"),
            glueJob("etl-admin", "s3://etl-scripts/jobs/etl.py"),
            agentRole([allow("s3:PutObject", "arn:aws:s3:::etl-scripts/jobs/*")]),
        ]);
        expect(lines(v)[0]).toMatch(
            /agent analyst \(role agent-analyst\) → s3:PutObject \(on its code arn:aws:s3:::etl-scripts\/jobs\/etl.py\) on Glue job etl → runs as role etl-admin → AdministratorAccess/,
        );
    });

    it("rejects it when the script's location is unknown but computed from a bucket of the stack", async () => {
        const v = await paths([
            { type: "aws:s3/bucketV2:BucketV2", name: "scripts", props: { bucket: "etl-scripts" } },
            adminRole("etl-admin", "glue.amazonaws.com"),
            glueJob("etl-admin", UNKNOWN, { command: ["scripts"] }),
            agentRole([allow("s3:PutObject", "arn:aws:s3:::etl-scripts/tmp/out.csv")]),
        ]);
        expect(lines(v)[0]).toMatch(
            /s3:PutObject \(on its code arn:aws:s3:::etl-scripts\/\*\) on may be Glue job etl/,
        );
    });

    it("rejects s3:PutObject on the S3 source of a CodeBuild project running as an administrator", async () => {
        const v = await paths([
            adminRole("builder", "codebuild.amazonaws.com"),
            {
                type: "aws:codebuild/project:Project",
                name: "release",
                props: {
                    name: "release",
                    serviceRole: arn.role("builder"),
                    source: { type: "S3", location: "release-src/bundle.zip" },
                },
            },
            agentRole([allow("s3:PutObject", "arn:aws:s3:::release-src/bundle.zip")]),
        ]);
        expect(lines(v)[0]).toMatch(
            /on CodeBuild project release → runs as role builder → AdministratorAccess/,
        );
    });

    it("accepts writing objects to the agent's own bucket, and a job whose script sits elsewhere", async () => {
        expect(
            await paths([
                adminRole("etl-admin", "glue.amazonaws.com"),
                glueJob("etl-admin", "s3://etl-scripts/jobs/etl.py"),
                agentRole([
                    allow("s3:PutObject", ["arn:aws:s3:::analyst-out/*", "arn:aws:s3:::etl-scripts-x/*"]),
                ]),
            ]),
        ).toEqual([]);
    });
});

describe("aws-forbid-agent-escalation-paths: Kubernetes pod creation", () => {
    const irsaRole = (
        name: string,
        subject: string,
        managed: string[],
        inline?: Record<string, unknown>[],
    ) => ({
        type: "aws:iam/role:Role",
        name,
        props: {
            name,
            assumeRolePolicy: irsaTrust({ StringLike: { [SUB_KEY]: subject } }),
            managedPolicyArns: managed,
            ...(inline && {
                inlinePolicies: [
                    { name: "w", policy: JSON.stringify({ Version: "2012-10-17", Statement: inline }) },
                ],
            }),
        },
    });
    const binding = (kind: "RoleBinding" | "ClusterRoleBinding", role: string): FakeResource => ({
        type: `kubernetes:rbac.authorization.k8s.io/v1:${kind}`,
        name: "agent-runs-batch",
        props: {
            metadata: { name: "agent-runs-batch", ...(kind === "RoleBinding" && { namespace: "batch" }) },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role },
            subjects: [{ kind: "ServiceAccount", name: "runner", namespace: "agent-a" }],
        },
    });

    it("rejects an agent service account that may create pods in a namespace whose service account is an administrator role", async () => {
        const v = await paths([
            binding("RoleBinding", "edit"),
            irsaRole("batch-admin", "system:serviceaccount:batch:*", [
                "arn:aws:iam::aws:policy/AdministratorAccess",
            ]),
        ]);
        expect(lines(v)).toEqual([
            "IAM privilege escalation path: agent service account agent-a/runner (through RoleBinding agent-runs-batch) → " +
                "create pods (ClusterRole edit: the built-in edit ClusterRole) → run as any service account of namespace batch → " +
                "which is role batch-admin (IRSA or Pod Identity) → AdministratorAccess grants * (every action, IAM write " +
                "included). The agent can act with that principal's permissions without holding them.",
        ]);
        expect(v[0].urn).toContain("agent-runs-batch");
    });

    it("rejects the same through a ClusterRole that only creates Argo Workflows, bound cluster-wide", async () => {
        const v = await paths([
            {
                type: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
                name: "workflow-author",
                props: {
                    metadata: { name: "workflow-author" },
                    rules: [{ apiGroups: ["argoproj.io"], resources: ["workflows"], verbs: ["create"] }],
                },
            },
            binding("ClusterRoleBinding", "workflow-author"),
            irsaRole(
                "batch-admin",
                "system:serviceaccount:batch:runner",
                [],
                [allow("iam:CreateAccessKey", "*")],
            ),
        ]);
        expect(lines(v)[0]).toMatch(
            /create pods \(ClusterRole workflow-author: create on workflows.*\) → run as any service account of any namespace → which is role batch-admin .*iam:CreateAccessKey \(credential creation\)/,
        );
    });

    it("accepts pod creation in a namespace whose service accounts map only to narrow roles", async () => {
        expect(
            await paths([
                binding("RoleBinding", "edit"),
                irsaRole(
                    "batch-reader",
                    "system:serviceaccount:batch:*",
                    [],
                    [allow("s3:GetObject", "arn:aws:s3:::b/*")],
                ),
                irsaRole("other-admin", "system:serviceaccount:other:*", [
                    "arn:aws:iam::aws:policy/AdministratorAccess",
                ]),
            ]),
        ).toEqual([]);
    });

    it("accepts a binding that grants only reading pods", async () => {
        expect(
            await paths([
                binding("RoleBinding", "view"),
                irsaRole("batch-admin", "system:serviceaccount:batch:*", [
                    "arn:aws:iam::aws:policy/AdministratorAccess",
                ]),
            ]),
        ).toEqual([]);
    });
});

describe("aws-forbid-agent-escalation-paths: tamper", () => {
    const rule = (name: string, pattern: Record<string, unknown> | undefined): FakeResource => ({
        type: "aws:cloudwatch/eventRule:EventRule",
        name,
        props: {
            name,
            ...(pattern ? { eventPattern: JSON.stringify(pattern) } : { scheduleExpression: "rate(1 hour)" }),
        },
    });

    it("rejects events:DisableRule on the rule that routes GuardDuty findings to containment", async () => {
        const v = await paths([
            rule("quarantine", { source: ["aws.guardduty"], "detail-type": ["GuardDuty Finding"] }),
            agentRole([allow("events:DisableRule", arn.rule("quarantine"))]),
        ]);
        expect(lines(v)[0]).toMatch(
            /\(audit\/containment tampering\): agent analyst \(role agent-analyst\) → events:DisableRule on event rule quarantine → it is automated containment \(its pattern matches security findings or API activity\)/,
        );
    });

    it("rejects events:PutTargets on every rule when a containment rule is in the stack", async () => {
        const v = await paths([
            rule("quarantine", { source: ["aws.securityhub"] }),
            agentRole([allow("events:RemoveTargets", "*")]),
        ]);
        expect(lines(v).some((l) => /events:RemoveTargets on event rule quarantine/.test(l))).toBe(true);
    });

    it("accepts events:PutRule on the agent's own schedule rule", async () => {
        expect(
            await paths([
                rule("nightly", undefined),
                agentRole([allow("events:PutRule", arn.rule("nightly"))]),
            ]),
        ).toEqual([]);
    });

    it("leaves cloudtrail:StopLogging to the direct rule (one finding, not two)", async () => {
        const stack = [
            { type: "aws:cloudtrail/trail:Trail", name: "org", props: { name: "org" } },
            agentRole([allow("cloudtrail:StopLogging", arn.trail("org"))]),
        ];
        expect(await paths(stack)).toEqual([]);
        expect(lines(await grants(stack))[0]).toMatch(/audit/);
    });
});

describe("aws-forbid-agent-escalation-paths: unknowns fail closed", () => {
    it("rejects a run-as grant on a function not declared in this stack", async () => {
        const v = await paths([agentRole([allow("lambda:UpdateFunctionCode", arn.fn("elsewhere"))])]);
        expect(lines(v)[0]).toBe(
            "Possible IAM privilege escalation path that cannot be judged (fail closed): agent analyst (role " +
                "agent-analyst) → lambda:UpdateFunctionCode on arn:aws:lambda:eu-west-1:111122223333:function:elsewhere " +
                "→ not declared in this stack, so what it runs as or guards cannot be judged.",
        );
    });

    it("rejects ssm:SendCommand on an instance id the stack cannot know: it may be the privileged instance", async () => {
        const v = await paths([
            adminRole("platform", "ec2.amazonaws.com"),
            instanceProfile("box-profile", "platform"),
            {
                type: "aws:ec2/instance:Instance",
                name: "box",
                props: { ami: "ami-123", iamInstanceProfile: UNKNOWN },
                propertyDependencies: { iamInstanceProfile: ["box-profile"] },
            },
            agentRole([allow("ssm:SendCommand", arn.instance("i-0aaaaaaaaaaaaaaaa"))]),
        ]);
        const text = lines(v).join("\n");
        expect(text).toMatch(/may be EC2 instance box → runs as role platform → AdministratorAccess/);
        expect(text).toMatch(/instance\/i-0aaaaaaaaaaaaaaaa → not declared in this stack/);
    });

    it("rejects a function whose role is unknown and not linked to a role of the stack", async () => {
        const v = await paths([
            {
                type: "aws:lambda/function:Function",
                name: "mystery",
                props: { name: "mystery", role: UNKNOWN },
            },
            agentRole([allow("lambda:UpdateFunctionCode", arn.fn("mystery"))]),
        ]);
        expect(lines(v)[0]).toMatch(
            /Lambda function mystery → the role it runs as cannot be judged: .*unknown/,
        );
    });

    it("rejects a function with an unknown name: the exact ARN may be it", async () => {
        const v = await paths([
            adminRole("reporting"),
            { ...lambda("anon", "reporting"), props: { name: UNKNOWN, role: UNKNOWN } },
            agentRole([allow("lambda:UpdateFunctionCode", arn.fn("report-builder"))]),
        ]);
        expect(
            lines(v).some((l) => /^Possible .*may be Lambda function anon → runs as role reporting/.test(l)),
        ).toBe(true);
    });

    it("rejects a reached role whose permissions are unknown during preview", async () => {
        const v = await paths([
            {
                type: "aws:iam/role:Role",
                name: "opaque",
                props: { name: "opaque", inlinePolicies: UNKNOWN, assumeRolePolicy: "{}" },
            },
            lambda("opaque-fn", "opaque"),
            agentRole([allow("lambda:UpdateFunctionCode", arn.fn("opaque-fn"))]),
        ]);
        expect(lines(v)[0]).toMatch(
            /runs as role opaque → its permissions cannot be judged: inlinePolicies of role opaque are unknown/,
        );
    });

    it("says so when the agent itself is only possibly an agent (unknown trust)", async () => {
        const v = await paths([
            adminRole("reporting"),
            lambda("report-builder", "reporting"),
            {
                type: "aws:iam/role:Role",
                name: "maybe-agent",
                props: {
                    name: "maybe-agent",
                    assumeRolePolicy: UNKNOWN,
                    inlinePolicies: [
                        {
                            name: "w",
                            policy: JSON.stringify({
                                Version: "2012-10-17",
                                Statement: [allow("lambda:UpdateFunctionCode", arn.fn("report-builder"))],
                            }),
                        },
                    ],
                },
            },
        ]);
        expect(lines(v)[0]).toMatch(
            /^Possible IAM privilege escalation path \(it may be an agent: .*unknown.*\): possible agent role maybe-agent/,
        );
    });
});

describe("aws-forbid-agent-escalation-paths: resource policies and denies", () => {
    const repository: FakeResource = {
        type: "aws:ecr/repository:Repository",
        name: "reports",
        props: { name: "reports" },
    };
    const puller = [
        adminRole("reporting"),
        lambda("report-image", "reporting", {
            imageUri: "111122223333.dkr.ecr.eu-west-1.amazonaws.com/reports:latest",
        }),
    ];
    const repositoryPolicy = (principal: unknown): FakeResource => ({
        type: "aws:ecr/repositoryPolicy:RepositoryPolicy",
        name: "reports-policy",
        props: {
            repository: "reports",
            policy: JSON.stringify({
                Version: "2012-10-17",
                Statement: [
                    {
                        Sid: "push",
                        Effect: "Allow",
                        Principal: { AWS: principal },
                        Action: ["ecr:PutImage", "ecr:InitiateLayerUpload"],
                    },
                ],
            }),
        },
        propertyDependencies: { repository: ["reports"] },
    });

    it("rejects a repository policy that lets the agent role (by literal ARN) push an image a privileged function runs", async () => {
        const v = await paths([
            repository,
            ...puller,
            repositoryPolicy(arn.role("agent-analyst")),
            agentRole([allow("s3:GetObject", "arn:aws:s3:::drafts/*")]),
        ]);
        expect(lines(v)[0]).toMatch(
            /agent analyst \(role agent-analyst\) → ecr:PutImage \(granted by repository policy reports-policy statement push\) on ECR repository reports → pulled and run by Lambda function report-image → runs as role reporting → AdministratorAccess/,
        );
    });

    it("rejects a repository policy that lets everyone push", async () => {
        const v = await paths([repository, ...puller, repositoryPolicy("*"), agentRole([])]);
        expect(lines(v)[0]).toMatch(
            /ecr:PutImage \(granted by repository policy .*\) on ECR repository reports/,
        );
    });

    it("accepts a repository policy that lets only another (non-agent) role push", async () => {
        expect(
            await paths([
                repository,
                ...puller,
                narrowRole("ci-pusher", "codebuild.amazonaws.com"),
                repositoryPolicy(arn.role("ci-pusher")),
                agentRole([allow("s3:GetObject", "arn:aws:s3:::drafts/*")]),
            ]),
        ).toEqual([]);
    });

    it("accepts an allow on two functions when an unconditional Deny removes the privileged one", async () => {
        const stack = [
            adminRole("reporting"),
            lambda("report-builder", "reporting"),
            narrowRole("agent-analyst-tool"),
            lambda("analyst-tool", "agent-analyst-tool"),
            agentRole([
                allow("lambda:UpdateFunctionCode", [arn.fn("analyst-tool"), arn.fn("report-builder")]),
                {
                    Effect: "Deny",
                    Action: "lambda:Update*",
                    Resource: "arn:aws:lambda:*:*:function:report-*",
                },
            ]),
        ];
        expect(await paths(stack)).toEqual([]);
        expect(await grants(stack)).toEqual([]);
    });

    it("keeps the edge when the Deny is conditional or names another function", async () => {
        for (const deny of [
            {
                Effect: "Deny",
                Action: "lambda:UpdateFunctionCode",
                Resource: arn.fn("report-builder"),
                Condition: { Bool: { "aws:MultiFactorAuthPresent": "false" } },
            },
            { Effect: "Deny", Action: "lambda:UpdateFunctionCode", Resource: arn.fn("report-builder-old") },
        ]) {
            const v = await paths([
                adminRole("reporting"),
                lambda("report-builder", "reporting"),
                agentRole([allow("lambda:UpdateFunctionCode", arn.fn("report-builder")), deny]),
            ]);
            expect(lines(v)[0]).toMatch(/report-builder → runs as role reporting/);
        }
    });
});

describe("aws-forbid-agent-escalation-paths: hardened look-alikes", () => {
    it("accepts reading a secret (read-secret edges are shown, not judged)", async () => {
        expect(
            await paths([
                { type: "aws:secretsmanager/secret:Secret", name: "api-key", props: { name: "api-key" } },
                agentRole([
                    allow(
                        "secretsmanager:GetSecretValue",
                        "arn:aws:secretsmanager:eu-west-1:111122223333:secret:api-key-AbCdEf",
                    ),
                ]),
            ]),
        ).toEqual([]);
    });

    it("accepts updating a function whose untagged role holds only the basic execution policy and a narrow read", async () => {
        const tool = narrowRole("analyst-tool-role");
        expect(
            await paths([
                {
                    ...tool,
                    props: {
                        ...tool.props,
                        managedPolicyArns: [
                            "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
                        ],
                    },
                },
                lambda("analyst-tool", "analyst-tool-role"),
                agentRole([allow("lambda:UpdateFunctionCode", arn.fn("analyst-tool"))]),
            ]),
        ).toEqual([]);
    });

    it("accepts invoking (not updating) a privileged function", async () => {
        expect(
            await paths([
                adminRole("reporting"),
                lambda("report-builder", "reporting"),
                agentRole([allow("lambda:InvokeFunction", arn.fn("report-builder"))]),
            ]),
        ).toEqual([]);
    });

    it("accepts updating a function whose name only resembles the privileged one", async () => {
        expect(
            await paths([
                adminRole("reporting"),
                lambda("report-builder", "reporting"),
                narrowRole("drafts"),
                lambda("report-builder-drafts", "drafts"),
                agentRole([allow("lambda:UpdateFunctionCode", arn.fn("report-builder-drafts"))]),
            ]),
        ).toEqual([]);
    });

    it("accepts an agent whose statement for the privileged function is a Deny-free read of its logs", async () => {
        expect(
            await paths([
                adminRole("reporting"),
                lambda("report-builder", "reporting"),
                agentRole([
                    allow(
                        "logs:GetLogEvents",
                        "arn:aws:logs:eu-west-1:111122223333:log-group:/aws/lambda/report-builder:*",
                    ),
                ]),
            ]),
        ).toEqual([]);
    });
});
