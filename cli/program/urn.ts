/** URN and provider naming, computed the way the Pulumi engine does. */

export const ROOT_STACK_TYPE = "pulumi:pulumi:Stack";
export const PROVIDER_TYPE_PREFIX = "pulumi:providers:";
export const UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** The qualified type part of a URN (`parent$child` chains included). */
export function urnQualifiedType(urn: string): string {
    return urn.split("::")[2] ?? "";
}

/** The name part of a URN, which may itself contain "::". */
export function urnName(urn: string): string {
    return urn.split("::").slice(3).join("::");
}

/** Children of a component get `parentType$type`; children of the root stack do not. */
export function makeUrn(
    stack: string,
    project: string,
    parentUrn: string,
    type: string,
    name: string,
): string {
    let qualifiedType = type;
    if (parentUrn !== "") {
        const parentType = urnQualifiedType(parentUrn);
        if (parentType !== ROOT_STACK_TYPE) {
            qualifiedType = `${parentType}$${type}`;
        }
    }
    return `urn:pulumi:${stack}::${project}::${qualifiedType}::${name}`;
}

/** The URN of the root `pulumi:pulumi:Stack` resource, which the SDK names `<project>-<stack>`. */
export function rootStackUrn(stack: string, project: string): string {
    return makeUrn(stack, project, "", ROOT_STACK_TYPE, `${project}-${stack}`);
}

/** `aws:s3/bucket:Bucket` → `aws`; provider types `pulumi:providers:aws` → `aws`. */
export function packageOfType(type: string): string {
    if (type.startsWith(PROVIDER_TYPE_PREFIX)) {
        return type.slice(PROVIDER_TYPE_PREFIX.length);
    }
    return type.split(":")[0];
}

/** Resources served by the engine's built-in provider never get a default provider. */
export function needsDefaultProvider(type: string, custom: boolean, providerRef: string): boolean {
    return (
        custom &&
        providerRef === "" &&
        !type.startsWith(PROVIDER_TYPE_PREFIX) &&
        packageOfType(type) !== "pulumi"
    );
}

/** `default`, or `default_7_48_0` for a versioned package, as the engine names default providers. */
export function defaultProviderName(version: string): string {
    return version === "" ? "default" : `default_${version.replace(/[.\-+]/g, "_")}`;
}

/** A provider reference is `<urn>::<id>`; the URN is everything before the last separator. */
export function providerRefUrn(ref: string): string {
    const at = ref.lastIndexOf("::");
    return at === -1 ? ref : ref.slice(0, at);
}

/** Default provider inputs are the stack config in the package's namespace, as strings. */
export function defaultProviderInputs(
    pkg: string,
    config: Readonly<Record<string, string>>,
): Record<string, string> {
    const inputs: Record<string, string> = {};
    const prefix = `${pkg}:`;
    for (const [key, value] of Object.entries(config)) {
        if (key.startsWith(prefix)) {
            inputs[key.slice(prefix.length)] = value;
        }
    }
    return inputs;
}

/** Whether `pulumi:disable-default-providers` (a JSON list) disables the package's default provider. */
export function defaultProviderDisabled(pkg: string, config: Readonly<Record<string, string>>): boolean {
    const raw = config["pulumi:disable-default-providers"];
    if (raw === undefined) {
        return false;
    }
    let list: unknown;
    try {
        list = JSON.parse(raw);
    } catch {
        list = raw.split(",").map((s) => s.trim());
    }
    return Array.isArray(list) && (list.includes(pkg) || list.includes("*"));
}

const DURATION_UNITS: Record<string, number> = {
    h: 3600,
    m: 60,
    s: 1,
    ms: 0.001,
    us: 1e-6,
    µs: 1e-6,
    ns: 1e-9,
};

/** Go duration strings ("1h30m", "90s") in seconds, as the engine parses custom timeouts; 0 if unset. */
export function durationSeconds(text: string): number {
    if (text === "") {
        return 0;
    }
    let total = 0;
    const re = /(\d+(?:\.\d+)?)(h|ms|us|µs|ns|m|s)/g;
    let consumed = 0;
    for (let match = re.exec(text); match !== null; match = re.exec(text)) {
        total += parseFloat(match[1]) * DURATION_UNITS[match[2]];
        consumed += match[0].length;
    }
    if (consumed !== text.length) {
        throw new Error(`invalid duration '${text}': expected a Go duration such as "5m" or "1h30m"`);
    }
    return total;
}
