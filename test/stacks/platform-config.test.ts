import { describe, expect, it } from "vitest";
import { parsePlatformConfig, PlatformConfigError } from "../../stacks/platform/config";

const cluster = {
    oidcProviderArn: "arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/X",
    oidcIssuer: "oidc.eks.eu-west-1.amazonaws.com/id/X",
};
const coder = {
    id: "coder",
    owner: "dev-productivity",
    egress: [{ cidr: "10.20.0.10/32", ports: [{ port: 3128 }], description: "package proxy" }],
    permissions: [{ actions: ["s3:GetObject"], resources: ["arn:aws:s3:::b/*"] }],
};

const parse = (values: Record<string, unknown>) => parsePlatformConfig((key) => values[key]);

describe("platform stack config", () => {
    it("parses agents with secure defaults (tier 3, no GPU, not suspended, no egress)", () => {
        const config = parse({ cluster, agents: [{ id: "quiet", owner: "team-a" }] });
        expect(config.agents).toEqual([
            {
                id: "quiet",
                owner: "team-a",
                riskTier: 3,
                gpu: 0,
                suspended: false,
                revokeSessionsIssuedBefore: undefined,
                egress: [],
                egressHosts: [],
                egressEnforcement: "networkPolicy",
                permissions: [],
            },
        ]);
        expect(config.audit.retentionDays).toBe(365);
    });

    it("parses host entries and the enforcement mode, and rejects an unknown mode", () => {
        const host = { host: "api.github.com", ports: [{ port: 443 }], description: "GitHub API" };
        const agent = { id: "coder", owner: "team-a", egressEnforcement: "cilium", egressHosts: [host] };
        const [parsed] = parse({ cluster, agents: [agent] }).agents;
        expect(parsed.egressEnforcement).toBe("cilium");
        expect(parsed.egressHosts).toEqual([{ ...host, ports: [{ port: 443, protocol: "TCP" }] }]);
        expect(() => parse({ cluster, agents: [{ ...agent, egressEnforcement: "calico" }] })).toThrow(
            'config agents[0].egressEnforcement is "calico": expected networkPolicy, cilium or proxy',
        );
    });

    it("turns permissions into Allow statements and egress ports into TCP by default", () => {
        const [agent] = parse({ cluster, agents: [coder] }).agents;
        expect(agent.permissions).toEqual([
            { Effect: "Allow", Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::b/*"] },
        ]);
        expect(agent.egress[0].ports).toEqual([{ port: 3128, protocol: "TCP" }]);
    });

    it.each([
        [{ agents: [coder] }, "config cluster is undefined: expected an object"],
        [{ cluster, agents: "coder" }, 'config agents is "coder": expected a list'],
        [{ cluster, agents: [{ ...coder, id: "Coder!" }] }, 'config agents[0].id is "Coder!"'],
        [
            { cluster, agents: [{ ...coder, gpu: -1 }] },
            "config agents[0].gpu is -1: expected an integer from 0 to 64",
        ],
        [
            { cluster, agents: [{ ...coder, riskTier: 4 }] },
            "config agents[0].riskTier is 4: expected 1, 2 or 3",
        ],
        [
            { cluster, agents: [{ ...coder, suspended: "yes" }] },
            'config agents[0].suspended is "yes": expected true or false',
        ],
        [
            { cluster, agents: [coder, coder] },
            'config agents[1].id is "coder": expected an id no other agent uses',
        ],
        [
            {
                cluster,
                agents: [
                    {
                        ...coder,
                        egress: [{ cidr: "10.0.0.1/32", ports: [{ port: 70000 }], description: "x" }],
                    },
                ],
            },
            "config agents[0].egress[0].ports[0].port is 70000",
        ],
        [
            { cluster: { ...cluster, oidcIssuer: "https://oidc.example" }, agents: [] },
            "config cluster.oidcIssuer",
        ],
    ])("rejects %j naming the key and value", (values, message) => {
        expect(() => parse(values)).toThrow(PlatformConfigError);
        expect(() => parse(values)).toThrow(message);
    });
});
