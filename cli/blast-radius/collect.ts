import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import { StackModel } from "../../core/stack/stack-model";
import { CheckError } from "../errors";
import { structToObject } from "../pack/requests";
import type { RecordedResource, ResourceOptionsRecord } from "../program/protocol";
import type { OfflineAnswers } from "../program/offline-answers";
import { runProgram } from "../program/run-program";
import { loadProject, type ProgramProject } from "../project";
import { revealSecrets } from "./secrets";

/** One registered resource with its inputs decoded: what report and review read. */
export interface CollectedResource extends Pick<
    RecordedResource,
    "urn" | "type" | "name" | "custom" | "parent" | "provider" | "dependencies" | "propertyDependencies"
> {
    /** Inputs as analyzers see them (no top-level "__" keys), secret values revealed. */
    readonly inputs: Record<string, unknown>;
    /** Property paths (`a.b[0]`) that held Pulumi secrets: never printed, only said to have changed. */
    readonly secretPaths: readonly string[];
    readonly options: ResourceOptionsRecord;
}

export interface CollectedStack {
    readonly project: Pick<ProgramProject, "name" | "stack" | "dir">;
    readonly resources: readonly CollectedResource[];
    readonly warnings: readonly string[];
}

/** Decodes one recorded resource (the checker's wire form). */
export function decodeRecorded(resource: RecordedResource): CollectedResource {
    const raw = structToObject(resource.analyzerInputs ?? resource.inputs);
    const inputs: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(raw)) if (!key.startsWith("__")) inputs[key] = value;
    const revealed = revealSecrets(inputs);
    return {
        urn: resource.urn,
        type: resource.type,
        name: resource.name,
        custom: resource.custom,
        parent: resource.parent,
        provider: resource.provider,
        dependencies: resource.dependencies,
        propertyDependencies: resource.propertyDependencies,
        inputs: revealed.value as Record<string, unknown>,
        secretPaths: revealed.secretPaths,
        options: resource.options,
    };
}

/**
 * Runs the program offline (mocks, preview mode), without a policy pack, and returns every resource it
 * registered. Throws a CheckError when the program fails, as `agentguard check` does.
 */
export async function collectProgram(
    programDir: string,
    options: {
        readonly stack?: string;
        readonly signal?: AbortSignal;
        readonly offlineAnswers?: OfflineAnswers;
    } = {},
): Promise<CollectedStack> {
    const project = loadProject(projectDirOf(programDir), options.stack);
    const recorded: RecordedResource[] = [];
    const run = await runProgram(project, {
        onResources: (batch) => recorded.push(...batch),
        onOutputs: () => undefined,
        signal: options.signal,
        ...(options.offlineAnswers && { offlineAnswers: options.offlineAnswers }),
    });
    return {
        project: { name: project.name, stack: project.stack, dir: project.dir },
        resources: recorded.filter((r) => r.kind !== "read").map(decodeRecorded),
        warnings: [...project.warnings, ...run.warnings],
    };
}

const PROJECT_FILES = ["Pulumi.yaml", "Pulumi.yml"];

/**
 * The Pulumi project that runs `programDir`: itself, or the nearest enclosing project whose `main` is that
 * directory (a repository whose Pulumi.yaml sits at the root with `main: stacks/platform/`). Another
 * enclosing project is named in the error, so the user knows what to run.
 */
export function projectDirOf(programDir: string): string {
    const dir = path.resolve(programDir);
    if (PROJECT_FILES.some((f) => fs.existsSync(path.join(dir, f)))) return programDir;
    for (let at = path.dirname(dir); ; at = path.dirname(at)) {
        const file = PROJECT_FILES.map((f) => path.join(at, f)).find((f) => fs.existsSync(f));
        if (file !== undefined) {
            let main: unknown;
            try {
                const parsed = yaml.load(fs.readFileSync(file, "utf8"));
                main =
                    parsed !== null && typeof parsed === "object"
                        ? (parsed as { main?: unknown }).main
                        : undefined;
            } catch {
                main = undefined;
            }
            if (typeof main === "string" && path.resolve(at, main) === dir) return at;
            throw new CheckError(
                "usage",
                `no Pulumi.yaml in ${programDir}; the enclosing project ${file} runs ${typeof main === "string" ? main : "its own directory"}, not ${programDir}: pass the directory of the Pulumi project to run (${at})`,
            );
        }
        if (path.dirname(at) === at) return programDir;
    }
}

/** The pack's stack model over collected resources (links by URN), so the pack's analysis runs in-process. */
export function buildStackModel(resources: readonly CollectedResource[]): StackModel {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const linked = (urns: readonly string[]) => urns.map((urn) => byUrn.get(urn)).filter(isDefined);
    return StackModel.fromLinked(resources, {
        node: (r) => {
            const provider = r.provider === "" ? undefined : byUrn.get(r.provider);
            return {
                urn: r.urn,
                type: r.type,
                name: r.name,
                props: r.inputs,
                provider: provider
                    ? { type: provider.type, urn: provider.urn, name: provider.name, props: provider.inputs }
                    : undefined,
            };
        },
        parent: (r) => (r.parent === "" ? undefined : byUrn.get(r.parent)),
        dependencies: (r) => linked(r.dependencies),
        propertyDependencies: (r) =>
            Object.fromEntries(
                Object.entries(r.propertyDependencies).map(([key, urns]) => [key, linked(urns)]),
            ),
    });
}

function isDefined<T>(value: T | undefined): value is T {
    return value !== undefined;
}
