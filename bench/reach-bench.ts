/**
 * Times the reach graph in one process (no checker, no gRPC): agent-identity discovery, graph build and
 * every agent's closure, on a synthetic stack of N runtimes. Each runtime is an IRSA agent role that may
 * update the code of its own tool function (running as a narrow role) and push to its image repository,
 * a Deployment pulling that image, and a platform function running as an administrator role that no
 * agent may touch: the walk has real edges to follow and nothing to report.
 *
 *   npx ts-node --transpile-only bench/reach-bench.ts --runtimes 1000,2000,4000
 */
import { readAgentguardConfig } from "../core/stack/config";
import { stackReachGraph } from "../core/aws/reach";
import { closureData } from "../core/reach";
import { StackModel, type ResourceNode } from "../core/stack/stack-model";

const ACCOUNT = "111122223333";
const ISSUER = "oidc.eks.eu-west-1.amazonaws.com/id/BENCH";

function node(type: string, name: string, props: Record<string, unknown>): ResourceNode {
    return {
        urn: `urn:pulumi:b::b::${type}::${name}`,
        type,
        name,
        props,
        dependencies: [],
        propertyDependencies: {},
    };
}

function runtime(i: number): ResourceNode[] {
    const id = `a${i}`;
    const ns = `agent-${id}`;
    const doc = (statements: unknown[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });
    const agent = node("aws:iam/role:Role", `${ns}-role`, {
        name: `${ns}-role`,
        assumeRolePolicy: doc([
            {
                Effect: "Allow",
                Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/${ISSUER}` },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: { StringEquals: { [`${ISSUER}:sub`]: `system:serviceaccount:${ns}:agent` } },
            },
        ]),
        inlinePolicies: [
            {
                name: "work",
                policy: doc([
                    {
                        Effect: "Allow",
                        Action: ["lambda:UpdateFunctionCode"],
                        Resource: `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:${ns}-tool`,
                    },
                    {
                        Effect: "Allow",
                        Action: ["ecr:PutImage"],
                        Resource: `arn:aws:ecr:eu-west-1:${ACCOUNT}:repository/${ns}`,
                    },
                    { Effect: "Allow", Action: ["s3:GetObject"], Resource: `arn:aws:s3:::bench-${id}/*` },
                ]),
            },
        ],
    });
    const toolRole = node("aws:iam/role:Role", `${ns}-tool-role`, {
        name: `${ns}-tool-role`,
        assumeRolePolicy: doc([
            { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" },
        ]),
        inlinePolicies: [
            {
                name: "read",
                policy: doc([
                    { Effect: "Allow", Action: "s3:GetObject", Resource: `arn:aws:s3:::bench-${id}/*` },
                ]),
            },
        ],
    });
    const tool = node("aws:lambda/function:Function", `${ns}-tool`, {
        name: `${ns}-tool`,
        role: `arn:aws:iam::${ACCOUNT}:role/${ns}-tool-role`,
        // In the VPC, in a group of the network stack: no open route for the egress-paths rule to report.
        vpcConfig: { subnetIds: ["subnet-0bench"], securityGroupIds: ["sg-0bench"] },
    });
    const repo = node("aws:ecr/repository:Repository", ns, { name: ns });
    const deployment = node("kubernetes:apps/v1:Deployment", `${ns}-worker`, {
        metadata: { name: "worker", namespace: ns },
        spec: {
            template: {
                spec: {
                    serviceAccountName: "agent",
                    containers: [{ name: "w", image: `${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/${ns}:1` }],
                },
            },
        },
    });
    const adminRole = node("aws:iam/role:Role", `platform-${id}`, {
        name: `platform-${id}`,
        assumeRolePolicy: doc([
            { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" },
        ]),
        managedPolicyArns: ["arn:aws:iam::aws:policy/AdministratorAccess"],
    });
    const platformFn = node("aws:lambda/function:Function", `platform-fn-${id}`, {
        name: `platform-fn-${id}`,
        role: `arn:aws:iam::${ACCOUNT}:role/platform-${id}`,
    });
    return [agent, toolRole, tool, repo, deployment, adminRole, platformFn];
}

function main(): void {
    const arg = process.argv.indexOf("--runtimes");
    const sizes = (arg >= 0 ? process.argv[arg + 1] : "1000,2000,4000").split(",").map(Number);
    const config = readAgentguardConfig({});
    for (const n of sizes) {
        const resources = Array.from({ length: n }, (_, i) => runtime(i)).flat();
        const model = StackModel.fromNodes(resources);
        const cpu = process.cpuUsage();
        const start = process.hrtime.bigint();
        const graph = stackReachGraph(model, config);
        const built = process.hrtime.bigint();
        const closures = graph.closures();
        const done = process.hrtime.bigint();
        // What `report` adds: every closure as plain data, each path formatted.
        const paths = closures.reduce((sum, c) => sum + closureData(c, graph).paths.length, 0);
        const reported = process.hrtime.bigint();
        const findings = closures.reduce((sum, c) => sum + c.findings.length, 0);
        const reached = closures.reduce((sum, c) => sum + c.reached.size, 0);
        const used = process.cpuUsage(cpu);
        const ms = (a: bigint, b: bigint) => (Number(b - a) / 1e6).toFixed(0);
        console.log(
            `${n} runtimes (${resources.length} resources, ${closures.length} agents): identities+build ${ms(start, built)} ms, closures ${ms(built, done)} ms, report data ${ms(done, reported)} ms for ${paths} paths (CPU ${((used.user + used.system) / 1000).toFixed(0)} ms), reached ${reached}, findings ${findings}`,
        );
    }
}

main();
