import { PassThrough } from "stream";
import * as v8 from "v8";
import { describe, expect, it } from "vitest";
import { FrameWriter, MAX_FRAME_BYTES, readFrames } from "../../cli/program/frames";

function read(chunks: readonly Buffer[]) {
    const stream = new PassThrough();
    const messages: unknown[] = [];
    const malformed: string[] = [];
    readFrames(
        stream,
        (m) => messages.push(m),
        (why) => malformed.push(why),
    );
    for (const chunk of chunks) {
        stream.write(chunk);
    }
    return { messages, malformed };
}

function frame(body: Buffer): Buffer {
    const head = Buffer.alloc(4);
    head.writeUInt32BE(body.length, 0);
    return Buffer.concat([head, body]);
}

describe("the child's diagnostic frames", () => {
    it("decodes frames split across chunks, in order", () => {
        const all = Buffer.concat([frame(v8.serialize({ kind: "done" })), frame(v8.serialize({ n: 2 }))]);
        const { messages, malformed } = read([all.subarray(0, 5), all.subarray(5)]);
        expect(messages).toEqual([{ kind: "done" }, { n: 2 }]);
        expect(malformed).toEqual([]);
        expect(FrameWriter).toBeTypeOf("function");
    });

    it("reports a frame that does not decode, and reads nothing after it", () => {
        const { messages, malformed } = read([
            frame(Buffer.from([0xff, 0x00, 0x7f])),
            frame(v8.serialize({ kind: "done" })),
        ]);
        expect(messages).toEqual([]);
        expect(malformed).toEqual([expect.stringContaining("a frame that does not decode")]);
    });

    it("reports a length no diagnostic has instead of buffering for it", () => {
        const head = Buffer.alloc(4);
        head.writeUInt32BE(MAX_FRAME_BYTES + 1, 0);
        expect(read([head]).malformed).toEqual([
            `a frame of ${MAX_FRAME_BYTES + 1} bytes (at most ${MAX_FRAME_BYTES} are sent)`,
        ]);
    });
});
