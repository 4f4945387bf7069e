/** Messages between the checker and the child process that runs the Pulumi program. */

export interface ResourceOptionsRecord {
    readonly protect: boolean;
    readonly ignoreChanges: readonly string[];
    /** Undefined when the program did not set it (the engine tells the two apart). */
    readonly deleteBeforeReplace?: boolean;
    readonly additionalSecretOutputs: readonly string[];
    readonly aliases: readonly string[];
    readonly customTimeouts: { readonly create: number; readonly update: number; readonly delete: number };
    readonly parent: string;
}

export interface SourcePosition {
    readonly file: string;
    readonly line: number;
    readonly column?: number;
}

/** How the engine came to know the resource. */
export type RecordKind = "registered" | "read" | "default-provider";

/** One resource as the engine sees it during a preview of a new stack. */
export interface RecordedResource {
    readonly kind: RecordKind;
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly custom: boolean;
    readonly parent: string;
    /** URN of the provider resource (explicit or default), "" for none. */
    readonly provider: string;
    readonly dependencies: readonly string[];
    readonly propertyDependencies: Readonly<Record<string, readonly string[]>>;
    /**
     * The inputs as the SDK serialized them (a google.protobuf.Struct, in its binary encoding): unknowns
     * as Pulumi's unknown sentinel, secrets as secret signatures. Kept encoded, as the analyzer wants it.
     */
    readonly inputs: Uint8Array;
    /** The inputs without top-level internal keys ("__…"), when there are any: what analyzers see. */
    readonly analyzerInputs?: Uint8Array;
    readonly options: ResourceOptionsRecord;
    readonly source?: SourcePosition;
}

/** A multi-language component whose children were not built offline, so none of them was judged. */
export interface UncheckedComponent {
    readonly urn: string;
    readonly type: string;
    /** What to call it when its URN is not its own (a chart rendered by a function call): the stack's. */
    readonly name?: string;
    /** Why its children could not be built, e.g. a manifest URL or a value unknown during preview. */
    readonly reason: string;
    readonly source?: SourcePosition;
}

export interface ProgramRequest {
    readonly entry: string;
    readonly dir: string;
    readonly typescript: boolean;
    /** An ES module package: `entry` is the file to import. */
    readonly esm: boolean;
    readonly project: string;
    readonly stack: string;
    readonly organization: string;
    /** The checker's ResourceMonitor server (`unix:<socket>`), which the program's SDK registers with. */
    readonly monitor: string;
}

/**
 * What the child may tell the checker over fd 3: diagnostics only. Records never travel this way (the
 * checker records what reaches its ResourceMonitor server), so nothing written here can remove or alter them.
 */
export type ChildMessage =
    | {
          /** The program's main returned and the event loop drained with no operation pending. */
          readonly kind: "done";
          /** What the child noticed itself (RPCs of the program's SDK that the checker does not know). */
          readonly warnings: readonly string[];
      }
    | {
          readonly kind: "failed";
          readonly message: string;
          readonly location?: string;
          /** "checker": the checker or its SDK compatibility failed, not the program. */
          readonly origin?: "checker";
          /** The program's @pulumi/pulumi version, when it was found. */
          readonly sdkVersion?: string;
      };
