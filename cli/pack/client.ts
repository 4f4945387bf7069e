import * as grpc from "@grpc/grpc-js";
import { AnalyzerClient } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as analyzerProto from "@pulumi/pulumi/proto/analyzer_pb";
import * as pluginProto from "@pulumi/pulumi/proto/plugin_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";

// As large as the analyzer server accepts: a whole stack travels in one AnalyzeStack call.
const MAX_MESSAGE_BYTES = 400 * 1024 * 1024;

export class AnalyzerRpcError extends Error {
    constructor(
        readonly method: string,
        readonly code: number,
        details: string,
    ) {
        super(details);
        this.name = "AnalyzerRpcError";
    }
}

type Unary<Req, Res> = (
    request: Req,
    callback: (err: grpc.ServiceError | null, response: Res) => void,
) => grpc.ClientUnaryCall;

/** A promise-returning pulumirpc.Analyzer client, built on the stubs @pulumi/pulumi ships. */
export class AnalyzerConnection {
    private readonly client: AnalyzerClient;

    constructor(address: string) {
        this.client = new AnalyzerClient(address, grpc.credentials.createInsecure(), {
            "grpc.max_receive_message_length": MAX_MESSAGE_BYTES,
            "grpc.max_send_message_length": MAX_MESSAGE_BYTES,
        });
    }

    waitForReady(timeoutMs: number): Promise<void> {
        return new Promise((resolve, reject) =>
            this.client.waitForReady(Date.now() + timeoutMs, (err) => (err ? reject(err) : resolve())),
        );
    }

    private call<Req, Res>(method: string, fn: Unary<Req, Res>, request: Req): Promise<Res> {
        return new Promise((resolve, reject) => {
            fn.call(this.client, request, (err, response) => {
                if (err) {
                    reject(new AnalyzerRpcError(method, err.code, err.details || err.message));
                } else {
                    resolve(response);
                }
            });
        });
    }

    /** Newer engines start with a handshake; packs that predate it answer UNIMPLEMENTED, which is fine. */
    async handshake(packDir: string): Promise<void> {
        const request = new analyzerProto.AnalyzerHandshakeRequest();
        request.setEngineAddress("");
        request.setRootDirectory(packDir);
        request.setProgramDirectory(packDir);
        try {
            await this.call("Handshake", this.client.handshake, request);
        } catch (err) {
            if (!(err instanceof AnalyzerRpcError && err.code === grpc.status.UNIMPLEMENTED)) {
                throw err;
            }
        }
    }

    async configureStack(request: analyzerProto.AnalyzerStackConfigureRequest): Promise<void> {
        try {
            await this.call("ConfigureStack", this.client.configureStack, request);
        } catch (err) {
            if (!(err instanceof AnalyzerRpcError && err.code === grpc.status.UNIMPLEMENTED)) {
                throw err;
            }
        }
    }

    getAnalyzerInfo(): Promise<analyzerProto.AnalyzerInfo> {
        return this.call("GetAnalyzerInfo", this.client.getAnalyzerInfo, new Empty());
    }

    getPluginInfo(): Promise<pluginProto.PluginInfo> {
        return this.call("GetPluginInfo", this.client.getPluginInfo, new Empty());
    }

    async configure(request: analyzerProto.ConfigureAnalyzerRequest): Promise<void> {
        await this.call("Configure", this.client.configure, request);
    }

    remediate(request: analyzerProto.AnalyzeRequest): Promise<analyzerProto.RemediateResponse> {
        return this.call("Remediate", this.client.remediate, request);
    }

    analyze(request: analyzerProto.AnalyzeRequest): Promise<analyzerProto.AnalyzeResponse> {
        return this.call("Analyze", this.client.analyze, request);
    }

    analyzeStack(request: analyzerProto.AnalyzeStackRequest): Promise<analyzerProto.AnalyzeResponse> {
        return this.call("AnalyzeStack", this.client.analyzeStack, request);
    }

    close(): void {
        this.client.close();
    }
}
