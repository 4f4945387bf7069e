import * as grpc from "@grpc/grpc-js";
import * as analyzerProto from "@pulumi/pulumi/proto/analyzer_pb";
import { CheckError } from "../errors";
import type { RecordedResource } from "../program/protocol";
import type { RemediationRecord, Violation } from "../report/types";
import { AnalyzerRpcError, type AnalyzerConnection } from "./client";
import {
    EncodedAnalyzeRequest,
    EncodedAnalyzeStackRequest,
    decodeStruct,
    encodedProperties,
    encodeObject,
    encodeProvider,
    encodeStackResource,
    enforcementLevelName,
    recordedProperties,
    severityName,
    structToObject,
    withoutInternalKeys,
    type EncodedProperties,
    type EncodedStruct,
} from "./requests";

export interface AnalysisContext {
    readonly connection: AnalyzerConnection;
    /** PulumiPolicy.yaml's version, which the engine reports instead of the pack's when set. */
    readonly versionOverride?: string;
    /** Skip Remediate when no policy is configured to remediate: the server would run nothing. */
    readonly remediate: boolean;
    readonly concurrency: number;
    readonly rootStackUrn: string;
    /** `total` is what has been registered so far while the program still runs. */
    readonly onProgress?: (done: number, total: number) => void;
}

export interface AnalysisOutcome {
    readonly violations: Violation[];
    readonly remediations: RemediationRecord[];
    /** From the start of analysis until every resource is analyzed (it overlaps the program's run). */
    readonly analyzeMs: number;
    readonly analyzeStackMs: number;
}

interface Deferred<T> {
    readonly promise: Promise<T>;
    resolve(value: T): void;
}

function deferred<T>(): Deferred<T> {
    let resolve!: (value: T) => void;
    const promise = new Promise<T>((r) => (resolve = r));
    return { promise, resolve };
}

function changedKeys(before: EncodedStruct, after: EncodedStruct): string[] {
    const a = structToObject(before);
    const b = structToObject(after);
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k])).sort();
}

function packFailure(what: string, err: unknown): CheckError {
    if (err instanceof CheckError) {
        return err;
    }
    const detail = err instanceof AnalyzerRpcError ? `${err.method}: ${err.message}` : String(err);
    // agentguard's pack refuses (PERMISSION_DENIED) the answers it cannot mark once it refused a Configure.
    if (err instanceof AnalyzerRpcError && err.code === grpc.status.PERMISSION_DENIED) {
        return new CheckError(
            "pack",
            `tampering detected: the policy pack refused to answer while ${what}: ${detail}`,
        );
    }
    return new CheckError("pack", `the policy pack failed while ${what}: ${detail}`);
}

const EMPTY_STRUCT = encodeObject({});

/** The violation agentguard's pack adds to every answer once it refused a later Configure (configuration-guard.ts). */
export const INTEGRITY_POLICY = "agentguard-integrity";

/**
 * Sends each resource through Remediate then Analyze as it arrives (bounded concurrency; results kept in
 * registration order), then the whole graph through AnalyzeStack, as the engine does during a preview.
 */
export class AnalysisPipeline {
    private readonly resources: RecordedResource[] = [];
    private readonly byUrn = new Map<string, RecordedResource>();
    /** Inputs after remediation, by URN: what Analyze saw, what providers pass on, what AnalyzeStack sees. */
    private readonly finalInputs = new Map<string, Deferred<EncodedProperties>>();
    private readonly providerMessages = new Map<string, Promise<Uint8Array>>();
    private readonly componentOutputs = new Map<string, EncodedStruct>();
    private readonly violations: Violation[][] = [];
    private readonly remediations: RemediationRecord[][] = [];
    private context?: AnalysisContext;
    private startedAt = 0;
    private next = 0;
    private inFlight = 0;
    private done = 0;
    private failure: CheckError | undefined;
    private drained?: Deferred<void>;

    get count(): number {
        return this.resources.length;
    }

    add(batch: readonly RecordedResource[]): void {
        for (const resource of batch) {
            this.resources.push(resource);
            this.byUrn.set(resource.urn, resource);
            this.finalInputs.set(resource.urn, deferred());
            this.violations.push([]);
            this.remediations.push([]);
        }
        this.pump();
    }

    setOutputs(urn: string, outputs: EncodedStruct): void {
        this.componentOutputs.set(urn, outputs);
    }

    start(context: AnalysisContext): void {
        this.context = context;
        this.startedAt = Date.now();
        this.pump();
    }

    /** Stops taking new work; what is in flight finishes. */
    abort(reason: CheckError): void {
        this.failure ??= reason;
        this.pump();
    }

    /** Call once the program has finished: waits for every resource, then runs AnalyzeStack. */
    async finish(): Promise<AnalysisOutcome> {
        const context = this.context;
        if (!context) {
            throw new Error("analysis finished before it started");
        }
        if (!this.isDrained()) {
            this.drained = deferred();
            await this.drained.promise;
        }
        if (this.failure) {
            // Release anything still waiting on a provider so no promise is left pending.
            for (const pending of this.finalInputs.values()) {
                pending.resolve({ raw: EMPTY_STRUCT, analyzer: EMPTY_STRUCT });
            }
            throw this.failure;
        }
        const analyzeMs = Date.now() - this.startedAt;
        const stackStarted = Date.now();
        const stackViolations = await this.analyzeStack(context);
        return {
            violations: [...this.violations.flat(), ...stackViolations],
            remediations: this.remediations.flat(),
            analyzeMs,
            analyzeStackMs: Date.now() - stackStarted,
        };
    }

    private isDrained(): boolean {
        return this.inFlight === 0 && (this.failure !== undefined || this.next === this.resources.length);
    }

    private pump(): void {
        const context = this.context;
        if (context) {
            while (
                !this.failure &&
                this.inFlight < context.concurrency &&
                this.next < this.resources.length
            ) {
                const index = this.next++;
                this.inFlight++;
                this.processOne(index, context)
                    .catch((err: unknown) => {
                        this.failure ??= packFailure(`analyzing ${this.resources[index].urn}`, err);
                    })
                    .finally(() => {
                        this.inFlight--;
                        context.onProgress?.(++this.done, this.resources.length);
                        this.pump();
                    });
            }
        }
        if (this.drained && this.isDrained()) {
            this.drained.resolve();
        }
    }

    /** The provider as analyzers see it, encoded once per provider from its final inputs. */
    private providerMessage(resource: RecordedResource): Promise<Uint8Array | undefined> {
        const provider = resource.provider === "" ? undefined : this.byUrn.get(resource.provider);
        if (!provider) {
            return Promise.resolve(undefined);
        }
        let message = this.providerMessages.get(provider.urn);
        if (!message) {
            message = this.finalInputs
                .get(provider.urn)!
                .promise.then((inputs) => encodeProvider(provider, inputs.analyzer));
            this.providerMessages.set(provider.urn, message);
        }
        return message;
    }

    private async processOne(index: number, context: AnalysisContext): Promise<void> {
        const resource = this.resources[index];
        let properties = recordedProperties(resource);
        let provider: Uint8Array | undefined;
        try {
            provider = await this.providerMessage(resource);
            if (context.remediate) {
                properties = await this.remediate(resource, properties, provider, index, context);
            }
        } finally {
            this.finalInputs.get(resource.urn)!.resolve(properties);
        }
        const response = await context.connection.analyze(
            new EncodedAnalyzeRequest(resource, properties.analyzer, provider),
        );
        for (const diagnostic of response.getDiagnosticsList()) {
            const violation = this.convert(diagnostic, resource.urn, false, context);
            if (violation) {
                this.violations[index].push(violation);
            }
        }
    }

    /** Applies each remediation in turn; a remediation that could not run is an advisory finding. */
    private async remediate(
        resource: RecordedResource,
        inputs: EncodedProperties,
        provider: Uint8Array | undefined,
        index: number,
        context: AnalysisContext,
    ): Promise<EncodedProperties> {
        let properties = inputs;
        // Remediate is shown internal keys; Analyze is not (as in the engine).
        const response = await context.connection.remediate(
            new EncodedAnalyzeRequest(resource, properties.raw, provider),
        );
        for (const remediation of response.getRemediationsList()) {
            const diagnostic = remediation.getDiagnostic();
            if (diagnostic !== "") {
                this.violations[index].push({
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
                const remediated = encodedProperties(remediation.getProperties()!);
                this.remediations[index].push({
                    policy: remediation.getPolicyname(),
                    policyPack: remediation.getPolicypackname(),
                    urn: resource.urn,
                    description: remediation.getDescription(),
                    changedProperties: changedKeys(properties.raw, remediated.raw),
                });
                properties = remediated;
            }
        }
        return properties;
    }

    /** Properties AnalyzeStack sees: a preview's outputs, i.e. inputs for custom resources, registered outputs for components. */
    private async stackProperties(resource: RecordedResource): Promise<EncodedStruct> {
        if (resource.kind === "read") {
            return EMPTY_STRUCT;
        }
        if (!resource.custom) {
            const outputs = this.componentOutputs.get(resource.urn);
            return outputs ? withoutInternalKeys(decodeStruct(outputs)).serializeBinary() : EMPTY_STRUCT;
        }
        return (await this.finalInputs.get(resource.urn)!.promise).analyzer;
    }

    private async analyzeStack(context: AnalysisContext): Promise<Violation[]> {
        const request = new EncodedAnalyzeStackRequest();
        for (const resource of this.resources) {
            request.addResource(
                encodeStackResource(
                    resource,
                    await this.stackProperties(resource),
                    await this.providerMessage(resource),
                ),
            );
        }
        try {
            const response = await context.connection.analyzeStack(request);
            return response
                .getDiagnosticsList()
                .map((d) => this.convert(d, context.rootStackUrn, true, context))
                .filter((v): v is Violation => v !== undefined);
        } catch (err) {
            throw packFailure("analyzing the stack", err);
        }
    }

    /** Diagnostics without a URN belong to the analyzed resource, or to the stack for AnalyzeStack. */
    private convert(
        diagnostic: analyzerProto.AnalyzeDiagnostic,
        fallbackUrn: string,
        fromStack: boolean,
        context: AnalysisContext,
    ): Violation | undefined {
        let level = enforcementLevelName(diagnostic.getEnforcementlevel());
        // As the engine does: a remediation that still violates is reported as mandatory.
        if (level === "remediate") {
            level = "mandatory";
        }
        if (level === "disabled") {
            return undefined;
        }
        if (diagnostic.getPolicyname() === INTEGRITY_POLICY && level === "mandatory") {
            // Not one finding among others: every answer of the pack is now suspect.
            throw new CheckError(
                "pack",
                `tampering detected: the policy pack reports ${INTEGRITY_POLICY}: ${diagnostic.getMessage()}`,
            );
        }
        const urn = diagnostic.getUrn() || fallbackUrn;
        const resource = this.byUrn.get(urn);
        return {
            policy: diagnostic.getPolicyname(),
            policyPack: diagnostic.getPolicypackname(),
            enforcementLevel: level as Violation["enforcementLevel"],
            urn,
            message: diagnostic.getMessage(),
            policyPackVersion: context.versionOverride ?? diagnostic.getPolicypackversion(),
            description: diagnostic.getDescription(),
            severity: severityName(diagnostic.getSeverity()),
            resourceType: resource?.type,
            resourceName: resource?.name,
            scope: fromStack && diagnostic.getUrn() === "" ? "stack" : "resource",
            source: resource?.source,
        };
    }
}
