/** What went wrong, so callers can react without parsing messages. */
export type CheckErrorKind =
    | "usage"
    | "project"
    | "program"
    /** The checker itself failed, e.g. under an SDK version whose engine protocol it does not answer. */
    | "checker"
    | "pack"
    | "config"
    | "interrupted"
    /** A part of the run did not finish within the run's deadline (`--timeout`). */
    | "timeout";

/** An error that stops a check: the CLI prints its message and exits 2. */
export class CheckError extends Error {
    readonly kind: CheckErrorKind;

    constructor(kind: CheckErrorKind, message: string) {
        super(message);
        this.name = "CheckError";
        this.kind = kind;
    }
}

export function isCheckError(value: unknown): value is CheckError {
    return value instanceof CheckError;
}

/** The last `maxLines` non-empty lines of a process's output, for error messages. */
export function tail(text: string, maxLines = 20): string {
    // eslint-disable-next-line no-control-regex
    const plain = text.replace(/\u001b\[[0-9;]*m/g, "");
    const lines = plain.split(/\r?\n/).filter((line) => line.trim() !== "");
    return lines.slice(-maxLines).join("\n");
}
