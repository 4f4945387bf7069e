/**
 * Child process that runs one Pulumi program, in preview mode, against the checker's ResourceMonitor server:
 * the SDK runs in mock mode, but its "mock" monitor is a gRPC client of that server, so every registration
 * leaves this process as it does under the engine, and is recorded where the program cannot reach it. Only
 * diagnostics (a failure, or that the run finished) go to the parent over fd 3. A fresh process per run:
 * Pulumi's runtime state is global.
 */
import * as fs from "fs";
import * as path from "path";
import { createRequire, register } from "module";
import { pathToFileURL } from "url";
import type * as PulumiRuntime from "@pulumi/pulumi/runtime";
import type * as PulumiLog from "@pulumi/pulumi/log";
import { packageScript } from "../package-root";
import { checkerFault, GRPC_STATUS, offlineEngine, serviceMethods } from "./engine-protocol";
import { errorLocation, type ErrorLocation } from "./error-location";
import { FrameWriter } from "./frames";
import { mapOnlyTypeScriptFrames, moduleSourceMaps } from "./stack-traces";
import { UnaryCaller } from "./unary-http2";
import type { ChildMessage, ProgramRequest } from "./protocol";

type ModuleRequire = (id: string) => unknown;

/** The checker reads fd 3; messages are written synchronously and in order. */
const channel = new FrameWriter(3);

function send(message: ChildMessage): void {
    channel.write(message);
}

let finished = false;

/** What tells a failure of the checker (or its SDK compatibility) from a failure of the program. */
const faultContext = { programStarted: false, missing: new Set<string>() as ReadonlySet<string>, sdk: "" };

function fail(message: string, location?: ErrorLocation, origin?: "checker"): never {
    if (!finished) {
        finished = true;
        const where = location
            ? `${location.file}:${location.line}${location.column ? `:${location.column}` : ""}`
            : undefined;
        send({ kind: "failed", message, location: where, origin, sdkVersion: faultContext.sdk });
    }
    process.exit(1);
}

/** An uncaught error: the checker's own fault when it comes from the checker, else the program's. */
function failWith(err: unknown, dir: string): never {
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

type Rpc = (...args: unknown[]) => unknown;

/** What the run must know at the end: whether main returned, and what the SDK still has in flight. */
const progress = { mainReturned: false, pendingOperations: 0, pendingCalls: 0 };
const childWarnings = new Set<string>();

/**
 * The SDK's monitor: a gRPC client of the checker's server. Calls are counted until answered, and an RPC
 * the checker's server does not know at all (a newer SDK's) is noted, as the engine's absence of it would be.
 */
function monitorClient(request: ProgramRequest, load: ModuleRequire, pulumiRoot: string): object {
    const grpc = load("@grpc/grpc-js") as typeof import("@grpc/grpc-js");
    const stubs = load(path.join(pulumiRoot, "proto", "resource_grpc_pb")) as {
        ResourceMonitorClient: new (
            address: string,
            credentials: unknown,
            options?: Record<string, unknown>,
        ) => object;
        ResourceMonitorService?: unknown;
    };
    const settings = load(path.join(pulumiRoot, "runtime", "settings")) as {
        grpcClientOptions?: Record<string, unknown>;
    };
    const client = new stubs.ResourceMonitorClient(request.monitor, grpc.credentials.createInsecure(), {
        ...settings.grpcClientOptions,
        ...CLIENT_OPTIONS,
    });
    const rpcs = new Set(serviceMethods(stubs.ResourceMonitorService));
    const registerResource = fastRegisterResource(request, load, pulumiRoot);
    const counted = new Map<string, Rpc>();
    const tracked = new Proxy(client, {
        get(target, property, receiver) {
            const value = Reflect.get(target, property, receiver) as unknown;
            if (typeof property !== "string" || !rpcs.has(property) || typeof value !== "function") {
                return value;
            }
            let wrapper = counted.get(property);
            if (!wrapper) {
                wrapper = (...args: unknown[]) => {
                    const callback = args.at(-1);
                    if (typeof callback !== "function") {
                        return (value as Rpc).apply(target, args);
                    }
                    progress.pendingCalls++;
                    if (property === "registerResource" && registerResource && args.length === 2) {
                        const answer = args[1] as Rpc;
                        return registerResource(args[0], (err, response) => {
                            progress.pendingCalls--;
                            restoreEchoedOutputs(args[0], response);
                            answer(err, response);
                        });
                    }
                    args[args.length - 1] = (
                        err: { code?: number; details?: string } | null,
                        response: unknown,
                    ) => {
                        progress.pendingCalls--;
                        if (
                            err?.code === GRPC_STATUS.UNIMPLEMENTED &&
                            !String(err.details).includes("agentguard")
                        ) {
                            childWarnings.add(
                                `the SDK called ResourceMonitor.${property}, which the offline checker answers as ` +
                                    "an engine without it does (UNIMPLEMENTED)",
                            );
                        }
                        if (property === "registerResource") {
                            restoreEchoedOutputs(args[0], response);
                        }
                        (callback as Rpc)(err, response);
                    };
                    return (value as Rpc).apply(target, args);
                };
                counted.set(property, wrapper);
            }
            return wrapper;
        },
    });
    return tracked;
}

/**
 * RegisterResource through a direct HTTP/2 call (unary-http2.ts), with the program's own protocol classes;
 * undefined (grpc-js is used) if those are not where every SDK in the supported range has them.
 */
function fastRegisterResource(
    request: ProgramRequest,
    load: ModuleRequire,
    pulumiRoot: string,
): ((req: unknown, callback: (err: Error | null, response?: unknown) => void) => void) | undefined {
    const protos = load(path.join(pulumiRoot, "proto", "resource_pb")) as {
        RegisterResourceResponse?: { deserializeBinary(bytes: Uint8Array): unknown };
    };
    const Response = protos.RegisterResourceResponse;
    if (!request.monitor.startsWith("unix:") || typeof Response?.deserializeBinary !== "function") {
        return undefined;
    }
    const caller = new UnaryCaller(request.monitor.slice("unix:".length));
    return (req, callback) => {
        let encoded: Uint8Array;
        try {
            encoded = (req as { serializeBinary(): Uint8Array }).serializeBinary();
        } catch (err) {
            setImmediate(() => callback(err as Error));
            return;
        }
        caller.call("/pulumirpc.ResourceMonitor/RegisterResource", encoded, (err, bytes) => {
            if (err) {
                callback(err);
                return;
            }
            let response: unknown;
            try {
                response = Response.deserializeBinary(bytes!);
            } catch (decodeError) {
                callback(decodeError as Error);
                return;
            }
            callback(null, response);
        });
    };
}

interface WithObject {
    getObject(): unknown;
    hasObject(): boolean;
    setObject(value: unknown): void;
}

/**
 * The monitor leaves a registration's outputs out of its answer when they are the inputs as sent (a
 * preview's outputs, see monitor.ts): the request's own Struct is put back, as the SDK expects it there.
 */
function restoreEchoedOutputs(request: unknown, response: unknown): void {
    const answer = response as Partial<WithObject> | undefined;
    if (typeof answer?.hasObject === "function" && !answer.hasObject()) {
        const object = (request as Partial<WithObject>).getObject?.();
        if (object !== undefined) {
            answer.setObject!(object);
        }
    }
}

/**
 * Local socket, one client: no message size limit (as the SDK's own client), and no keepalive pings.
 */
const CLIENT_OPTIONS = {
    "grpc.max_receive_message_length": -1,
    "grpc.max_send_message_length": -1,
    // A local server that is there or not: retrying (which buffers every message) can't help.
    "grpc.enable_retries": 0,
    "grpc.enable_channelz": 0,
    // Thousands of registrations are in flight at once: a 64 KiB window would pace the answers.
    "grpc-node.flow_control_window": 64 * 1024 * 1024,
};

/** Counts the SDK's pending resource operations (what `runtime.disconnect` waits for) through its own hook. */
function countPendingOperations(settings: { rpcKeepAlive?: () => () => void }): void {
    const keepAlive = settings.rpcKeepAlive;
    if (typeof keepAlive !== "function") {
        return;
    }
    settings.rpcKeepAlive = () => {
        const done = keepAlive();
        progress.pendingOperations++;
        let called = false;
        return () => {
            if (!called) {
                called = true;
                progress.pendingOperations--;
            }
            done();
        };
    };
}

/**
 * Ends the run as Pulumi's Node.js runner does: the process lives until the event loop drains, so what
 * `beforeExit` handlers, timers or late promise chains declare is registered too (@pulumi/aws declares
 * resources in `beforeExit`). Like the runner, the shutdown signal is sent from a `beforeExit` handler added
 * after everyone else's, once. The verdict is decided on exit: finished only if main returned, nothing
 * is pending and nothing was logged as an error; else the run fails (exit 2 in the checker).
 */
function finishOnDrain(
    settings: { signalAndWaitForShutdown?: () => Promise<void> },
    log: typeof PulumiLog,
    dir: string,
): void {
    let lastRegistered = false;
    let signaled = false;
    const lastHandler = () => {
        if (finished || signaled || !progress.mainReturned) {
            return;
        }
        signaled = true;
        settings.signalAndWaitForShutdown?.().catch((err: unknown) => failWith(err, dir));
    };
    process.on("beforeExit", () => {
        process.nextTick(() => {
            if (lastRegistered) {
                return;
            }
            lastRegistered = true;
            // More work on the loop, so `beforeExit` comes again, with this handler last.
            setImmediate(() => undefined);
            process.on("beforeExit", lastHandler);
        });
    });
    process.on("exit", (code) => {
        if (finished) {
            return;
        }
        finished = true;
        const problem =
            code !== 0
                ? `the program exited with code ${code}`
                : !progress.mainReturned
                  ? "the program ended before its main code finished (the event loop emptied while it was " +
                    "still waiting for a promise that never settles, or it called process.exit)"
                  : progress.pendingOperations > 0 || progress.pendingCalls > 0
                    ? `the program ended with ${progress.pendingOperations} resource operation(s) and ` +
                      `${progress.pendingCalls} engine call(s) unfinished (waiting for values that never resolve, ` +
                      "or it called process.exit): what they would declare can't be judged"
                    : log.hasErrors()
                      ? "the program logged errors (shown above)"
                      : undefined;
        if (problem === undefined) {
            send({ kind: "done", warnings: [...childWarnings] });
            return;
        }
        send({ kind: "failed", message: problem, sdkVersion: faultContext.sdk });
        process.exitCode = 1;
    });
}

async function run(request: ProgramRequest): Promise<void> {
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
    const settings = load(path.join(pulumiRoot, "runtime", "settings")) as {
        rpcKeepAlive?: () => () => void;
        signalAndWaitForShutdown?: () => Promise<void>;
    };

    const tsNodePath = request.typescript
        ? registerTypeScript(pulumiRequire, request.dir, request.esm)
        : require.resolve("ts-node");
    mapOnlyTypeScriptFrames(tsNodePath);

    skipPromiseLeakTracking(load(path.join(pulumiRoot, "runtime", "debuggable")));
    countPendingOperations(settings);

    // A name the SDK looks up on its monitor and the client lacks is remembered, to blame the checker.
    const engine = offlineEngine(monitorClient(request, load, pulumiRoot), []);
    faultContext.missing = engine.missing;
    runtime.setMockOptions(engine.monitor, request.project, request.stack, true, request.organization);
    const onUncaught = (err: unknown) => failWith(err, request.dir);
    process.on("uncaughtException", onUncaught);
    process.on("unhandledRejection", onUncaught);
    finishOnDrain(settings, log, request.dir);

    await runtime.runInPulumiStack(async () => {
        faultContext.programStarted = true;
        const exported = request.esm ? await importProgram(request.entry) : programRequire(request.entry);
        return exported instanceof Function ? await exported() : exported;
    });
    progress.mainReturned = true;
    // No exit here: the process ends when its event loop drains (see finishOnDrain).
}

// The checker passes the request as the only argument. Its end of our stdin closes when it exits, however
// it exits: then this run is over too (watching must not keep the process alive).
process.stdin.on("end", () => process.exit(2));
process.stdin.on("error", () => process.exit(2));
process.stdin.resume();
(process.stdin as { unref?: () => void }).unref?.();
const request = JSON.parse(process.argv[2] ?? "{}") as ProgramRequest;
run(request).catch((err: unknown) => failWith(err, request.dir));
