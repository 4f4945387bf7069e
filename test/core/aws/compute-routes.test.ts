import { describe, expect, it } from "vitest";
import { egressProblems, publicAddresses } from "../../../core/aws/compute-egress";
import { ComputeRoutes } from "../../../core/aws/compute-routes";
import { SecurityGroups } from "../../../core/aws/network/security-group-egress";
import { UNKNOWN, type FakeResource } from "../../helpers/policy-harness";
import { defaultConfig, modelOf } from "../../policy-pack/lib/aws/fixtures";

const FN: FakeResource = {
    type: "aws:lambda/function:Function",
    name: "worker",
    props: { name: "worker", role: "arn:aws:iam::111122223333:role/worker-role" },
};

function routesOf(resources: FakeResource[]) {
    const model = modelOf(resources);
    const routes = new ComputeRoutes(model, defaultConfig, new Map());
    return { model, routes, fn: model.resources.find((r) => r.name === "worker")! };
}

describe("compute-egress: one judgement of security-group CIDRs", () => {
    it("sees every IPv4 address in 0.0.0.0/1 + 128.0.0.0/1, and none in private ranges", () => {
        const split = [
            { cidr: "0.0.0.0/1", source: "a" },
            { cidr: "128.0.0.0/1", source: "b" },
        ];
        expect(egressProblems(split, defaultConfig)).toEqual([
            "egress reaches every IPv4 address (0.0.0.0/0)",
        ]);
        expect(egressProblems([{ cidr: "10.0.0.0/8", source: "a" }], defaultConfig)).toEqual([]);
        expect(publicAddresses([{ cidr: "52.94.76.10/32", source: "a" }])).toBe(1n);
        expect(publicAddresses([{ cidr: "192.168.0.0/16", source: "a" }])).toBe(0n);
    });
});

describe("SecurityGroups: both directions, inline and separate rules", () => {
    it("joins a SecurityGroupIngressRule to its group and keeps it out of the egress", () => {
        const model = modelOf([
            { type: "aws:ec2/securityGroup:SecurityGroup", name: "sg", props: { id: UNKNOWN } },
            {
                type: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
                name: "ssh",
                props: { securityGroupId: UNKNOWN, cidrIpv4: "52.94.76.10/32" },
                propertyDependencies: { securityGroupId: ["sg"] },
            },
        ]);
        const groups = SecurityGroups.of(model);
        const sg = model.resources.find((r) => r.name === "sg")!;
        expect(groups.of(sg, "ingress").cidrs).toEqual([
            { cidr: "52.94.76.10/32", source: "SecurityGroupIngressRule ssh" },
        ]);
        expect(groups.of(sg, "egress").cidrs).toEqual([]);
    });
});

describe("ComputeRoutes: joins that a hostile author would try to dodge", () => {
    const permission = (fn: string): FakeResource => ({
        type: "aws:lambda/permission:Permission",
        name: "p",
        props: { action: "lambda:InvokeFunction", function: fn, principal: "*" },
    });

    it("joins a permission on an alias ARN, and not one on a look-alike name", () => {
        const alias = routesOf([
            FN,
            permission("arn:aws:lambda:eu-west-1:111122223333:function:worker:live"),
        ]);
        expect(alias.routes.inbound(alias.fn)).toHaveLength(1);
        const other = routesOf([FN, permission("arn:aws:lambda:eu-west-1:111122223333:function:worker-2")]);
        expect(other.routes.inbound(other.fn)).toEqual([]);
        const byName = routesOf([FN, permission("worker")]);
        expect(byName.routes.inbound(byName.fn)[0]).toMatchObject({ certain: true });
    });

    it("does not trust a function URL authorizationType other than AWS_IAM", () => {
        const url = (authorizationType: string): FakeResource => ({
            type: "aws:lambda/functionUrl:FunctionUrl",
            name: "u",
            props: { functionName: "worker", authorizationType },
        });
        const lower = routesOf([FN, url("none")]);
        expect(lower.routes.inbound(lower.fn)).toEqual([
            { text: expect.stringMatching(/authorizationType "none", not AWS_IAM/), certain: false },
        ]);
        const iam = routesOf([FN, url("AWS_IAM")]);
        expect(iam.routes.inbound(iam.fn)).toEqual([]);
    });

    it("finds a REST API method with authorization NONE by API, resource and HTTP method", () => {
        const stack = (authorization: string): FakeResource[] => [
            FN,
            {
                type: "aws:apigateway/method:Method",
                name: "post",
                props: { restApi: "api-1", resourceId: "res-1", httpMethod: "POST", authorization },
            },
            {
                type: "aws:apigateway/integration:Integration",
                name: "int",
                props: {
                    restApi: "api-1",
                    resourceId: "res-1",
                    httpMethod: "POST",
                    type: "AWS_PROXY",
                    uri: "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:111122223333:function:worker/invocations",
                },
            },
        ];
        const open = routesOf(stack("NONE"));
        expect(open.routes.inbound(open.fn)).toEqual([
            { text: expect.stringMatching(/method post .* authorization NONE/), certain: true },
        ]);
        const closed = routesOf(stack("AWS_IAM"));
        expect(closed.routes.inbound(closed.fn)).toEqual([]);
    });
});
