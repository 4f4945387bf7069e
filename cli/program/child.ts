/**
 * Child process that runs one Pulumi program under the offline monitor, in preview mode, and sends the
 * recorded resources to the parent over IPC. A fresh process per run: Pulumi's runtime state is global.
 */
import * as fs from "fs";
import * as path from "path";
import { createRequire, register } from "module";
import { pathToFileURL } from "url";
import type * as PulumiRuntime from "@pulumi/pulumi/runtime";
import type * as PulumiLog from "@pulumi/pulumi/log";
import { packageScript } from "../package-root";
import { checkerFault, offlineEngine, serviceMethods } from "./engine-protocol";
import { errorLocation, type ErrorLocation } from "./error-location";
import { explainFailure } from "./failure-hints";
import { FrameWriter } from "./frames";
import { OfflineMonitor, type MonitorSink, type ProgramProtos } from "./monitor";
import { mapOnlyTypeScriptFrames, moduleSourceMaps } from "./stack-traces";
import type { ChildMessage, ProgramRequest, RecordedResource } from "./protocol";

type ModuleRequire = (id: string) => unknown;

/** The checker reads fd 3; messages are written synchronously and in order. */
const channel = new FrameWriter(3);

function send(message: ChildMessage): void {
    channel.write(message);
}

let finished = false;
/** Set once the program runs, so a failure can name the lookups that got no answer. */
let activeMonitor: OfflineMonitor | undefined;
let activeRequest: ProgramRequest | undefined;

const BATCH_SIZE = 200;

/** Batches records to the parent: sent when full or at the end of the current turn, whichever is first. */
class BatchingSink implements MonitorSink {
    private pending: RecordedResource[] = [];
    private scheduled = false;

    resource(record: RecordedResource): void {
        this.pending.push(record);
        if (this.pending.length >= BATCH_SIZE) {
            this.flush();
        } else if (!this.scheduled) {
            this.scheduled = true;
            setImmediate(() => this.flush());
        }
    }

    outputs(urn: string, outputs: Uint8Array): void {
        this.flush();
        send({ kind: "outputs", urn, outputs });
    }

    flush(): void {
        this.scheduled = false;
        if (this.pending.length > 0) {
            const resources = this.pending;
            this.pending = [];
            send({ kind: "resources", resources });
        }
    }
}

/** What tells a failure of the checker (or its SDK compatibility) from a failure of the program. */
const faultContext = { programStarted: false, missing: new Set<string>() as ReadonlySet<string>, sdk: "" };

async function fail(message: string, location?: ErrorLocation, origin?: "checker"): Promise<never> {
    if (!finished) {
        finished = true;
        const where = location
            ? `${location.file}:${location.line}${location.column ? `:${location.column}` : ""}`
            : undefined;
        const explained = activeRequest
            ? explainFailure(
                  message,
                  {
                      dir: activeRequest.dir,
                      stack: activeRequest.stack,
                      answersSource: activeRequest.offlineAnswers?.source,
                  },
                  activeMonitor?.unansweredLookups() ?? [],
                  activeMonitor?.placeholderLookups() ?? [],
              )
            : message;
        send({ kind: "failed", message: explained, location: where, origin, sdkVersion: faultContext.sdk });
    }
    process.exit(1);
}

/** An uncaught error: the checker's own fault when it comes from the checker, else the program's. */
function failWith(err: unknown, dir: string): Promise<never> {
    const fault = checkerFault(err, faultContext);
    return fault !== undefined
        ? fail(fault, undefined, "checker")
        : fail(describeError(err), errorLocation(err, dir));
}

function describeError(err: unknown): string {
    if (err instanceof Error) {
        if (err.name === "TSError" || err.name === "RunError" || err.name === "Error") {
            return err.message;
        }
        return `${err.name}: ${err.message}`;
    }
    return String(err);
}

/**
 * The SDK tags every internal promise with a captured stack trace, only ever shown in its leak report at
 * exit, which a check never reaches. Capturing those stacks costs more than registering the resources.
 */
function skipPromiseLeakTracking(debuggable: unknown): void {
    const module = debuggable as { debuggablePromise?: unknown };
    if (typeof module.debuggablePromise === "function") {
        module.debuggablePromise = <T>(promise: Promise<T>) => promise;
    }
}

/**
 * Loads ts-node and TypeScript as the Node.js language host does: the program's copies first. An ES module
 * package gets module hooks (the host's automatic ESM mode), any other the require hook.
 */
function registerTypeScript(pulumiRequire: NodeJS.Require, dir: string, esm: boolean): string {
    const resolveTool = (name: string) => {
        try {
            return pulumiRequire.resolve(name);
        } catch {
            return require.resolve(name);
        }
    };
    const tsPath = resolveTool("typescript");
    const ts = pulumiRequire(tsPath) as typeof import("typescript");
    const tsconfigPath = process.env.PULUMI_NODEJS_TSCONFIG_PATH ?? "tsconfig.json";
    const tsconfigFile = path.resolve(dir, tsconfigPath);
    let compilerOptions: Record<string, unknown> = {};
    if (fs.existsSync(tsconfigFile)) {
        const parsed = ts.parseConfigFileTextToJson(tsconfigFile, fs.readFileSync(tsconfigFile, "utf8"));
        compilerOptions = (parsed.config?.compilerOptions as Record<string, unknown> | undefined) ?? {};
    }
    // Type checking is the project's compiler's job (and takes seconds with the cloud SDKs' types): transpile
    // only, unless the language host's own switch asks for checking.
    const transpileEnv = process.env.PULUMI_NODEJS_TRANSPILE_ONLY;
    const transpileOnly =
        transpileEnv !== undefined && transpileEnv !== ""
            ? transpileEnv === "true"
            : compilerOptions.noCheck !== false;
    const tsNodePath = resolveTool("ts-node");
    const options = {
        compiler: tsPath,
        transpileOnly,
        project: tsconfigFile,
        skipProject: !fs.existsSync(tsconfigFile),
        compilerOptions: {
            target: esm ? "ES2022" : "ES2020",
            module: "nodenext",
            moduleResolution: "nodenext",
            sourceMap: true,
            ...compilerOptions,
        },
    };
    if (esm) {
        const sourceMaps = moduleSourceMaps.hooksPort();
        register(pathToFileURL(packageScript("program", "ts-esm-hooks.mjs")), {
            data: { tsNodePath, options, sourceMaps },
            transferList: [sourceMaps],
        });
    } else {
        (pulumiRequire(tsNodePath) as typeof import("ts-node")).register(options);
    }
    return tsNodePath;
}

/** A real dynamic import: this file is compiled to CommonJS, where `import()` would become `require`. */
const dynamicImport = new Function("specifier", "return import(specifier)") as (
    specifier: string,
) => Promise<Record<string, unknown>>;

/** Imports an ES module program as the language host does: a default export, or the named exports. */
async function importProgram(entry: string): Promise<unknown> {
    const exported = await dynamicImport(pathToFileURL(entry).href);
    if (Object.getOwnPropertyDescriptor(exported, "default") !== undefined) {
        if (Object.keys(exported).length !== 1) {
            throw new Error(
                `${entry} has both a default export and named exports: Pulumi expects one or the other`,
            );
        }
        return exported.default;
    }
    return exported;
}

async function run(request: ProgramRequest): Promise<void> {
    activeRequest = request;
    process.chdir(request.dir);
    const entryDir =
        fs.existsSync(request.entry) && fs.statSync(request.entry).isDirectory()
            ? request.entry
            : path.dirname(request.entry);
    const programRequire = createRequire(path.join(entryDir, "__agentguard_check__.js"));
    let pulumiRoot: string;
    try {
        pulumiRoot = path.dirname(programRequire.resolve("@pulumi/pulumi/package.json"));
    } catch {
        return fail(
            `@pulumi/pulumi can't be found from ${entryDir}: the program's dependencies are not installed ` +
                "(run npm install in the program's directory)",
        );
    }
    faultContext.sdk =
        (JSON.parse(fs.readFileSync(path.join(pulumiRoot, "package.json"), "utf8")) as { version?: string })
            .version ?? "";
    const pulumiRequire = createRequire(path.join(pulumiRoot, "index.js"));
    const load = pulumiRequire as ModuleRequire;
    const runtime = load(path.join(pulumiRoot, "runtime")) as typeof PulumiRuntime;
    const log = load(path.join(pulumiRoot, "log")) as typeof PulumiLog;
    const protos: ProgramProtos = {
        resource: load(path.join(pulumiRoot, "proto", "resource_pb")) as ProgramProtos["resource"],
        provider: load(path.join(pulumiRoot, "proto", "provider_pb")) as ProgramProtos["provider"],
        struct: load("google-protobuf/google/protobuf/struct_pb") as ProgramProtos["struct"],
    };

    const tsNodePath = request.typescript
        ? registerTypeScript(pulumiRequire, request.dir, request.esm)
        : require.resolve("ts-node");
    mapOnlyTypeScriptFrames(tsNodePath);

    skipPromiseLeakTracking(load(path.join(pulumiRoot, "runtime", "debuggable")));

    const sink = new BatchingSink();
    const monitor = new OfflineMonitor(protos, request, sink);
    activeMonitor = monitor;
    // Every RPC of the program's own SDK answers, whatever its version: unknown ones as UNIMPLEMENTED.
    const rpcs = serviceMethods(
        (load(path.join(pulumiRoot, "proto", "resource_grpc_pb")) as { ResourceMonitorService?: unknown })
            .ResourceMonitorService,
    );
    const engine = offlineEngine(monitor, rpcs, (method) =>
        monitor.addWarning(
            `the SDK called ResourceMonitor.${method}, which the offline checker answers as an engine ` +
                "without it does (UNIMPLEMENTED)",
        ),
    );
    faultContext.missing = engine.missing;
    runtime.setMockOptions(engine.monitor, request.project, request.stack, true, request.organization);
    const onUncaught = (err: unknown) => void failWith(err, request.dir);
    process.on("uncaughtException", onUncaught);
    process.on("unhandledRejection", onUncaught);

    await runtime.runInPulumiStack(async () => {
        faultContext.programStarted = true;
        const exported = request.esm ? await importProgram(request.entry) : programRequire(request.entry);
        return exported instanceof Function ? await exported() : exported;
    });
    await runtime.disconnect();
    if (log.hasErrors()) {
        return fail("the program logged errors (shown above)");
    }
    finished = true;
    sink.flush();
    send({ kind: "done", warnings: monitor.warningList(), unchecked: monitor.uncheckedComponents() });
    process.exit(0);
}

// The checker passes the request as the only argument. Its end of our stdin closes when it exits, however
// it exits: then this run is over too (watching must not keep the process alive).
process.stdin.on("end", () => process.exit(2));
process.stdin.on("error", () => process.exit(2));
process.stdin.resume();
(process.stdin as { unref?: () => void }).unref?.();
const request = JSON.parse(process.argv[2] ?? "{}") as ProgramRequest;
run(request).catch((err: unknown) => failWith(err, request.dir));
