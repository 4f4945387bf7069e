import { describe, expect, it } from "vitest";

import { lengthDelimitedField, varint } from "../../core/protobuf-wire";
import { analyzerProto, call, encode } from "../helpers/analyzer-messages";

describe("protobuf wire helpers", () => {
    it("write varints of one and more bytes", () => {
        expect(varint(0)).toEqual([0]);
        expect(varint(127)).toEqual([0x7f]);
        expect(varint(128)).toEqual([0x80, 0x01]);
        expect(varint(300)).toEqual([0xac, 0x02]);
        expect(varint(2 ** 32)).toEqual([0x80, 0x80, 0x80, 0x80, 0x10]);
    });

    it("frame a message as google-protobuf frames a repeated message field, long payloads and high fields too", () => {
        const resource = new analyzerProto.AnalyzerResource();
        call(resource, "setUrn", `urn:${"x".repeat(400)}`);
        const request = new analyzerProto.AnalyzeStackRequest();
        call(request, "addResources", resource);
        expect([...lengthDelimitedField(1, encode(resource))]).toEqual([...encode(request)]);
        // Field 20: a two-byte tag.
        expect([...lengthDelimitedField(20, Uint8Array.from([7]))]).toEqual([0xa2, 0x01, 0x01, 0x07]);
    });
});
