import * as analyzerProto from "@pulumi/pulumi/proto/analyzer_pb";
import { Struct, type JavaScriptValue } from "google-protobuf/google/protobuf/struct_pb";
import type { RecordedResource, ResourceOptionsRecord } from "../program/protocol";

export type Properties = Record<string, unknown>;

/** The engine leaves out top-level internal keys ("__…") when it sends properties to analyzers. */
export function withoutInternalKeys(properties: Properties): Properties {
    let result: Properties | undefined;
    for (const key of Object.keys(properties)) {
        if (key.startsWith("__")) {
            result ??= { ...properties };
            delete result[key];
        }
    }
    return result ?? properties;
}

export function toStruct(properties: Properties): Struct {
    return Struct.fromJavaScript(properties as Record<string, JavaScriptValue>);
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

export function toProvider(
    provider: RecordedResource,
    properties: Properties,
): analyzerProto.AnalyzerProviderResource {
    const result = new analyzerProto.AnalyzerProviderResource();
    result.setUrn(provider.urn);
    result.setType(provider.type);
    result.setName(provider.name);
    result.setProperties(toStruct(withoutInternalKeys(properties)));
    return result;
}

export interface ProviderView {
    readonly record: RecordedResource;
    readonly properties: Properties;
}

/** An Analyze/Remediate request; Remediate sees internal keys, Analyze does not (as in the engine). */
export function analyzeRequest(
    resource: RecordedResource,
    properties: Properties,
    provider: ProviderView | undefined,
    skipInternalKeys: boolean,
): analyzerProto.AnalyzeRequest {
    const request = new analyzerProto.AnalyzeRequest();
    request.setUrn(resource.urn);
    request.setType(resource.type);
    request.setName(resource.name);
    request.setProperties(toStruct(skipInternalKeys ? withoutInternalKeys(properties) : properties));
    request.setOptions(toOptions(resource.options));
    if (provider) {
        request.setProvider(toProvider(provider.record, provider.properties));
    }
    return request;
}

/** A resource of the AnalyzeStack request, with its graph: parent, dependencies, property dependencies. */
export function stackResource(
    resource: RecordedResource,
    properties: Properties,
    provider: ProviderView | undefined,
): analyzerProto.AnalyzerResource {
    const result = new analyzerProto.AnalyzerResource();
    result.setUrn(resource.urn);
    result.setType(resource.type);
    result.setName(resource.name);
    result.setProperties(toStruct(withoutInternalKeys(properties)));
    result.setOptions(toOptions(resource.options));
    if (provider) {
        result.setProvider(toProvider(provider.record, provider.properties));
    }
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
    return result;
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
