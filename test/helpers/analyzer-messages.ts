/**
 * The analyzer's protobuf messages as the pack receives them, untyped (google-protobuf's generated code has
 * no declarations here): the request and Struct classes, the service definition, and a way to call them.
 */
import type { RequestClass } from "../../policy-pack/lib/struct-wire";

export interface Message {
    [method: string]: (...args: never[]) => unknown;
}
export type MessageClass = (new () => Message) & RequestClass<Message>;

/* eslint-disable @typescript-eslint/no-require-imports */
export const analyzerProto = require("@pulumi/pulumi/proto/analyzer_pb") as Record<string, MessageClass> & {
    AnalyzerResourceOptions: MessageClass & { CustomTimeouts: MessageClass };
};
export const analyzerService = (
    require("@pulumi/pulumi/proto/analyzer_grpc_pb") as { AnalyzerService: object }
).AnalyzerService;
export const { Struct } = require("google-protobuf/google/protobuf/struct_pb") as {
    Struct: MessageClass & { fromJavaScript(value: unknown): Message };
};
/* eslint-enable @typescript-eslint/no-require-imports */

/** Calls a generated method by name. */
export const call = (message: Message, method: string, ...args: unknown[]): unknown =>
    (message[method] as (...a: unknown[]) => unknown)(...args);

export const encode = (message: Message): Uint8Array => call(message, "serializeBinary") as Uint8Array;
