/**
 * The checker's side of a program run: the offline monitor served as Pulumi's ResourceMonitor over gRPC, as
 * the engine serves it, on a Unix socket in a private directory made for this run. Everything the program
 * registers is recorded here, in the checker's process, where the program's code cannot reach it.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import * as ResourceGrpc from "@pulumi/pulumi/proto/resource_grpc_pb";
import * as ResourceProto from "@pulumi/pulumi/proto/resource_pb";
import * as ProviderProto from "@pulumi/pulumi/proto/provider_pb";
import * as StructProto from "google-protobuf/google/protobuf/struct_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Message } from "google-protobuf";
import { grpcError, GRPC_STATUS, serviceMethods } from "./engine-protocol";
import type { InvokeResponseClass, OfflineMonitor, ProgramProtos } from "./monitor";
import { REQUEST_OBJECT_FIELD, setRawObject, splitField } from "./monitor-wire";

/** The checker's own protocol classes; never those of the program's node_modules. */
export const CHECKER_PROTOS: ProgramProtos = {
    resource: ResourceProto,
    provider: ProviderProto,
    struct: StructProto,
    invokeResponse: invokeResponseClass(),
};

/**
 * The class the service definition serializes Invoke answers as: newer SDKs declare
 * ResourceInvokeResponse and refuse any other class ("Error serializing response"), older ones InvokeResponse.
 */
function invokeResponseClass(): InvokeResponseClass {
    const invoke = (
        ResourceGrpc.ResourceMonitorService as unknown as Record<string, { responseType?: unknown }>
    ).invoke;
    return typeof invoke?.responseType === "function"
        ? (invoke.responseType as InvokeResponseClass)
        : ProviderProto.InvokeResponse;
}

type UnaryHandler = (
    call: grpc.ServerUnaryCall<unknown, unknown>,
    callback: grpc.sendUnaryData<unknown>,
) => void;

type MethodDefinition = grpc.MethodDefinition<unknown, unknown>;

/**
 * The service as the checker's @pulumi/pulumi generates it, except that RegisterResource keeps the inputs
 * encoded (monitor-wire.ts): recorded as they came, decoded only if the monitor asks for them.
 */
function resourceMonitorService(): grpc.ServiceDefinition {
    const generated = ResourceGrpc.ResourceMonitorService as unknown as grpc.ServiceDefinition;
    const register = generated.registerResource as MethodDefinition | undefined;
    if (!register) {
        return generated;
    }
    return {
        ...generated,
        registerResource: {
            ...register,
            requestDeserialize: (bytes: Buffer) => {
                const split = splitField(bytes, REQUEST_OBJECT_FIELD);
                if (!split) {
                    return register.requestDeserialize(bytes);
                }
                const request = ResourceProto.RegisterResourceRequest.deserializeBinary(split.rest);
                const object = split.payload.slice();
                setRawObject(request, object);
                let decoded: StructProto.Struct | undefined;
                Object.assign(request, {
                    getObject: () => (decoded ??= StructProto.Struct.deserializeBinary(object)),
                    hasObject: () => true,
                });
                return request;
            },
        },
    };
}

/**
 * The handlers for every RPC of the ResourceMonitor service: the monitor's method where it has one, else
 * UNIMPLEMENTED (what an engine without the RPC answers, which the SDK's fallbacks expect) and a warning.
 */
export function monitorHandlers(
    monitor: OfflineMonitor,
    service: grpc.ServiceDefinition = resourceMonitorService(),
): Record<string, UnaryHandler> {
    const handlers: Record<string, UnaryHandler> = {};
    const target = monitor as unknown as Record<string, unknown>;
    for (const method of serviceMethods(service)) {
        const implementation = target[method];
        handlers[method] =
            typeof implementation === "function"
                ? (call, callback) =>
                      (
                          implementation as (
                              req: unknown,
                              cb: (err: Error | null, res?: unknown) => void,
                          ) => void
                      ).call(
                          monitor,
                          call.request,
                          // The monitor answers `{}` where the protocol's answer is google.protobuf.Empty.
                          (err, response) =>
                              callback(
                                  err as grpc.ServiceError | null,
                                  err || response instanceof Message ? response : new Empty(),
                              ),
                      )
                : (_call, callback) => {
                      monitor.addWarning(
                          `the SDK called ResourceMonitor.${method}, which the offline checker answers as an ` +
                              "engine without it does (UNIMPLEMENTED)",
                      );
                      callback(
                          grpcError(
                              GRPC_STATUS.UNIMPLEMENTED,
                              `ResourceMonitor.${method} is not implemented by agentguard's offline engine`,
                          ) as grpc.ServiceError,
                      );
                  };
    }
    return handlers;
}

export interface MonitorServer {
    /** The gRPC target the program's SDK connects to (`unix:<socket>`). */
    readonly address: string;
    /** Waits for every call already received to be answered, then stops and removes the socket directory. */
    close(): Promise<void>;
}

/**
 * Channel options: no message size limit (a resource's inputs can be large, the SDK's client sets none
 * either), and no keepalive pings on a local socket.
 */
const SERVER_OPTIONS: grpc.ServerOptions = {
    "grpc.max_receive_message_length": -1,
    "grpc.max_send_message_length": -1,
    // Per-call bookkeeping for a debugging service nobody queries here.
    "grpc.enable_channelz": 0,
};

/** Serves `monitor` on a fresh socket that only this user can reach (a 0700 directory made for this run). */
export async function serveMonitor(monitor: OfflineMonitor): Promise<MonitorServer> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "agentguard-monitor-"));
    fs.chmodSync(dir, 0o700);
    const socket = path.join(dir, "monitor.sock");
    const server = new grpc.Server(SERVER_OPTIONS);
    server.addService(resourceMonitorService(), monitorHandlers(monitor));
    const address = `unix:${socket}`;
    try {
        await new Promise<void>((resolve, reject) =>
            server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err) =>
                err ? reject(err) : resolve(),
            ),
        );
    } catch (err) {
        server.forceShutdown();
        fs.rmSync(dir, { recursive: true, force: true });
        throw err;
    }
    let closed: Promise<void> | undefined;
    return {
        address,
        close: () =>
            (closed ??= new Promise<void>((resolve) => {
                // The program has exited: its connection ends once what it sent is read, so this is short.
                const force = setTimeout(() => server.forceShutdown(), 5_000);
                server.tryShutdown(() => {
                    clearTimeout(force);
                    resolve();
                });
            }).finally(() => fs.rmSync(dir, { recursive: true, force: true }))),
    };
}
