import * as analyzerProto from "@pulumi/pulumi/proto/analyzer_pb";
import { Struct, type JavaScriptValue } from "google-protobuf/google/protobuf/struct_pb";
import { ANALYZER_FIELDS, lengthDelimitedField } from "../../core/protobuf-wire";
import type { RecordedResource, ResourceOptionsRecord } from "../program/protocol";

/** A google.protobuf.Struct in its binary encoding: how properties travel from the program to the pack. */
export type EncodedStruct = Uint8Array;

export function decodeStruct(encoded: EncodedStruct): Struct {
    return Struct.deserializeBinary(encoded);
}

export function encodeObject(value: Record<string, unknown>): EncodedStruct {
    return Struct.fromJavaScript(value as Record<string, JavaScriptValue>).serializeBinary();
}

export function structToObject(encoded: EncodedStruct): Record<string, unknown> {
    return decodeStruct(encoded).toJavaScript();
}

/** The engine leaves out top-level internal keys ("__…") when it sends properties to analyzers. */
export function withoutInternalKeys(struct: Struct): Struct {
    const fields = struct.getFieldsMap();
    const internal = fields
        .getEntryList()
        .map(([key]) => key)
        .filter((key) => key.startsWith("__"));
    for (const key of internal) {
        fields.del(key);
    }
    return struct;
}

/** Properties as the pack returned them, and as analyzers are shown them (internal keys left out). */
export interface EncodedProperties {
    readonly raw: EncodedStruct;
    readonly analyzer: EncodedStruct;
}

export function encodedProperties(struct: Struct): EncodedProperties {
    const raw = struct.serializeBinary();
    const hasInternal = struct
        .getFieldsMap()
        .getEntryList()
        .some(([key]) => key.startsWith("__"));
    return { raw, analyzer: hasInternal ? withoutInternalKeys(decodeStruct(raw)).serializeBinary() : raw };
}

export function recordedProperties(resource: RecordedResource): EncodedProperties {
    return { raw: resource.inputs, analyzer: resource.analyzerInputs ?? resource.inputs };
}

export function toOptions(options: ResourceOptionsRecord): analyzerProto.AnalyzerResourceOptions {
    const result = new analyzerProto.AnalyzerResourceOptions();
    result.setProtect(options.protect);
    result.setIgnorechangesList([...options.ignoreChanges]);
    result.setDeletebeforereplace(options.deleteBeforeReplace ?? false);
    result.setDeletebeforereplacedefined(options.deleteBeforeReplace !== undefined);
    result.setAdditionalsecretoutputsList([...options.additionalSecretOutputs]);
    result.setAliasesList([...options.aliases]);
    const timeouts = new analyzerProto.AnalyzerResourceOptions.CustomTimeouts();
    timeouts.setCreate(options.customTimeouts.create);
    timeouts.setUpdate(options.customTimeouts.update);
    timeouts.setDelete(options.customTimeouts.delete);
    result.setCustomtimeouts(timeouts);
    result.setParent(options.parent);
    return result;
}

const PROPERTIES_FIELD = ANALYZER_FIELDS.properties;
const PROVIDER_FIELD = ANALYZER_FIELDS.provider;
const RESOURCES_FIELD = ANALYZER_FIELDS.resources;

function concat(parts: readonly Uint8Array[]): Uint8Array {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let offset = 0;
    for (const part of parts) {
        out.set(part, offset);
        offset += part.length;
    }
    return out;
}

/** The provider as analyzers see it, encoded once and shared by every request of its resources. */
export function encodeProvider(provider: RecordedResource, analyzerInputs: EncodedStruct): Uint8Array {
    const result = new analyzerProto.AnalyzerProviderResource();
    result.setUrn(provider.urn);
    result.setType(provider.type);
    result.setName(provider.name);
    return concat([result.serializeBinary(), lengthDelimitedField(PROPERTIES_FIELD, analyzerInputs)]);
}

/**
 * Protobuf lets a message's fields come in any order, so the large ones (properties, provider) are kept
 * encoded, exactly as the program produced them, and appended to the small ones: no decode and re-encode
 * of every resource's properties on the way to the pack.
 */
export class EncodedAnalyzeRequest extends analyzerProto.AnalyzeRequest {
    private readonly appended: Uint8Array[] = [];

    constructor(resource: RecordedResource, properties: EncodedStruct, provider: Uint8Array | undefined) {
        super();
        this.setUrn(resource.urn);
        this.setType(resource.type);
        this.setName(resource.name);
        this.setOptions(toOptions(resource.options));
        this.appended.push(lengthDelimitedField(PROPERTIES_FIELD, properties));
        if (provider) {
            this.appended.push(lengthDelimitedField(PROVIDER_FIELD, provider));
        }
    }

    override serializeBinary(): Uint8Array {
        return concat([super.serializeBinary(), ...this.appended]);
    }
}

/** A resource of the AnalyzeStack request, with its graph: parent, dependencies, property dependencies. */
export function encodeStackResource(
    resource: RecordedResource,
    analyzerProperties: EncodedStruct,
    provider: Uint8Array | undefined,
): Uint8Array {
    const result = new analyzerProto.AnalyzerResource();
    result.setUrn(resource.urn);
    result.setType(resource.type);
    result.setName(resource.name);
    result.setOptions(toOptions(resource.options));
    result.setParent(resource.parent);
    result.setDependenciesList([...resource.dependencies]);
    const propertyDependencies = result.getPropertydependenciesMap();
    for (const [key, urns] of Object.entries(resource.propertyDependencies)) {
        // The engine skips properties without dependencies.
        if (urns.length > 0) {
            const deps = new analyzerProto.AnalyzerPropertyDependencies();
            deps.setUrnsList([...urns]);
            propertyDependencies.set(key, deps);
        }
    }
    const parts = [result.serializeBinary(), lengthDelimitedField(PROPERTIES_FIELD, analyzerProperties)];
    if (provider) {
        parts.push(lengthDelimitedField(PROVIDER_FIELD, provider));
    }
    return concat(parts);
}

/**
 * An AnalyzeStackRequest whose resources were encoded one at a time: a repeated field's wire form is its
 * elements' encodings, each tagged and length-prefixed, so a large stack never exists as one tree of
 * protobuf objects.
 */
export class EncodedAnalyzeStackRequest extends analyzerProto.AnalyzeStackRequest {
    private readonly chunks: Uint8Array[] = [];

    addResource(encoded: Uint8Array): void {
        this.chunks.push(lengthDelimitedField(RESOURCES_FIELD, encoded));
    }

    override serializeBinary(): Uint8Array {
        return concat(this.chunks);
    }
}

const LEVELS: Record<number, string> = {
    [analyzerProto.EnforcementLevel.ADVISORY]: "advisory",
    [analyzerProto.EnforcementLevel.MANDATORY]: "mandatory",
    [analyzerProto.EnforcementLevel.REMEDIATE]: "remediate",
    [analyzerProto.EnforcementLevel.DISABLED]: "disabled",
};

export function enforcementLevelName(level: analyzerProto.EnforcementLevel): string {
    const name = LEVELS[level];
    if (name === undefined) {
        throw new Error(`invalid enforcement level ${level} from the policy pack`);
    }
    return name;
}

export function enforcementLevelValue(name: string): analyzerProto.EnforcementLevel {
    const entry = Object.entries(LEVELS).find(([, n]) => n === name);
    if (!entry) {
        throw new Error(`invalid enforcement level '${name}'`);
    }
    return Number(entry[0]) as analyzerProto.EnforcementLevel;
}

const SEVERITIES: Record<number, string | undefined> = {
    [analyzerProto.PolicySeverity.POLICY_SEVERITY_UNSPECIFIED]: undefined,
    [analyzerProto.PolicySeverity.POLICY_SEVERITY_LOW]: "low",
    [analyzerProto.PolicySeverity.POLICY_SEVERITY_MEDIUM]: "medium",
    [analyzerProto.PolicySeverity.POLICY_SEVERITY_HIGH]: "high",
    [analyzerProto.PolicySeverity.POLICY_SEVERITY_CRITICAL]: "critical",
};

export function severityName(severity: analyzerProto.PolicySeverity): string | undefined {
    return SEVERITIES[severity];
}

/** Struct values for the Configure request. */
export function toStruct(value: Record<string, unknown>): Struct {
    return Struct.fromJavaScript(value as Record<string, JavaScriptValue>);
}
