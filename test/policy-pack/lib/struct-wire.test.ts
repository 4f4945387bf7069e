import { describe, expect, it } from "vitest";

import { lengthDelimitedField } from "../../../core/protobuf-wire";
import {
    decodeResourceRequest,
    decodeStackRequest,
    structToJavaScript,
    withWireDecoding,
} from "../../../policy-pack/lib/struct-wire";
import {
    analyzerProto,
    analyzerService,
    call,
    encode,
    Struct,
    type Message,
} from "../../helpers/analyzer-messages";

/** What google-protobuf makes of a Struct's bytes: the reference. */
function referenceStruct(bytes: Uint8Array): unknown {
    return call(Struct.deserializeBinary(bytes), "toJavaScript");
}

/** Plain data with key order made visible (toEqual ignores it; google-protobuf sorts keys). */
function ordered(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(ordered);
    if (value !== null && typeof value === "object") {
        return Object.entries(value).map(([k, v]) => [k, ordered(v)]);
    }
    return value;
}

/** A small deterministic generator (mulberry32), so a failure reproduces. */
function random(seed: number): () => number {
    let state = seed;
    return () => {
        state = (state + 0x6d2b79f5) | 0;
        let t = Math.imul(state ^ (state >>> 15), 1 | state);
        t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

const STRINGS = [
    "",
    "a",
    "agent-*",
    "ünïcødé",
    "日本語",
    "emoji 🚀",
    "line\nbreak",
    "__proto__x",
    "10",
    "2",
    "Z",
    "z",
];
const NUMBERS = [0, -0, 1, -1, 0.5, 1e300, -1e-300, 2 ** 53, Number.MAX_VALUE, Infinity, -Infinity, 3.14159];

function randomValue(next: () => number, depth: number): unknown {
    const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
    const kind = Math.floor(next() * (depth > 3 ? 4 : 6));
    switch (kind) {
        case 0:
            return null;
        case 1:
            return pick(NUMBERS) * (next() < 0.5 ? 1 : next());
        case 2:
            return pick(STRINGS) + (next() < 0.3 ? pick(STRINGS) : "");
        case 3:
            return next() < 0.5;
        case 4:
            return Array.from({ length: Math.floor(next() * 4) }, () => randomValue(next, depth + 1));
        default:
            return randomObject(next, depth + 1);
    }
}

function randomObject(next: () => number, depth: number): Record<string, unknown> {
    const result: Record<string, unknown> = {};
    const size = Math.floor(next() * 5);
    for (let i = 0; i < size; i++) {
        result[STRINGS[Math.floor(next() * STRINGS.length)] + String(Math.floor(next() * 3))] = randomValue(
            next,
            depth,
        );
    }
    return result;
}

// Hand-made wire bytes for what Struct.fromJavaScript never writes.
const field = (number: number, payload: number[]): number[] => [
    ...lengthDelimitedField(number, Uint8Array.from(payload)),
];
const text = (s: string): number[] => [...Buffer.from(s, "utf8")];
const stringValue = (s: string) => field(3, text(s));
const boolValue = (b: boolean) => [4 * 8, b ? 1 : 0];
const nullValue = [1 * 8, 0];
const entry = (key: number[] | undefined, value: number[] | undefined) =>
    field(1, [...(key ? field(1, key) : []), ...(value ? field(2, value) : [])]);

describe("structToJavaScript", () => {
    it("reads 400 random Structs exactly as google-protobuf's toJavaScript, key order included", () => {
        const next = random(20261201);
        for (let i = 0; i < 400; i++) {
            const value = randomObject(next, 0);
            const bytes = encode(Struct.fromJavaScript(value));
            const expected = referenceStruct(bytes);
            const actual = structToJavaScript(bytes);
            expect(actual).toEqual(expected);
            expect(ordered(actual)).toEqual(ordered(expected));
        }
    });

    it("keeps the last of a repeated key and the last kind set on a Value, as google-protobuf does", () => {
        const bytes = Uint8Array.from([
            ...entry(text("b"), stringValue("first")),
            ...entry(text("a"), [...stringValue("text"), ...boolValue(true)]),
            ...entry(text("b"), [...boolValue(false), ...nullValue]),
            // Unknown fields, in the Struct, an entry and a Value, are skipped.
            ...field(9, text("ignored")),
            ...entry(text("c"), [...field(7, text("x")), ...stringValue("kept")]),
            ...field(1, [...field(1, text("d")), ...field(2, stringValue("v")), ...field(3, text("extra"))]),
        ]);
        const expected = referenceStruct(bytes);
        expect(expected).toEqual({ a: true, b: null, c: "kept", d: "v" });
        expect(ordered(structToJavaScript(bytes))).toEqual(ordered(expected));
    });

    it("reads an entry without a key as the empty key, and refuses one without a value like google-protobuf", () => {
        const noKey = Uint8Array.from(entry(undefined, stringValue("v")));
        expect(structToJavaScript(noKey)).toEqual(referenceStruct(noKey));
        expect(structToJavaScript(noKey)).toEqual({ "": "v" });
        const noValue = Uint8Array.from(entry(text("k"), undefined));
        expect(() => referenceStruct(noValue)).toThrow("Unexpected struct type");
        expect(() => structToJavaScript(noValue)).toThrow("Unexpected struct type");
    });

    it("refuses truncated bytes instead of reading past them", () => {
        const bytes = encode(Struct.fromJavaScript({ key: "a value that is long enough" }));
        expect(() => structToJavaScript(bytes.subarray(0, bytes.length - 3))).toThrow(/past the end/);
    });
});

interface ResourceSpec {
    readonly name: string;
    readonly props?: Record<string, unknown>;
    readonly provider?: "with-properties" | "without-properties";
    readonly dependencies?: readonly string[];
}

function resourceMessage(kind: "AnalyzeRequest" | "AnalyzerResource", spec: ResourceSpec): Message {
    const r = new analyzerProto[kind]();
    call(r, "setUrn", `urn:pulumi:dev::p::aws:iam/role:Role::${spec.name}`);
    call(r, "setType", "aws:iam/role:Role");
    call(r, "setName", spec.name);
    if (spec.props) call(r, "setProperties", Struct.fromJavaScript(spec.props));
    const options = new analyzerProto.AnalyzerResourceOptions();
    call(options, "setProtect", true);
    call(options, "setAliasesList", ["urn:old"]);
    call(options, "setCustomtimeouts", new analyzerProto.AnalyzerResourceOptions.CustomTimeouts());
    call(r, "setOptions", options);
    if (spec.provider) {
        const provider = new analyzerProto.AnalyzerProviderResource();
        call(provider, "setUrn", "urn:pulumi:dev::p::pulumi:providers:aws::east");
        call(provider, "setType", "pulumi:providers:aws");
        call(provider, "setName", "east");
        if (spec.provider === "with-properties") {
            call(provider, "setProperties", Struct.fromJavaScript({ region: "us-east-1", skip: true }));
        }
        call(r, "setProvider", provider);
    }
    if (kind === "AnalyzerResource") {
        call(r, "setDependenciesList", [...(spec.dependencies ?? [])]);
        const deps = new analyzerProto.AnalyzerPropertyDependencies();
        call(deps, "setUrnsList", ["urn:a"]);
        (call(r, "getPropertydependenciesMap") as { set(k: string, v: unknown): void }).set(
            "assumeRolePolicy",
            deps,
        );
    }
    return r;
}

/** Everything a resource message says, properties as plain data. */
function describeMessage(message: Message): unknown {
    const properties = call(message, "getProperties") as Message | undefined;
    const provider = call(message, "getProvider") as Message | undefined;
    const providerProperties = provider && (call(provider, "getProperties") as Message | undefined);
    const plain = call(message, "toObject") as Record<string, unknown>;
    return {
        ...plain,
        properties: properties && call(properties, "toJavaScript"),
        provider: provider && {
            ...(call(provider, "toObject") as Record<string, unknown>),
            properties: providerProperties && call(providerProperties, "toJavaScript"),
        },
    };
}

const specs: ResourceSpec[] = [
    { name: "plain", props: { assumeRolePolicy: '{"Version":"2012-10-17"}', tags: { owner: "team" } } },
    { name: "with-provider", props: { arn: "arn:aws:iam::1:role/x" }, provider: "with-properties" },
    { name: "provider-without-properties", props: { n: 1 }, provider: "without-properties" },
    { name: "no-properties", dependencies: ["urn:plain"] },
    { name: "empty", props: {} },
];

describe("decoding analyzer requests from the wire", () => {
    it("gives every field of an AnalyzeStackRequest as google-protobuf does, properties read on demand", () => {
        const request = new analyzerProto.AnalyzeStackRequest();
        for (const spec of specs) call(request, "addResources", resourceMessage("AnalyzerResource", spec));
        const bytes = encode(request);
        const reference = call(
            analyzerProto.AnalyzeStackRequest.deserializeBinary(bytes),
            "getResourcesList",
        ) as Message[];
        const decoded = call(
            decodeStackRequest(analyzerProto.AnalyzeStackRequest as never, bytes),
            "getResourcesList",
        ) as Message[];
        expect(decoded).toHaveLength(specs.length);
        // Every field, the Struct API beyond toJavaScript (toObject) included.
        decoded.forEach((message, i) =>
            expect(describeMessage(message)).toEqual(describeMessage(reference[i])),
        );
        expect(describeMessage(decoded[1])).toMatchObject({
            provider: { properties: { region: "us-east-1" } },
        });
        // The same properties object every time: @pulumi/policy's callers key shared results on it.
        expect(call(decoded[0], "getProperties")).toBe(call(decoded[0], "getProperties"));
        expect(call(decoded[3], "getProperties")).toBeUndefined();
    });

    it("keeps the last properties field of a resource, as google-protobuf does", () => {
        const first = encode(resourceMessage("AnalyzeRequest", { name: "x", props: { first: true } }));
        const second = encode(Struct.fromJavaScript({ second: true }));
        const bytes = Uint8Array.from([...first, ...field(2, [...second])]);
        const reference = analyzerProto.AnalyzeRequest.deserializeBinary(bytes);
        const decoded = decodeResourceRequest(
            analyzerProto.AnalyzeRequest as never,
            bytes,
        ) as unknown as Message;
        expect(describeMessage(decoded)).toMatchObject({ properties: { second: true } });
        expect((describeMessage(decoded) as { properties: unknown }).properties).toEqual(
            (describeMessage(reference) as { properties: unknown }).properties,
        );
    });

    it("replaces the service's request decoders, and leaves bytes it cannot read to google-protobuf", () => {
        const service = analyzerService as Record<string, { requestDeserialize(b: Buffer): unknown }>;
        const wired = withWireDecoding(analyzerService) as typeof service;
        expect(wired.analyzeStack.requestDeserialize).not.toBe(service.analyzeStack.requestDeserialize);
        expect(wired.analyze.requestDeserialize).not.toBe(service.analyze.requestDeserialize);
        expect(wired.remediate.requestDeserialize).not.toBe(service.remediate.requestDeserialize);
        expect(wired.configure).toBe(service.configure);

        const bytes = Buffer.from(encode(resourceMessage("AnalyzeRequest", specs[1])));
        expect(describeMessage(wired.analyze.requestDeserialize(bytes) as Message)).toEqual(
            describeMessage(service.analyze.requestDeserialize(bytes) as Message),
        );
        // A group (wire type 3) is not read here: google-protobuf's own decoder answers, here with its error.
        const odd = Buffer.from([...bytes, 0x0b]);
        const reference = (() => {
            try {
                return service.analyze.requestDeserialize(odd);
            } catch (e) {
                return e;
            }
        })();
        const actual = (() => {
            try {
                return wired.analyze.requestDeserialize(odd);
            } catch (e) {
                return e;
            }
        })();
        expect(String(actual)).toBe(String(reference));
    });
});
