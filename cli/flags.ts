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
