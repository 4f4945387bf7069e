/**
 * @pulumi/policy deserializes a resource's properties afresh for every policy: once per stack policy for the
 * whole stack, once per resource policy for each resource. With many rules that is the bulk of a large
 * stack's analysis time, most of it spent collecting the copies. Within one request the protobuf Struct it
 * reads is the same object every time, so the pack deserializes each Struct once and hands every policy the
 * same result, frozen so that no rule can change what the next one sees. (@pulumi/policy's unknown-checking
 * proxy hands out frozen nested values unwrapped; the rules never rely on it: they read the plain values and
 * judge unknowns themselves, see unknowns.ts.)
 */

/** The part of `@pulumi/policy/deserialize` the server calls (internal to @pulumi/policy, so typed here). */
export interface DeserializeModule {
    deserializeProperties: (struct: object, proxySecrets: boolean) => Record<string, unknown>;
}

// Marks a function already replaced by memoizeByFirstArgument.
const SHARED = Symbol.for("agentguard.memoizedByFirstArgument");

/**
 * Replaces the module's `deserializeProperties` with one that memoizes plain (non-secret-proxying) results
 * per Struct. Returns false, changing nothing, when the module does not have the expected shape (another
 * @pulumi/policy version): every policy then simply pays for its own copy, as before.
 */
export function shareDeserializedProperties(module: DeserializeModule = loadDeserializeModule()): boolean {
    // Secret-preserving results are proxies that remediations replace: left as they were.
    return memoizeByFirstArgument(module, "deserializeProperties", (args) => args[1] !== true, deepFreeze);
}

/** The part of `@pulumi/policy/proxy` the server calls (internal to @pulumi/policy, so typed here). */
export interface ProxyModule {
    unknownCheckingProxy: (props: object) => object;
}

/**
 * The server wraps each policy's properties in a fresh unknown-checking proxy. The proxy holds no state of
 * its own, so the shared (frozen) properties get one proxy, reused by every policy. Returns false, changing
 * nothing, when the module does not have the expected shape.
 */
export function shareUnknownCheckingProxies(module: ProxyModule = loadProxyModule()): boolean {
    // Only what shareDeserializedProperties froze is shared; anything else is wrapped as before.
    return memoizeByFirstArgument(module, "unknownCheckingProxy", (args) => Object.isFrozen(args[0]));
}

/**
 * Replaces `module[name]` with a version that, when `shares` says so, computes one result per first argument
 * (an object, held weakly) and returns it to every later call. False when there is nothing to replace or it
 * was replaced already.
 */
function memoizeByFirstArgument(
    module: object,
    name: string,
    shares: (args: readonly unknown[]) => boolean,
    prepare: (result: object) => object = (result) => result,
): boolean {
    const exports = module as Record<string, unknown>;
    const original = exports[name] as ((...args: unknown[]) => object) & { [SHARED]?: true };
    if (typeof original !== "function" || original[SHARED]) return false;
    const results = new WeakMap<object, object>();
    const shared = Object.assign(
        (...args: unknown[]): object => {
            const first = args[0];
            if (typeof first !== "object" || first === null || !shares(args)) return original(...args);
            let result = results.get(first);
            if (result === undefined) {
                result = prepare(original(...args));
                results.set(first, result);
            }
            return result;
        },
        { [SHARED]: true as const },
    );
    try {
        exports[name] = shared;
    } catch {
        return false;
    }
    return exports[name] === shared;
}

function loadProxyModule(): ProxyModule {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require("@pulumi/policy/proxy") as ProxyModule;
}

function loadDeserializeModule(): DeserializeModule {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require("@pulumi/policy/deserialize") as DeserializeModule;
}

/** Freezes plain objects and arrays, all the way down; instances of classes (assets, archives) are left. */
export function deepFreeze<T>(value: T): T {
    if (typeof value !== "object" || value === null || Object.isFrozen(value)) return value;
    const proto: unknown = Object.getPrototypeOf(value);
    if (!Array.isArray(value) && proto !== Object.prototype && proto !== null) return value;
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
    return value;
}
