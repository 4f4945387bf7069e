import { describe, expect, it } from "vitest";
import { awsRestrictAgentSecurityGroupEgress } from "../../../../policy-pack/rules/aws/aws-restrict-agent-security-group-egress";
import { runStackPolicy, UNKNOWN, type FakeResource } from "../../../helpers/policy-harness";

const TAGS = { tags: { "agentguard.io/agent": "x" } };

function group(
    egress: Record<string, unknown>[],
    props: Record<string, unknown> = {},
    name = "agent-sg",
): FakeResource {
    return { type: "aws:ec2/securityGroup:SecurityGroup", name, props: { ...TAGS, egress, ...props } };
}

function sgRule(name: string, props: Record<string, unknown>, groupName?: string): FakeResource {
    return {
        type: "aws:ec2/securityGroupRule:SecurityGroupRule",
        name,
        props: { type: "egress", fromPort: 0, toPort: 0, protocol: "-1", securityGroupId: UNKNOWN, ...props },
        propertyDependencies: groupName ? { securityGroupId: [groupName] } : undefined,
    };
}

function vpcRule(name: string, props: Record<string, unknown>, groupName?: string): FakeResource {
    return {
        type: "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule",
        name,
        props: { ipProtocol: "-1", securityGroupId: UNKNOWN, ...props },
        propertyDependencies: groupName ? { securityGroupId: [groupName] } : undefined,
    };
}

const run = (resources: FakeResource[], config?: Record<string, unknown>) =>
    runStackPolicy(awsRestrictAgentSecurityGroupEgress, resources, { config });

describe("aws-restrict-agent-security-group-egress", () => {
    it("accepts an agent group with private egress only", async () => {
        expect(
            await run([
                group([{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["10.40.0.0/16"] }]),
            ]),
        ).toEqual([]);
    });

    it("rejects inline egress to 0.0.0.0/0 and ::/0", async () => {
        const v = await run([
            group([
                {
                    protocol: "-1",
                    fromPort: 0,
                    toPort: 0,
                    cidrBlocks: ["0.0.0.0/0"],
                    ipv6CidrBlocks: ["::/0"],
                },
            ]),
        ]);
        expect(v).toHaveLength(1);
        expect(v[0].enforcementLevel).toBe("mandatory");
        expect(v[0].message).toMatch(/Agent security group agent-sg egress .*0\.0\.0\.0\/0.*::\/0/);
    });

    it("rejects 0.0.0.0/1 + 128.0.0.0/1 split across a SecurityGroupRule and a SecurityGroupEgressRule", async () => {
        const v = await run([
            group([]),
            sgRule("low-half", { cidrBlocks: ["0.0.0.0/1"] }, "agent-sg"),
            vpcRule("high-half", { cidrIpv4: "128.0.0.0/1" }, "agent-sg"),
        ]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(/every IPv4 address \(0\.0\.0\.0\/0\)/);
        expect(v[0].message).toMatch(/SecurityGroupRule low-half.*SecurityGroupEgressRule high-half/);
    });

    it("rejects public egress over the budget and accepts it within an approved CIDR", async () => {
        const wide = [group([{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["52.0.0.0/8"] }])];
        const v = await run(wide);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(/public addresses, more than the allowed 65536/);
        expect(await run(wide, { allowedEgressCidrs: ["52.0.0.0/8"] })).toEqual([]);
    });

    it("leaves a non-agent group with open egress alone", async () => {
        expect(
            await run([group([{ cidrBlocks: ["0.0.0.0/0"] }], { tags: { team: "web" } }, "web-sg")]),
        ).toEqual([]);
    });

    it("ignores ingress rules", async () => {
        expect(
            await run([group([]), sgRule("in", { type: "ingress", cidrBlocks: ["0.0.0.0/0"] }, "agent-sg")]),
        ).toEqual([]);
    });

    it("fails closed on unknown egress CIDRs of an agent group", async () => {
        const v = await run([group([]), vpcRule("later", { cidrIpv4: UNKNOWN }, "agent-sg")]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(
            /cannot be checked: cidrIpv4 of SecurityGroupEgressRule later is unknown/,
        );
    });

    it("fails closed on a public egress rule whose group cannot be resolved when agent groups exist", async () => {
        const v = await run([group([]), sgRule("orphan", { cidrBlocks: ["0.0.0.0/1"] })]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(/Egress rule orphan may open an agent security group/);
    });
});

describe("aws-restrict-agent-security-group-egress input errors", () => {
    it("names a malformed CIDR instead of passing it as reaching nothing", async () => {
        const v = await run([group([{ cidrBlocks: ["0.0.0.0/0x"] }])]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(
            /egress CIDR "0\.0\.0\.0\/0x" in security group agent-sg inline egress\[0\] is not a valid CIDR/,
        );
    });

    it("still reports the open egress next to a malformed CIDR of the same group", async () => {
        const v = await run([
            group([{ cidrBlocks: ["10.0.0.0/33"] }, { ipv6CidrBlocks: ["::/0"] }]),
            vpcRule("wide", { cidrIpv4: "0.0.0.0/0" }, "agent-sg"),
        ]);
        expect(v).toHaveLength(1);
        expect(v[0].enforcementLevel).toBe("mandatory");
        expect(v[0].message).toMatch(
            /egress CIDR "10\.0\.0\.0\/33" in security group agent-sg inline egress\[0\] is not a valid CIDR/,
        );
        expect(v[0].message).toMatch(/every IPv4 address \(0\.0\.0\.0\/0\)/);
        expect(v[0].message).toMatch(/every IPv6 address \(::\/0\)/);
    });

    it("still counts the public budget next to a malformed CIDR", async () => {
        const v = await run([group([{ cidrBlocks: ["1.2.3.4", "8.0.0.0/8"] }])]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(/"1\.2\.3\.4" .* is not a valid CIDR/);
        expect(v[0].message).toMatch(/egress reaches 16777216 public addresses/);
    });

    it.each([
        [
            "inline egress as an object",
            { egress: { cidrBlocks: ["0.0.0.0/0"] } },
            /the inline egress of security group agent-sg is \{"cidrBlocks":\["0\.0\.0\.0\/0"\]\} \(an object\), not a list of egress rule objects/,
        ],
        [
            "an inline rule as a string",
            { egress: ["0.0.0.0/0"] },
            /inline egress\[0\] of security group agent-sg is "0\.0\.0\.0\/0" \(a string\), not an egress rule object/,
        ],
        [
            "a CIDR as a number",
            { egress: [{ cidrBlocks: [0] }] },
            /cidrBlocks of security group agent-sg inline egress\[0\] is 0 \(a number\), not a CIDR string/,
        ],
    ])("fails closed on %s, naming the field", async (_label, props, message) => {
        const v = await run([
            { type: "aws:ec2/securityGroup:SecurityGroup", name: "agent-sg", props: { ...TAGS, ...props } },
        ]);
        expect(v).toHaveLength(1);
        expect(v[0].enforcementLevel).toBe("mandatory");
        expect(v[0].message).toMatch(message);
    });

    it("splits IPv6 ::/0 as ::/1 + 8000::/1 across inline and a rule", async () => {
        const v = await run([
            group([{ ipv6CidrBlocks: ["::/1"] }]),
            vpcRule("hi6", { cidrIpv6: "8000::/1" }, "agent-sg"),
        ]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(/every IPv6 address \(::\/0\)/);
    });
});

describe("aws-restrict-agent-security-group-egress agent identification", () => {
    it("finds the agent tag in tagsAll and under another case", async () => {
        const v = await run([
            group([{ cidrBlocks: ["0.0.0.0/0"] }], { tags: {}, tagsAll: { "AgentGuard.io/Agent": "x" } }),
        ]);
        expect(v).toHaveLength(1);
    });

    it("judges a group with unknown tags only on what it opens", async () => {
        const open = await run([group([{ cidrBlocks: ["0.0.0.0/0"] }], { tags: UNKNOWN })]);
        expect(open).toHaveLength(1);
        expect(open[0].message).toMatch(/tags are unknown, so it may be an agent group/);
        expect(await run([group([{ cidrBlocks: ["10.0.0.0/8"] }], { tags: UNKNOWN })])).toEqual([]);
    });
});

describe("aws-restrict-agent-security-group-egress: EKS security groups for pods", () => {
    const open = [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"] }];
    const sgp = (ns: string, groupIds: unknown, deps?: string[]): FakeResource => ({
        type: "kubernetes:vpcresources.k8s.aws/v1beta1:SecurityGroupPolicy",
        name: "sgp",
        props: {
            metadata: { name: "sgp", namespace: ns },
            spec: { podSelector: {}, securityGroups: { groupIds } },
        },
        propertyDependencies: deps ? { spec: deps } : undefined,
    });
    const untagged = (egress: Record<string, unknown>[]) => group(egress, { tags: {} }, "pods");

    it("rejects an untagged group with open egress that a SecurityGroupPolicy gives to agent pods", async () => {
        const v = await run([untagged(open), sgp("agent-ml", [UNKNOWN], ["pods"])]);
        expect(v).toHaveLength(1);
        expect(v[0].message).toMatch(/SecurityGroupPolicy sgp.*0\.0\.0\.0\/0/);
    });

    it("accepts the same policy outside agent namespaces, or a narrow group", async () => {
        expect(await run([untagged(open), sgp("payments", [UNKNOWN], ["pods"])])).toEqual([]);
        const narrow = [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["10.40.0.0/16"] }];
        expect(await run([untagged(narrow), sgp("agent-ml", [UNKNOWN], ["pods"])])).toEqual([]);
    });

    it("reports an agent SecurityGroupPolicy whose group cannot be joined", async () => {
        const v = await run([untagged(open), sgp("agent-ml", [UNKNOWN])]);
        expect(v.map((x) => x.message).join("\n")).toMatch(
            /cannot be checked.*spec\.securityGroups\.groupIds/,
        );
    });
});
