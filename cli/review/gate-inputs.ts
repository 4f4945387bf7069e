import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import { diffValues, leaves } from "./diff";

/**
 * The gate's own inputs: files that decide how every later change is judged. A change to one of them
 * changes no resource, yet relaxes the gate for every later pull request, so it is Tier 3 by definition.
 */
export type GateInputKind =
    "policy config" | "tier map" | "offline answers" | "workflow" | "package manifest" | "lockfile";

/** One gate input as found on each side; `undefined` content means the file is absent there. */
export interface GateInputFile {
    readonly kind: GateInputKind;
    /** Path relative to the repository root, as shown to the reviewer. */
    readonly path: string;
    readonly before: string | undefined;
    readonly after: string | undefined;
}

export interface GateInputChange {
    readonly kind: GateInputKind;
    readonly path: string;
    readonly change: "added" | "removed" | "changed";
    readonly tier: 3;
    readonly reasons: readonly string[];
}

/** Packages whose version is the checker's or the pack's: a change to them changes the judge. */
export const CHECKER_PACKAGES: readonly string[] = ["agentguard", "agentguard-policy-pack", "@pulumi/policy"];

const MANIFEST_SECTIONS = [
    "dependencies",
    "devDependencies",
    "optionalDependencies",
    "peerDependencies",
    "bundleDependencies",
    "bundledDependencies",
    "overrides",
    "resolutions",
    "pnpm",
];

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

function mentionsChecker(text: string): boolean {
    // `npm:agentguard@x`, `github:x/agentguard`, a nested override key: any spelling naming the package.
    return CHECKER_PACKAGES.some((p) => text.toLowerCase().includes(p));
}

function parseData(text: string, file: string): unknown {
    try {
        return path.extname(file).toLowerCase() === ".json" ? JSON.parse(text) : yaml.load(text);
    } catch {
        return undefined;
    }
}

/** package.json: the dependency entries (any section, any depth) whose key or value names a checker package. */
export function manifestProjection(text: string): Obj | string {
    const parsed = parseData(text, "package.json");
    if (!isObject(parsed)) return text;
    const out: Obj = {};
    for (const section of MANIFEST_SECTIONS) {
        for (const [p, v] of leaves(parsed[section], section))
            if (mentionsChecker(p) || (typeof v === "string" && mentionsChecker(v))) out[p] = v;
    }
    return out;
}

/** package-lock.json (v1-v3): where each checker package is installed from, at every nesting depth. */
export function lockfileProjection(text: string): Obj | string {
    const parsed = parseData(text, "package-lock.json");
    if (!isObject(parsed)) return text;
    const out: Obj = {};
    const installs = isObject(parsed.packages) ? parsed.packages : {};
    for (const [key, entry] of Object.entries(installs)) {
        const at = key.lastIndexOf("node_modules/");
        // A workspace or linked directory is keyed by its path and names itself in `name`.
        const name =
            at === -1 ? (isObject(entry) ? entry.name : undefined) : key.slice(at + "node_modules/".length);
        const root = key === "";
        if (!root && !(typeof name === "string" && CHECKER_PACKAGES.includes(name))) continue;
        if (!isObject(entry)) {
            out[`packages.${key}`] = entry;
            continue;
        }
        if (root) {
            for (const [p, v] of Object.entries(manifestProjection(JSON.stringify(entry))))
                out[`packages[""].${p}`] = v;
            continue;
        }
        for (const field of ["version", "resolved", "integrity", "link"])
            if (entry[field] !== undefined) out[`packages.${key}.${field}`] = entry[field];
    }
    const walkV1 = (deps: unknown, at: string) => {
        if (!isObject(deps)) return;
        for (const [name, entry] of Object.entries(deps)) {
            if (!isObject(entry)) continue;
            if (CHECKER_PACKAGES.includes(name))
                for (const field of ["version", "resolved", "integrity"])
                    if (entry[field] !== undefined) out[`${at}${name}.${field}`] = entry[field];
            walkV1(entry.dependencies, `${at}${name}>`);
        }
    };
    walkV1(parsed.dependencies, "dependencies.");
    return out;
}

/** What is compared for each kind: the parsed data, so reformatting a file changes nothing. */
function projection(file: GateInputFile, text: string | undefined): unknown {
    if (text === undefined)
        return file.kind === "package manifest" || file.kind === "lockfile" ? {} : undefined;
    switch (file.kind) {
        case "package manifest":
            return manifestProjection(text);
        case "lockfile":
            return lockfileProjection(text);
        case "workflow":
            // The workflow is judged as text: a comment or an ordering can matter to the runner.
            return text.replace(/\r\n/g, "\n").replace(/[ \t]+$/gm, "");
        default: {
            const data = parseData(text, file.path);
            return data === undefined ? text : data;
        }
    }
}

const WHY: Readonly<Record<GateInputKind, string>> = {
    "policy config": "the pack's configuration (exemptions, enforcement levels, agentNamespacePatterns)",
    "tier map": "the map that decides each change's tier and who may approve",
    "offline answers": "the answers that stand in for cloud state when the programs run offline",
    workflow: "the workflow that runs this gate",
    "package manifest": "the version of the checker or the policy pack that judges this change",
    lockfile: "the installed version of the checker or the policy pack that judges this change",
};

const AFTER: Readonly<Record<GateInputKind, string>> = {
    "policy config": "the base's version judged this change",
    "tier map": "the base's version judged this change",
    "offline answers": "the base's answers ran both programs",
    workflow: "an edit of it may change whether and how this gate runs",
    "package manifest": "the documented workflow runs the checker the base installs",
    lockfile: "the documented workflow runs the checker the base installs",
};

/**
 * The changes to the gate's own inputs between base and head. Each is Tier 3 with what changed; the head's
 * version is never used to judge (the caller reads the rules from the base).
 */
export function diffGateInputs(files: readonly GateInputFile[]): GateInputChange[] {
    const out: GateInputChange[] = [];
    for (const file of files) {
        const before = projection(file, file.before);
        const after = projection(file, file.after);
        if (JSON.stringify(before) === JSON.stringify(after)) continue;
        const change = file.before === undefined ? "added" : file.after === undefined ? "removed" : "changed";
        const details =
            typeof before === "string" || typeof after === "string"
                ? []
                : diffValues(before, after).map(
                      (d) => `${d.path || "(whole file)"}: ${show(d.before)} → ${show(d.after)}`,
                  );
        out.push({
            kind: file.kind,
            path: file.path,
            change,
            tier: 3,
            reasons: [
                `${file.path} ${change}: it is ${WHY[file.kind]}, one of the gate's own inputs; ${AFTER[file.kind]}`,
                ...details.slice(0, 8),
                ...(details.length > 8 ? [`and ${details.length - 8} more`] : []),
            ],
        });
    }
    return out;
}

function show(v: unknown): string {
    if (v === undefined) return "∅";
    const text = JSON.stringify(v);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Where a gate input lives on each side, and whether the pull request can edit it. */
export interface GateInputLocation {
    readonly kind: GateInputKind;
    /** As shown: relative to the head's repository root, or the absolute path of an outside file. */
    readonly label: string;
    readonly head: string;
    /** The same file in the base tree; undefined for a file outside the repository (not part of the change). */
    readonly base: string | undefined;
    /** Given by a flag (must exist on some side), or a default (may be absent). */
    readonly explicit: boolean;
}

/**
 * Maps a gate input path (relative to the working directory when given by a flag, to the head's repository
 * root when a default) to its head and base copies.
 */
export function locateGateInput(
    kind: GateInputKind,
    given: string | undefined,
    fallback: string,
    roots: { readonly head: string; readonly base: string },
): GateInputLocation {
    const head = given !== undefined ? path.resolve(given) : path.resolve(roots.head, fallback);
    const relative = path.relative(path.resolve(roots.head), head);
    const inside = relative !== "" && !relative.startsWith("..") && !path.isAbsolute(relative);
    return {
        kind,
        label: inside ? relative.split(path.sep).join("/") : head,
        head,
        base: inside ? path.join(roots.base, relative) : undefined,
        explicit: given !== undefined,
    };
}

function readIfFile(file: string | undefined): string | undefined {
    if (file === undefined) return undefined;
    try {
        return fs.statSync(file).isFile() ? fs.readFileSync(file, "utf8") : undefined;
    } catch {
        return undefined;
    }
}

/** Reads both sides; an outside file is compared with itself (it is not part of the change). */
export function readGateInput(location: GateInputLocation): GateInputFile {
    const after = readIfFile(location.head);
    const before = location.base === undefined ? after : readIfFile(location.base);
    return { kind: location.kind, path: location.label, before, after };
}

/**
 * The file whose content judges this change: the base's copy (the head must not relax the rules that judge
 * it), or an outside file as given. Undefined when the base has none (the secure defaults apply).
 */
export function ruleSource(location: GateInputLocation): string | undefined {
    const file = location.base ?? location.head;
    return readIfFile(file) === undefined ? undefined : file;
}
