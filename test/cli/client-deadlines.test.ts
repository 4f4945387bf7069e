import * as grpc from "@grpc/grpc-js";
import * as analyzerProto from "@pulumi/pulumi/proto/analyzer_pb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AnalyzerConnection, AnalyzerRpcError } from "../../cli/pack/client";
import { analyzerService } from "../helpers/analyzer-messages";

/** An analyzer that accepts calls and never answers: a stopped or stuck pack, as seen from the checker. */
let server: grpc.Server;
let address: string;

beforeAll(async () => {
    server = new grpc.Server();
    const silent = () => undefined;
    const handlers = Object.fromEntries(Object.keys(analyzerService).map((name) => [name, silent]));
    server.addService(
        analyzerService as grpc.ServiceDefinition,
        handlers as grpc.UntypedServiceImplementation,
    );
    const port = await new Promise<number>((resolve, reject) =>
        server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) =>
            err ? reject(err) : resolve(p),
        ),
    );
    address = `127.0.0.1:${port}`;
});

afterAll(() => server.forceShutdown());

async function rpcError(promise: Promise<unknown>): Promise<AnalyzerRpcError> {
    try {
        await promise;
    } catch (err) {
        expect(err).toBeInstanceOf(AnalyzerRpcError);
        return err as AnalyzerRpcError;
    }
    throw new Error("expected the call to fail");
}

describe("deadlines on every analyzer call", () => {
    it("ends a per-resource call the pack never answers, naming the call and the limit", async () => {
        const connection = new AnalyzerConnection(address, { callTimeoutMs: 300 });
        const started = Date.now();
        const err = await rpcError(connection.analyze(new analyzerProto.AnalyzeRequest()));
        expect(Date.now() - started).toBeLessThan(5000);
        expect(err.method).toBe("Analyze");
        expect(err.code).toBe(grpc.status.DEADLINE_EXCEEDED);
        expect(err.message).toBe("no answer within 1 s: the policy pack is stopped, stuck or overloaded");
        connection.close();
    });

    it("gives the setup calls the same limit", async () => {
        const connection = new AnalyzerConnection(address, { callTimeoutMs: 300 });
        expect((await rpcError(connection.getAnalyzerInfo())).method).toBe("GetAnalyzerInfo");
        expect(
            (await rpcError(connection.configure(new analyzerProto.ConfigureAnalyzerRequest()))).method,
        ).toBe("Configure");
        connection.close();
    });

    it("gives AnalyzeStack its own limit, and no call outlives the run's deadline", async () => {
        const stack = new AnalyzerConnection(address, { callTimeoutMs: 60_000, stackTimeoutMs: 300 });
        const err = await rpcError(stack.analyzeStack(new analyzerProto.AnalyzeStackRequest()));
        expect(err.method).toBe("AnalyzeStack");
        expect(err.code).toBe(grpc.status.DEADLINE_EXCEEDED);
        stack.close();
        const bounded = new AnalyzerConnection(address, {
            callTimeoutMs: 60_000,
            deadline: Date.now() + 300,
        });
        const started = Date.now();
        await rpcError(bounded.remediate(new analyzerProto.AnalyzeRequest()));
        expect(Date.now() - started).toBeLessThan(5000);
        bounded.close();
    });

    it("cancels calls in flight when the run is stopped, and refuses new ones", async () => {
        const controller = new AbortController();
        const connection = new AnalyzerConnection(address, { signal: controller.signal });
        const pending = rpcError(connection.analyze(new analyzerProto.AnalyzeRequest()));
        setTimeout(() => controller.abort(), 100);
        expect((await pending).code).toBe(grpc.status.CANCELLED);
        expect((await rpcError(connection.analyze(new analyzerProto.AnalyzeRequest()))).code).toBe(
            grpc.status.CANCELLED,
        );
        connection.close();
    });
});
