import * as analyzerProto from "@pulumi/pulumi/proto/analyzer_pb";
import { CheckError } from "../errors";
import type { RecordedResource } from "../program/protocol";
import type { RemediationRecord, Violation } from "../report/types";
import { AnalyzerRpcError, type AnalyzerConnection } from "./client";
import {
    analyzeRequest,
    enforcementLevelName,
    severityName,
    stackResource,
    type Properties,
    type ProviderView,
} from "./requests";

export interface AnalysisContext {
    readonly connection: AnalyzerConnection;
    /** PulumiPolicy.yaml's version, which the engine reports instead of the pack's when set. */
    readonly versionOverride?: string;
    /** Skip Remediate when no policy is configured to remediate: the server would run nothing. */
    readonly remediate: boolean;
    readonly concurrency: number;
    readonly rootStackUrn: string;
    readonly onProgress?: (done: number, total: number) => void;
    readonly signal?: AbortSignal;
}

export interface AnalysisOutcome {
    readonly violations: Violation[];
    readonly remediations: RemediationRecord[];
    readonly analyzeMs: number;
    readonly analyzeStackMs: number;
}

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
    let resolve!: (value: T) => void;
    const promise = new Promise<T>((r) => (resolve = r));
    return { promise, resolve };
}

function changedKeys(before: Properties, after: Properties): string[] {
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    return [...keys].filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k])).sort();
}

function packFailure(what: string, err: unknown): CheckError {
    if (err instanceof CheckError) {
        return err;
    }
    const detail = err instanceof AnalyzerRpcError ? `${err.method}: ${err.message}` : String(err);
    return new CheckError("pack", `the policy pack failed while ${what}: ${detail}`);
}

class DiagnosticConverter {
    constructor(
        private readonly byUrn: ReadonlyMap<string, RecordedResource>,
        private readonly context: AnalysisContext,
    ) {}

    /** Diagnostics without a URN belong to the analyzed resource, or to the stack for AnalyzeStack. */
    convert(
        diagnostic: analyzerProto.AnalyzeDiagnostic,
        fallbackUrn: string,
        fromStack: boolean,
    ): Violation | undefined {
        let level = enforcementLevelName(diagnostic.getEnforcementlevel());
        // As the engine does: a remediation that still violates is reported as mandatory.
        if (level === "remediate") {
            level = "mandatory";
        }
        if (level === "disabled") {
            return undefined;
        }
        const urn = diagnostic.getUrn() || fallbackUrn;
        const resource = this.byUrn.get(urn);
        return {
            policy: diagnostic.getPolicyname(),
            policyPack: diagnostic.getPolicypackname(),
            enforcementLevel: level as Violation["enforcementLevel"],
            urn,
            message: diagnostic.getMessage(),
            policyPackVersion: this.context.versionOverride ?? diagnostic.getPolicypackversion(),
            description: diagnostic.getDescription(),
            severity: severityName(diagnostic.getSeverity()),
            resourceType: resource?.type,
            resourceName: resource?.name,
            scope: fromStack && diagnostic.getUrn() === "" ? "stack" : "resource",
            source: resource?.source,
        };
    }
}

/** Properties AnalyzeStack sees: a preview's outputs, i.e. inputs for custom resources, registered outputs for components. */
function stackProperties(resource: RecordedResource, finalInputs: Properties): Properties {
    if (resource.kind === "read") {
        return {};
    }
    return resource.custom ? finalInputs : (resource.outputs ?? {});
}

/**
 * Remediate then Analyze every resource (bounded concurrency, registration order for results), then
 * AnalyzeStack over the whole graph, as the engine does during a preview.
 */
export async function analyzeResources(
    resources: readonly RecordedResource[],
    context: AnalysisContext,
): Promise<AnalysisOutcome> {
    const byUrn = new Map(resources.map((r) => [r.urn, r] as const));
    const finalInputs = new Map(resources.map((r) => [r.urn, deferred<Properties>()] as const));
    const perResource: Violation[][] = resources.map(() => []);
    const remediationsPer: RemediationRecord[][] = resources.map(() => []);
    const converter = new DiagnosticConverter(byUrn, context);
    const { connection } = context;

    const providerView = async (resource: RecordedResource): Promise<ProviderView | undefined> => {
        const record = resource.provider === "" ? undefined : byUrn.get(resource.provider);
        return record ? { record, properties: await finalInputs.get(record.urn)!.promise } : undefined;
    };

    const processOne = async (index: number): Promise<void> => {
        const resource = resources[index];
        const provider = await providerView(resource);
        let properties = resource.inputs;
        try {
            if (context.remediate) {
                const response = await connection.remediate(
                    analyzeRequest(resource, properties, provider, false),
                );
                for (const remediation of response.getRemediationsList()) {
                    const diagnostic = remediation.getDiagnostic();
                    if (diagnostic !== "") {
                        perResource[index].push({
                            policy: remediation.getPolicyname(),
                            policyPack: remediation.getPolicypackname(),
                            enforcementLevel: "advisory",
                            urn: resource.urn,
                            message: diagnostic,
                            policyPackVersion: context.versionOverride ?? remediation.getPolicypackversion(),
                            description: remediation.getDescription(),
                            resourceType: resource.type,
                            resourceName: resource.name,
                            scope: "resource",
                            source: resource.source,
                        });
                    } else if (remediation.hasProperties()) {
                        const remediated = remediation.getProperties()!.toJavaScript() as Properties;
                        remediationsPer[index].push({
                            policy: remediation.getPolicyname(),
                            policyPack: remediation.getPolicypackname(),
                            urn: resource.urn,
                            description: remediation.getDescription(),
                            changedProperties: changedKeys(properties, remediated),
                        });
                        properties = remediated;
                    }
                }
            }
        } finally {
            finalInputs.get(resource.urn)!.resolve(properties);
        }
        const response = await connection.analyze(analyzeRequest(resource, properties, provider, true));
        for (const diagnostic of response.getDiagnosticsList()) {
            const violation = converter.convert(diagnostic, resource.urn, false);
            if (violation) {
                perResource[index].push(violation);
            }
        }
    };

    const started = Date.now();
    let next = 0;
    let done = 0;
    let failure: unknown;
    const worker = async () => {
        while (failure === undefined && next < resources.length) {
            if (context.signal?.aborted) {
                failure = new CheckError("interrupted", "the analysis was interrupted");
                break;
            }
            const index = next++;
            try {
                await processOne(index);
            } catch (err) {
                failure ??= packFailure(`analyzing ${resources[index].urn}`, err);
            }
            context.onProgress?.(++done, resources.length);
        }
    };
    const workers = Math.max(1, Math.min(context.concurrency, resources.length));
    await Promise.all(Array.from({ length: workers }, worker));
    if (failure !== undefined) {
        // Release anything still waiting on a provider so no promise is left pending.
        for (const pending of finalInputs.values()) {
            pending.resolve({});
        }
        throw failure;
    }
    const analyzeMs = Date.now() - started;

    const stackStarted = Date.now();
    const request = new analyzerProto.AnalyzeStackRequest();
    const stackResources: analyzerProto.AnalyzerResource[] = [];
    for (const resource of resources) {
        const inputs = await finalInputs.get(resource.urn)!.promise;
        stackResources.push(
            stackResource(resource, stackProperties(resource, inputs), await providerView(resource)),
        );
    }
    request.setResourcesList(stackResources);
    let stackViolations: Violation[] = [];
    try {
        const response = await connection.analyzeStack(request);
        stackViolations = response
            .getDiagnosticsList()
            .map((d) => converter.convert(d, context.rootStackUrn, true))
            .filter((v): v is Violation => v !== undefined);
    } catch (err) {
        throw packFailure("analyzing the stack", err);
    }
    return {
        violations: [...perResource.flat(), ...stackViolations],
        remediations: remediationsPer.flat(),
        analyzeMs,
        analyzeStackMs: Date.now() - stackStarted,
    };
}
