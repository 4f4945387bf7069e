/**
 * The one interception of the pack's gRPC server: @pulumi/policy registers its analyzer service with
 * `Server.prototype.addService` of the @grpc/grpc-js it loads, and the pack changes that registration before
 * it happens (the configuration guard, always; the speed patches, on tested @pulumi/policy versions only).
 * It relies on nothing of @pulumi/policy but the gRPC service it serves, so it works with any version; when
 * it cannot be installed, the pack refuses to start rather than serve unguarded.
 */
import * as path from "path";

/** The part of `@grpc/grpc-js` (the copy @pulumi/policy loads) used here. */
export interface GrpcModule {
    Server: {
        prototype: { addService: (service: unknown, implementation: Record<string, unknown>) => void };
    };
}

/** The analyzer service as it is about to be registered: its definition and its handlers by RPC name. */
export interface AnalyzerRegistration {
    readonly service: object;
    readonly implementation: Readonly<Record<string, unknown>>;
}

export type RegistrationTransform = (registration: AnalyzerRegistration) => AnalyzerRegistration;

export interface AnalyzerServiceHook {
    /** Whether the analyzer service has been registered through the hook (its transforms applied). */
    readonly applied: boolean;
}

/** The hook could not be installed or did not see the analyzer service: the pack must not serve. */
export class AnalyzerHookError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "AnalyzerHookError";
    }
}

const ANALYZER_PATH_PREFIX = "/pulumirpc.Analyzer/";

/** A gRPC service definition whose methods are Pulumi's analyzer RPCs. */
export function isAnalyzerService(service: unknown): service is object {
    if (typeof service !== "object" || service === null) return false;
    return Object.values(service).some(
        (method) =>
            typeof method === "object" &&
            method !== null &&
            typeof (method as { path?: unknown }).path === "string" &&
            (method as { path: string }).path.startsWith(ANALYZER_PATH_PREFIX),
    );
}

/**
 * Replaces `Server.prototype.addService` until the analyzer service is registered: that registration gets
 * the transforms, in order, then the original `addService` is put back. Throws when there is no
 * `addService` to replace.
 */
export function interceptAnalyzerService(
    grpc: GrpcModule,
    transforms: readonly RegistrationTransform[],
): AnalyzerServiceHook {
    const proto = grpc?.Server?.prototype;
    const addService = proto?.addService;
    if (typeof addService !== "function") {
        throw new AnalyzerHookError(
            "the @grpc/grpc-js that @pulumi/policy loads has no Server.prototype.addService, so agentguard's " +
                "policy pack cannot guard its configuration; refusing to start (expected @grpc/grpc-js 1.x)",
        );
    }
    const state = { applied: false };
    proto.addService = function (this: unknown, service: unknown, implementation: Record<string, unknown>) {
        if (!isAnalyzerService(service) || typeof implementation !== "object" || implementation === null) {
            return addService.call(this, service, implementation);
        }
        proto.addService = addService;
        let registration: AnalyzerRegistration = { service, implementation };
        for (const transform of transforms) registration = transform(registration);
        state.applied = true;
        return addService.call(this, registration.service, { ...registration.implementation });
    };
    return {
        get applied() {
            return state.applied;
        },
    };
}

/** A module as @pulumi/policy resolves it, so the patched server class is the one its server uses. */
export function loadFromPolicyPackage<T>(request: string): T {
    const policyDir = path.dirname(require.resolve("@pulumi/policy/package.json"));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(require.resolve(request, { paths: [policyDir] })) as T;
}
