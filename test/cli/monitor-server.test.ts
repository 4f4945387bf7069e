/**
 * The checker's ResourceMonitor server: what reaches it is recorded, whatever the program does with the
 * answers; inconsistencies a forger could use to hide a resource fail the run instead of being dropped.
 */
import * as fs from "fs";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import { afterEach, describe, expect, it } from "vitest";
import * as AliasProto from "@pulumi/pulumi/proto/alias_pb";
import * as ResourceProto from "@pulumi/pulumi/proto/resource_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { unsupportedFeature } from "../../cli/program/failure-hints";
import { OfflineMonitor, type MonitorSink } from "../../cli/program/monitor";
import { CHECKER_PROTOS, serveMonitor, type MonitorServer } from "../../cli/program/monitor-server";
import { appendField, splitField, structHasKeyWithPrefix } from "../../cli/program/monitor-wire";
import type { RecordedResource } from "../../cli/program/protocol";
import { UnaryCaller, type UnaryError } from "../../cli/program/unary-http2";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const stubs = require("@pulumi/pulumi/proto/resource_grpc_pb") as {
    ResourceMonitorClient: new (address: string, credentials: grpc.ChannelCredentials) => Client;
};

type Callback = (err: (Error & { code?: number }) | null, response?: unknown) => void;
interface Client {
    invoke(request: unknown, callback: Callback): void;
    registerResource(request: unknown, callback: Callback): void;
    registerResourceOutputs(request: unknown, callback: Callback): void;
    close(): void;
}

const STACK_URN = "urn:pulumi:dev::proj::pulumi:pulumi:Stack::proj-dev";

function newMonitor() {
    const records: RecordedResource[] = [];
    const outputs: string[] = [];
    const sink: MonitorSink = { resource: (r) => records.push(r), outputs: (urn) => outputs.push(urn) };
    const monitor = new OfflineMonitor(
        CHECKER_PROTOS,
        { dir: __dirname, project: "proj", stack: "dev", config: {} },
        sink,
    );
    return { monitor, records, outputs };
}

function registration(
    type: string,
    name: string,
    options: { custom?: boolean; parent?: string; object?: Record<string, unknown> } = {},
): ResourceProto.RegisterResourceRequest {
    const request = new ResourceProto.RegisterResourceRequest();
    request.setType(type);
    request.setName(name);
    request.setCustom(options.custom ?? true);
    request.setParent(options.parent ?? "");
    request.setObject(Struct.fromJavaScript((options.object ?? {}) as Record<string, never>));
    return request;
}

function call(
    client: Client,
    method: "invoke" | "registerResource" | "registerResourceOutputs",
    request: unknown,
) {
    return new Promise<{ err: (Error & { code?: number }) | null; response?: unknown }>((resolve) =>
        client[method](request, (err, response) => resolve({ err, response })),
    );
}

describe("the monitor served over gRPC on a private socket", () => {
    let server: MonitorServer | undefined;
    let client: Client | undefined;
    afterEach(async () => {
        client?.close();
        await server?.close();
        server = undefined;
        client = undefined;
    });

    async function connect(monitor: OfflineMonitor): Promise<Client> {
        server = await serveMonitor(monitor);
        client = new stubs.ResourceMonitorClient(server.address, grpc.credentials.createInsecure());
        return client;
    }

    it("listens in a directory only this user can enter, removed when closed", async () => {
        const { monitor } = newMonitor();
        const { address } = await (async () => {
            await connect(monitor);
            return server!;
        })();
        const socket = address.replace(/^unix:/, "");
        expect(fs.statSync(path.dirname(socket)).mode & 0o777).toBe(0o700);
        expect(fs.statSync(socket).isSocket()).toBe(true);
        await server!.close();
        expect(fs.existsSync(path.dirname(socket))).toBe(false);
    });

    it("records a registration with its inputs as sent; the answer leaves out outputs that are those inputs", async () => {
        const { monitor, records } = newMonitor();
        const c = await connect(monitor);
        const object = { name: "agent", tags: { "agentguard.io/agent": "a" }, __internal: 1 };
        const { err, response } = await call(
            c,
            "registerResource",
            registration("aws:iam/role:Role", "agent", { object }),
        );
        expect(err).toBeNull();
        const answered = response as ResourceProto.RegisterResourceResponse;
        expect(answered.getUrn()).toBe("urn:pulumi:dev::proj::aws:iam/role:Role::agent");
        // The checker's client puts the request's own inputs back (child.ts).
        expect(answered.hasObject()).toBe(false);
        const role = records.find((r) => r.type === "aws:iam/role:Role")!;
        expect(Struct.deserializeBinary(role.inputs).toJavaScript()).toEqual(object);
        // Analyzers never see top-level "__" keys.
        expect(Struct.deserializeBinary(role.analyzerInputs!).toJavaScript()).toEqual({
            name: "agent",
            tags: { "agentguard.io/agent": "a" },
        });
        expect(records.map((r) => r.kind)).toEqual(["default-provider", "registered"]);
    });

    it("answers the outputs when they differ from the inputs: an autonamed Namespace gets its name", async () => {
        const { monitor } = newMonitor();
        const c = await connect(monitor);
        const { response } = await call(
            c,
            "registerResource",
            registration("kubernetes:core/v1:Namespace", "agents", { object: { metadata: { labels: {} } } }),
        );
        expect((response as ResourceProto.RegisterResourceResponse).getObject()?.toJavaScript()).toEqual({
            metadata: { labels: {}, name: "agents-xxxxxxxx" },
        });
    });

    it("answers the program's direct HTTP/2 calls as any gRPC call: a response, or the status and details", async () => {
        const { monitor, records } = newMonitor();
        server = await serveMonitor(monitor);
        const caller = new UnaryCaller(server.address.replace(/^unix:/, ""));
        const unary = (method: string, request: Uint8Array) =>
            new Promise<{ err: UnaryError | null; bytes?: Buffer }>((resolve) =>
                caller.call(`/pulumirpc.ResourceMonitor/${method}`, request, (err, bytes) =>
                    resolve({ err, bytes }),
                ),
            );
        const role = registration("aws:iam/role:Role", "agent", { object: { a: 1 } }).serializeBinary();
        const first = await unary("RegisterResource", role);
        expect(first.err).toBeNull();
        expect(ResourceProto.RegisterResourceResponse.deserializeBinary(first.bytes!).getUrn()).toBe(
            "urn:pulumi:dev::proj::aws:iam/role:Role::agent",
        );
        const again = await unary("RegisterResource", role);
        expect([again.err?.code, again.err?.details]).toEqual([
            2,
            "Duplicate resource URN 'urn:pulumi:dev::proj::aws:iam/role:Role::agent'; try giving it a unique name",
        ]);
        expect((await unary("RegisterFutureThing", new Uint8Array())).err?.code).toBe(12);
        expect(records.filter((r) => r.type === "aws:iam/role:Role")).toHaveLength(1);
        await server.close();
        const closed = await unary("RegisterResource", role);
        expect(closed.err?.code).toBe(14);
    });

    it("answers a provider function in the response class the SDK's service declares (it refuses any other)", async () => {
        const { monitor } = newMonitor();
        const c = await connect(monitor);
        const request = new ResourceProto.ResourceInvokeRequest();
        request.setTok("aws:index/getAvailabilityZones:getAvailabilityZones");
        request.setArgs(Struct.fromJavaScript({ state: "available" }));
        const { err, response } = await call(c, "invoke", request);
        expect(err).toBeNull();
        const answer = (response as { getReturn(): Struct | undefined }).getReturn()?.toJavaScript();
        expect(answer).toMatchObject({ names: expect.arrayContaining([expect.any(String)]) });
    });

    it("fails the run on a duplicate URN even when the program ignores the error it got", async () => {
        const { monitor, records } = newMonitor();
        const c = await connect(monitor);
        await call(c, "registerResource", registration("aws:iam/role:Role", "agent", { object: { a: 1 } }));
        const second = await call(
            c,
            "registerResource",
            registration("aws:iam/role:Role", "agent", { object: { a: 2 } }),
        );
        expect(second.err?.message).toContain("Duplicate resource URN");
        expect(monitor.inconsistencies()).toEqual([
            expect.stringContaining(
                "Duplicate resource URN 'urn:pulumi:dev::proj::aws:iam/role:Role::agent'",
            ),
        ]);
        expect(records.filter((r) => r.type === "aws:iam/role:Role")).toHaveLength(1);
    });

    it("takes outputs once per component, and never for a custom resource or an unknown URN", async () => {
        const { monitor, outputs } = newMonitor();
        const c = await connect(monitor);
        await call(c, "registerResource", registration("pulumi:pulumi:Stack", "proj-dev", { custom: false }));
        await call(c, "registerResource", registration("aws:iam/role:Role", "agent"));
        const outputsFor = (urn: string) => {
            const request = new ResourceProto.RegisterResourceOutputsRequest();
            request.setUrn(urn);
            request.setOutputs(Struct.fromJavaScript({ benign: true }));
            return call(c, "registerResourceOutputs", request);
        };
        expect((await outputsFor(STACK_URN)).err).toBeNull();
        expect(outputs).toEqual([STACK_URN]);
        for (const urn of [STACK_URN, "urn:pulumi:dev::proj::aws:iam/role:Role::agent", "urn:nothing"]) {
            expect((await outputsFor(urn)).err).not.toBeNull();
        }
        expect(outputs).toEqual([STACK_URN]);
        expect(monitor.inconsistencies()).toEqual([
            expect.stringContaining("already registered"),
            expect.stringContaining("not a component"),
            expect.stringContaining("never registered"),
        ]);
    });

    it("resolves alias specs as the engine does: parts not given come from the resource", async () => {
        const { monitor, records } = newMonitor();
        const c = await connect(monitor);
        const parent = "urn:pulumi:dev::proj::my:index:Holder::holder";
        await call(c, "registerResource", registration("my:index:Holder", "holder", { custom: false }));
        const request = registration("aws:iam/role:Role", "agent", { parent });
        const spec = (set: (s: AliasProto.Alias.Spec) => void) => {
            const alias = new AliasProto.Alias();
            const s = new AliasProto.Alias.Spec();
            set(s);
            alias.setSpec(s);
            return alias;
        };
        const byUrn = new AliasProto.Alias();
        byUrn.setUrn("urn:pulumi:dev::proj::aws:iam/role:Role::given");
        request.setAliasesList([
            byUrn,
            spec((s) => s.setName("old")),
            spec((s) => s.setType("my:index:OldRole")),
            spec((s) => s.setNoparent(true)),
            spec((s) => s.setParenturn("urn:pulumi:dev::proj::my:index:Other::other")),
            spec((s) => {
                s.setStack("prod");
                s.setProject("legacy");
            }),
        ]);
        expect((await call(c, "registerResource", request)).err).toBeNull();
        const role = records.find((r) => r.type === "aws:iam/role:Role")!;
        expect(role.options.aliases).toEqual([
            "urn:pulumi:dev::proj::aws:iam/role:Role::given",
            "urn:pulumi:dev::proj::my:index:Holder$aws:iam/role:Role::old",
            "urn:pulumi:dev::proj::my:index:Holder$my:index:OldRole::agent",
            "urn:pulumi:dev::proj::aws:iam/role:Role::agent",
            "urn:pulumi:dev::proj::my:index:Other$aws:iam/role:Role::agent",
            "urn:pulumi:prod::legacy::my:index:Holder$aws:iam/role:Role::agent",
        ]);
    });
});

describe("RegisterResource inputs kept encoded", () => {
    const encoded = (message: { serializeBinary(): Uint8Array }) => Buffer.from(message.serializeBinary());

    it("splits the inputs out of a request and puts them back into an answer", () => {
        const request = registration("t:m:T", "n", { object: { a: [1, "x"], b: { c: true } } });
        const split = splitField(encoded(request), 5)!;
        expect(Struct.deserializeBinary(split.payload).toJavaScript()).toEqual({
            a: [1, "x"],
            b: { c: true },
        });
        const rest = ResourceProto.RegisterResourceRequest.deserializeBinary(split.rest);
        expect([rest.getType(), rest.getName(), rest.hasObject()]).toEqual(["t:m:T", "n", false]);
        const answer = new ResourceProto.RegisterResourceResponse();
        answer.setUrn("u");
        const whole = ResourceProto.RegisterResourceResponse.deserializeBinary(
            appendField(encoded(answer), 3, split.payload),
        );
        expect([whole.getUrn(), whole.getObject()?.toJavaScript()]).toEqual([
            "u",
            { a: [1, "x"], b: { c: true } },
        ]);
    });

    it("leaves to the full decoder a field given twice (protobuf merges them) or a message it can't scan", () => {
        const object = encoded(Struct.fromJavaScript({ a: 1 }));
        const twice = appendField(appendField(Buffer.alloc(0), 5, object), 5, object);
        expect(splitField(twice, 5)).toBeUndefined();
        expect(splitField(Buffer.from([0x2a, 0x05, 0x01]), 5)).toBeUndefined();
        expect(splitField(Buffer.from([0x0b]), 5)).toBeUndefined();
    });

    it("tells whether a Struct has internal keys without decoding it", () => {
        expect(structHasKeyWithPrefix(encoded(Struct.fromJavaScript({ a: 1, __b: 2 })), "__")).toBe(true);
        expect(structHasKeyWithPrefix(encoded(Struct.fromJavaScript({ a: 1, b_: { __c: 1 } })), "__")).toBe(
            false,
        );
        expect(structHasKeyWithPrefix(Buffer.from([0x0a, 0x09]), "__")).toBeUndefined();
    });
});

describe("features the checker does not offer", () => {
    it("names the feature the SDK refused and says the checker lacks it", () => {
        for (const [refusal, feature] of [
            ["The Pulumi CLI does not support transforms. Please update the Pulumi CLI", "transforms"],
            [
                "The Pulumi CLI does not support resource hooks. Please update the Pulumi CLI",
                "resource hooks",
            ],
            [
                "The Pulumi CLI does not support state migrations. Please update the Pulumi CLI",
                "state migrations",
            ],
            [
                "The Pulumi CLI does not support the DeletedWith option. Please update the Pulumi CLI.",
                "DeletedWith",
            ],
        ]) {
            expect(unsupportedFeature(`Error: ${refusal}`)).toMatch(
                new RegExp(`^uses ${feature}, which agentguard's offline checker does not support`),
            );
        }
        expect(unsupportedFeature("TypeError: x is not a function")).toBeUndefined();
    });
});
