import * as fs from "fs";
import * as v8 from "v8";
import type { Readable } from "stream";

/**
 * Length-prefixed, v8-serialized messages over a pipe. The program writes synchronously, so resources leave
 * the child while it is still busy registering more (an IPC send would wait for its event loop).
 */
export class FrameWriter {
    constructor(private readonly fd: number) {}

    write(message: unknown): void {
        const body = v8.serialize(message);
        const frame = Buffer.allocUnsafe(4 + body.length);
        frame.writeUInt32BE(body.length, 0);
        body.copy(frame, 4);
        let offset = 0;
        while (offset < frame.length) {
            try {
                offset += fs.writeSync(this.fd, frame, offset);
            } catch (err) {
                if ((err as NodeJS.ErrnoException).code !== "EAGAIN") {
                    throw err;
                }
                // The reader is behind: wait a moment rather than buffer without bound.
                Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
            }
        }
    }
}

/** Reads FrameWriter's frames from a stream and hands each decoded message to `onMessage`, in order. */
export function readFrames(stream: Readable, onMessage: (message: unknown) => void): void {
    let buffered: Buffer = Buffer.alloc(0);
    stream.on("data", (chunk: Buffer) => {
        buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
        let offset = 0;
        while (buffered.length - offset >= 4) {
            const length = buffered.readUInt32BE(offset);
            if (buffered.length - offset - 4 < length) {
                break;
            }
            onMessage(v8.deserialize(buffered.subarray(offset + 4, offset + 4 + length)));
            offset += 4 + length;
        }
        buffered = offset === buffered.length ? Buffer.alloc(0) : buffered.subarray(offset);
    });
}
