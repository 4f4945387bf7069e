import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { CheckError } from "./errors";

/** Stack name used when the program directory has no Pulumi.<stack>.yaml. */
export const DEFAULT_STACK = "dev";
export const DEFAULT_ORGANIZATION = "organization";

export interface ProgramProject {
    readonly dir: string;
    readonly name: string;
    readonly stack: string;
    readonly organization: string;
    /** What the language host would require: a file, or a directory resolved like `node <dir>`. */
    readonly entry: string;
    /** A file to point reports at (the entry itself, or the directory's index). */
    readonly mainFile: string;
    readonly typescript: boolean;
    /** An ES module package (`"type": "module"`): the entry is imported, not required, as Pulumi does. */
    readonly esm: boolean;
    /** Namespaced config (`project:key`), each value a string as Pulumi passes it (objects as JSON). */
    readonly config: Readonly<Record<string, string>>;
    readonly secretKeys: readonly string[];
    /** What could not be reproduced offline (encrypted values, environments). */
    readonly warnings: readonly string[];
}

type YamlObject = Record<string, unknown>;

function isObject(value: unknown): value is YamlObject {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

function readYaml(file: string): YamlObject {
    let parsed: unknown;
    try {
        parsed = yaml.load(fs.readFileSync(file, "utf8"));
    } catch (err) {
        throw new CheckError("project", `cannot read ${file}: ${(err as Error).message}`);
    }
    if (parsed === undefined || parsed === null) {
        return {};
    }
    if (!isObject(parsed)) {
        throw new CheckError("project", `${file} must hold a YAML mapping, got ${JSON.stringify(parsed)}`);
    }
    return parsed;
}

/** Lists the stacks that have a `Pulumi.<stack>.yaml` (or `.yml`) in `dir`, sorted. */
export function listStackFiles(dir: string): Map<string, string> {
    const stacks = new Map<string, string>();
    for (const file of fs.readdirSync(dir).sort()) {
        const match = /^Pulumi\.(.+)\.ya?ml$/.exec(file);
        if (match) {
            stacks.set(match[1], path.join(dir, file));
        }
    }
    return stacks;
}

export function selectStack(
    dir: string,
    stacks: ReadonlyMap<string, string>,
    requested: string | undefined,
): { name: string; file?: string } {
    const names = [...stacks.keys()];
    if (requested !== undefined) {
        if (!/^[A-Za-z0-9_.-]+$/.test(requested)) {
            throw new CheckError(
                "usage",
                `--stack '${requested}' is not a stack name: letters, digits, '-', '_' and '.' are allowed`,
            );
        }
        // Pulumi runs a stack that has no config file of its own: its config is Pulumi.yaml's alone.
        return { name: requested, file: stacks.get(requested) };
    }
    if (names.length > 1) {
        throw new CheckError(
            "usage",
            `${dir} has several stack files; choose one with --stack: ${names.join(", ")}`,
        );
    }
    return names.length === 1 ? { name: names[0], file: stacks.get(names[0]) } : { name: DEFAULT_STACK };
}

/** `key` → `project:key`; keys that already name a namespace stay as they are. */
export function namespaceKey(project: string, key: string): string {
    return key.includes(":") ? key : `${project}:${key}`;
}

/** Pulumi hands every config value to programs as a string; structured values travel as JSON. */
export function configValueString(value: unknown): string {
    return typeof value === "string" ? value : JSON.stringify(value);
}

function isSecure(value: unknown): value is { secure: string } {
    return isObject(value) && Object.keys(value).length === 1 && typeof value.secure === "string";
}

const PROJECT_SCHEMA_KEYS = ["type", "default", "description", "secret", "items", "value"];

/** A Pulumi.yaml `config:` entry is either a plain value or a schema with `default`/`value`. */
function projectConfigValue(entry: unknown): { present: boolean; value?: unknown } {
    if (isObject(entry) && Object.keys(entry).some((k) => PROJECT_SCHEMA_KEYS.includes(k))) {
        if ("value" in entry) {
            return { present: true, value: entry.value };
        }
        if ("default" in entry) {
            return { present: true, value: entry.default };
        }
        return { present: false };
    }
    return { present: true, value: entry };
}

export function buildConfig(
    projectName: string,
    projectConfig: unknown,
    stackConfig: unknown,
    stackFile: string | undefined,
): { config: Record<string, string>; secretKeys: string[]; warnings: string[] } {
    const config: Record<string, string> = {};
    const secretKeys = new Set<string>();
    const warnings: string[] = [];
    const apply = (key: string, value: unknown, source: string) => {
        const fullKey = namespaceKey(projectName, key);
        if (isSecure(value)) {
            // Without the stack's secrets provider the value can't be decrypted: the program sees the
            // ciphertext, marked secret, and the report says so.
            config[fullKey] = value.secure;
            secretKeys.add(fullKey);
            warnings.push(`config '${fullKey}' in ${source} is encrypted; the program saw its ciphertext`);
            return;
        }
        config[fullKey] = configValueString(value);
        secretKeys.delete(fullKey);
    };
    if (projectConfig !== undefined && projectConfig !== null) {
        if (!isObject(projectConfig)) {
            throw new CheckError("project", `Pulumi.yaml 'config' must be a mapping`);
        }
        for (const [key, entry] of Object.entries(projectConfig)) {
            const { present, value } = projectConfigValue(entry);
            if (present) {
                apply(key, value, "Pulumi.yaml");
            }
        }
    }
    if (stackConfig !== undefined && stackConfig !== null) {
        if (!isObject(stackConfig)) {
            throw new CheckError("project", `${stackFile} 'config' must be a mapping`);
        }
        for (const [key, value] of Object.entries(stackConfig)) {
            apply(key, value, path.basename(stackFile ?? "stack file"));
        }
    }
    return { config, secretKeys: [...secretKeys].sort(), warnings };
}

function runtimeOf(project: YamlObject): { name: unknown; typescript: boolean } {
    const runtime = project.runtime;
    if (isObject(runtime)) {
        const options = isObject(runtime.options) ? runtime.options : {};
        return { name: runtime.name, typescript: options.typescript !== false };
    }
    return { name: runtime, typescript: true };
}

function readPackageJson(dir: string): YamlObject {
    const pkgFile = path.join(dir, "package.json");
    if (!fs.existsSync(pkgFile)) {
        return {};
    }
    let pkg: unknown;
    try {
        pkg = JSON.parse(fs.readFileSync(pkgFile, "utf8"));
    } catch (err) {
        throw new CheckError("project", `cannot read ${pkgFile}: ${(err as Error).message}`);
    }
    return isObject(pkg) ? pkg : {};
}

/** The entry package.json names, as the language host reads it: `exports` (its "." entry), then `main`. */
function packageEntry(pkg: YamlObject): string | undefined {
    const exported = pkg.exports;
    if (typeof exported === "string") {
        return exported;
    }
    if (isObject(exported)) {
        const main = exported["."];
        if (typeof main === "string") {
            return main;
        }
        if (isObject(main)) {
            const conditional = main.default ?? main.require ?? main.import;
            return typeof conditional === "string" ? conditional : undefined;
        }
        return undefined;
    }
    return typeof pkg.main === "string" && pkg.main !== "" ? pkg.main : undefined;
}

/**
 * What the Node.js language host runs: Pulumi.yaml `main`, else the package.json entry when that file
 * exists, else the directory itself (its index), with the same warning Pulumi prints.
 */
export function resolveEntry(
    dir: string,
    main: unknown,
    pkg: YamlObject,
): { entry: string; warning?: string } {
    if (typeof main === "string" && main !== "") {
        return { entry: path.resolve(dir, main) };
    }
    const named = packageEntry(pkg);
    if (named === undefined) {
        return { entry: dir };
    }
    const file = path.resolve(dir, named);
    if (fs.existsSync(file)) {
        return { entry: file };
    }
    return {
        entry: dir,
        warning: `package.json names '${named}' as the entry point, which does not exist; the program's directory was run instead, as Pulumi does`,
    };
}

/** The file an ES module package runs for a directory entry, in the language host's order. */
const ESM_INDEX_FILES = ["index.js", "index.mjs", "index.ts", "index.mts"];
const CJS_INDEX_FILES = ["index.ts", "index.js", "index.mts", "index.mjs"];

export function esmEntryFile(entry: string): string | undefined {
    if (fs.existsSync(entry) && fs.statSync(entry).isDirectory()) {
        const index = ESM_INDEX_FILES.find((f) => fs.existsSync(path.join(entry, f)));
        return index === undefined ? undefined : path.join(entry, index);
    }
    return fs.existsSync(entry) ? entry : undefined;
}

function mainFileOf(entry: string): string {
    if (fs.existsSync(entry) && fs.statSync(entry).isDirectory()) {
        for (const index of CJS_INDEX_FILES) {
            if (fs.existsSync(path.join(entry, index))) {
                return path.join(entry, index);
            }
        }
    }
    for (const ext of ["", ".ts", ".js"]) {
        if (fs.existsSync(entry + ext) && fs.statSync(entry + ext).isFile()) {
            return entry + ext;
        }
    }
    return entry;
}

/** Reads Pulumi.yaml and the selected stack's config, as `pulumi preview` would hand them to the program. */
export function loadProject(programDir: string, requestedStack?: string): ProgramProject {
    const dir = path.resolve(programDir);
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
        throw new CheckError(
            "usage",
            `program directory '${programDir}' does not exist or is not a directory`,
        );
    }
    const projectFile = ["Pulumi.yaml", "Pulumi.yml"]
        .map((f) => path.join(dir, f))
        .find((f) => fs.existsSync(f));
    if (!projectFile) {
        throw new CheckError("project", `no Pulumi.yaml in ${dir}: <program-dir> must be a Pulumi project`);
    }
    const project = readYaml(projectFile);
    if (typeof project.name !== "string" || project.name === "") {
        throw new CheckError("project", `${projectFile} has no 'name': a project name is required`);
    }
    const runtime = runtimeOf(project);
    if (runtime.name !== "nodejs") {
        throw new CheckError(
            "project",
            `${projectFile} runtime is ${JSON.stringify(runtime.name)}: only 'nodejs' programs can be checked`,
        );
    }
    const stack = selectStack(dir, listStackFiles(dir), requestedStack);
    const stackYaml = stack.file ? readYaml(stack.file) : {};
    const built = buildConfig(project.name, project.config, stackYaml.config, stack.file);
    const warnings = [...built.warnings];
    if (requestedStack !== undefined && stack.file === undefined) {
        const others = [...listStackFiles(dir).keys()];
        warnings.push(
            `stack '${requestedStack}' has no Pulumi.${requestedStack}.yaml in ${dir}: ` +
                "it was run with Pulumi.yaml's config only" +
                (others.length ? ` (stack files found: ${others.join(", ")})` : ""),
        );
    }
    if (stackYaml.environment !== undefined) {
        warnings.push(
            `${path.basename(stack.file ?? "")} imports environments, which are not resolved offline`,
        );
    }
    const pkg = readPackageJson(dir);
    const resolved = resolveEntry(dir, project.main, pkg);
    if (resolved.warning) {
        warnings.push(resolved.warning);
    }
    const entry = resolved.entry;
    const esm = pkg.type === "module";
    if (esm && esmEntryFile(entry) === undefined) {
        throw new CheckError(
            "project",
            `no entry point in ${entry}: an ES module program needs index.js, index.mjs, index.ts or index.mts ` +
                "there, or `main` in Pulumi.yaml naming its file",
        );
    }
    return {
        dir,
        name: project.name,
        stack: stack.name,
        organization: DEFAULT_ORGANIZATION,
        entry,
        mainFile: (esm ? esmEntryFile(entry) : undefined) ?? mainFileOf(entry),
        typescript: runtime.typescript,
        esm,
        config: built.config,
        secretKeys: built.secretKeys,
        warnings,
    };
}
