import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { CheckError } from "../errors";

/**
 * User-supplied answers for provider functions (lookups) that read cloud state, which no offline check can
 * read: `--offline-answers FILE`, a JSON or YAML mapping of function token to an answer object, or to a
 * list of `{ args, answer }` where `args` lists the arguments a call must have for that answer.
 */
type Json = Record<string, unknown>;

export interface OfflineAnswer {
    /** The arguments a call must have (each listed key equal); absent: any call. */
    readonly args?: Readonly<Json>;
    readonly answer: Readonly<Json>;
}

export interface OfflineAnswers {
    /** Where they came from, to name in messages. */
    readonly source: string;
    readonly byToken: Readonly<Record<string, readonly OfflineAnswer[]>>;
}

/** `pkg:module:function`, e.g. `aws:ssm/getParameter:getParameter`. */
const TOKEN = /^[A-Za-z0-9_-]+:[A-Za-z0-9_./-]*:[A-Za-z0-9_]+$/;

function isObject(value: unknown): value is Json {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

function problem(source: string, message: string): CheckError {
    return new CheckError("config", `${source}: ${message}`);
}

function parseEntry(source: string, token: string, index: number, entry: unknown): OfflineAnswer {
    const where = `'${token}'[${index}]`;
    if (!isObject(entry)) {
        throw problem(
            source,
            `${where} must be a mapping with 'answer' (and optional 'args'), got ${JSON.stringify(entry)}`,
        );
    }
    const extra = Object.keys(entry).filter((key) => key !== "args" && key !== "answer");
    if (extra.length > 0) {
        throw problem(
            source,
            `${where} has unknown key(s) ${extra.join(", ")}: allowed are 'args' and 'answer'`,
        );
    }
    if (!isObject(entry.answer)) {
        throw problem(
            source,
            `${where}.answer must be a mapping (the function's result), got ${JSON.stringify(entry.answer)}`,
        );
    }
    if (entry.args !== undefined && !isObject(entry.args)) {
        throw problem(
            source,
            `${where}.args must be a mapping of argument names to values, got ${JSON.stringify(entry.args)}`,
        );
    }
    return entry.args === undefined ? { answer: entry.answer } : { args: entry.args, answer: entry.answer };
}

/**
 * Validates an answers object. `reserved` maps tokens the checker answers itself (pure functions it
 * computes, functions whose result is the resources a component creates) to why: an answer for one would
 * let a file replace what the program really declares, so it is refused.
 */
export function parseOfflineAnswers(
    input: unknown,
    source: string,
    reserved: Readonly<Record<string, string>>,
): OfflineAnswers {
    if (!isObject(input)) {
        throw problem(
            source,
            `offline answers must be a mapping of function token to answer, got ${JSON.stringify(input)}`,
        );
    }
    const byToken: Record<string, OfflineAnswer[]> = {};
    for (const [token, value] of Object.entries(input)) {
        if (!TOKEN.test(token)) {
            throw problem(
                source,
                `'${token}' is not a function token: expected 'package:module:function', e.g. 'aws:ssm/getParameter:getParameter'`,
            );
        }
        const why = reserved[token] ?? (token.startsWith("pulumi:") ? "it is the engine's own" : undefined);
        if (why !== undefined) {
            throw problem(source, `'${token}' can't be answered from a file: ${why}`);
        }
        if (
            isObject(value) &&
            !("answer" in value && Object.keys(value).every((k) => k === "args" || k === "answer"))
        ) {
            byToken[token] = [{ answer: value }];
        } else {
            const list = Array.isArray(value) ? value : [value];
            if (list.length === 0) {
                throw problem(source, `'${token}' has an empty list: give at least one { args, answer }`);
            }
            byToken[token] = list.map((entry, index) => parseEntry(source, token, index, entry));
        }
    }
    return { source, byToken };
}

/** Reads and validates an answers file (JSON, or YAML by its extension or content). */
export function readOfflineAnswers(file: string, reserved: Readonly<Record<string, string>>): OfflineAnswers {
    const source = `offline answers file '${file}'`;
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (err) {
        throw problem(source, `can't be read: ${(err as Error).message}`);
    }
    let parsed: unknown;
    try {
        parsed = path.extname(file).toLowerCase() === ".json" ? JSON.parse(text) : yaml.load(text);
    } catch (err) {
        throw problem(source, `is neither valid JSON nor YAML: ${(err as Error).message}`);
    }
    return parseOfflineAnswers(parsed, source, reserved);
}

function deepEqual(a: unknown, b: unknown): boolean {
    if (a === b) {
        return true;
    }
    if (Array.isArray(a) && Array.isArray(b)) {
        return a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
    }
    if (isObject(a) && isObject(b)) {
        const keys = Object.keys(a);
        return keys.length === Object.keys(b).length && keys.every((key) => deepEqual(a[key], b[key]));
    }
    return false;
}

/** The first answer whose `args` the call has (each listed argument equal), if any. */
export function findOfflineAnswer(
    answers: OfflineAnswers | undefined,
    token: string,
    args: Readonly<Json>,
): Readonly<Json> | undefined {
    const entries = answers?.byToken[token] ?? [];
    return entries.find((entry) =>
        Object.entries(entry.args ?? {}).every(([key, value]) => deepEqual(args[key], value)),
    )?.answer;
}
