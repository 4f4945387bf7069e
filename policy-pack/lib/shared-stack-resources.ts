/**
 * @pulumi/policy's AnalyzeStack handler builds the stack's resource objects afresh for every stack policy:
 * at 17,000 resources that is ~135 ms per policy even with shared properties (shared-properties.ts), more
 * than the pack's rules spend judging them. The pack builds them once per request, with @pulumi/policy's own
 * code (its handler run with one policy that keeps what it is given), freezes them, and hands that one list
 * to every stack policy. @pulumi/policy's handler still runs every policy itself (config, enforcement levels,
 * not-applicable, diagnostics, errors are its own), over a request whose resource list it reads as empty,
 * so it has nothing to rebuild.
 */
import { AsyncLocalStorage } from "async_hooks";
import type { Policies, PolicyResource, StackValidationArgs, StackValidationPolicy } from "@pulumi/policy";
import { loadFromPolicyPackage, type RegistrationTransform } from "./analyzer-service";
import { withWireDecoding } from "./struct-wire";

type Policy = Policies[number];

/** A gRPC unary handler as @pulumi/policy registers it. */
type UnaryHandler = (
    call: { request: unknown },
    callback: (error: unknown, response?: unknown) => void,
) => void;

/** The part of `@pulumi/policy/server` used here (internal to @pulumi/policy, so typed here). */
export interface PolicyServerModule {
    makeAnalyzeStackRpcFun: (
        packName: string,
        packVersion: string,
        enforcementLevel: string,
        policies: readonly StackValidationPolicy[],
    ) => UnaryHandler;
}

/** The resources of the AnalyzeStack request being served, for the stack policies it runs. */
const requestResources = new AsyncLocalStorage<PolicyResource[]>();

export interface SharedStackResources {
    /** The policies to serve. */
    readonly policies: Policies;
    /** For the analyzer service's registration (analyzer-service.ts); absent when nothing is shared. */
    readonly transform?: RegistrationTransform;
}

/**
 * Returns the policies to serve, every stack policy reading the request's one shared resource list, and
 * the change to the analyzer service's registration that builds that list once per AnalyzeStack request
 * (and, when asked, decodes requests from the wire: struct-wire.ts). Only for @pulumi/policy versions this
 * was tested with (sdk-patches.ts). Returns the policies unchanged, and no transform, when @pulumi/policy's
 * server does not have the expected shape, or when a stack policy declares a resource type (@pulumi/policy
 * skips those by looking at the list it reads, which is empty here).
 */
export function shareStackResources(
    policies: Policies,
    server: PolicyServerModule = loadFromPolicyPackage<PolicyServerModule>("@pulumi/policy/server"),
    wireDecoding = false,
): SharedStackResources {
    const stackPolicies = policies.filter(isStackPolicy);
    const typed = stackPolicies.some((p) => (p.validateStack as { __pulumiType?: string }).__pulumiType);
    if (typed || typeof server.makeAnalyzeStackRpcFun !== "function") {
        return { policies: [...policies] };
    }
    const transform: RegistrationTransform = ({ service, implementation }) => {
        const analyzeStack = implementation.analyzeStack;
        if (typeof analyzeStack !== "function") return { service, implementation };
        return {
            service: wireDecoding ? withWireDecoding(service) : service,
            implementation: {
                ...implementation,
                analyzeStack: analyzeStackOnce(analyzeStack as UnaryHandler, server),
            },
        };
    };
    return { policies: policies.map((p) => (isStackPolicy(p) ? readingSharedResources(p) : p)), transform };
}

/** A stack policy that judges the request's shared resources when @pulumi/policy handed it none of its own. */
export function readingSharedResources(policy: StackValidationPolicy): StackValidationPolicy {
    const validateStack = policy.validateStack;
    return {
        ...policy,
        validateStack: (args, reportViolation) => {
            const shared = requestResources.getStore();
            const resources = shared !== undefined && args.resources.length === 0 ? shared : args.resources;
            return validateStack({ ...args, resources } satisfies StackValidationArgs, reportViolation);
        },
    };
}

/**
 * The AnalyzeStack handler, building the resources once: when building them fails (a request @pulumi/policy
 * refuses), the original handler serves the request as it always did and reports the failure itself.
 */
export function analyzeStackOnce(original: UnaryHandler, server: PolicyServerModule): UnaryHandler {
    return (call, callback) => {
        buildResources(call.request, server).then(
            (resources) => {
                const request = call.request as object;
                const withoutList = Object.create(request, {
                    getResourcesList: { value: () => [] },
                }) as object;
                const emptiedCall = Object.create(call, { request: { value: withoutList } }) as typeof call;
                requestResources.run(resources, () => original(emptiedCall, callback));
            },
            () => original(call, callback),
        );
    };
}

/** The request's resources as @pulumi/policy builds them for a stack policy, frozen to be shared. */
export function buildResources(request: unknown, server: PolicyServerModule): Promise<PolicyResource[]> {
    return new Promise((resolve, reject) => {
        let built: PolicyResource[] | undefined;
        const keeper: StackValidationPolicy = {
            name: "agentguard-shared-resources",
            description: "Keeps the resources @pulumi/policy builds for a stack policy.",
            enforcementLevel: "mandatory",
            validateStack: (args) => {
                built = args.resources;
            },
        };
        const handler = server.makeAnalyzeStackRpcFun("agentguard-shared-resources", "0.0.0", "mandatory", [
            keeper,
        ]);
        handler({ request }, (error) => {
            if (error) reject(error instanceof Error ? error : new Error(String(error)));
            else if (built === undefined)
                reject(new Error("@pulumi/policy built no resources for the request"));
            else resolve(freezeResources(built));
        });
    });
}

/** Freezes what one stack policy could otherwise change for the next: the resources and their links. */
function freezeResources(resources: PolicyResource[]): PolicyResource[] {
    for (const resource of resources) {
        Object.freeze(resource.dependencies);
        for (const dependencies of Object.values(resource.propertyDependencies)) Object.freeze(dependencies);
        Object.freeze(resource.propertyDependencies);
        Object.freeze(resource.opts);
        if (resource.provider) Object.freeze(resource.provider);
        Object.freeze(resource);
    }
    Object.freeze(resources);
    return resources;
}

function isStackPolicy(policy: Policy): policy is StackValidationPolicy {
    return typeof (policy as Partial<StackValidationPolicy>).validateStack === "function";
}
