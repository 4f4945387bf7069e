/** The key and value that mark a Pulumi secret in serialized properties. */
export const SECRET_SIGNATURE_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIGNATURE = "1b47061264138c4ac30d75fd1eb44270";

/** Shown instead of a secret value in every report and diff. */
export const REDACTED = "[secret]";

function isSecretWrapper(value: unknown): value is { value?: unknown } {
    return (
        value !== null &&
        typeof value === "object" &&
        !Array.isArray(value) &&
        (value as Record<string, unknown>)[SECRET_SIGNATURE_KEY] === SECRET_SIGNATURE
    );
}

/**
 * Replaces each secret wrapper by its value (so the pack's analysis reads it as a rule would) and lists the
 * paths that were secret, so that no output ever prints them.
 */
export function revealSecrets(value: unknown, path = ""): { value: unknown; secretPaths: string[] } {
    const secretPaths: string[] = [];
    const walk = (v: unknown, at: string): unknown => {
        if (isSecretWrapper(v)) {
            secretPaths.push(at);
            return walk(v.value, at);
        }
        if (Array.isArray(v)) return v.map((item, i) => walk(item, `${at}[${i}]`));
        if (v !== null && typeof v === "object") {
            const out: Record<string, unknown> = {};
            for (const [k, item] of Object.entries(v)) out[k] = walk(item, at === "" ? k : `${at}.${k}`);
            return out;
        }
        return v;
    };
    return { value: walk(value, path), secretPaths };
}

/** Keys whose values are credentials whether or not the program marked them secret. */
const SECRET_KEY =
    /(password|passwd|secret|token|private[-_]?key|credential|api[-_]?key|access[-_]?key|connection[-_]?string)/i;

/** True when a property path names a credential by its last key (`data.password`, `secretString`...). */
export function looksSecret(path: string): boolean {
    const last =
        path
            .replace(/\[\d+\]$/g, "")
            .split(".")
            .pop() ?? path;
    return SECRET_KEY.test(last);
}
