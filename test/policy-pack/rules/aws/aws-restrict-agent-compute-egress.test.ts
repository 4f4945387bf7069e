import { describe, expect, it } from "vitest";
import { awsRestrictAgentComputeEgress } from "../../../../policy-pack/rules/aws/aws-restrict-agent-compute-egress";
import { runStackPolicy, UNKNOWN, type FakeResource } from "../../../helpers/policy-harness";

const AGENT = { tags: { "agentguard.io/agent": "x" } };
const VPC = { subnetIds: ["subnet-1"], securityGroupIds: ["sg-1"] };

const run = (resources: FakeResource[]) => runStackPolicy(awsRestrictAgentComputeEgress, resources, {});

const lambda = (props: Record<string, unknown>, extra: Partial<FakeResource> = {}): FakeResource => ({
    type: "aws:lambda/function:Function",
    name: "fn",
    props: { role: "arn:aws:iam::1:role/platform", ...props },
    ...extra,
});

const agentRole: FakeResource = {
    type: "aws:iam/role:Role",
    name: "agent-role",
    props: { ...AGENT, arn: "arn:aws:iam::1:role/agent-role", assumeRolePolicy: "{}" },
};

describe("aws-restrict-agent-compute-egress", () => {
    it("rejects an agent-tagged Lambda without vpcConfig, and accepts it in a VPC", async () => {
        const v = await run([lambda(AGENT)]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(
            /Lambda function fn .*reaches the internet directly: it has no vpcConfig/,
        );
        expect(await run([lambda({ ...AGENT, vpcConfig: VPC })])).toEqual([]);
    });

    it("rejects an empty subnet list (vpcConfig present but not in a VPC)", async () => {
        expect(
            await run([lambda({ ...AGENT, vpcConfig: { subnetIds: [], securityGroupIds: [] } })]),
        ).toHaveLength(1);
    });

    it("rejects an untagged Lambda that runs as an agent role (by dependency or by ARN)", async () => {
        const byDep = lambda({ role: UNKNOWN }, { propertyDependencies: { role: ["agent-role"] } });
        expect(await run([agentRole, byDep])).toHaveLength(1);
        const byArn = lambda({ role: "arn:aws:iam::1:role/agent-role" });
        const v = await run([agentRole, byArn]);
        expect(v[0].message).toMatch(/runs as agent role agent-role/);
    });

    it("rejects agent compute whose provider defaultTags carry the agent tag", async () => {
        const provider = {
            type: "pulumi:providers:aws",
            name: "agents",
            props: { defaultTags: JSON.stringify({ tags: { "agentguard.io/agent": "x" } }) },
        };
        expect(await run([lambda({}, { provider })])).toHaveLength(1);
    });

    it("accepts a platform Lambda without VPC that is not an agent", async () => {
        expect(await run([lambda({ tags: { team: "platform" } })])).toEqual([]);
    });

    it("fails closed on unknown tags or an unknown vpcConfig", async () => {
        const v = await run([lambda({ tags: UNKNOWN })]);
        expect(v[0].message).toMatch(/may be agent compute/);
        const u = await run([lambda({ ...AGENT, vpcConfig: UNKNOWN })]);
        expect(u[0].message).toMatch(/egress cannot be checked: vpcConfig is unknown/);
    });

    it.each([
        [
            "SageMaker notebook with directInternetAccess Enabled",
            "aws:sagemaker/notebookInstance:NotebookInstance",
            { directInternetAccess: "Enabled", subnetId: "subnet-1" },
            { directInternetAccess: "Disabled", subnetId: "subnet-1" },
        ],
        [
            "SageMaker notebook with the default (Enabled)",
            "aws:sagemaker/notebookInstance:NotebookInstance",
            { subnetId: "subnet-1" },
            { directInternetAccess: "Disabled", subnetId: "subnet-1" },
        ],
        [
            "SageMaker notebook without a subnet",
            "aws:sagemaker/notebookInstance:NotebookInstance",
            { directInternetAccess: "Disabled" },
            { directInternetAccess: "Disabled", subnetId: "subnet-1" },
        ],
        [
            "SageMaker domain with PublicInternetOnly",
            "aws:sagemaker/domain:Domain",
            { appNetworkAccessType: "PublicInternetOnly" },
            { appNetworkAccessType: "VpcOnly" },
        ],
        [
            "App Runner service with DEFAULT egress",
            "aws:apprunner/service:Service",
            { networkConfiguration: { egressConfiguration: { egressType: "DEFAULT" } } },
            {
                networkConfiguration: {
                    egressConfiguration: { egressType: "VPC", vpcConnectorArn: "arn:c" },
                },
            },
        ],
        [
            "CodeBuild project without vpcConfig",
            "aws:codebuild/project:Project",
            {},
            { vpcConfig: { subnets: ["s"] } },
        ],
        ["Glue job without connections", "aws:glue/job:Job", {}, { connections: ["vpc-conn"] }],
        [
            "Glue dev endpoint without subnet",
            "aws:glue/devEndpoint:DevEndpoint",
            {},
            { subnetId: "subnet-1" },
        ],
    ])("rejects an agent %s and accepts it in the VPC", async (_what, type, open, closed) => {
        const v = await run([{ type, name: "c", props: { ...AGENT, ...open } }]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(/reaches the internet directly/);
        expect(await run([{ type, name: "c", props: { ...AGENT, ...closed } }])).toEqual([]);
    });

    it("rejects a SageMaker domain whose execution role is an agent role, even untagged", async () => {
        const domain: FakeResource = {
            type: "aws:sagemaker/domain:Domain",
            name: "studio",
            props: { defaultUserSettings: { executionRole: "arn:aws:iam::1:role/agent-role" } },
        };
        const v = await run([agentRole, domain]);
        expect(v[0].message).toMatch(/appNetworkAccessType is not set \(default PublicInternetOnly\)/);
    });
});
