import type * as ResourceProto from "@pulumi/pulumi/proto/resource_pb";
import type * as ProviderProto from "@pulumi/pulumi/proto/provider_pb";
import type * as StructProto from "google-protobuf/google/protobuf/struct_pb";
import { fileURLToPath } from "url";
import { grpcError, GRPC_STATUS } from "./engine-protocol";
import { expandManifestComponent, isManifestComponent } from "./manifests";
import { findOfflineAnswer, type OfflineAnswers } from "./offline-answers";
import { rawObjectOf, structHasKeyWithPrefix } from "./monitor-wire";
import { OFFLINE_INVOKES } from "./offline-invokes";
import { PLACEHOLDER_INVOKES, PLACEHOLDER_REGION } from "./placeholder-invokes";
import type { RecordedResource, ResourceOptionsRecord, SourcePosition, UncheckedComponent } from "./protocol";
import {
    defaultProviderDisabled,
    defaultProviderInputs,
    defaultProviderName,
    durationSeconds,
    makeUrn,
    needsDefaultProvider,
    packageOfType,
    providerRefUrn,
    PROVIDER_TYPE_PREFIX,
    rootStackUrn,
    UNKNOWN_VALUE,
} from "./urn";

/** The protobuf modules the monitor answers with (the checker's own @pulumi/pulumi: the wire format is stable). */
/** What an invoke answers with: `ResourceInvokeResponse` in newer SDKs, `InvokeResponse` in older ones. */
export type InvokeResponseClass = new () => { setReturn(value?: StructProto.Struct): unknown };

export interface ProgramProtos {
    readonly resource: typeof ResourceProto;
    readonly provider: typeof ProviderProto;
    readonly struct: typeof StructProto;
    /** The class the service's Invoke answers with. @default provider.InvokeResponse */
    readonly invokeResponse?: InvokeResponseClass;
}

export interface MonitorContext {
    /** The program's directory: manifest files are found relative to it, as the provider finds them. */
    readonly dir: string;
    readonly project: string;
    readonly stack: string;
    readonly organization?: string;
    readonly config: Readonly<Record<string, string>>;
    /** The user's answers for lookups (--offline-answers). */
    readonly offlineAnswers?: OfflineAnswers;
}

/** A lookup the program made that had no offline answer: it got an empty result. */
export interface UnansweredLookup {
    readonly token: string;
    readonly args: Readonly<Record<string, unknown>>;
    readonly why: string;
}

/** A lookup the program made that got a placeholder answer (placeholder-invokes.ts). */
export type PlaceholderLookup = Omit<UnansweredLookup, "why">;

type Callback<T> = (err: Error | null, response?: T) => void;

/** An entry of RegisterResourceRequest.aliases: a URN or a spec (the parts that differ from the resource). */
interface AliasMessage {
    getUrn(): string;
    hasSpec(): boolean;
    getSpec():
        | {
              getName(): string;
              getType(): string;
              getStack(): string;
              getProject(): string;
              getParenturn(): string;
              getNoparent(): boolean;
          }
        | undefined;
}

/** gRPC-style error: the SDK surfaces `details` to the user. */
function monitorError(message: string): Error {
    return grpcError(GRPC_STATUS.UNKNOWN, message);
}

/** Provider functions that render a component's objects (Helm v3 charts, kustomize v1 directories). */
export const RESOURCE_GENERATING_INVOKES: Readonly<
    Record<string, { readonly component: string; describe(args: Record<string, unknown>): string }>
> = {
    "kubernetes:helm:template": {
        component: "kubernetes:helm.sh/v3:Chart",
        describe: (args) => {
            let options: Record<string, unknown> = {};
            try {
                options = JSON.parse(String(args.jsonOpts)) as Record<string, unknown>;
            } catch {
                // The name falls back to "chart" below.
            }
            const chart = options.chart ?? options.path ?? "chart";
            return typeof options.release_name === "string" && options.release_name !== ""
                ? `${options.release_name} (${String(chart)})`
                : String(chart);
        },
    },
    "kubernetes:kustomize:directory": {
        component: "kubernetes:kustomize:Directory",
        describe: (args) => String(args.directory ?? "directory"),
    },
};

const RENDERED_COMPONENT_TYPES: ReadonlySet<string> = new Set(
    Object.values(RESOURCE_GENERATING_INVOKES).map((generator) => generator.component),
);

/**
 * The name a Namespace without `metadata.name` gets: `<generateName>` plus the API server's 5-character
 * suffix, else the provider's autoname `<resource name>-<8 characters>`. The random part is a stand-in, the
 * same the policy pack uses (core/stack/agent-namespaces.ts), so both join on the same name.
 */
export function autonamedNamespace(
    resourceName: string,
    metadata: Record<string, unknown>,
): string | undefined {
    if (metadata.name !== undefined && metadata.name !== null && metadata.name !== "") {
        return undefined;
    }
    const generateName = metadata.generateName;
    if (generateName === UNKNOWN_VALUE) {
        return undefined;
    }
    if (typeof generateName === "string" && generateName !== "") {
        return `${generateName}xxxxx`;
    }
    return `${resourceName}-xxxxxxxx`;
}

/**
 * Features as a real engine would answer them, minus those that need callbacks into the program (transforms,
 * hooks, state migrations: the SDK then refuses to use them, see failure-hints.ts) and the two whose absence
 * the SDK works around on its side (resource references and output values are sent as plain values).
 */
export const SUPPORTED_FEATURES: ReadonlySet<string> = new Set([
    "secrets",
    "deletedWith",
    "replaceWith",
    "parameterization",
    "aliasSpecs",
]);

/** `deletedWith` → `RESOURCE_MONITOR_FEATURE_DELETED_WITH`, the name GetDeploymentInfo's enum gives it. */
function featureEnumName(feature: string): string {
    return `RESOURCE_MONITOR_FEATURE_${feature.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

function optionalCall<T>(target: object, method: string, fallback: T): T {
    const fn = (target as Record<string, unknown>)[method];
    return typeof fn === "function" ? (fn.call(target) as T) : fallback;
}

function sourcePositionOf(req: object): SourcePosition | undefined {
    const position = optionalCall<{ getUri(): string; getLine(): number; getColumn(): number } | undefined>(
        req,
        "getSourceposition",
        undefined,
    );
    if (!position || position.getUri() === "") {
        return undefined;
    }
    const uri = position.getUri();
    const file = uri.startsWith("file:") ? fileURLToPath(uri) : uri;
    return { file, line: position.getLine(), column: position.getColumn() || undefined };
}

/**
 * A resource monitor that does what the engine does during a preview of a new stack: it computes URNs,
 * registers default providers, answers each registration with the inputs as outputs (computed values
 * stay unknown) and records everything for the analyzers.
 */
export interface MonitorSink {
    resource(record: RecordedResource): void;
    outputs(urn: string, outputs: Uint8Array): void;
}

export class OfflineMonitor {
    /** Inputs by URN, for duplicate detection and `getResource`. */
    private readonly inputsByUrn = new Map<string, Uint8Array>();
    private readonly warnings = new Set<string>();
    private readonly unchecked: UncheckedComponent[] = [];
    private readonly unanswered = new Map<string, UnansweredLookup>();
    private readonly placeholders = new Map<string, PlaceholderLookup>();
    /** Calls of provider functions that render a component's objects, which the program got none of. */
    private readonly renderCalls: { token: string; args: Record<string, unknown> }[] = [];
    /** Components whose objects a provider function renders (Helm v3 charts, kustomize), by type. */
    private readonly componentsByType = new Map<string, string[]>();
    /** Registered components (not custom), the only resources whose outputs the SDK registers. */
    private readonly components = new Set<string>();
    private readonly withOutputs = new Set<string>();
    /** What a real engine would have failed the deployment for, even if the program ignored the error. */
    private readonly fatal: string[] = [];

    constructor(
        private readonly protos: ProgramProtos,
        private readonly context: MonitorContext,
        private readonly sink: MonitorSink,
    ) {}

    get resourceCount(): number {
        return this.inputsByUrn.size;
    }

    /**
     * Protocol violations the program could use to hide something (a duplicate URN, outputs registered for
     * a resource that cannot have them): the engine fails the deployment for them, so the check fails too,
     * even when the program catches the error the SDK got.
     */
    inconsistencies(): readonly string[] {
        return this.fatal;
    }

    /**
     * Whether the root stack registered its outputs: the SDK does that once the program's main code has
     * returned, so a run that ends without it was cut short.
     */
    stackFinished(): boolean {
        return this.withOutputs.has(rootStackUrn(this.context.stack, this.context.project));
    }

    private inconsistent(message: string): void {
        this.fatal.push(message);
    }

    addWarning(warning: string): void {
        this.warnings.add(warning);
    }

    warningList(): string[] {
        return [...this.warnings];
    }

    /** Multi-language components whose children could not be built offline, so nothing inside was judged. */
    uncheckedComponents(): UncheckedComponent[] {
        const rendered = this.renderCalls.map(({ token, args }): UncheckedComponent => {
            const generator = RESOURCE_GENERATING_INVOKES[token];
            const componentUrn = this.renderingComponent(generator.component, args);
            return {
                urn: componentUrn ?? rootStackUrn(this.context.stack, this.context.project),
                type: generator.component,
                name: componentUrn ? undefined : generator.describe(args),
                reason: `its resources are rendered by the provider (${token}), which does not run offline`,
            };
        });
        return [...this.unchecked, ...rendered];
    }

    /**
     * The component whose objects a rendering function call is for: the SDK calls it from the component's
     * constructor and a Helm chart's release name is its name; else the latest component of that type.
     */
    private renderingComponent(type: string, args: Record<string, unknown>): string | undefined {
        let release: unknown;
        try {
            release = (JSON.parse(String(args.jsonOpts)) as Record<string, unknown>).release_name;
        } catch {
            // Not a chart: no release name.
        }
        const candidates = this.componentsByType.get(type) ?? [];
        const named = candidates.filter((urn) => typeof release === "string" && urn.endsWith(`::${release}`));
        return named.at(-1) ?? candidates.at(-1);
    }

    /** Lookups that had no offline answer, in call order: a program that then fails is told about them. */
    unansweredLookups(): UnansweredLookup[] {
        return [...this.unanswered.values()];
    }

    /** Lookups that got a placeholder answer, in call order: a failure may follow from one. */
    placeholderLookups(): PlaceholderLookup[] {
        return [...this.placeholders.values()];
    }

    supportsFeature(req: ResourceProto.SupportsFeatureRequest, callback: Callback<unknown>): void {
        const response = new this.protos.resource.SupportsFeatureResponse();
        response.setHassupport(SUPPORTED_FEATURES.has(req.getId()));
        callback(null, response);
    }

    /**
     * What newer SDKs ask first (GetDeploymentInfo), instead of probing each feature: the same features as
     * SupportsFeature, and the deployment a preview of this stack would report.
     */
    getDeploymentInfo(_req: unknown, callback: Callback<unknown>): void {
        const { DeploymentInfo, ResourceMonitorFeature } = this.protos.resource;
        if (typeof DeploymentInfo !== "function" || typeof ResourceMonitorFeature !== "object") {
            callback(grpcError(GRPC_STATUS.UNIMPLEMENTED, "GetDeploymentInfo is not in this SDK's protocol"));
            return;
        }
        const enumValues = ResourceMonitorFeature as unknown as Record<string, number | undefined>;
        const features = [...SUPPORTED_FEATURES]
            .map((feature) => enumValues[featureEnumName(feature)])
            .filter((value): value is number => typeof value === "number");
        const info = new DeploymentInfo();
        info.setProject(this.context.project);
        info.setStack(this.context.stack);
        info.setOrganization(this.context.organization ?? "");
        for (const [key, value] of Object.entries(this.context.config)) {
            info.getConfigMap().set(key, value);
        }
        info.setDryrun(true);
        info.setSupportedfeaturesList(features as ResourceProto.ResourceMonitorFeature[]);
        callback(null, info);
    }

    /**
     * Whether a cloud resource with a given ID exists (newer SDKs): offline nobody can tell, so the answer
     * is unknown, as a preview answers for a value it cannot compute.
     */
    existsResource(req: { getType(): string; getId(): string }, callback: Callback<unknown>): void {
        const Response = (this.protos.resource as unknown as Record<string, unknown>)
            .ExistsResourceResponse as
            | (new () => { setExists(value: boolean): unknown; setUnknown(value: boolean): unknown })
            | undefined;
        if (typeof Response !== "function") {
            callback(grpcError(GRPC_STATUS.UNIMPLEMENTED, "ExistsResource is not in this SDK's protocol"));
            return;
        }
        this.warnings.add(
            `whether ${req.getType()} '${req.getId()}' exists can't be known offline: the program got an unknown value`,
        );
        const response = new Response();
        response.setExists(false);
        response.setUnknown(true);
        callback(null, response);
    }

    registerPackage(_req: unknown, callback: Callback<unknown>): void {
        const response = new this.protos.resource.RegisterPackageResponse();
        response.setRef("offline-package");
        callback(null, response);
    }

    registerResource(req: ResourceProto.RegisterResourceRequest, callback: Callback<unknown>): void {
        let response: ResourceProto.RegisterResourceResponse;
        try {
            const urn = this.recordRegistration(req);
            response = new this.protos.resource.RegisterResourceResponse();
            response.setUrn(urn);
            // An empty ID is an unknown ID: what a preview reports for a resource not created yet.
            response.setId("");
            // A preview's outputs are the inputs. When they are exactly the inputs as sent, the answer leaves
            // them out and the checker's client puts the request's own back (child.ts): the program's
            // process does not decode again what it has just encoded.
            const outputs = this.outputsOf(req);
            if (outputs !== undefined || rawObjectOf(req) === undefined) {
                response.setObject(outputs ?? req.getObject() ?? new this.protos.struct.Struct());
            }
            response.setResult(this.protos.resource.Result.SUCCESS);
        } catch (err) {
            callback(monitorError((err as Error).message));
            return;
        }
        callback(null, response);
    }

    /**
     * The inputs as outputs, as a preview of a create has them, plus what the provider's Check computes that
     * dependants read: an autonamed Namespace's name, so a workload placed with `ns.metadata.name` (directly
     * or through a provider's default namespace) lands in that namespace, not in none.
     */
    private outputsOf(req: ResourceProto.RegisterResourceRequest): StructProto.Struct | undefined {
        if (req.getType() !== "kubernetes:core/v1:Namespace" || !req.getCustom()) {
            return undefined;
        }
        const object = req.getObject() ?? new this.protos.struct.Struct();
        const outputs = object.toJavaScript();
        const metadata = outputs.metadata;
        if (
            metadata === UNKNOWN_VALUE ||
            (metadata !== undefined && (typeof metadata !== "object" || metadata === null))
        ) {
            return object;
        }
        const md = { ...((metadata ?? {}) as Record<string, unknown>) };
        const name = autonamedNamespace(req.getName(), md);
        if (name === undefined) {
            return undefined;
        }
        return this.protos.struct.Struct.fromJavaScript({
            ...outputs,
            metadata: { ...md, name },
        } as unknown as Record<string, never>);
    }

    registerResourceOutputs(
        req: ResourceProto.RegisterResourceOutputsRequest,
        callback: Callback<unknown>,
    ): void {
        const urn = req.getUrn();
        const problem = !this.inputsByUrn.has(urn)
            ? "a resource that was never registered"
            : !this.components.has(urn)
              ? "a resource that is not a component (the SDK registers outputs for components only)"
              : this.withOutputs.has(urn)
                ? "a component whose outputs were already registered (the SDK registers them once)"
                : undefined;
        if (problem !== undefined) {
            const message = `registerOutputs for ${problem}: ${urn}`;
            this.inconsistent(message);
            callback(monitorError(message));
            return;
        }
        this.withOutputs.add(urn);
        this.sink.outputs(
            req.getUrn(),
            (req.getOutputs() ?? new this.protos.struct.Struct()).serializeBinary(),
        );
        callback(null, {});
    }

    readResource(req: ResourceProto.ReadResourceRequest, callback: Callback<unknown>): void {
        try {
            const urn = makeUrn(
                this.context.stack,
                this.context.project,
                req.getParent(),
                req.getType(),
                req.getName(),
            );
            this.add({
                kind: "read",
                urn,
                type: req.getType(),
                name: req.getName(),
                custom: true,
                parent: req.getParent(),
                provider: req.getProvider() === "" ? "" : providerRefUrn(req.getProvider()),
                dependencies: req.getDependenciesList(),
                propertyDependencies: {},
                inputs: this.encode({ id: req.getId() }),
                options: this.plainOptions(req.getParent()),
                source: sourcePositionOf(req),
            });
            this.warnings.add(
                `${urn} is read from an existing resource (.get): its state is unknown offline`,
            );
            const response = new this.protos.resource.ReadResourceResponse();
            response.setUrn(urn);
            response.setProperties(new this.protos.struct.Struct());
            callback(null, response);
        } catch (err) {
            callback(monitorError((err as Error).message));
        }
    }

    invoke(req: ResourceProto.ResourceInvokeRequest, callback: Callback<unknown>): void {
        const token = req.getTok();
        const args = req.getArgs()?.toJavaScript() ?? {};
        let result: Record<string, unknown> = {};
        if (token === "pulumi:pulumi:getResource") {
            const inputs = this.inputsByUrn.get(String(args.urn));
            if (!inputs) {
                callback(monitorError(`unknown resource ${String(args.urn)}`));
                return;
            }
            const state = this.protos.struct.Struct.deserializeBinary(inputs).toJavaScript();
            result = { urn: String(args.urn), id: UNKNOWN_VALUE, state };
        } else if (RESOURCE_GENERATING_INVOKES[token]) {
            // The program gets no objects, so the component it builds stays empty: report, don't pass.
            // The component's own registration may reach us after this call: it is found at the end.
            this.renderCalls.push({ token, args });
            // Unknown, as a preview with unknown chart values has it: what the program reads from the
            // component (getResource(...).status) stays unknown instead of failing on a missing object.
            result = { result: UNKNOWN_VALUE };
        } else {
            result = this.answerLookup(req, token, args);
        }
        const response = new (this.protos.invokeResponse ?? this.protos.provider.InvokeResponse)();
        response.setReturn(this.protos.struct.Struct.fromJavaScript(result as Record<string, never>));
        callback(null, response);
    }

    /**
     * A provider function: computed when it is pure, else the user's answer, else a placeholder where one is
     * plausible, else an empty result (remembered, so a failure can name the lookup to answer).
     */
    private answerLookup(
        req: ResourceProto.ResourceInvokeRequest,
        token: string,
        args: Record<string, unknown>,
    ): Record<string, unknown> {
        const answersHint = this.context.offlineAnswers
            ? `in ${this.context.offlineAnswers.source}`
            : "in an --offline-answers file";
        try {
            const pure = OFFLINE_INVOKES[token];
            if (pure) {
                return pure(args);
            }
            const answered = findOfflineAnswer(this.context.offlineAnswers, token, args);
            if (answered) {
                return { ...answered };
            }
            const placeholder = PLACEHOLDER_INVOKES[token];
            if (placeholder) {
                const result = placeholder(args, { region: this.regionOf(req, args) });
                this.placeholders.set(`${token} ${JSON.stringify(args)}`, { token, args });
                this.warnings.add(
                    `function '${token}' got a placeholder answer offline (not the account's real state); ` +
                        `give the real one ${answersHint} under '${token}' if the check depends on it`,
                );
                return result;
            }
            throw new Error("it reads state only the cloud has");
        } catch (err) {
            const why = (err as Error).message;
            const key = `${token} ${JSON.stringify(args)}`;
            if (!this.unanswered.has(key)) {
                this.unanswered.set(key, { token, args, why });
            }
            this.warnings.add(
                `function '${token}' has no offline answer (${why}): the program got an empty result; ` +
                    `give one ${answersHint} under '${token}'`,
            );
            return {};
        }
    }

    /** The region a lookup runs in: its own argument, its explicit provider's, or the stack's aws:region. */
    private regionOf(req: ResourceProto.ResourceInvokeRequest, args: Record<string, unknown>): string {
        if (typeof args.region === "string" && args.region !== "") {
            return args.region;
        }
        const providerInputs = req.getProvider()
            ? this.inputsByUrn.get(providerRefUrn(req.getProvider()))
            : undefined;
        if (providerInputs) {
            const region = this.protos.struct.Struct.deserializeBinary(providerInputs).toJavaScript().region;
            if (typeof region === "string" && region !== "") {
                return region;
            }
        }
        return this.context.config["aws:region"] ?? PLACEHOLDER_REGION;
    }

    call(req: ResourceProto.ResourceCallRequest, callback: Callback<unknown>): void {
        callback(monitorError(`method '${req.getTok()}' of a remote component can't be called offline`));
    }

    signalAndWaitForShutdown(_req: unknown, callback: Callback<unknown>): void {
        callback(null, {});
    }

    close(): void {}

    private recordRegistration(req: ResourceProto.RegisterResourceRequest): string {
        const { stack, project } = this.context;
        const type = req.getType();
        const urn = makeUrn(stack, project, req.getParent(), type, req.getName());
        let provider = req.getProvider() === "" ? "" : providerRefUrn(req.getProvider());
        if (needsDefaultProvider(type, req.getCustom(), req.getProvider())) {
            provider = this.defaultProvider(packageOfType(type), req.getVersion(), urn);
        }
        const propertyDependencies: Record<string, string[]> = {};
        for (const [key, deps] of req.getPropertydependenciesMap().entries()) {
            propertyDependencies[key] = deps.getUrnsList();
        }
        const timeouts = req.getCustomtimeouts();
        const options: ResourceOptionsRecord = {
            protect: optionalCall<boolean | undefined>(req, "getProtect", false) ?? false,
            ignoreChanges: req.getIgnorechangesList(),
            deleteBeforeReplace: req.getDeletebeforereplacedefined()
                ? req.getDeletebeforereplace()
                : undefined,
            additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
            aliases: this.aliasUrns(req),
            customTimeouts: {
                create: durationSeconds(timeouts?.getCreate() ?? ""),
                update: durationSeconds(timeouts?.getUpdate() ?? ""),
                delete: durationSeconds(timeouts?.getDelete() ?? ""),
            },
            parent: req.getParent(),
        };
        // Kept as received when the server could (see monitor-wire.ts): no decoding, no re-encoding.
        const raw = rawObjectOf(req);
        const object = raw === undefined ? (req.getObject() ?? new this.protos.struct.Struct()) : undefined;
        const inputs = raw ?? object!.serializeBinary();
        this.add({
            kind: "registered",
            urn,
            type,
            name: req.getName(),
            custom: req.getCustom(),
            parent: req.getParent(),
            provider,
            dependencies: req.getDependenciesList(),
            propertyDependencies,
            inputs,
            analyzerInputs:
                object !== undefined
                    ? this.withoutInternalKeys(object, inputs)
                    : structHasKeyWithPrefix(inputs, "__") === false
                      ? undefined
                      : this.withoutInternalKeys(this.protos.struct.Struct.deserializeBinary(inputs), inputs),
            options,
            source: sourcePositionOf(req),
        });
        if (!req.getCustom()) {
            this.components.add(urn);
        }
        if (RENDERED_COMPONENT_TYPES.has(type)) {
            this.componentsByType.set(type, [...(this.componentsByType.get(type) ?? []), urn]);
        }
        if (req.getRemote()) {
            this.buildRemoteChildren(req, urn, object ?? req.getObject() ?? new this.protos.struct.Struct());
        }
        return urn;
    }

    /**
     * The URNs a resource's aliases stand for, computed as the engine does: URN aliases as given, alias
     * specs (aliasSpecs) with each missing part taken from the resource itself.
     */
    private aliasUrns(req: ResourceProto.RegisterResourceRequest): string[] {
        const urns = new Set(req.getAliasurnsList());
        const { stack, project } = this.context;
        for (const alias of optionalCall<AliasMessage[]>(req, "getAliasesList", [])) {
            if (alias.hasSpec()) {
                const spec = alias.getSpec()!;
                const parent = spec.getNoparent()
                    ? ""
                    : spec.getParenturn() !== ""
                      ? spec.getParenturn()
                      : req.getParent();
                urns.add(
                    makeUrn(
                        spec.getStack() || stack,
                        spec.getProject() || project,
                        parent,
                        spec.getType() || req.getType(),
                        spec.getName() || req.getName(),
                    ),
                );
            } else if (alias.getUrn() !== "") {
                urns.add(alias.getUrn());
            }
        }
        return [...urns];
    }

    /**
     * A multi-language component's children are registered by its provider, which does not run offline.
     * Manifest components are expanded here as the Kubernetes provider would; any other is recorded as
     * unchecked, so the check fails closed instead of passing over what it could not see.
     */
    private buildRemoteChildren(
        req: ResourceProto.RegisterResourceRequest,
        componentUrn: string,
        object: StructProto.Struct,
    ): void {
        const type = req.getType();
        const source = sourcePositionOf(req);
        if (!isManifestComponent(type)) {
            this.unchecked.push({
                urn: componentUrn,
                type,
                reason: "its resources are built by its provider, which does not run offline",
                source,
            });
            return;
        }
        const expansion = expandManifestComponent(
            type,
            req.getName(),
            object.toJavaScript(),
            this.context.dir,
        );
        if (!expansion.expanded) {
            this.unchecked.push({ urn: componentUrn, type, reason: expansion.reason, source });
            return;
        }
        const { stack, project } = this.context;
        const explicitProvider = req.getProvidersMap().get("kubernetes");
        for (const child of expansion.children) {
            const urn = makeUrn(stack, project, componentUrn, child.type, child.name);
            const provider = explicitProvider
                ? providerRefUrn(explicitProvider)
                : this.defaultProvider("kubernetes", req.getVersion(), urn);
            this.add({
                kind: "registered",
                urn,
                type: child.type,
                name: child.name,
                custom: true,
                parent: componentUrn,
                provider,
                dependencies: [],
                propertyDependencies: {},
                inputs: this.encode(child.object),
                options: this.plainOptions(componentUrn),
                source,
            });
        }
    }

    /** Registers the package's default provider on first use, as the engine does, and returns its URN. */
    private defaultProvider(pkg: string, version: string, forUrn: string): string {
        const { stack, project, config } = this.context;
        if (defaultProviderDisabled(pkg, config)) {
            throw new Error(
                `Default provider for '${pkg}' disabled. '${forUrn}' must use an explicit provider ` +
                    "(pulumi:disable-default-providers is set)",
            );
        }
        const urn = makeUrn(
            stack,
            project,
            "",
            `${PROVIDER_TYPE_PREFIX}${pkg}`,
            defaultProviderName(version),
        );
        if (!this.inputsByUrn.has(urn)) {
            this.add({
                kind: "default-provider",
                urn,
                type: `${PROVIDER_TYPE_PREFIX}${pkg}`,
                name: defaultProviderName(version),
                custom: true,
                parent: "",
                provider: "",
                dependencies: [],
                propertyDependencies: {},
                inputs: this.encode(defaultProviderInputs(pkg, config)),
                options: this.plainOptions(""),
            });
        }
        return urn;
    }

    private plainOptions(parent: string): ResourceOptionsRecord {
        return {
            protect: false,
            ignoreChanges: [],
            additionalSecretOutputs: [],
            aliases: [],
            customTimeouts: { create: 0, update: 0, delete: 0 },
            parent,
        };
    }

    /** The engine hides top-level "__" keys from analyzers; re-encoded only when there are some. */
    private withoutInternalKeys(object: StructProto.Struct, encoded: Uint8Array): Uint8Array | undefined {
        const internal = object
            .getFieldsMap()
            .getEntryList()
            .map(([key]) => key)
            .filter((key) => key.startsWith("__"));
        if (internal.length === 0) {
            return undefined;
        }
        const copy = this.protos.struct.Struct.deserializeBinary(encoded);
        for (const key of internal) {
            copy.getFieldsMap().del(key);
        }
        return copy.serializeBinary();
    }

    private encode(value: Record<string, unknown>): Uint8Array {
        return this.protos.struct.Struct.fromJavaScript(value as Record<string, never>).serializeBinary();
    }

    private add(record: RecordedResource): void {
        if (this.inputsByUrn.has(record.urn)) {
            const message = `Duplicate resource URN '${record.urn}'; try giving it a unique name`;
            this.inconsistent(message);
            throw new Error(message);
        }
        this.inputsByUrn.set(record.urn, record.inputs);
        this.sink.resource(record);
    }
}
