/**
 * The inputs of a RegisterResource call kept as the bytes they arrived in: the checker records them encoded,
 * so decoding and re-encoding each resource's properties (most of a registration's cost) is skipped.
 * Anything unusual falls back to the standard decoding.
 */
import { lengthDelimitedPrefix, WIRE_TYPES } from "../../core/protobuf-wire";

/** RegisterResourceRequest.object (pulumi/resource.proto). */
export const REQUEST_OBJECT_FIELD = 5;
/** google.protobuf.Struct.fields: a map, i.e. repeated entries {1: key, 2: value}. */
const STRUCT_FIELDS = 1;
const ENTRY_KEY = 1;

function readVarint(bytes: Uint8Array, start: number): [number, number] {
    let value = 0;
    let scale = 1;
    for (let pos = start; pos < bytes.length && pos < start + 10; pos++) {
        const byte = bytes[pos];
        value += (byte & 0x7f) * scale;
        if ((byte & 0x80) === 0) {
            return [value, pos + 1];
        }
        scale *= 128;
    }
    throw new Error("malformed varint");
}

interface Field {
    readonly number: number;
    readonly start: number;
    /** Where the payload of a length-delimited field starts. */
    readonly payload: number;
    readonly end: number;
}

/** The top-level fields of a message, in order; throws on groups or a truncated message. */
function fields(bytes: Uint8Array): Field[] {
    const found: Field[] = [];
    let pos = 0;
    while (pos < bytes.length) {
        const start = pos;
        const [tag, afterTag] = readVarint(bytes, pos);
        const number = Math.floor(tag / 8);
        const type = tag % 8;
        let payload = afterTag;
        if (type === WIRE_TYPES.varint) {
            pos = readVarint(bytes, afterTag)[1];
        } else if (type === WIRE_TYPES.fixed64) {
            pos = afterTag + 8;
        } else if (type === WIRE_TYPES.fixed32) {
            pos = afterTag + 4;
        } else if (type === WIRE_TYPES.lengthDelimited) {
            const [length, afterLength] = readVarint(bytes, afterTag);
            payload = afterLength;
            pos = afterLength + length;
        } else {
            throw new Error(`unsupported wire type ${type}`);
        }
        if (pos > bytes.length) {
            throw new Error("truncated message");
        }
        found.push({ number, start, payload, end: pos });
    }
    return found;
}

/**
 * Splits a message into one length-delimited field's payload and the rest. Undefined when the field is not
 * there exactly once as a length-delimited field (repeated occurrences merge, which only the full decoder
 * does right) or the message can't be scanned.
 */
export function splitField(
    bytes: Uint8Array,
    field: number,
): { readonly payload: Uint8Array; readonly rest: Uint8Array } | undefined {
    let all: Field[];
    try {
        all = fields(bytes);
    } catch {
        return undefined;
    }
    const matching = all.filter((f) => f.number === field);
    if (matching.length !== 1 || matching[0].payload === matching[0].start) {
        return undefined;
    }
    const { start, payload, end } = matching[0];
    const rest = new Uint8Array(bytes.length - (end - start));
    rest.set(bytes.subarray(0, start), 0);
    rest.set(bytes.subarray(end), start);
    return { payload: bytes.subarray(payload, end), rest };
}

/** Appends an encoded message as a length-delimited field to an encoded message. */
export function appendField(message: Uint8Array, field: number, payload: Uint8Array): Buffer {
    return Buffer.concat([message, lengthDelimitedPrefix(field, payload.length), payload]);
}

/** Whether an encoded Struct has a top-level key starting with `prefix`; undefined if it can't be read. */
export function structHasKeyWithPrefix(struct: Uint8Array, prefix: string): boolean | undefined {
    try {
        for (const entry of fields(struct)) {
            if (entry.number !== STRUCT_FIELDS || entry.payload === entry.start) {
                return undefined;
            }
            const body = struct.subarray(entry.payload, entry.end);
            for (const part of fields(body)) {
                if (part.number === ENTRY_KEY && part.payload !== part.start) {
                    const key = Buffer.from(
                        body.buffer,
                        body.byteOffset + part.payload,
                        part.end - part.payload,
                    );
                    if (key.toString("utf8").startsWith(prefix)) {
                        return true;
                    }
                }
            }
        }
        return false;
    } catch {
        return undefined;
    }
}

/** Messages whose `object` field is kept encoded (set by the server's codec, read by the monitor). */
const rawObjects = new WeakMap<object, Uint8Array>();

export function rawObjectOf(message: object): Uint8Array | undefined {
    return rawObjects.get(message);
}

export function setRawObject(message: object, object: Uint8Array): void {
    rawObjects.set(message, object);
}
