import { describe, expect, it } from "vitest";
import { awsRestrictAgentComputeEgress } from "../../../../policy-pack/rules/aws/aws-restrict-agent-compute-egress";
import { stackForbidAgentEgressPaths } from "../../../../policy-pack/rules/stack/stack-forbid-agent-egress-paths";
import { runStackPolicy, UNKNOWN, type FakeResource, violationLines } from "../../../helpers/policy-harness";
import { allow } from "../../lib/aws/fixtures";
import {
    agentRole,
    arn,
    assumableByAgent,
    instanceProfile,
    lambda,
    narrowRole,
    roleWith,
} from "../aws/reach-fixtures";

const run = (resources: FakeResource[]) => runStackPolicy(stackForbidAgentEgressPaths, resources);

const lines = violationLines;

const SG = "aws:ec2/securityGroup:SecurityGroup";
const OPEN = [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }];
const NARROW = [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["10.0.0.0/8"] }];

function group(name: string, props: Record<string, unknown>): FakeResource {
    return { type: SG, name, props: { id: UNKNOWN, name, ...props } };
}

/** A platform function in a VPC, in security group `sg` (linked as the engine records it). */
function vpcLambda(name: string, sg: string, props: Record<string, unknown> = {}): FakeResource {
    const fn = lambda(name, "worker-role", {
        vpcConfig: { subnetIds: ["subnet-1"], securityGroupIds: [UNKNOWN] },
        ...props,
    });
    return { ...fn, propertyDependencies: { ...fn.propertyDependencies, vpcConfig: [sg] } };
}

const updates = (fn: string) => agentRole([allow("lambda:UpdateFunctionCode", arn.fn(fn))]);

describe("stack-forbid-agent-egress-paths: open egress of compute the agent runs code in", () => {
    it("rejects lambda:UpdateFunctionCode on a platform function without vpcConfig, with its path", async () => {
        const stack = [narrowRole("worker-role"), lambda("worker", "worker-role"), updates("worker")];
        const v = await run(stack);
        expect(v).toHaveLength(1);
        expect(v[0]).toMatchObject({
            enforcementLevel: "mandatory",
            urn: expect.stringContaining("agent-analyst"),
        });
        expect(lines(v)[0]).toBe(
            "Open egress path (the agent can send data to the internet): agent analyst (role agent-analyst) → " +
                "lambda:UpdateFunctionCode on Lambda function worker → it has no vpcConfig (subnetIds): AWS runs it " +
                "outside the VPC, with internet access. Cut one edge of the path, or confine the compute at its end as the agent's own.",
        );
        // The direct rule judges only agent compute: the platform function is this rule's alone.
        expect(await runStackPolicy(awsRestrictAgentComputeEgress, stack)).toEqual([]);
    });

    it("rejects a function in a VPC whose security group allows egress to 0.0.0.0/0", async () => {
        const v = await run([
            narrowRole("worker-role"),
            group("web", { egress: OPEN }),
            vpcLambda("worker", "web"),
            updates("worker"),
        ]);
        expect(lines(v)[0]).toMatch(
            /lambda:UpdateFunctionCode on Lambda function worker → security group web \(Function worker\): egress reaches every IPv4 address \(0\.0\.0\.0\/0\) \(0\.0\.0\.0\/0 in security group web inline egress\[0\]\)/,
        );
    });

    it("accepts the same grant on a function in a VPC with narrow egress", async () => {
        expect(
            await run([
                narrowRole("worker-role"),
                group("web", { egress: NARROW }),
                vpcLambda("worker", "web"),
                updates("worker"),
            ]),
        ).toEqual([]);
    });

    it("accepts a function in a security group of another stack, as the direct rule does (red-team p8)", async () => {
        const fn = lambda("worker", "worker-role", {
            vpcConfig: { subnetIds: ["subnet-1"], securityGroupIds: ["sg-0a1b2c3d"] },
        });
        expect(await run([narrowRole("worker-role"), fn, updates("worker")])).toEqual([]);
    });

    it("leaves the agent's own tagged function to aws-restrict-agent-compute-egress (red-team p8 without VPC)", async () => {
        const stack = [
            narrowRole("agent-analyst-tool"),
            lambda("analyst-tool", "agent-analyst-tool", { tags: { "agentguard.io/agent": "analyst" } }),
            updates("analyst-tool"),
        ];
        expect(await run(stack)).toEqual([]);
        expect(await runStackPolicy(awsRestrictAgentComputeEgress, stack)).toHaveLength(1);
    });

    it("rejects the split 0.0.0.0/1 + 128.0.0.0/1 in separate SecurityGroupRule and SecurityGroupEgressRule resources", async () => {
        const v = await run([
            narrowRole("worker-role"),
            group("web", { egress: NARROW }),
            {
                type: "aws:ec2/securityGroupRule:SecurityGroupRule",
                name: "low-half",
                props: {
                    type: "egress",
                    securityGroupId: UNKNOWN,
                    protocol: "-1",
                    fromPort: 0,
                    toPort: 0,
                    cidrBlocks: ["0.0.0.0/1"],
                },
                propertyDependencies: { securityGroupId: ["web"] },
            },
            {
                type: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
                name: "high-half",
                props: { securityGroupId: UNKNOWN, ipProtocol: "-1", cidrIpv4: "128.0.0.0/1" },
                propertyDependencies: { securityGroupId: ["web"] },
            },
            vpcLambda("worker", "web"),
            updates("worker"),
        ]);
        expect(v).toHaveLength(1);
        expect(lines(v)[0]).toMatch(
            /every IPv4 address .*0\.0\.0\.0\/1 in SecurityGroupRule low-half, 128\.0\.0\.0\/1 in SecurityGroupEgressRule high-half/,
        );
    });

    it("fails closed on an egress rule whose group is unknown, and on ::/0 in a prefix list of the group", async () => {
        const unresolved = await run([
            narrowRole("worker-role"),
            group("web", { egress: NARROW }),
            {
                type: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
                name: "sneaky",
                props: { securityGroupId: UNKNOWN, ipProtocol: "-1", cidrIpv4: "0.0.0.0/0" },
            },
            vpcLambda("worker", "web"),
            updates("worker"),
        ]);
        expect(lines(unresolved)[0]).toMatch(
            /^Possible open egress path .*egress rule sneaky may open security group web/,
        );
        const listed = await run([
            narrowRole("worker-role"),
            {
                type: "aws:ec2/managedPrefixList:ManagedPrefixList",
                name: "world6",
                props: {
                    id: UNKNOWN,
                    addressFamily: "IPv6",
                    entries: [{ cidr: "::/1" }, { cidr: "8000::/1" }],
                },
            },
            {
                ...group("web", {
                    egress: [{ protocol: "-1", fromPort: 0, toPort: 0, prefixListIds: [UNKNOWN] }],
                }),
                propertyDependencies: { egress: ["world6"] },
            },
            vpcLambda("worker", "web"),
            updates("worker"),
        ]);
        expect(lines(listed)[0]).toMatch(
            /^Open egress path .*security group web \(Function worker\): .*egress reaches every IPv6 address \(::\/0\)/,
        );
    });

    it("fails closed on an unknown vpcConfig, saying what was unknown", async () => {
        const v = await run([
            narrowRole("worker-role"),
            lambda("worker", "worker-role", { vpcConfig: UNKNOWN }),
            updates("worker"),
        ]);
        expect(v).toHaveLength(1);
        expect(lines(v)[0]).toMatch(
            /^Possible open egress path .*Lambda function worker → its network placement cannot be judged: vpcConfig is unknown during preview/,
        );
    });

    it("fails closed on a security group reference that is unknown and not linked", async () => {
        const fn = lambda("worker", "worker-role", {
            vpcConfig: { subnetIds: ["subnet-1"], securityGroupIds: [UNKNOWN] },
        });
        const v = await run([narrowRole("worker-role"), fn, updates("worker")]);
        expect(lines(v)[0]).toMatch(
            /^Possible open egress path .*security group reference\(s\) in vpcConfig.securityGroupIds are unknown/,
        );
    });

    it("follows two hops: the agent updates a function whose role may update an open one", async () => {
        const v = await run([
            roleWith("deployer", "lambda.amazonaws.com", [
                allow("lambda:UpdateFunctionCode", arn.fn("worker")),
            ]),
            group("web", { egress: NARROW }),
            {
                ...vpcLambda("scheduler", "web"),
                props: {
                    ...vpcLambda("scheduler", "web").props,
                    name: "scheduler",
                    role: arn.role("deployer"),
                },
                propertyDependencies: { role: ["deployer"], vpcConfig: ["web"] },
            },
            narrowRole("worker-role"),
            lambda("worker", "worker-role"),
            updates("scheduler"),
        ]);
        expect(v).toHaveLength(1);
        expect(lines(v)[0]).toMatch(
            /agent analyst \(role agent-analyst\) → lambda:UpdateFunctionCode on Lambda function scheduler → runs as role deployer → lambda:UpdateFunctionCode on Lambda function worker → it has no vpcConfig/,
        );
    });

    it("reports a path through a role the agent may assume from the agent itself (role chaining)", async () => {
        const deployer = assumableByAgent("deployer", [allow("lambda:UpdateFunctionCode", arn.fn("worker"))]);
        const v = await run([
            narrowRole("worker-role"),
            lambda("worker", "worker-role"),
            deployer,
            agentRole([allow("sts:AssumeRole", arn.role("deployer"))]),
        ]);
        expect(lines(v)).toEqual([
            expect.stringMatching(
                /agent analyst \(role agent-analyst\) → assumes role deployer \(its trust policy admits it\) → lambda:UpdateFunctionCode on Lambda function worker → it has no vpcConfig/,
            ),
        ]);
    });

    it("rejects ecr:PutImage to a repository an ECS service with an open security group runs", async () => {
        const v = await run([
            { type: "aws:ecr/repository:Repository", name: "api", props: { name: "api" } },
            narrowRole("task-role", "ecs-tasks.amazonaws.com"),
            {
                type: "aws:ecs/taskDefinition:TaskDefinition",
                name: "api-task",
                props: {
                    family: "api",
                    taskRoleArn: arn.role("task-role"),
                    networkMode: "awsvpc",
                    containerDefinitions: JSON.stringify([
                        { name: "api", image: "111122223333.dkr.ecr.eu-west-1.amazonaws.com/api:latest" },
                    ]),
                },
                propertyDependencies: { taskRoleArn: ["task-role"] },
            },
            group("api-sg", { egress: OPEN }),
            {
                type: "aws:ecs/service:Service",
                name: "api-svc",
                props: {
                    taskDefinition: UNKNOWN,
                    networkConfiguration: { subnets: ["subnet-1"], securityGroups: [UNKNOWN] },
                },
                propertyDependencies: { taskDefinition: ["api-task"], networkConfiguration: ["api-sg"] },
            },
            agentRole([allow("ecr:PutImage", arn.repository("api"))]),
        ]);
        expect(v).toHaveLength(1);
        expect(lines(v)[0]).toMatch(
            /ecr:PutImage on ECR repository api → pulled and run by ECS task definition api → security group api-sg \(Service api-svc\): egress reaches every IPv4 address/,
        );
    });

    it("fails closed on an ECS service whose taskDefinition is unknown and not linked", async () => {
        const v = await run([
            { type: "aws:ecr/repository:Repository", name: "api", props: { name: "api" } },
            narrowRole("task-role", "ecs-tasks.amazonaws.com"),
            {
                type: "aws:ecs/taskDefinition:TaskDefinition",
                name: "api-task",
                props: {
                    family: "api",
                    taskRoleArn: arn.role("task-role"),
                    networkMode: "awsvpc",
                    containerDefinitions: JSON.stringify([
                        { image: "111122223333.dkr.ecr.eu-west-1.amazonaws.com/api:v1" },
                    ]),
                },
                propertyDependencies: { taskRoleArn: ["task-role"] },
            },
            group("api-sg", { egress: OPEN }),
            {
                type: "aws:ecs/service:Service",
                name: "other-svc",
                props: {
                    taskDefinition: UNKNOWN,
                    networkConfiguration: { subnets: ["subnet-1"], securityGroups: [UNKNOWN] },
                },
                propertyDependencies: { networkConfiguration: ["api-sg"] },
            },
            agentRole([allow("ecr:PutImage", arn.repository("api"))]),
        ]);
        expect(lines(v)[0]).toMatch(
            /^Possible open egress path .*security group api-sg .*taskDefinition is unknown and not linked, so it may run this one/,
        );
    });

    it("rejects ssm:SendCommand on an instance whose security group allows 0.0.0.0/0, and accepts a narrow one", async () => {
        const stack = (egress: unknown) => [
            narrowRole("box-role", "ec2.amazonaws.com"),
            instanceProfile("box-profile", "box-role"),
            group("box-sg", { egress }),
            {
                type: "aws:ec2/instance:Instance",
                name: "box",
                props: {
                    ami: "ami-1",
                    iamInstanceProfile: UNKNOWN,
                    vpcSecurityGroupIds: [UNKNOWN],
                    arn: arn.instance("i-0123456789abcdef0"),
                },
                propertyDependencies: {
                    iamInstanceProfile: ["box-profile"],
                    vpcSecurityGroupIds: ["box-sg"],
                },
            },
            agentRole([allow("ssm:SendCommand", arn.instance("i-0123456789abcdef0"))]),
        ];
        const v = await run(stack(OPEN));
        expect(lines(v)[0]).toMatch(
            /ssm:SendCommand on EC2 instance box → security group box-sg \(Instance box\): egress reaches every IPv4 address/,
        );
        expect(await run(stack(NARROW))).toEqual([]);
    });
});

describe("stack-forbid-agent-egress-paths: inbound channels to compute the agent runs code in", () => {
    const closed = () => [
        narrowRole("worker-role"),
        group("web", { egress: NARROW }),
        vpcLambda("worker", "web"),
        updates("worker"),
    ];
    const url = (authorizationType: unknown, functionName: unknown, deps?: string[]): FakeResource => ({
        type: "aws:lambda/functionUrl:FunctionUrl",
        name: "worker-url",
        props: { functionName, authorizationType },
        propertyDependencies: deps ? { functionName: deps } : undefined,
    });

    it("rejects a function URL with authorizationType NONE on a function the agent can update", async () => {
        const v = await run([...closed(), url("NONE", UNKNOWN, ["worker"])]);
        expect(v).toHaveLength(1);
        expect(lines(v)[0]).toMatch(
            /^Inbound channel path \(the internet can reach what the agent controls\): .*lambda:UpdateFunctionCode on Lambda function worker → function URL worker-url lets anyone on the internet invoke it \(authorizationType NONE\)/,
        );
    });

    it("accepts a function URL with AWS_IAM", async () => {
        expect(await run([...closed(), url("AWS_IAM", UNKNOWN, ["worker"])])).toEqual([]);
    });

    it("joins a function URL that names the function by ARN string, not by reference", async () => {
        expect(await run([...closed(), url("NONE", arn.fn("worker"))])).toHaveLength(1);
        // A look-alike name must stay clean.
        expect(await run([...closed(), url("NONE", arn.fn("worker-2"))])).toEqual([]);
    });

    it("fails closed on a function URL whose authorizationType or function is unknown", async () => {
        expect(lines(await run([...closed(), url(UNKNOWN, UNKNOWN, ["worker"])]))[0]).toMatch(
            /^Possible inbound channel path .*its authorizationType is unknown/,
        );
        expect(lines(await run([...closed(), url("NONE", UNKNOWN)]))[0]).toMatch(
            /^Possible inbound channel path .*functionName is unknown and not linked/,
        );
    });

    it("rejects a lambda Permission for principal * and for a service without sourceArn; accepts one with sourceArn", async () => {
        const permission = (props: Record<string, unknown>): FakeResource => ({
            type: "aws:lambda/permission:Permission",
            name: "invoke",
            props: { action: "lambda:InvokeFunction", function: "worker", ...props },
        });
        expect(lines(await run([...closed(), permission({ principal: "*" })]))[0]).toMatch(
            /lambda Permission invoke: principal "\*" \(any AWS account\) may invoke it/,
        );
        expect(lines(await run([...closed(), permission({ principal: "s3.amazonaws.com" })]))[0]).toMatch(
            /service s3\.amazonaws\.com may invoke it on behalf of any account/,
        );
        expect(
            await run([
                ...closed(),
                permission({ principal: "s3.amazonaws.com", sourceArn: "arn:aws:s3:::acme-in" }),
            ]),
        ).toEqual([]);
    });

    it("rejects an HTTP API route without authorizer to the function, and accepts one with JWT", async () => {
        const stack = (authorizationType?: string) => [
            ...closed(),
            {
                type: "aws:apigatewayv2/integration:Integration",
                name: "worker-int",
                props: { apiId: "api-1", integrationType: "AWS_PROXY", integrationUri: UNKNOWN },
                propertyDependencies: { integrationUri: ["worker"] },
            },
            {
                type: "aws:apigatewayv2/route:Route",
                name: "worker-route",
                props: {
                    apiId: "api-1",
                    routeKey: "POST /run",
                    target: UNKNOWN,
                    ...(authorizationType && { authorizationType }),
                },
                propertyDependencies: { target: ["worker-int"] },
            },
        ];
        expect(lines(await run(stack()))[0]).toMatch(
            /API Gateway route worker-route \(POST \/run\) invokes it through integration worker-int with no authorizer/,
        );
        expect(await run(stack("JWT"))).toEqual([]);
    });

    it("rejects an instance behind an internet-facing load balancer, and accepts an internal one", async () => {
        const stack = (internal: boolean) => [
            narrowRole("box-role", "ec2.amazonaws.com"),
            instanceProfile("box-profile", "box-role"),
            group("box-sg", { egress: NARROW }),
            {
                type: "aws:ec2/instance:Instance",
                name: "box",
                props: {
                    ami: "ami-1",
                    iamInstanceProfile: UNKNOWN,
                    vpcSecurityGroupIds: [UNKNOWN],
                    arn: arn.instance("i-0123456789abcdef0"),
                },
                propertyDependencies: {
                    iamInstanceProfile: ["box-profile"],
                    vpcSecurityGroupIds: ["box-sg"],
                },
            },
            { type: "aws:lb/loadBalancer:LoadBalancer", name: "edge", props: { internal } },
            { type: "aws:lb/targetGroup:TargetGroup", name: "boxes", props: { port: 80 } },
            {
                type: "aws:lb/listener:Listener",
                name: "http",
                props: {
                    loadBalancerArn: UNKNOWN,
                    defaultActions: [{ type: "forward", targetGroupArn: UNKNOWN }],
                },
                propertyDependencies: { loadBalancerArn: ["edge"], defaultActions: ["boxes"] },
            },
            {
                type: "aws:lb/targetGroupAttachment:TargetGroupAttachment",
                name: "box-attach",
                props: { targetGroupArn: UNKNOWN, targetId: UNKNOWN },
                propertyDependencies: { targetGroupArn: ["boxes"], targetId: ["box"] },
            },
            agentRole([allow("ssm:SendCommand", arn.instance("i-0123456789abcdef0"))]),
        ];
        expect(lines(await run(stack(false)))[0]).toMatch(
            /ssm:SendCommand on EC2 instance box → load balancer edge is internet-facing and forwards to it \(listener http, target group boxes\)/,
        );
        expect(await run(stack(true))).toEqual([]);
    });

    it("rejects an instance with a public IP and ingress from a public address", async () => {
        const stack = (ingress: unknown) => [
            narrowRole("box-role", "ec2.amazonaws.com"),
            instanceProfile("box-profile", "box-role"),
            group("box-sg", { egress: NARROW, ingress }),
            {
                type: "aws:ec2/instance:Instance",
                name: "box",
                props: {
                    ami: "ami-1",
                    associatePublicIpAddress: true,
                    iamInstanceProfile: UNKNOWN,
                    vpcSecurityGroupIds: [UNKNOWN],
                    arn: arn.instance("i-0123456789abcdef0"),
                },
                propertyDependencies: {
                    iamInstanceProfile: ["box-profile"],
                    vpcSecurityGroupIds: ["box-sg"],
                },
            },
            agentRole([allow("ssm:SendCommand", arn.instance("i-0123456789abcdef0"))]),
        ];
        const v = await run(
            stack([{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["52.94.76.10/32"] }]),
        );
        expect(lines(v)[0]).toMatch(
            /Instance box has a public IP \(associatePublicIpAddress true\) and security group box-sg admits 1 public addresses/,
        );
        expect(
            await run(stack([{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["10.0.0.0/8"] }])),
        ).toEqual([]);
    });
});

describe("stack-forbid-agent-egress-paths: inbound channels to the agent's own compute", () => {
    // The agent's code runs in compute that runs as the agent role: no grant is needed to be reached there.
    const own = () => [
        agentRole([allow("s3:GetObject", "arn:aws:s3:::acme-corpus/analyst/*")]),
        group("web", { egress: NARROW }),
        {
            ...vpcLambda("tool", "web"),
            props: { ...vpcLambda("tool", "web").props, role: arn.role("agent-analyst") },
            propertyDependencies: { vpcConfig: ["web"], role: ["agent-analyst"] },
        },
    ];
    const url = (authorizationType: string): FakeResource => ({
        type: "aws:lambda/functionUrl:FunctionUrl",
        name: "tool-url",
        props: { functionName: "tool", authorizationType },
    });

    it("rejects a function URL with authorizationType NONE on a function that runs as the agent role", async () => {
        const v = await run([...own(), url("NONE")]);
        expect(v).toHaveLength(1);
        expect(lines(v)[0]).toMatch(
            /^Inbound channel path .*agent analyst \(role agent-analyst\) → runs its own code \(its compute runs as it\) on Lambda function tool → function URL tool-url lets anyone on the internet invoke it/,
        );
    });

    it("rejects a permission that lets every AWS account invoke an AWS_IAM function URL of the agent", async () => {
        const permission: FakeResource = {
            type: "aws:lambda/permission:Permission",
            name: "anyone",
            props: {
                action: "lambda:InvokeFunctionUrl",
                function: "tool",
                principal: "*",
                functionUrlAuthType: "AWS_IAM",
            },
        };
        expect(lines(await run([...own(), url("AWS_IAM"), permission]))[0]).toMatch(/principal "\*"/);
    });

    it("accepts the agent's own function behind an AWS_IAM URL, with narrow egress and no other channel", async () => {
        expect(await run([...own(), url("AWS_IAM")])).toEqual([]);
    });

    it("rejects an agent-tagged instance that runs as no role, with a public IP and SSH open; accepts it private", async () => {
        const box = (associatePublicIpAddress: boolean): FakeResource => ({
            type: "aws:ec2/instance:Instance",
            name: "agent-box",
            props: {
                ami: "ami-1",
                associatePublicIpAddress,
                vpcSecurityGroupIds: [UNKNOWN],
                tags: { "agentguard.io/agent": "analyst" },
            },
            propertyDependencies: { vpcSecurityGroupIds: ["box-sg"] },
        });
        const ssh = [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] }];
        const v = await run([group("box-sg", { egress: NARROW, ingress: ssh }), box(true)]);
        expect(v).toHaveLength(1);
        expect(v[0].urn).toContain("agent-box");
        expect(lines(v)[0]).toMatch(
            /^Inbound channel path .*agent ec2-instance agent-box \(agent-tagged, running as no role\) → Instance agent-box has a public IP/,
        );
        expect(await run([group("box-sg", { egress: NARROW, ingress: ssh }), box(false)])).toEqual([]);
    });

    it("rejects the agent's own AgentCore runtime in PUBLIC network mode (no direct rule judges it); accepts VPC mode", async () => {
        const runtime = (networkMode: string): FakeResource => ({
            type: "aws:bedrock/agentcoreAgentRuntime:AgentcoreAgentRuntime",
            name: "analyst-runtime",
            props: {
                agentRuntimeName: "analyst_runtime",
                roleArn: arn.role("agent-analyst"),
                networkConfiguration: { networkMode },
            },
            propertyDependencies: { roleArn: ["agent-analyst"] },
        });
        const quiet = agentRole([allow("s3:GetObject", "arn:aws:s3:::acme-corpus/analyst/*")]);
        const v = await run([quiet, runtime("PUBLIC")]);
        expect(v).toHaveLength(1);
        expect(lines(v)[0]).toMatch(
            /^Open egress path .*runs its own code \(its compute runs as it\) on AgentCore runtime analyst_runtime → networkConfiguration.networkMode is "PUBLIC"/,
        );
        expect(await run([quiet, runtime("VPC")])).toEqual([]);
    });

    it("leaves the own function's VPC placement to aws-restrict-agent-compute-egress", async () => {
        const stack = [
            agentRole([allow("s3:GetObject", "arn:aws:s3:::acme-corpus/analyst/*")]),
            lambda("tool", "agent-analyst"),
        ];
        expect(await run(stack)).toEqual([]);
        expect(await runStackPolicy(awsRestrictAgentComputeEgress, stack)).toHaveLength(1);
    });
});

describe("stack-forbid-agent-egress-paths: the agent's own grants that open a channel", () => {
    const tool = () => [
        narrowRole("worker-role"),
        group("web", { egress: NARROW }),
        {
            ...vpcLambda("tool", "web"),
            props: {
                ...vpcLambda("tool", "web").props,
                name: "tool",
                tags: { "agentguard.io/agent": "analyst" },
            },
        },
    ];

    it("rejects lambda:UpdateFunctionConfiguration on the agent's own function: it may remove its vpcConfig", async () => {
        const v = await run([
            ...tool(),
            agentRole([allow("lambda:UpdateFunctionConfiguration", arn.fn("tool"))]),
        ]);
        expect(v).toHaveLength(1);
        expect(lines(v)[0]).toMatch(
            /^Open egress path .*agent analyst \(role agent-analyst\) → lambda:UpdateFunctionConfiguration on the VPC placement of Lambda function tool → it may set an empty vpcConfig/,
        );
    });

    it("accepts lambda:UpdateFunctionConfiguration pinned by lambda:SubnetIds, but not by a Null test", async () => {
        const pinned = (condition: Record<string, unknown>) =>
            agentRole([
                { ...allow("lambda:UpdateFunctionConfiguration", arn.fn("tool")), Condition: condition },
            ]);
        const subnets = { "ForAllValues:StringEquals": { "lambda:SubnetIds": ["subnet-1"] } };
        expect(await run([...tool(), pinned(subnets)])).toEqual([]);
        expect(await run([...tool(), pinned({ Null: { "lambda:VpcIds": "true" } })])).toHaveLength(1);
    });

    it("rejects lambda:CreateFunctionUrlConfig on the agent's own function", async () => {
        const v = await run([
            ...tool(),
            agentRole([allow("lambda:CreateFunctionUrlConfig", arn.fn("tool"))]),
        ]);
        expect(v).toHaveLength(1);
        expect(lines(v)[0]).toMatch(
            /^Inbound channel path .*agent analyst \(role agent-analyst\) → lambda:CreateFunctionUrlConfig on the public endpoints of Lambda function tool → it may open a function URL/,
        );
    });

    it("rejects it on a function whose code the agent may change, and accepts it on one it cannot change", async () => {
        const platform = [
            narrowRole("worker-role"),
            group("web", { egress: NARROW }),
            vpcLambda("worker", "web"),
        ];
        const both = await run([
            ...platform,
            agentRole([
                allow(["lambda:UpdateFunctionCode", "lambda:UpdateFunctionUrlConfig"], arn.fn("worker")),
            ]),
        ]);
        expect(lines(both)[0]).toMatch(
            /lambda:UpdateFunctionUrlConfig on the public endpoints of Lambda function worker/,
        );
        expect(
            await run([...platform, agentRole([allow("lambda:UpdateFunctionUrlConfig", arn.fn("worker"))])]),
        ).toEqual([]);
    });

    it("rejects elasticloadbalancing:RegisterTargets on a target group behind an internet-facing load balancer", async () => {
        const stack = (internal: boolean) => [
            { type: "aws:lb/loadBalancer:LoadBalancer", name: "edge", props: { internal } },
            { type: "aws:lb/targetGroup:TargetGroup", name: "boxes", props: { name: "boxes" } },
            {
                type: "aws:lb/listener:Listener",
                name: "http",
                props: {
                    loadBalancerArn: UNKNOWN,
                    defaultActions: [{ type: "forward", targetGroupArn: UNKNOWN }],
                },
                propertyDependencies: { loadBalancerArn: ["edge"], defaultActions: ["boxes"] },
            },
            agentRole([
                allow(
                    "elasticloadbalancing:RegisterTargets",
                    "arn:aws:elasticloadbalancing:*:*:targetgroup/boxes/*",
                ),
            ]),
        ];
        expect(lines(await run(stack(false)))[0]).toMatch(
            /elasticloadbalancing:RegisterTargets on target group boxes → internet-facing load balancer edge forwards to it/,
        );
        expect(await run(stack(true))).toEqual([]);
    });
});

describe("stack-forbid-agent-egress-paths: VPC endpoints as onward routes", () => {
    const vpc: FakeResource = {
        type: "aws:ec2/vpc:Vpc",
        name: "main",
        props: { id: UNKNOWN, cidrBlock: "10.0.0.0/16" },
    };
    const closedIn = (props: Record<string, unknown> = {}): FakeResource[] => [
        vpc,
        narrowRole("worker-role"),
        { ...group("web", { egress: NARROW }), propertyDependencies: { vpcId: ["main"] } },
        vpcLambda("worker", "web"),
        updates("worker"),
        {
            type: "aws:ec2/vpcEndpoint:VpcEndpoint",
            name: "s3-endpoint",
            props: {
                vpcId: UNKNOWN,
                serviceName: "com.amazonaws.eu-west-1.s3",
                vpcEndpointType: "Interface",
                ...props,
            },
            propertyDependencies: { vpcId: ["main"] },
        },
    ];

    it("rejects an interface endpoint without policy in the VPC of a closed function the agent can update", async () => {
        const v = await run(closedIn());
        expect(v).toHaveLength(1);
        expect(lines(v)[0]).toMatch(
            /lambda:UpdateFunctionCode on Lambda function worker → reaches VPC endpoint s3-endpoint \(com\.amazonaws\.eu-west-1\.s3\) → it has no policy \(full access\), so the compute reaches s3 in any account/,
        );
    });

    it("accepts an endpoint whose policy names the stack's own bucket, or one conditioned on the resource account", async () => {
        const own = JSON.stringify({
            Statement: [
                {
                    Effect: "Allow",
                    Principal: "*",
                    Action: "s3:*",
                    Resource: ["arn:aws:s3:::acme-data", "arn:aws:s3:::acme-data/*"],
                },
            ],
        });
        expect(await run(closedIn({ policy: own }))).toEqual([]);
        const account = JSON.stringify({
            Statement: [
                {
                    Effect: "Allow",
                    Principal: "*",
                    Action: "*",
                    Resource: "*",
                    Condition: { StringEquals: { "aws:ResourceAccount": "111122223333" } },
                },
            ],
        });
        expect(await run(closedIn({ policy: account }))).toEqual([]);
    });

    it("rejects a wildcard bucket policy and fails closed on an unknown one; ignores gateway endpoints and other services", async () => {
        const any = JSON.stringify({
            Statement: [
                { Effect: "Allow", Principal: "*", Action: "s3:PutObject", Resource: "arn:aws:s3:::*/*" },
            ],
        });
        expect(await run(closedIn({ policy: any }))).toHaveLength(1);
        expect(lines(await run(closedIn({ policy: UNKNOWN })))[0]).toMatch(
            /^Possible open egress path .*its policy is unknown during preview/,
        );
        expect(await run(closedIn({ vpcEndpointType: "Gateway" }))).toEqual([]);
        expect(await run(closedIn({ serviceName: "com.amazonaws.eu-west-1.ecr.api" }))).toEqual([]);
    });
});

describe("stack-forbid-agent-egress-paths: other compute kinds", () => {
    it("rejects codebuild:StartBuild on a project without vpcConfig", async () => {
        const v = await run([
            narrowRole("build-role", "codebuild.amazonaws.com"),
            {
                type: "aws:codebuild/project:Project",
                name: "build",
                props: {
                    name: "build",
                    serviceRole: arn.role("build-role"),
                    environment: { image: "aws/codebuild/standard:7.0" },
                },
                propertyDependencies: { serviceRole: ["build-role"] },
            },
            agentRole([allow("codebuild:StartBuild", arn.project("build"))]),
        ]);
        expect(lines(v)[0]).toMatch(
            /codebuild:StartBuild on CodeBuild project build → it has no vpcConfig \(subnets\)/,
        );
    });

    it("rejects an AgentCore runtime in PUBLIC network mode the agent can update", async () => {
        const v = await run([
            narrowRole("rt-role", "bedrock-agentcore.amazonaws.com"),
            {
                type: "aws:bedrock/agentcoreAgentRuntime:AgentcoreAgentRuntime",
                name: "rt",
                props: {
                    agentRuntimeName: "rt",
                    roleArn: arn.role("rt-role"),
                    networkConfiguration: { networkMode: "PUBLIC" },
                },
                propertyDependencies: { roleArn: ["rt-role"] },
            },
            agentRole([allow("bedrock-agentcore:UpdateAgentRuntime", arn.runtime("rt"))]),
        ]);
        expect(lines(v)[0]).toMatch(
            /on AgentCore runtime rt → networkConfiguration.networkMode is "PUBLIC"; only "VPC" keeps it in the VPC/,
        );
    });

    it("judges the security groups of untagged compute that runs as the agent role (no direct rule reads them)", async () => {
        const stack = [
            group("web", { egress: OPEN }),
            {
                ...vpcLambda("own", "web"),
                props: { ...vpcLambda("own", "web").props, name: "own", role: arn.role("agent-analyst") },
                propertyDependencies: { role: ["agent-analyst"], vpcConfig: ["web"] },
            },
            updates("own"),
        ];
        expect(lines(await run(stack))[0]).toMatch(
            /Lambda function own → security group web \(Function own\): egress reaches every IPv4 address/,
        );
        expect(await runStackPolicy(awsRestrictAgentComputeEgress, stack)).toEqual([]);
    });

    it("fails closed on an ECS service without awsvpc networkConfiguration and on Batch without a compute environment", async () => {
        const ecs = await run([
            { type: "aws:ecr/repository:Repository", name: "api", props: { name: "api" } },
            narrowRole("task-role", "ecs-tasks.amazonaws.com"),
            {
                type: "aws:ecs/taskDefinition:TaskDefinition",
                name: "api-task",
                props: {
                    family: "api",
                    taskRoleArn: arn.role("task-role"),
                    networkMode: "bridge",
                    containerDefinitions: JSON.stringify([
                        { image: "111122223333.dkr.ecr.eu-west-1.amazonaws.com/api:v1" },
                    ]),
                },
                propertyDependencies: { taskRoleArn: ["task-role"] },
            },
            { type: "aws:ecs/service:Service", name: "api-svc", props: { taskDefinition: "api:3" } },
            agentRole([allow("ecr:PutImage", arn.repository("api"))]),
        ]);
        expect(lines(ecs)[0]).toMatch(
            /^Possible open egress path .*ECS service api-svc runs it without an awsvpc networkConfiguration/,
        );
        const batch = await run([
            narrowRole("job-role", "ecs-tasks.amazonaws.com"),
            {
                type: "aws:batch/jobDefinition:JobDefinition",
                name: "etl",
                props: {
                    name: "etl",
                    type: "container",
                    containerProperties: JSON.stringify({
                        image: "busybox",
                        jobRoleArn: arn.role("job-role"),
                    }),
                },
                propertyDependencies: { containerProperties: ["job-role"] },
            },
            agentRole([allow("batch:SubmitJob", arn.jobDefinition("etl"))]),
        ]);
        expect(lines(batch)[0]).toMatch(
            /^Possible open egress path .*no Batch compute environment is declared in this stack/,
        );
    });

    it("ignores a trust-only role with no way to change the function", async () => {
        expect(
            await run([
                narrowRole("worker-role"),
                lambda("worker", "worker-role"),
                agentRole([allow("lambda:InvokeFunction", arn.fn("worker"))]),
            ]),
        ).toEqual([]);
    });
});
