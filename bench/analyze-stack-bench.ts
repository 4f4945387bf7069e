/**
 * AnalyzeStack inside one process: @pulumi/policy's handler over a synthetic request of N resources with P
 * stack policies that do nothing, so what is timed is what @pulumi/policy (and the pack's sharing) costs
 * per policy, not the rules.
 *
 *   npx ts-node --transpile-only bench/analyze-stack-bench.ts [--resources 17003] [--policies 15]
 *       [--mode plain|shared-properties|shared-resources] [--repeat 4]
 */
import * as path from "path";
import type { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { parseArgs } from "util";
import {
    shareDeserializedProperties,
    shareUnknownCheckingProxies,
} from "../policy-pack/lib/shared-properties";
import {
    analyzeStackOnce,
    readingSharedResources,
    type PolicyServerModule,
} from "../policy-pack/lib/shared-stack-resources";

// The project's copies (bench/node_modules holds the peer pack's older ones).
const policyDir = path.dirname(
    require.resolve("@pulumi/policy/package.json", { paths: [path.join(__dirname, "..")] }),
);
const fromPolicy = <T>(request: string): T =>
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(require.resolve(request, { paths: [policyDir] })) as T;
const server = fromPolicy<PolicyServerModule>("@pulumi/policy/server");
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const analyzerProto = fromPolicy<any>("@pulumi/pulumi/proto/analyzer_pb");
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const { Struct } = fromPolicy<any>("google-protobuf/google/protobuf/struct_pb");

const { values } = parseArgs({
    options: {
        resources: { type: "string", default: "17003" },
        policies: { type: "string", default: "15" },
        mode: { type: "string", default: "shared-resources" },
        repeat: { type: "string", default: "4" },
    },
});
const count = Number(values.resources);
const mode = values.mode ?? "shared-resources";
if (!["plain", "shared-properties", "shared-resources"].includes(mode)) {
    throw new Error(`--mode ${JSON.stringify(mode)}: expected plain, shared-properties or shared-resources`);
}
if (mode !== "plain") {
    shareDeserializedProperties(fromPolicy("@pulumi/policy/deserialize"));
    shareUnknownCheckingProxies(fromPolicy("@pulumi/policy/proxy"));
}

function syntheticRequest(): Uint8Array {
    const urn = (i: number) => `urn:pulumi:bench::bench::kubernetes:core/v1:ConfigMap::cm-${i}`;
    const provider = new analyzerProto.AnalyzerProviderResource();
    provider.setUrn("urn:pulumi:bench::bench::pulumi:providers:kubernetes::default");
    provider.setType("pulumi:providers:kubernetes");
    provider.setName("default");
    provider.setProperties(Struct.fromJavaScript({ version: "4.0.0" }));
    const request = new analyzerProto.AnalyzeStackRequest();
    for (let i = 0; i < count; i++) {
        const r = new analyzerProto.AnalyzerResource();
        r.setUrn(urn(i));
        r.setType("kubernetes:core/v1:ConfigMap");
        r.setName(`cm-${i}`);
        r.setProperties(
            Struct.fromJavaScript({
                metadata: { name: `cm-${i}`, namespace: "agent-a", labels: { "agentguard.io/agent": "a" } },
                data: { key: "value" },
            }),
        );
        const options = new analyzerProto.AnalyzerResourceOptions();
        options.setCustomtimeouts(new analyzerProto.AnalyzerResourceOptions.CustomTimeouts());
        if (i > 0) options.setParent(urn(i - 1));
        r.setOptions(options);
        r.setProvider(provider);
        if (i > 0) r.setParent(urn(i - 1));
        if (i > 1) r.setDependenciesList([urn(i - 2)]);
        request.addResources(r);
    }
    return request.serializeBinary();
}

const encoded = syntheticRequest();
let policies: StackValidationPolicy[] = Array.from({ length: Number(values.policies) }, (_, k) => ({
    name: `policy-${k}`,
    description: "does nothing",
    enforcementLevel: "mandatory",
    validateStack: (args: { resources: PolicyResource[] }) => {
        if (args.resources.length !== count) throw new Error(`saw ${args.resources.length} resources`);
    },
}));
if (mode === "shared-resources") policies = policies.map(readingSharedResources);
let handler = server.makeAnalyzeStackRpcFun("bench", "1.0.0", "mandatory", policies);
if (mode === "shared-resources") handler = analyzeStackOnce(handler, server);

async function once(): Promise<number> {
    const request: unknown = analyzerProto.AnalyzeStackRequest.deserializeBinary(encoded);
    const start = process.hrtime.bigint();
    await new Promise<void>((resolve, reject) =>
        handler({ request }, (error) => (error ? reject(error as Error) : resolve())),
    );
    return Number(process.hrtime.bigint() - start) / 1e6;
}

void (async () => {
    for (let i = 0; i < Number(values.repeat); i++) {
        console.log(
            `${mode}: ${count} resources, ${policies.length} stack policies: ${(await once()).toFixed(0)} ms`,
        );
    }
})();
