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

/** Larger than any diagnostic the child sends; a longer frame is not one of ours. */
export const MAX_FRAME_BYTES = 16 * 1024 * 1024;

/**
 * Reads FrameWriter's frames from a stream and hands each decoded message to `onMessage`, in order. The
 * program shares the child's process, so the stream may carry anything: a frame that is too long or does
 * not decode goes to `onMalformed`, and nothing more is read.
 */
export function readFrames(
    stream: Readable,
    onMessage: (message: unknown) => void,
    onMalformed: (why: string) => void,
): void {
    let buffered: Buffer = Buffer.alloc(0);
    let broken = false;
    stream.on("data", (chunk: Buffer) => {
        if (broken) {
            return;
        }
        buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
        let offset = 0;
        while (buffered.length - offset >= 4) {
            const length = buffered.readUInt32BE(offset);
            if (length > MAX_FRAME_BYTES) {
                broken = true;
                onMalformed(`a frame of ${length} bytes (at most ${MAX_FRAME_BYTES} are sent)`);
                return;
            }
            if (buffered.length - offset - 4 < length) {
                break;
            }
            let message: unknown;
            try {
                message = v8.deserialize(buffered.subarray(offset + 4, offset + 4 + length));
            } catch (err) {
                broken = true;
                onMalformed(`a frame that does not decode (${(err as Error).message})`);
                return;
            }
            onMessage(message);
            offset += 4 + length;
        }
        buffered = offset === buffered.length ? Buffer.alloc(0) : buffered.subarray(offset);
    });
}
