/**
 * Offline expansion of the Kubernetes provider's manifest components (`kubernetes:yaml/v2:ConfigGroup`
 * and `ConfigFile`). They are multi-language components: in a real preview the provider parses the
 * manifests and registers one child per object, which the pack then judges. Offline there is no provider,
 * so the checker parses them itself; otherwise any manifest passed this way would go unjudged.
 */
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { UNKNOWN_VALUE } from "./urn";

export const CONFIG_GROUP_TYPE = "kubernetes:yaml/v2:ConfigGroup";
export const CONFIG_FILE_TYPE = "kubernetes:yaml/v2:ConfigFile";

const SECRET_SIGNATURE_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIGNATURE = "1b47061264138c4ac30d75fd1eb44270";

/** One Kubernetes object of a manifest component, as the provider would register it. */
export interface ManifestChild {
    /** Pulumi type token: `kubernetes:<group or core>/<version>:<Kind>`. */
    readonly type: string;
    /** Pulumi resource name: `<prefix>-[<namespace>/]<name>`. */
    readonly name: string;
    readonly object: Record<string, unknown>;
}

export type ManifestExpansion =
    | { readonly expanded: true; readonly children: readonly ManifestChild[] }
    | { readonly expanded: false; readonly reason: string };

export function isManifestComponent(type: string): boolean {
    return type === CONFIG_GROUP_TYPE || type === CONFIG_FILE_TYPE;
}

class NotExpandable extends Error {}

function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Secret values are manifests all the same: the wrapper is dropped, the value kept. */
function withoutSecretWrappers(value: unknown): unknown {
    if (Array.isArray(value)) {
        return value.map(withoutSecretWrappers);
    }
    if (isRecord(value)) {
        if (value[SECRET_SIGNATURE_KEY] === SECRET_SIGNATURE) {
            return withoutSecretWrappers(value.value);
        }
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withoutSecretWrappers(v)]));
    }
    return value;
}

function known(value: unknown, what: string): unknown {
    if (value === UNKNOWN_VALUE) {
        throw new NotExpandable(`${what} is unknown during preview`);
    }
    return value;
}

function optionalString(value: unknown, what: string): string | undefined {
    const plain = known(value, what);
    if (plain === undefined || plain === null || plain === "") {
        return undefined;
    }
    if (typeof plain !== "string") {
        throw new NotExpandable(`${what} is ${JSON.stringify(plain)}, not a string`);
    }
    return plain;
}

function stringList(value: unknown, what: string): string[] {
    const plain = known(value, what);
    if (plain === undefined || plain === null) {
        return [];
    }
    if (!Array.isArray(plain)) {
        throw new NotExpandable(`${what} is ${JSON.stringify(plain)}, not a list`);
    }
    return plain.map((entry, i) => {
        const text = optionalString(entry, `${what}[${i}]`);
        if (text === undefined) {
            throw new NotExpandable(`${what}[${i}] is empty`);
        }
        return text;
    });
}

const GLOB_CHARS = /[*?[]/;

function globToRegExp(pattern: string): RegExp {
    let source = "";
    for (let i = 0; i < pattern.length; i++) {
        const c = pattern[i];
        if (c === "*" && pattern[i + 1] === "*") {
            // `**/` matches any number of directories, including none.
            source += pattern[i + 2] === "/" ? "(?:.*/)?" : ".*";
            i += pattern[i + 2] === "/" ? 2 : 1;
        } else if (c === "*") {
            source += "[^/]*";
        } else if (c === "?") {
            source += "[^/]";
        } else if (c === "[") {
            const close = pattern.indexOf("]", i + 1);
            if (close === -1) {
                source += "\\[";
            } else {
                source += `[${pattern
                    .slice(i + 1, close)
                    .replace(/^!/, "^")
                    .replace(/\\/g, "\\\\")}]`;
                i = close;
            }
        } else {
            source += c.replace(/[.+^${}()|\\]/g, "\\$&");
        }
    }
    return new RegExp(`^${source}$`);
}

function walkFiles(dir: string): string[] {
    const files: string[] = [];
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) {
            if (entry.name !== "node_modules" && !entry.name.startsWith(".")) {
                files.push(...walkFiles(full));
            }
        } else if (entry.isFile()) {
            files.push(full);
        }
    }
    return files;
}

/** The files a `files` entry names: a path, or a glob (`*`, `?`, `[…]`, `**`), relative to the program. */
function resolveFiles(entry: string, baseDir: string, what: string): string[] {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(entry)) {
        throw new NotExpandable(`${what} '${entry}' is a URL, which is not fetched offline`);
    }
    const absolute = path.resolve(baseDir, entry);
    if (!GLOB_CHARS.test(entry)) {
        if (!fs.existsSync(absolute) || !fs.statSync(absolute).isFile()) {
            throw new NotExpandable(`${what} '${entry}' does not exist (looked for ${absolute})`);
        }
        return [absolute];
    }
    const segments = absolute.split(path.sep);
    const firstGlob = segments.findIndex((segment) => GLOB_CHARS.test(segment));
    const root = segments.slice(0, firstGlob).join(path.sep) || path.sep;
    const matcher = globToRegExp(segments.slice(firstGlob).join("/"));
    const matches = fs.existsSync(root)
        ? walkFiles(root)
              .filter((file) => matcher.test(path.relative(root, file).split(path.sep).join("/")))
              .sort()
        : [];
    if (matches.length === 0) {
        throw new NotExpandable(`${what} '${entry}' matches no file under ${root}`);
    }
    return matches;
}

function parseDocuments(text: string, source: string): unknown[] {
    try {
        return yaml.loadAll(text).filter((doc) => doc !== null && doc !== undefined);
    } catch (err) {
        throw new NotExpandable(`${source} is not valid YAML: ${(err as Error).message.split("\n")[0]}`);
    }
}

/** `kind: List` (and `…List`) objects carry their objects in `items`, which kubectl and the provider unpack. */
function flattenLists(objects: readonly unknown[], source: string): Record<string, unknown>[] {
    const flat: Record<string, unknown>[] = [];
    objects.forEach((object, i) => {
        if (!isRecord(object)) {
            throw new NotExpandable(`${source} object ${i + 1} is ${JSON.stringify(object)}, not an object`);
        }
        if (typeof object.kind === "string" && object.kind.endsWith("List") && Array.isArray(object.items)) {
            flat.push(...flattenLists(object.items, `${source} object ${i + 1} (${object.kind})`));
        } else {
            flat.push(object);
        }
    });
    return flat;
}

function childOf(object: Record<string, unknown>, prefix: string, source: string): ManifestChild {
    const apiVersion = known(object.apiVersion, `${source} apiVersion`);
    const kind = known(object.kind, `${source} kind`);
    if (typeof apiVersion !== "string" || apiVersion === "" || typeof kind !== "string" || kind === "") {
        throw new NotExpandable(
            `${source} has no apiVersion and kind (got ${JSON.stringify(apiVersion)} and ${JSON.stringify(kind)})`,
        );
    }
    const metadata = isRecord(object.metadata) ? object.metadata : {};
    const name = known(metadata.name, `${source} metadata.name`);
    if (typeof name !== "string" || name === "") {
        throw new NotExpandable(`${source} (${kind}) has no metadata.name`);
    }
    const namespace = known(metadata.namespace, `${source} metadata.namespace`);
    const groupVersion = apiVersion.includes("/") ? apiVersion : `core/${apiVersion}`;
    const qualified = typeof namespace === "string" && namespace !== "" ? `${namespace}/${name}` : name;
    return {
        type: `kubernetes:${groupVersion}:${kind}`,
        name: prefix === "" ? qualified : `${prefix}-${qualified}`,
        object,
    };
}

/**
 * The children the provider would register for a ConfigGroup or ConfigFile, from its inputs (as the SDK
 * serialized them). Not expanded, with the reason, when a manifest can't be read offline: a URL, a
 * missing file, invalid YAML, or a value still unknown during preview.
 */
export function expandManifestComponent(
    type: string,
    componentName: string,
    serializedInputs: Record<string, unknown>,
    programDir: string,
): ManifestExpansion {
    try {
        const inputs = withoutSecretWrappers(serializedInputs) as Record<string, unknown>;
        const prefix = optionalString(inputs.resourcePrefix, "resourcePrefix") ?? componentName;
        const sources: { readonly source: string; readonly objects: unknown[] }[] = [];
        const readFile = (file: string) => {
            const shown = path.relative(programDir, file) || file;
            sources.push({ source: shown, objects: parseDocuments(fs.readFileSync(file, "utf8"), shown) });
        };
        if (type === CONFIG_FILE_TYPE) {
            const file = optionalString(inputs.file, "file");
            if (file === undefined) {
                throw new NotExpandable("file is not set");
            }
            resolveFiles(file, programDir, "file").forEach(readFile);
        } else {
            stringList(inputs.files, "files").forEach((entry, i) =>
                resolveFiles(entry, programDir, `files[${i}]`).forEach(readFile),
            );
            const text = optionalString(inputs.yaml, "yaml");
            if (text !== undefined) {
                sources.push({ source: "yaml", objects: parseDocuments(text, "yaml") });
            }
            const objs = known(inputs.objs, "objs");
            if (objs !== undefined && objs !== null) {
                sources.push({ source: "objs", objects: Array.isArray(objs) ? objs : [objs] });
            }
        }
        const children = sources.flatMap(({ source, objects }) =>
            flattenLists(objects, source).map((object, i) =>
                childOf(object, prefix, `${source} object ${i + 1}`),
            ),
        );
        return { expanded: true, children };
    } catch (err) {
        if (err instanceof NotExpandable) {
            return { expanded: false, reason: err.message };
        }
        throw err;
    }
}
