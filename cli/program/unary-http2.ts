/**
 * The program's side of the hottest RPC (RegisterResource, once per resource): a gRPC unary call made
 * directly on one HTTP/2 session, the wire format grpc-js uses (5-byte message prefix, `grpc-status`
 * trailers), without grpc-js's per-call machinery (resolver, load balancer, interceptors, metadata
 * objects), which costs the program more than the registration itself. The checker's server is a regular
 * gRPC server: it cannot tell this client from grpc-js's.
 */
import * as http2 from "http2";
import * as net from "net";

/** What the SDK reads from a failed call, shaped as grpc-js's ServiceError. */
export interface UnaryError extends Error {
    readonly code: number;
    readonly details: string;
}

const STATUS_NAMES = [
    "OK",
    "CANCELLED",
    "UNKNOWN",
    "INVALID_ARGUMENT",
    "DEADLINE_EXCEEDED",
    "NOT_FOUND",
    "ALREADY_EXISTS",
    "PERMISSION_DENIED",
    "RESOURCE_EXHAUSTED",
    "FAILED_PRECONDITION",
    "ABORTED",
    "OUT_OF_RANGE",
    "UNIMPLEMENTED",
    "INTERNAL",
    "UNAVAILABLE",
    "DATA_LOSS",
    "UNAUTHENTICATED",
];
const UNAVAILABLE = 14;
const INTERNAL = 13;

function unaryError(code: number, details: string): UnaryError {
    return Object.assign(new Error(`${code} ${STATUS_NAMES[code] ?? "UNKNOWN"}: ${details}`), {
        code,
        details,
    });
}

function headerText(value: string | string[] | undefined): string | undefined {
    return Array.isArray(value) ? value[0] : value;
}

export class UnaryCaller {
    private session: http2.ClientHttp2Session | undefined;
    private active = 0;

    /** `socket`: the path of the server's Unix socket. */
    constructor(private readonly socket: string) {}

    private connect(): http2.ClientHttp2Session {
        if (!this.session || this.session.closed || this.session.destroyed) {
            const session = http2.connect("http://localhost", {
                createConnection: () => net.connect(this.socket),
                settings: { initialWindowSize: 64 * 1024 * 1024 },
                // Thousands of registrations are in flight at once: Node's defaults (100 streams before the
                // server's settings arrive, 10 MB of session memory) would refuse some of them, as grpc-js
                // knows too (it lifts the memory limit the same way).
                peerMaxConcurrentStreams: 2 ** 31 - 1,
                maxSessionMemory: Number.MAX_SAFE_INTEGER,
                maxSendHeaderBlockLength: Number.MAX_SAFE_INTEGER,
            });
            // Errors reach each call through its stream; the session must not crash the process.
            session.on("error", () => undefined);
            session.on("connect", () => session.setLocalWindowSize(64 * 1024 * 1024));
            this.session = session;
        }
        return this.session;
    }

    /** Calls `path` with an encoded request; `callback` gets the encoded response or a gRPC error. */
    call(
        path: string,
        request: Uint8Array,
        callback: (err: UnaryError | null, response?: Buffer) => void,
    ): void {
        let session: http2.ClientHttp2Session;
        let stream: http2.ClientHttp2Stream;
        try {
            session = this.connect();
            stream = session.request({
                ":method": "POST",
                ":path": path,
                "content-type": "application/grpc",
                te: "trailers",
            });
        } catch (err) {
            setImmediate(() => callback(unaryError(UNAVAILABLE, (err as Error).message)));
            return;
        }
        // An answer pending keeps the program alive, as a grpc-js call does; none pending does not.
        if (this.active++ === 0) {
            session.ref();
        }
        let finished = false;
        let status: string | undefined;
        let details = "";
        const chunks: Buffer[] = [];
        const finish = (err: UnaryError | null, response?: Buffer) => {
            if (finished) {
                return;
            }
            finished = true;
            if (--this.active === 0 && !session.destroyed) {
                session.unref();
            }
            callback(err, response);
        };
        const readStatus = (headers: http2.IncomingHttpHeaders) => {
            const code = headerText(headers["grpc-status"]);
            if (code !== undefined) {
                status = code;
                details = decodeURIComponent(headerText(headers["grpc-message"]) ?? "");
            }
        };
        stream.on("response", readStatus);
        stream.on("trailers", readStatus);
        stream.on("data", (chunk: Buffer) => chunks.push(chunk));
        stream.on("error", (err: Error) => finish(unaryError(UNAVAILABLE, err.message)));
        stream.on("close", () => {
            if (status === undefined) {
                finish(unaryError(UNAVAILABLE, "the monitor closed the call without a status"));
                return;
            }
            if (status !== "0") {
                finish(unaryError(Number(status), details));
                return;
            }
            const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
            const length = body.length >= 5 ? body.readUInt32BE(1) : -1;
            if (length < 0 || body[0] !== 0 || body.length !== 5 + length) {
                finish(unaryError(INTERNAL, "the monitor's answer is not one uncompressed gRPC message"));
                return;
            }
            finish(null, body.subarray(5));
        });
        const frame = Buffer.allocUnsafe(5 + request.length);
        frame[0] = 0;
        frame.writeUInt32BE(request.length, 1);
        frame.set(request, 5);
        stream.end(frame);
    }
}
