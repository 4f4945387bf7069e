/**
 * Reading analyzer requests straight from the protobuf wire. google-protobuf decodes every property of every
 * resource into a tree of Value messages before @pulumi/policy turns it into plain JavaScript: at 17,000
 * resources (15 MB) that decoding alone takes about 2 s. Here a request is decoded by google-protobuf without
 * its properties (the small rest: names, options, links), and each resource's properties are read from
 * their bytes into plain JavaScript when first asked for, exactly as `Struct.toJavaScript()` would give them.
 * A request this reader does not expect is decoded the usual way; properties that turn out malformed when
 * read throw there, failing the request as google-protobuf would have.
 */
import { ANALYZER_FIELDS, WIRE_TYPES, lengthDelimitedPrefix } from "../../core/protobuf-wire";

// google.protobuf.Value's fields (struct.proto).
const NULL_VALUE = 1;
const NUMBER_VALUE = 2;
const STRING_VALUE = 3;
const BOOL_VALUE = 4;
const STRUCT_VALUE = 5;
const LIST_VALUE = 6;

const PROPERTIES_FIELD = ANALYZER_FIELDS.properties;
const PROVIDER_FIELD = ANALYZER_FIELDS.provider;
const RESOURCES_FIELD = ANALYZER_FIELDS.resources;

const { varint: VARINT, fixed64: FIXED64, lengthDelimited: LENGTH_DELIMITED, fixed32: FIXED32 } = WIRE_TYPES;

const VALUE_WIRE_TYPES: Readonly<Record<number, number>> = {
    [NULL_VALUE]: VARINT,
    [NUMBER_VALUE]: FIXED64,
    [STRING_VALUE]: LENGTH_DELIMITED,
    [BOOL_VALUE]: VARINT,
    [STRUCT_VALUE]: LENGTH_DELIMITED,
    [LIST_VALUE]: LENGTH_DELIMITED,
};

/** A malformed or unexpected encoding: the request is left to google-protobuf. */
export class WireFormatError extends Error {}

interface Field {
    readonly number: number;
    readonly wireType: number;
    /** Where the field starts (its tag) and ends, in the message's bytes. */
    readonly start: number;
    readonly end: number;
    /** For length-delimited fields, where the payload starts. */
    readonly payloadStart: number;
}

class WireReader {
    private pos: number;

    constructor(
        private readonly bytes: Uint8Array,
        start = 0,
        private readonly end = bytes.length,
    ) {
        this.pos = start;
    }

    done(): boolean {
        return this.pos >= this.end;
    }

    varint(): number {
        let result = 0;
        let scale = 1;
        for (let i = 0; i < 10; i++) {
            if (this.pos >= this.end) throw new WireFormatError("varint runs past the end of the message");
            const byte = this.bytes[this.pos++];
            result += (byte & 0x7f) * scale;
            if (byte < 0x80) return result;
            scale *= 128;
        }
        throw new WireFormatError("varint longer than 10 bytes");
    }

    /** The next field, with the reader moved past it. */
    field(): Field {
        const start = this.pos;
        const tag = this.varint();
        const number = Math.floor(tag / 8);
        const wireType = tag % 8;
        if (number === 0) throw new WireFormatError("field number 0");
        let payloadStart = this.pos;
        switch (wireType) {
            case VARINT:
                this.varint();
                break;
            case FIXED64:
                this.pos += 8;
                break;
            case LENGTH_DELIMITED: {
                const length = this.varint();
                payloadStart = this.pos;
                this.pos += length;
                break;
            }
            case FIXED32:
                this.pos += 4;
                break;
            default:
                throw new WireFormatError(`unsupported wire type ${wireType}`);
        }
        if (this.pos > this.end) throw new WireFormatError("field runs past the end of the message");
        return { number, wireType, start, end: this.pos, payloadStart };
    }
}

function asBuffer(bytes: Uint8Array): Buffer {
    return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** google.protobuf.Struct's bytes as plain JavaScript, as `Struct.toJavaScript()` gives them. */
export function structToJavaScript(bytes: Uint8Array): Record<string, unknown> {
    return readStruct(asBuffer(bytes), 0, bytes.length);
}

function readStruct(bytes: Buffer, start: number, end: number): Record<string, unknown> {
    // google-protobuf's map keeps the last entry of a key and hands entries out sorted by key.
    const entries = new Map<string, readonly [number, number] | undefined>();
    const reader = new WireReader(bytes, start, end);
    while (!reader.done()) {
        const field = reader.field();
        if (field.number !== 1) continue;
        if (field.wireType !== LENGTH_DELIMITED) throw new WireFormatError("Struct.fields is not a message");
        let key = "";
        let value: readonly [number, number] | undefined;
        const entry = new WireReader(bytes, field.payloadStart, field.end);
        while (!entry.done()) {
            const part = entry.field();
            if (part.wireType !== LENGTH_DELIMITED) {
                if (part.number === 1 || part.number === 2) throw new WireFormatError("map entry field type");
                continue;
            }
            if (part.number === 1) key = bytes.toString("utf8", part.payloadStart, part.end);
            else if (part.number === 2) value = [part.payloadStart, part.end];
        }
        entries.set(key, value);
    }
    const result: Record<string, unknown> = {};
    for (const key of [...entries.keys()].sort()) {
        const value = entries.get(key);
        // google-protobuf's entry without a value holds an empty Value, which toJavaScript refuses.
        result[key] = value === undefined ? readValue(bytes, 0, 0) : readValue(bytes, value[0], value[1]);
    }
    return result;
}

function readList(bytes: Buffer, start: number, end: number): unknown[] {
    const result: unknown[] = [];
    const reader = new WireReader(bytes, start, end);
    while (!reader.done()) {
        const field = reader.field();
        if (field.number !== 1) continue;
        if (field.wireType !== LENGTH_DELIMITED)
            throw new WireFormatError("ListValue.values is not a message");
        result.push(readValue(bytes, field.payloadStart, field.end));
    }
    return result;
}

function readValue(bytes: Buffer, start: number, end: number): unknown {
    // A oneof: the last of its fields on the wire is the one set.
    let kind: Field | undefined;
    const reader = new WireReader(bytes, start, end);
    while (!reader.done()) {
        const field = reader.field();
        if (field.number >= NULL_VALUE && field.number <= LIST_VALUE) kind = field;
    }
    if (kind === undefined) throw new Error("Unexpected struct type");
    if (kind.wireType !== VALUE_WIRE_TYPES[kind.number]) {
        throw new WireFormatError(`Value field ${kind.number} has wire type ${kind.wireType}`);
    }
    switch (kind.number) {
        case NULL_VALUE:
            return null;
        case NUMBER_VALUE:
            return bytes.readDoubleLE(kind.payloadStart);
        case STRING_VALUE:
            return bytes.toString("utf8", kind.payloadStart, kind.end);
        case BOOL_VALUE:
            return new WireReader(bytes, kind.payloadStart, kind.end).varint() !== 0;
        case STRUCT_VALUE:
            return readStruct(bytes, kind.payloadStart, kind.end);
        default:
            return readList(bytes, kind.payloadStart, kind.end);
    }
}

/** google-protobuf's Struct class, as the analyzer's generated code uses it. */
type StructClass = (new () => object) & { deserializeBinary(bytes: Uint8Array): object };

/**
 * A resource's properties, kept as bytes until asked for: `toJavaScript()` reads them straight from the
 * bytes; anything else of the Struct API (say `toObject` on the request) gets a Struct google-protobuf
 * decodes from the same bytes, so the object behaves as the Struct it stands for.
 */
export function encodedStruct(bytes: Uint8Array, structClass: StructClass): object {
    let decoded: Record<string | symbol, unknown> | undefined;
    const full = () => (decoded ??= structClass.deserializeBinary(bytes) as Record<string | symbol, unknown>);
    const toJavaScript = () => structToJavaScript(bytes);
    return new Proxy(Object.create(structClass.prototype) as object, {
        get(_target, key) {
            if (key === "toJavaScript") return toJavaScript;
            const value = full()[key];
            return typeof value === "function"
                ? (value as (...args: unknown[]) => unknown).bind(full())
                : value;
        },
    });
}

/** A message's bytes without its properties, and the properties (its own and its provider's) taken out. */
interface SplitResource {
    readonly rest: Uint8Array;
    readonly properties?: Uint8Array;
    /** Present when the message has a provider: that provider's properties (undefined if it has none). */
    readonly provider?: { readonly properties?: Uint8Array };
}

function lengthDelimited(fieldNumber: number, payload: Uint8Array): Uint8Array[] {
    return [lengthDelimitedPrefix(fieldNumber, payload.length), payload];
}

/**
 * Takes the properties (field 2) out of an AnalyzeRequest or AnalyzerResource, and out of its provider
 * (field 6). Fields occurring more than once keep google-protobuf's reading: the last one is the value.
 */
export function splitResource(bytes: Uint8Array, withProvider = true): SplitResource {
    const parts: Uint8Array[] = [];
    let properties: Uint8Array | undefined;
    let provider: { properties?: Uint8Array } | undefined;
    const reader = new WireReader(bytes);
    while (!reader.done()) {
        const field = reader.field();
        if (field.number === PROPERTIES_FIELD) {
            if (field.wireType !== LENGTH_DELIMITED) throw new WireFormatError("properties is not a message");
            properties = bytes.subarray(field.payloadStart, field.end);
        } else if (withProvider && field.number === PROVIDER_FIELD) {
            if (field.wireType !== LENGTH_DELIMITED) throw new WireFormatError("provider is not a message");
            const inner = splitResource(bytes.subarray(field.payloadStart, field.end), false);
            provider = { properties: inner.properties };
            parts.push(...lengthDelimited(PROVIDER_FIELD, inner.rest));
        } else {
            parts.push(bytes.subarray(field.start, field.end));
        }
    }
    return { rest: Buffer.concat(parts), properties, provider };
}

/** The google-protobuf message classes involved (from the analyzer's generated code). */
interface ResourceMessage {
    getProvider(): object | undefined;
}
export interface RequestClass<T> {
    deserializeBinary(bytes: Uint8Array): T;
}

/** Lets the message hand out the properties kept as bytes, always the same object (callers key on it). */
function attach(message: object, properties: Uint8Array | undefined, structClass: StructClass): void {
    if (properties === undefined) return;
    const struct = encodedStruct(properties, structClass);
    Object.defineProperty(message, "getProperties", { value: () => struct });
}

function attachAll(message: ResourceMessage, split: SplitResource, structClass: StructClass): void {
    attach(message, split.properties, structClass);
    if (split.provider) {
        const provider = message.getProvider();
        if (provider) attach(provider, split.provider.properties, structClass);
    }
}

const EMPTY_PROPERTIES = Uint8Array.from([PROPERTIES_FIELD * 8 + LENGTH_DELIMITED, 0]);

/** Each request type's Struct class: google-protobuf's, found once from a message with empty properties. */
const structClasses = new WeakMap<object, StructClass>();

function structClassOf<T>(
    type: RequestClass<T>,
    probeBytes: Uint8Array,
    resourceOf: (message: T) => unknown,
): StructClass {
    const known = structClasses.get(type);
    if (known) return known;
    const resource = resourceOf(type.deserializeBinary(probeBytes)) as { getProperties?: () => unknown };
    const properties = resource.getProperties?.();
    const structClass = (properties as { constructor?: unknown } | undefined)?.constructor;
    if (
        typeof structClass !== "function" ||
        typeof (structClass as StructClass).deserializeBinary !== "function"
    ) {
        throw new WireFormatError("the message type's properties are not a Struct");
    }
    structClasses.set(type, structClass as StructClass);
    return structClass as StructClass;
}

/** An AnalyzeRequest (or RemediateRequest, same fields) decoded with its properties read on demand. */
export function decodeResourceRequest<T extends ResourceMessage>(
    type: RequestClass<T>,
    bytes: Uint8Array,
): T {
    const split = splitResource(bytes);
    const message = type.deserializeBinary(split.rest);
    attachAll(
        message,
        split,
        structClassOf(type, EMPTY_PROPERTIES, (probe) => probe),
    );
    return message;
}

/** An AnalyzeStackRequest decoded with every resource's properties read on demand. */
export function decodeStackRequest<T extends { getResourcesList(): ResourceMessage[] }>(
    type: RequestClass<T>,
    bytes: Uint8Array,
): T {
    const parts: Uint8Array[] = [];
    const splits: SplitResource[] = [];
    const reader = new WireReader(bytes);
    while (!reader.done()) {
        const field = reader.field();
        if (field.number === RESOURCES_FIELD) {
            if (field.wireType !== LENGTH_DELIMITED) throw new WireFormatError("resources is not a message");
            const split = splitResource(bytes.subarray(field.payloadStart, field.end));
            splits.push(split);
            parts.push(...lengthDelimited(RESOURCES_FIELD, split.rest));
        } else {
            parts.push(bytes.subarray(field.start, field.end));
        }
    }
    const message = type.deserializeBinary(Buffer.concat(parts));
    const resources = message.getResourcesList();
    if (resources.length !== splits.length) {
        throw new WireFormatError(`decoded ${resources.length} resources from ${splits.length} on the wire`);
    }
    const structClass = structClassOf(
        type,
        Buffer.concat(lengthDelimited(RESOURCES_FIELD, EMPTY_PROPERTIES)),
        (probe) => probe.getResourcesList()[0],
    );
    resources.forEach((resource, i) => attachAll(resource, splits[i], structClass));
    return message;
}

/** A gRPC method as @grpc/grpc-js reads it from a service definition. */
interface MethodDefinition {
    readonly requestType?: RequestClass<unknown>;
    readonly requestDeserialize?: (bytes: Buffer) => unknown;
    readonly [key: string]: unknown;
}

const DECODERS: Readonly<Record<string, (type: RequestClass<never>, bytes: Uint8Array) => unknown>> = {
    analyze: decodeResourceRequest,
    remediate: decodeResourceRequest,
    analyzeStack: decodeStackRequest,
};

/**
 * The analyzer service definition with Analyze, Remediate and AnalyzeStack requests decoded from the wire
 * (properties on demand). A request the wire reader refuses is decoded by the definition's own deserializer.
 */
export function withWireDecoding<S extends object>(service: S): S {
    const methods = service as Readonly<Record<string, MethodDefinition | undefined>>;
    const result = { ...service } as Record<string, unknown>;
    for (const [name, decode] of Object.entries(DECODERS)) {
        const method = methods[name];
        const type = method?.requestType;
        const original = method?.requestDeserialize;
        if (!method || typeof type?.deserializeBinary !== "function" || typeof original !== "function")
            continue;
        result[name] = {
            ...method,
            requestDeserialize: (bytes: Buffer) => {
                try {
                    return decode(type as RequestClass<never>, bytes);
                } catch {
                    return original(bytes);
                }
            },
        };
    }
    return result as S;
}
