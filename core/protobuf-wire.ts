/**
 * The little of the protobuf wire format written or read by hand: the checker appends each resource's
 * already-encoded properties to its analyzer requests (cli/pack/requests.ts), and the pack takes them out
 * again to read them on demand (policy-pack/lib/struct-wire.ts).
 */

/** Field numbers of pulumi/analyzer.proto handled by hand. */
export const ANALYZER_FIELDS = {
    /** AnalyzeStackRequest's repeated resources. */
    resources: 1,
    /** Properties of AnalyzeRequest, AnalyzerResource and AnalyzerProviderResource. */
    properties: 2,
    /** The provider of AnalyzeRequest and AnalyzerResource. */
    provider: 6,
} as const;

export const WIRE_TYPES = { varint: 0, fixed64: 1, lengthDelimited: 2, fixed32: 5 } as const;

/** An unsigned integer as a base-128 varint. */
export function varint(value: number): number[] {
    const bytes: number[] = [];
    let rest = value;
    while (rest > 0x7f) {
        bytes.push((rest & 0x7f) | 0x80);
        rest = Math.floor(rest / 128);
    }
    bytes.push(rest);
    return bytes;
}

/** The tag and length that precede a length-delimited field's payload. */
export function lengthDelimitedPrefix(field: number, length: number): Uint8Array {
    return Uint8Array.from([...varint(field * 8 + WIRE_TYPES.lengthDelimited), ...varint(length)]);
}

/** A length-delimited field: tag, length, then the already-encoded payload. */
export function lengthDelimitedField(field: number, payload: Uint8Array): Uint8Array {
    const prefix = lengthDelimitedPrefix(field, payload.length);
    const out = new Uint8Array(prefix.length + payload.length);
    out.set(prefix, 0);
    out.set(payload, prefix.length);
    return out;
}
