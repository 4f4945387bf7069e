/**
 * The offline monitor against the ResourceMonitor protocol of the installed @pulumi/pulumi. CI runs this
 * file twice: with the pinned SDK and with the newest one from the registry (.ci/run), so an RPC a new SDK
 * starts calling cannot go unanswered unnoticed.
 */
import * as path from "path";
import { describe, expect, it } from "vitest";
import * as ResourceProto from "@pulumi/pulumi/proto/resource_pb";
import * as ProviderProto from "@pulumi/pulumi/proto/provider_pb";
import * as StructProto from "google-protobuf/google/protobuf/struct_pb";
import { CheckError } from "../../cli/errors";
import {
    checkerFault,
    CHECKER_DIR,
    GRPC_STATUS,
    offlineEngine,
    serviceMethods,
} from "../../cli/program/engine-protocol";
import { OfflineMonitor, type MonitorSink } from "../../cli/program/monitor";
import { runProgram } from "../../cli/program/run-program";
import { loadProject } from "../../cli/project";
import { program } from "./helpers/run-cli";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const grpcStubs = require("@pulumi/pulumi/proto/resource_grpc_pb") as { ResourceMonitorService: unknown };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const sdkVersion = (require("@pulumi/pulumi/package.json") as { version: string }).version;

type Rpc = (request: unknown, callback: (err: Error | null, response?: unknown) => void) => void;
type MethodDefinition = { requestType: new () => unknown };

const protos = { resource: ResourceProto, provider: ProviderProto, struct: StructProto };
const sink: MonitorSink = { resource: () => undefined, outputs: () => undefined };
const context = {
    dir: __dirname,
    project: "proj",
    stack: "dev",
    organization: "org",
    config: { "proj:a": "1" },
};

function newEngine(methods = serviceMethods(grpcStubs.ResourceMonitorService)) {
    const monitor = new OfflineMonitor(protos, context, sink);
    return {
        monitor,
        engine: offlineEngine(monitor, methods, (m) => monitor.addWarning(`unimplemented ${m}`)),
    };
}

function call(target: object, method: string, request: unknown) {
    return new Promise<{ err: (Error & { code?: number }) | null; response?: unknown }>((resolve) =>
        (target as Record<string, Rpc>)[method](request, (err, response) => resolve({ err, response })),
    );
}

describe(`offline monitor under @pulumi/pulumi ${sdkVersion}`, () => {
    it("answers every RPC of the SDK's ResourceMonitor service, with a response or a gRPC status", async () => {
        const definition = grpcStubs.ResourceMonitorService as Record<string, MethodDefinition>;
        const methods = serviceMethods(definition);
        expect(methods).toEqual(expect.arrayContaining(["registerResource", "supportsFeature", "invoke"]));
        const { engine } = newEngine(methods);
        for (const method of methods) {
            const { err } = await call(engine.monitor, method, new definition[method].requestType());
            if (err) {
                expect(typeof err.code, `${method} answered ${err.message}`).toBe("number");
            }
        }
    });

    it("reports through GetDeploymentInfo the same features as SupportsFeature, and this deployment", async () => {
        const { engine } = newEngine();
        const { err, response } = await call(engine.monitor, "getDeploymentInfo", {});
        expect(err).toBeNull();
        const info = response as ResourceProto.DeploymentInfo;
        // A protobuf enum object maps names to numbers only.
        const nameOf = new Map(Object.entries(ResourceProto.ResourceMonitorFeature).map(([k, v]) => [v, k]));
        const names = info
            .getSupportedfeaturesList()
            .map((value) => nameOf.get(value))
            .sort();
        expect(names).toEqual([
            "RESOURCE_MONITOR_FEATURE_ALIAS_SPECS",
            "RESOURCE_MONITOR_FEATURE_DELETED_WITH",
            "RESOURCE_MONITOR_FEATURE_PARAMETERIZATION",
            "RESOURCE_MONITOR_FEATURE_REPLACE_WITH",
            "RESOURCE_MONITOR_FEATURE_SECRETS",
        ]);
        for (const legacy of [
            "secrets",
            "deletedWith",
            "replaceWith",
            "parameterization",
            "aliasSpecs",
            "transforms",
        ]) {
            const request = new ResourceProto.SupportsFeatureRequest();
            request.setId(legacy);
            const probe = await call(engine.monitor, "supportsFeature", request);
            expect((probe.response as ResourceProto.SupportsFeatureResponse).getHassupport()).toBe(
                legacy !== "transforms",
            );
        }
        expect([info.getProject(), info.getStack(), info.getOrganization(), info.getDryrun()]).toEqual([
            "proj",
            "dev",
            "org",
            true,
        ]);
        expect(info.getConfigMap().get("proj:a")).toBe("1");
    });

    it("answers an RPC it does not implement as UNIMPLEMENTED and says so in the warnings", async () => {
        const { monitor, engine } = newEngine(["registerResource", "registerFutureThing"]);
        const { err } = await call(engine.monitor, "registerFutureThing", {});
        expect(err?.code).toBe(GRPC_STATUS.UNIMPLEMENTED);
        expect(monitor.warningList()).toEqual(["unimplemented registerFutureThing"]);
        // A name outside the protocol stays absent (so `typeof` probes see no function) and is remembered.
        expect(
            (engine.monitor as unknown as Record<string, unknown>).recordTransformCallback,
        ).toBeUndefined();
        expect([...engine.missing]).toEqual(["recordTransformCallback"]);
    });

    it("lets the SDK negotiate its features with the monitor, as `runInPulumiStack` does first", async () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const settings = require("@pulumi/pulumi/runtime/settings") as {
            setMockOptions(monitor: object, project: string, stack: string, preview: boolean): void;
            awaitFeatureSupport(): Promise<void>;
        };
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const state = require("@pulumi/pulumi/runtime/state") as {
            getStore(): {
                supportsSecrets: boolean;
                supportsTransforms: boolean;
                supportsDeletedWith: boolean;
            };
        };
        const { engine } = newEngine();
        settings.setMockOptions(engine.monitor, "proj", "dev", true);
        await settings.awaitFeatureSupport();
        const store = state.getStore();
        expect([store.supportsSecrets, store.supportsDeletedWith, store.supportsTransforms]).toEqual([
            true,
            true,
            false,
        ]);
    });
});

describe("whose fault a failure is", () => {
    const programFrame = "    at Object.<anonymous> (/work/prog/index.ts:3:9)";
    const sdkFrame = "    at /work/prog/node_modules/@pulumi/pulumi/runtime/settings.js:200:23";
    const error = (type: ErrorConstructor, message: string, frame: string) =>
        Object.assign(new type(message), { stack: `${type.name}: ${message}\n${frame}` });

    it("blames the checker for a monitor method the SDK called and the checker lacks", () => {
        const err = error(TypeError, "monitorClient.getDeploymentInfo is not a function", sdkFrame);
        const fault = checkerFault(err, { programStarted: true, missing: new Set(["getDeploymentInfo"]) });
        expect(fault).toContain("ResourceMonitor.getDeploymentInfo");
        // The same words about a name the monitor was never asked for are the program's own mistake.
        expect(
            checkerFault(err, { programStarted: true, missing: new Set(["recordTransformCallback"]) }),
        ).toBe(undefined);
    });

    it("blames the checker for anything before the program started or thrown in its own code", () => {
        const inChecker = `    at OfflineMonitor.add (${path.join(CHECKER_DIR, "program", "monitor.js")}:1:1)`;
        expect(
            checkerFault(error(Error, "boom", inChecker), { programStarted: true, missing: new Set() }),
        ).toBe("agentguard's offline engine failed: Error: boom");
        expect(checkerFault(error(Error, "x", sdkFrame), { programStarted: false, missing: new Set() })).toBe(
            "the run failed before the program started: Error: x",
        );
    });

    it("blames the program for its own errors, even those raised inside the SDK", () => {
        const context = { programStarted: true, missing: new Set<string>() };
        expect(checkerFault(error(TypeError, "x.y is not a function", programFrame), context)).toBe(
            undefined,
        );
        expect(checkerFault(error(Error, "Missing required configuration", sdkFrame), context)).toBe(
            undefined,
        );
        expect(checkerFault("a string", context)).toBe(undefined);
    });

    it("reports a program run that hits a missing RPC as a checker/SDK incompatibility naming the SDK", async () => {
        const run = runProgram(loadProject(program("sdk-gap")), {
            onResources: () => undefined,
            onOutputs: () => undefined,
        });
        const err = (await run.catch((e: unknown) => e)) as CheckError;
        expect(err).toBeInstanceOf(CheckError);
        expect(err.kind).toBe("checker");
        expect(err.message).toContain(`with @pulumi/pulumi ${sdkVersion}`);
        expect(err.message).toContain("ResourceMonitor.getFutureDeploymentPlan");
        expect(err.message).toContain("not an error in your program");
        expect(err.message).not.toMatch(/the Pulumi program in .* failed/);
    });
});
