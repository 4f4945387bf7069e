import { describe, expect, it } from "vitest";
import { awsRestrictAgentSecurityGroupEgress } from "../../../../policy-pack/rules/aws/aws-restrict-agent-security-group-egress";
import { runStackPolicy, UNKNOWN, urnOf, type FakeResource } from "../../../helpers/policy-harness";

const AGENT = { "agentguard.io/agent": "x" };
const SG = "aws:ec2/securityGroup:SecurityGroup";
const DEFAULT_SG = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup";
const LIST = "aws:ec2/managedPrefixList:ManagedPrefixList";
const OPEN = [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }];

const run = (resources: FakeResource[]) => runStackPolicy(awsRestrictAgentSecurityGroupEgress, resources);

function group(name: string, props: Record<string, unknown>, deps?: Record<string, string[]>): FakeResource {
    return {
        type: SG,
        name,
        props: { id: UNKNOWN, name: `${name}-1234`, ...props },
        propertyDependencies: deps,
    };
}

function prefixList(name: string, entries: unknown, props: Record<string, unknown> = {}): FakeResource {
    return { type: LIST, name, props: { id: UNKNOWN, addressFamily: "IPv4", entries, ...props } };
}

/** An agent group whose inline egress goes to prefix lists named by (unknown) ids linked to `lists`. */
function groupToLists(lists: string[], ids: unknown[] = lists.map(() => UNKNOWN)): FakeResource {
    return group(
        "agent-sg",
        { tags: AGENT, egress: [{ protocol: "-1", fromPort: 0, toPort: 0, prefixListIds: ids }] },
        { egress: lists },
    );
}

function workload(
    type: string,
    name: string,
    props: Record<string, unknown>,
    deps?: Record<string, string[]>,
) {
    return { type, name, props, propertyDependencies: deps } satisfies FakeResource;
}

describe("aws-restrict-agent-security-group-egress prefix lists", () => {
    it("rejects inline egress to a declared prefix list holding 0.0.0.0/1 + 128.0.0.0/1", async () => {
        const v = await run([
            prefixList("world", [{ cidr: "0.0.0.0/1" }, { cidr: "128.0.0.0/1" }]),
            groupToLists(["world"]),
        ]);
        expect(v).toHaveLength(1);
        expect(v[0].urn).toBe(urnOf(SG, "agent-sg"));
        expect(v[0].message).toMatch(
            /Agent security group agent-sg egress is too open: .*every IPv4 address/,
        );
        expect(v[0].message).toMatch(/128\.0\.0\.0\/1 in prefix list world \(entries\[1\]\)/);
    });

    it.each([
        [
            "entries as an object",
            { cidr: "0.0.0.0/0" },
            /the entries of prefix list world is \{"cidr":"0\.0\.0\.0\/0"\} \(an object\), not a list of entry objects/,
        ],
        [
            "an entry as a string",
            ["0.0.0.0/0"],
            /entries\[0\] of prefix list world is "0\.0\.0\.0\/0" \(a string\), not an entry object/,
        ],
        [
            "an entry's cidr as a list",
            [{ cidr: ["0.0.0.0/0"] }],
            /entries\[0\]\.cidr of prefix list world is \["0\.0\.0\.0\/0"\] \(a list\), not a CIDR string/,
        ],
    ])("fails closed on a prefix list with %s, naming the field", async (_label, entries, message) => {
        const v = await run([prefixList("world", entries), groupToLists(["world"])]);
        expect(v).toHaveLength(1);
        expect(v[0].enforcementLevel).toBe("mandatory");
        expect(v[0].message).toMatch(message);
    });

    it("joins ManagedPrefixListEntry resources to their list and rules' prefixListIds to the group", async () => {
        const v = await run([
            prefixList("half", [{ cidr: "0.0.0.0/1" }]),
            {
                type: "aws:ec2/managedPrefixListEntry:ManagedPrefixListEntry",
                name: "other-half",
                props: { prefixListId: UNKNOWN, cidr: "128.0.0.0/1" },
                propertyDependencies: { prefixListId: ["half"] },
            },
            group("agent-sg", { tags: AGENT, egress: [] }),
            {
                type: "aws:ec2/securityGroupRule:SecurityGroupRule",
                name: "out",
                props: { type: "egress", protocol: "-1", securityGroupId: UNKNOWN, prefixListIds: [UNKNOWN] },
                propertyDependencies: { securityGroupId: ["agent-sg"], prefixListIds: ["half"] },
            },
        ]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(/every IPv4 address/);
        expect(v[0].message).toMatch(/ManagedPrefixListEntry other-half\) via SecurityGroupRule out/);
    });

    it("accepts a SecurityGroupEgressRule to a declared prefix list of private ranges", async () => {
        const v = await run([
            prefixList("corp", [{ cidr: "10.0.0.0/8" }, { cidr: "192.168.0.0/16" }]),
            group("agent-sg", { tags: AGENT }),
            {
                type: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
                name: "to-corp",
                props: { ipProtocol: "tcp", securityGroupId: UNKNOWN, prefixListId: UNKNOWN },
                propertyDependencies: { securityGroupId: ["agent-sg"], prefixListId: ["corp"] },
            },
        ]);
        expect(v).toEqual([]);
    });

    it("joins a known prefix list id (an update, where ids are known)", async () => {
        const v = await run([
            prefixList("world", [{ cidr: "0.0.0.0/0" }], { id: "pl-0aaa" }),
            groupToLists([], ["pl-0aaa"]),
        ]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(/0\.0\.0\.0\/0 in prefix list world/);
    });

    it("fails closed on a prefix list that is not declared in this stack", async () => {
        const v = await run([groupToLists([], ["pl-63a5400a"])]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(
            /cannot be checked: prefix list pl-63a5400a in security group agent-sg inline egress is not declared in this stack/,
        );
    });

    it("fails closed on a gateway endpoint's AWS-managed prefix list", async () => {
        const v = await run([
            {
                type: "aws:ec2/vpcEndpoint:VpcEndpoint",
                name: "s3",
                props: { serviceName: "com.amazonaws.us-east-1.s3", prefixListId: UNKNOWN },
            },
            groupToLists(["s3"]),
        ]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(
            /AWS-managed prefix list of VPC endpoint s3 \(com\.amazonaws\.us-east-1\.s3\).*cannot be checked/,
        );
    });

    it("fails closed on an unknown prefix list id that no dependency explains", async () => {
        const v = await run([
            prefixList("corp", [{ cidr: "10.0.0.0/8" }]),
            groupToLists(["corp"], [UNKNOWN, UNKNOWN]),
        ]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(
            /1 prefix list id\(s\) in security group agent-sg inline egress are unknown/,
        );
    });

    it("fails closed on unknown entries and on an entry that cannot be joined to its list", async () => {
        const unknownEntries = await run([prefixList("later", UNKNOWN), groupToLists(["later"])]);
        expect(unknownEntries).toHaveLength(1);
        expect(unknownEntries[0].message).toMatch(/the entries of prefix list later are unknown/);
        const orphan = await run([
            prefixList("corp", [{ cidr: "10.0.0.0/8" }]),
            {
                type: "aws:ec2/managedPrefixListEntry:ManagedPrefixListEntry",
                name: "sneaky",
                props: { prefixListId: UNKNOWN, cidr: "0.0.0.0/0" },
            },
            groupToLists(["corp"]),
        ]);
        expect(orphan).toHaveLength(1);
        expect(orphan[0].message).toMatch(/ManagedPrefixListEntry sneaky has an unknown prefixListId/);
    });

    it("leaves a non-agent group's prefix lists alone", async () => {
        const v = await run([
            prefixList("world", [{ cidr: "0.0.0.0/0" }]),
            group("web", { egress: [{ prefixListIds: [UNKNOWN] }] }, { egress: ["world"] }),
        ]);
        expect(v).toEqual([]);
    });
});

describe("aws-restrict-agent-security-group-egress default security groups", () => {
    it("rejects an adopted, agent-tagged default security group with open egress", async () => {
        const v = await run([
            { type: DEFAULT_SG, name: "agent-default", props: { tags: AGENT, egress: OPEN } },
        ]);
        expect(v).toHaveLength(1);
        expect(v[0].urn).toBe(urnOf(DEFAULT_SG, "agent-default"));
        expect(v[0].message).toMatch(/Agent security group agent-default egress is too open/);
    });

    it("joins egress rules to a default security group", async () => {
        const v = await run([
            { type: DEFAULT_SG, name: "agent-default", props: { id: UNKNOWN, tags: AGENT } },
            {
                type: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
                name: "all",
                props: { ipProtocol: "-1", securityGroupId: UNKNOWN, cidrIpv6: "::/0" },
                propertyDependencies: { securityGroupId: ["agent-default"] },
            },
        ]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(/every IPv6 address .*SecurityGroupEgressRule all/);
    });

    it("accepts an untagged default group and an agent default group with private egress", async () => {
        expect(await run([{ type: DEFAULT_SG, name: "d", props: { egress: OPEN } }])).toEqual([]);
        expect(
            await run([
                {
                    type: DEFAULT_SG,
                    name: "d",
                    props: { tags: AGENT, egress: [{ cidrBlocks: ["10.0.0.0/8"] }] },
                },
            ]),
        ).toEqual([]);
    });
});

describe("aws-restrict-agent-security-group-egress groups of agent workloads", () => {
    const scratch = group("scratch", { egress: OPEN });
    const cases: [string, FakeResource][] = [
        [
            "an EC2 instance's vpcSecurityGroupIds",
            workload(
                "aws:ec2/instance:Instance",
                "agent-box",
                { tags: AGENT, vpcSecurityGroupIds: [UNKNOWN] },
                { vpcSecurityGroupIds: ["scratch"] },
            ),
        ],
        [
            "a Lambda function's vpcConfig",
            workload(
                "aws:lambda/function:Function",
                "agent-fn",
                { tags: AGENT, vpcConfig: { subnetIds: ["subnet-1"], securityGroupIds: [UNKNOWN] } },
                { vpcConfig: ["scratch"] },
            ),
        ],
        [
            "an ECS service's networkConfiguration",
            workload(
                "aws:ecs/service:Service",
                "agent-svc",
                { tags: AGENT, networkConfiguration: { subnets: ["subnet-1"], securityGroups: [UNKNOWN] } },
                { networkConfiguration: ["scratch"] },
            ),
        ],
        [
            "a launch template's network interfaces",
            workload(
                "aws:ec2/launchTemplate:LaunchTemplate",
                "agent-lt",
                { tags: AGENT, networkInterfaces: [{ securityGroups: [UNKNOWN] }] },
                { networkInterfaces: ["scratch"] },
            ),
        ],
        // Issue 13: every compute kind that runs in the stack's subnets.
        ...(
            [
                [
                    "aws:ec2/networkInterface:NetworkInterface",
                    { securityGroups: [UNKNOWN] },
                    "securityGroups",
                ],
                [
                    "aws:ecs/taskSet:TaskSet",
                    { networkConfiguration: { securityGroups: [UNKNOWN] } },
                    "networkConfiguration",
                ],
                [
                    "aws:batch/computeEnvironment:ComputeEnvironment",
                    { computeResources: { securityGroupIds: [UNKNOWN] } },
                    "computeResources",
                ],
                [
                    "aws:emr/cluster:Cluster",
                    { ec2Attributes: { emrManagedSlaveSecurityGroup: UNKNOWN } },
                    "ec2Attributes",
                ],
                [
                    "aws:glue/connection:Connection",
                    { physicalConnectionRequirements: { securityGroupIdLists: [UNKNOWN] } },
                    "physicalConnectionRequirements",
                ],
                ["aws:glue/devEndpoint:DevEndpoint", { securityGroupIds: [UNKNOWN] }, "securityGroupIds"],
                [
                    "aws:sagemaker/notebookInstance:NotebookInstance",
                    { securityGroups: [UNKNOWN] },
                    "securityGroups",
                ],
                [
                    "aws:sagemaker/domain:Domain",
                    { defaultUserSettings: { securityGroups: [UNKNOWN] } },
                    "defaultUserSettings",
                ],
                [
                    "aws:codebuild/project:Project",
                    { vpcConfig: { securityGroupIds: [UNKNOWN] } },
                    "vpcConfig",
                ],
                ["aws:apprunner/vpcConnector:VpcConnector", { securityGroups: [UNKNOWN] }, "securityGroups"],
            ] as const
        ).map(([type, props, dep]): [string, FakeResource] => [
            `a ${type.split(":").pop()}'s ${dep}`,
            workload(type, "agent-compute", { tags: AGENT, ...props }, { [dep]: ["scratch"] }),
        ]),
    ];
    for (const [what, user] of cases) {
        it(`rejects an untagged open group named in ${what}`, async () => {
            const v = await run([scratch, user]);
            expect(v).toHaveLength(1);
            expect(v[0].urn).toBe(urnOf(SG, "scratch"));
            expect(v[0].message).toMatch(
                new RegExp(
                    `Security group scratch \\(an agent group because agent workload \\w+ ${user.name} runs in it\\) egress is too open`,
                ),
            );
        });
    }

    it("joins by known id and by group name", async () => {
        const byId = await run([
            group("scratch", { id: "sg-0abc", egress: OPEN }),
            workload("aws:ec2/instance:Instance", "agent-box", {
                tags: AGENT,
                vpcSecurityGroupIds: ["sg-0abc"],
            }),
        ]);
        expect(byId).toHaveLength(1);
        const byName = await run([
            group("scratch", { egress: OPEN }),
            workload("aws:ec2/instance:Instance", "agent-box", {
                tags: AGENT,
                securityGroups: ["scratch-1234"],
            }),
        ]);
        expect(byName).toHaveLength(1);
        expect(byName[0].message).toMatch(/Instance agent-box runs in it/);
    });

    it("counts a launch template as agent through its tagSpecifications and an ECS service through its task definition", async () => {
        const lt = await run([
            scratch,
            workload(
                "aws:ec2/launchTemplate:LaunchTemplate",
                "lt",
                {
                    vpcSecurityGroupIds: [UNKNOWN],
                    tagSpecifications: [{ resourceType: "instance", tags: { "AgentGuard.io/agent": "x" } }],
                },
                { vpcSecurityGroupIds: ["scratch"] },
            ),
        ]);
        expect(lt).toHaveLength(1);
        const svc = await run([
            scratch,
            workload("aws:ecs/taskDefinition:TaskDefinition", "task", { tags: AGENT, family: "agent" }),
            workload(
                "aws:ecs/service:Service",
                "svc",
                { taskDefinition: UNKNOWN, networkConfiguration: { securityGroups: [UNKNOWN] } },
                { taskDefinition: ["task"], networkConfiguration: ["scratch"] },
            ),
        ]);
        expect(svc).toHaveLength(1);
        expect(svc[0].message).toMatch(/Service svc runs in it/);
    });

    it("accepts an open group used only by non-agent workloads, and a private group used by an agent", async () => {
        expect(
            await run([
                scratch,
                workload(
                    "aws:ec2/instance:Instance",
                    "web",
                    { tags: { team: "web" }, vpcSecurityGroupIds: [UNKNOWN] },
                    { vpcSecurityGroupIds: ["scratch"] },
                ),
            ]),
        ).toEqual([]);
        expect(
            await run([
                group("private", { egress: [{ cidrBlocks: ["10.0.0.0/8"] }] }),
                workload(
                    "aws:ec2/instance:Instance",
                    "agent-box",
                    { tags: AGENT, vpcSecurityGroupIds: [UNKNOWN] },
                    { vpcSecurityGroupIds: ["private"] },
                ),
            ]),
        ).toEqual([]);
    });

    it("fails closed on an agent workload's unknown group reference that cannot be joined", async () => {
        const v = await run([
            scratch,
            workload(
                "aws:ec2/instance:Instance",
                "agent-box",
                { tags: AGENT, vpcSecurityGroupIds: [UNKNOWN, UNKNOWN] },
                { vpcSecurityGroupIds: ["scratch"] },
            ),
        ]);
        expect(v).toHaveLength(2);
        const unjoined = v.find((x) => x.urn === urnOf("aws:ec2/instance:Instance", "agent-box"));
        expect(unjoined?.message).toMatch(
            /Agent workload agent-box runs in security groups that cannot be checked: 1 security group reference\(s\) in vpcSecurityGroupIds are unknown/,
        );
    });

    it("judges a group of a workload with unknown tags only on what it opens", async () => {
        const v = await run([
            scratch,
            workload(
                "aws:lambda/function:Function",
                "fn",
                { tags: UNKNOWN, vpcConfig: { securityGroupIds: [UNKNOWN] } },
                { vpcConfig: ["scratch"] },
            ),
        ]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(
            /Security group scratch \(its tags are unknown, so it may be an agent group\)/,
        );
    });
});
