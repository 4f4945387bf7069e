import * as analyzerProto from "@pulumi/pulumi/proto/analyzer_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { describe, expect, it } from "vitest";
import {
    EncodedAnalyzeRequest,
    EncodedAnalyzeStackRequest,
    encodedProperties,
    encodeObject,
    encodeProvider,
    encodeStackResource,
} from "../../cli/pack/requests";
import type { RecordedResource } from "../../cli/program/protocol";

const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

function resource(overrides: Partial<RecordedResource> = {}): RecordedResource {
    return {
        kind: "registered",
        urn: "urn:pulumi:dev::p::aws:iam/rolePolicyAttachment:RolePolicyAttachment::attach",
        type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        name: "attach",
        custom: true,
        parent: "urn:pulumi:dev::p::pulumi:pulumi:Stack::p-dev",
        provider: "urn:pulumi:dev::p::pulumi:providers:aws::default_7_48_0",
        dependencies: ["urn:pulumi:dev::p::aws:iam/policy:Policy::pol"],
        propertyDependencies: { policyArn: ["urn:pulumi:dev::p::aws:iam/policy:Policy::pol"], role: [] },
        inputs: encodeObject({ policyArn: UNKNOWN, role: "r" }),
        options: {
            protect: true,
            ignoreChanges: ["role"],
            deleteBeforeReplace: false,
            additionalSecretOutputs: [],
            aliases: ["urn:old"],
            customTimeouts: { create: 60, update: 0, delete: 0 },
            parent: "urn:pulumi:dev::p::pulumi:pulumi:Stack::p-dev",
        },
        ...overrides,
    };
}

const providerRecord = resource({
    kind: "default-provider",
    urn: "urn:pulumi:dev::p::pulumi:providers:aws::default_7_48_0",
    type: "pulumi:providers:aws",
    name: "default_7_48_0",
});

describe("encoded analyzer requests", () => {
    it("decode, as the pack reads them, into the request the engine would send", () => {
        const provider = encodeProvider(providerRecord, encodeObject({ region: "eu-west-1" }));
        const bytes = new EncodedAnalyzeRequest(resource(), resource().inputs, provider).serializeBinary();
        const decoded = analyzerProto.AnalyzeRequest.deserializeBinary(bytes);
        expect(decoded.getUrn()).toBe(resource().urn);
        expect(decoded.getType()).toBe(resource().type);
        expect(decoded.getName()).toBe("attach");
        expect(decoded.getProperties()?.toJavaScript()).toEqual({ policyArn: UNKNOWN, role: "r" });
        expect(decoded.getOptions()?.getProtect()).toBe(true);
        expect(decoded.getOptions()?.getDeletebeforereplacedefined()).toBe(true);
        expect(decoded.getOptions()?.getIgnorechangesList()).toEqual(["role"]);
        expect(decoded.getOptions()?.getCustomtimeouts()?.getCreate()).toBe(60);
        expect(decoded.getProvider()?.getName()).toBe("default_7_48_0");
        expect(decoded.getProvider()?.getProperties()?.toJavaScript()).toEqual({ region: "eu-west-1" });
    });

    it("carry the resource graph into AnalyzeStack, leaving out properties without dependencies", () => {
        const request = new EncodedAnalyzeStackRequest();
        request.addResource(encodeStackResource(resource(), resource().inputs, undefined));
        request.addResource(encodeStackResource(providerRecord, encodeObject({}), undefined));
        const decoded = analyzerProto.AnalyzeStackRequest.deserializeBinary(request.serializeBinary());
        const [first, second] = decoded.getResourcesList();
        expect(decoded.getResourcesList()).toHaveLength(2);
        expect(first.getParent()).toBe(resource().parent);
        expect(first.getDependenciesList()).toEqual(resource().dependencies);
        const deps = first.getPropertydependenciesMap();
        expect(deps.get("policyArn")?.getUrnsList()).toEqual([
            "urn:pulumi:dev::p::aws:iam/policy:Policy::pol",
        ]);
        expect(deps.has("role")).toBe(false);
        expect(first.getProperties()?.toJavaScript()).toEqual({ policyArn: UNKNOWN, role: "r" });
        expect(second.getType()).toBe("pulumi:providers:aws");
    });

    it("hide top-level internal keys from analyzers but keep nested ones", () => {
        const struct = Struct.fromJavaScript({ __defaults: ["x"], a: { __nested: 1 } });
        const encoded = encodedProperties(struct);
        expect(Struct.deserializeBinary(encoded.analyzer).toJavaScript()).toEqual({ a: { __nested: 1 } });
        expect(Struct.deserializeBinary(encoded.raw).toJavaScript()).toEqual({
            __defaults: ["x"],
            a: { __nested: 1 },
        });
    });

    it("encode long properties with multi-byte length prefixes", () => {
        const big = encodeObject({ text: "x".repeat(100_000) });
        const decoded = analyzerProto.AnalyzeRequest.deserializeBinary(
            new EncodedAnalyzeRequest(resource(), big, undefined).serializeBinary(),
        );
        expect(String(decoded.getProperties()?.toJavaScript().text)).toHaveLength(100_000);
    });
});
