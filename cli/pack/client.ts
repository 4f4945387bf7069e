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
    metadata: grpc.Metadata,
    options: Partial<grpc.CallOptions>,
    callback: (err: grpc.ServiceError | null, response: Res) => void,
) => grpc.ClientUnaryCall;

/** How long one call may take: a stopped (SIGSTOP) or stuck pack must end the run, never hang it. */
export interface CallLimits {
    /** Every call but AnalyzeStack: one resource, or the pack's setup. @default 120000 */
    readonly callTimeoutMs?: number;
    /** AnalyzeStack, which judges the whole stack at once. @default 600000 */
    readonly stackTimeoutMs?: number;
    /** No call outlives this time (ms since the epoch): the run's own deadline. */
    readonly deadline?: number;
    /** Cancels every call in flight (the run was stopped). */
    readonly signal?: AbortSignal;
}

export const DEFAULT_CALL_TIMEOUT_MS = 120_000;
export const DEFAULT_STACK_TIMEOUT_MS = 600_000;

function seconds(ms: number): string {
    return `${Math.max(1, Math.round(ms / 1000))} s`;
}

/** A promise-returning pulumirpc.Analyzer client, built on the stubs @pulumi/pulumi ships. */
export class AnalyzerConnection {
    private readonly client: AnalyzerClient;
    private readonly inFlight = new Set<grpc.ClientUnaryCall>();

    constructor(
        address: string,
        private readonly limits: CallLimits = {},
    ) {
        this.client = new AnalyzerClient(address, grpc.credentials.createInsecure(), {
            "grpc.max_receive_message_length": MAX_MESSAGE_BYTES,
            "grpc.max_send_message_length": MAX_MESSAGE_BYTES,
        });
        limits.signal?.addEventListener("abort", () => this.cancelAll(), { once: true });
    }

    /** The absolute deadline of a call that may take `limitMs`, and that limit as it applies. */
    private deadlineFor(limitMs: number): { at: number; ms: number } {
        const now = Date.now();
        const at = Math.min(now + limitMs, this.limits.deadline ?? Infinity);
        return { at, ms: at - now };
    }

    waitForReady(timeoutMs: number): Promise<void> {
        const { at, ms } = this.deadlineFor(timeoutMs);
        return new Promise((resolve, reject) =>
            this.client.waitForReady(at, (err) =>
                err
                    ? reject(
                          new AnalyzerRpcError(
                              "connect",
                              grpc.status.DEADLINE_EXCEEDED,
                              `the policy pack's gRPC server did not accept a connection within ${seconds(ms)} ` +
                                  `(${err.message})`,
                          ),
                      )
                    : resolve(),
            ),
        );
    }

    private call<Req, Res>(
        method: string,
        fn: Unary<Req, Res>,
        request: Req,
        limitMs = this.limits.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS,
    ): Promise<Res> {
        if (this.limits.signal?.aborted) {
            return Promise.reject(new AnalyzerRpcError(method, grpc.status.CANCELLED, "the run was stopped"));
        }
        const { at, ms } = this.deadlineFor(limitMs);
        return new Promise((resolve, reject) => {
            const call = fn.call(
                this.client,
                request,
                new grpc.Metadata(),
                { deadline: at },
                (err, response) => {
                    this.inFlight.delete(call);
                    if (err?.code === grpc.status.DEADLINE_EXCEEDED) {
                        reject(
                            new AnalyzerRpcError(
                                method,
                                err.code,
                                `no answer within ${seconds(ms)}: the policy pack is stopped, stuck or overloaded`,
                            ),
                        );
                    } else if (err) {
                        reject(new AnalyzerRpcError(method, err.code, err.details || err.message));
                    } else {
                        resolve(response);
                    }
                },
            );
            this.inFlight.add(call);
        });
    }

    private cancelAll(): void {
        for (const call of this.inFlight) call.cancel();
        this.inFlight.clear();
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
        return this.call(
            "AnalyzeStack",
            this.client.analyzeStack,
            request,
            this.limits.stackTimeoutMs ?? DEFAULT_STACK_TIMEOUT_MS,
        );
    }

    close(): void {
        this.cancelAll();
        this.client.close();
    }
}
