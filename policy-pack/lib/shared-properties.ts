/**
 * @pulumi/policy deserializes a resource's properties afresh for every policy: once per stack policy for the
 * whole stack, once per resource policy for each resource. With many rules that is the bulk of a large
 * stack's analysis time, most of it spent collecting the copies. Within one request the protobuf Struct it
 * reads is the same object every time, so the pack deserializes each Struct once and hands every policy the
 * same result, frozen so that no rule can change what the next one sees.
 */

/** The part of `@pulumi/policy/deserialize` the server calls (internal to @pulumi/policy, so typed here). */
export interface DeserializeModule {
    deserializeProperties: (struct: object, proxySecrets: boolean) => Record<string, unknown>;
}

const SHARED = Symbol.for("agentguard.sharedDeserialization");

/**
 * Replaces the module's `deserializeProperties` with one that memoizes plain (non-secret-proxying) results
 * per Struct. Returns false, changing nothing, when the module does not have the expected shape (another
 * @pulumi/policy version): every policy then simply pays for its own copy, as before.
 */
export function shareDeserializedProperties(module: DeserializeModule = loadDeserializeModule()): boolean {
    const original = module.deserializeProperties as DeserializeModule["deserializeProperties"] & {
        [SHARED]?: true;
    };
    if (typeof original !== "function" || original[SHARED]) return false;
    const byStruct = new WeakMap<object, Record<string, unknown>>();
    const shared = Object.assign(
        (struct: object, proxySecrets: boolean): Record<string, unknown> => {
            // Secret-preserving results are proxies that remediations replace: left as they were.
            if (proxySecrets || typeof struct !== "object" || struct === null) {
                return original(struct, proxySecrets);
            }
            let props = byStruct.get(struct);
            if (props === undefined) {
                props = deepFreeze(original(struct, false));
                byStruct.set(struct, props);
            }
            return props;
        },
        { [SHARED]: true as const },
    );
    try {
        module.deserializeProperties = shared;
    } catch {
        return false;
    }
    return module.deserializeProperties === shared;
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
