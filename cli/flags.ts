import { CheckError } from "./errors";

export function usageError(message: string): CheckError {
    return new CheckError("usage", `${message}\nRun 'agentguard --help' for usage.`);
}

export interface ParsedFlags {
    readonly values: ReadonlyMap<string, string>;
    readonly switches: ReadonlySet<string>;
    readonly dir: string;
}

/**
 * A verb's `--flag value` / `--flag=value` pairs, its value-less switches and its one `<program-dir>`,
 * for every verb alike: each flag at most once, values never empty, unknown flags named with the allowed ones.
 */
export function parseFlags(
    verb: string,
    rest: readonly string[],
    valueFlags: readonly string[],
    switchFlags: readonly string[] = [],
): ParsedFlags {
    const values = new Map<string, string>();
    const switches = new Set<string>();
    const positionals: string[] = [];
    for (let i = 0; i < rest.length; i++) {
        const arg = rest[i];
        if (!arg.startsWith("--")) {
            positionals.push(arg);
            continue;
        }
        const eq = arg.indexOf("=");
        const flag = eq === -1 ? arg : arg.slice(0, eq);
        if (eq === -1 && switchFlags.includes(flag)) {
            switches.add(flag);
            continue;
        }
        if (!valueFlags.includes(flag)) {
            throw usageError(
                `unknown flag '${flag}' for '${verb}': allowed flags are ${[...valueFlags, ...switchFlags, "--help"].join(", ")}`,
            );
        }
        if (values.has(flag)) throw usageError(`flag '${flag}' given more than once`);
        const value = eq !== -1 ? arg.slice(eq + 1) : rest[++i];
        if (value === undefined || value === "" || (eq === -1 && value.startsWith("--"))) {
            throw usageError(`flag '${flag}' needs a value`);
        }
        values.set(flag, value);
    }
    if (positionals.length !== 1) {
        throw usageError(
            positionals.length === 0
                ? `missing <program-dir>: expected '${verb} <program-dir>'`
                : `expected one <program-dir>, got ${positionals.length}: ${positionals.join(" ")}`,
        );
    }
    return { values, switches, dir: positionals[0] };
}

/** The default of `--timeout`, in seconds: the whole run's deadline. */
export const DEFAULT_TIMEOUT_SECONDS = 600;
/** One week: longer is a mistake, and timers overflow past ~24 days. */
export const MAX_TIMEOUT_SECONDS = 7 * 24 * 3600;

/** `--timeout SECONDS`: a whole number of seconds from 1 to a week. */
export function parseTimeout(value: string | undefined): number {
    if (value === undefined) return DEFAULT_TIMEOUT_SECONDS;
    const seconds = /^[0-9]+$/.test(value) ? Number(value) : NaN;
    if (!Number.isSafeInteger(seconds) || seconds < 1 || seconds > MAX_TIMEOUT_SECONDS) {
        throw usageError(
            `flag '--timeout' has invalid value '${value}': allowed is a whole number of seconds ` +
                `from 1 to ${MAX_TIMEOUT_SECONDS} (default ${DEFAULT_TIMEOUT_SECONDS})`,
        );
    }
    return seconds;
}

/** Flags every verb that runs a program takes. */
export const RUN_VALUE_FLAGS = ["--timeout"] as const;
export const RUN_SWITCH_FLAGS = ["--allow-program-writes"] as const;

export const RUN_USAGE = `  --timeout SECONDS    deadline for the whole run; whatever has not finished then is stopped (exit 2)
                       (default: ${DEFAULT_TIMEOUT_SECONDS})
  --allow-program-writes
                       let the program write files anywhere; by default it may write only in a scratch
                       directory made for the run, and never start processes (docs/checker.md)
`;
