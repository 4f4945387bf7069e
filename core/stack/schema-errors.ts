import type { ErrorObject } from "ajv";

/**
 * One Ajv error as a sentence naming the property path, the bad value and what is allowed:
 * `property 'exemptions[0].reason' must NOT have fewer than 10 characters, got "short"`. Shared by the pack's
 * config reader and the CLI's policy config check, so both say the same thing about the same mistake.
 */
export function describeSchemaError(error: ErrorObject, data: unknown): string {
    if (error.keyword === "required") {
        const missing = (error.params as { missingProperty: string }).missingProperty;
        const parent = pathOf(error.instancePath);
        return `required property '${parent === "" ? missing : `${parent}.${missing}`}' is missing`;
    }
    if (error.keyword === "additionalProperties") {
        const extra = (error.params as { additionalProperty: string }).additionalProperty;
        const parent = pathOf(error.instancePath);
        return `${parent === "" ? "config" : `property '${parent}'`} has unknown property '${extra}'${allowedKeys(error)}`;
    }
    const propertyPath = pathOf(error.instancePath);
    let value: unknown = data;
    for (const segment of error.instancePath.split("/").slice(1)) {
        value = (value as Record<string, unknown> | undefined)?.[decodePointer(segment)];
    }
    const allowed =
        error.keyword === "enum"
            ? `; allowed: ${(error.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(", ")}`
            : "";
    const where = propertyPath === "" ? "config" : `property '${propertyPath}'`;
    return `${where} ${error.message ?? "is invalid"}, got ${JSON.stringify(value)}${allowed}`;
}

function allowedKeys(error: ErrorObject): string {
    const properties = (error.parentSchema as { properties?: Record<string, unknown> } | undefined)
        ?.properties;
    return properties === undefined ? "" : `; allowed are ${Object.keys(properties).join(", ")}`;
}

/** `/exemptions/0/reason` as `exemptions[0].reason`. */
function pathOf(pointer: string): string {
    return pointer
        .split("/")
        .slice(1)
        .map(decodePointer)
        .reduce(
            (path, segment) =>
                /^\d+$/.test(segment) ? `${path}[${segment}]` : path === "" ? segment : `${path}.${segment}`,
            "",
        );
}

/** JSON Pointer unescaping (`~1` is `/`, `~0` is `~`). */
function decodePointer(segment: string): string {
    return segment.replace(/~1/g, "/").replace(/~0/g, "~");
}
