import * as path from "path";
import type { PackName } from "./report";

export interface BenchArgs {
    readonly sizes: readonly number[];
    readonly packs: readonly PackName[];
    readonly out: string;
    readonly intervalMs: number;
}

const PACKS: readonly PackName[] = ["agentguard", "awsguard"];

function today(): string {
    return new Date().toISOString().slice(0, 10);
}

function positiveInteger(flag: string, text: string): number {
    const value = Number(text);
    if (!Number.isInteger(value) || value < 1) {
        throw new Error(`${flag} takes positive integers, got '${text}'`);
    }
    return value;
}

export function parseBenchArgs(argv: readonly string[], benchDir = path.resolve(__dirname, "..")): BenchArgs {
    let sizes = [10, 100, 1000];
    let packs: PackName[] = [...PACKS];
    let out = path.join(benchDir, "results", `${today()}.json`);
    let intervalMs = 50;
    for (let i = 0; i < argv.length; i++) {
        const flag = argv[i];
        const value = argv[i + 1];
        if (value === undefined) {
            throw new Error(`${flag} needs a value`);
        }
        i++;
        switch (flag) {
            case "--sizes":
                sizes = value.split(",").map((s) => positiveInteger(flag, s));
                break;
            case "--packs":
                packs = value.split(",").map((name) => {
                    if (!(PACKS as readonly string[]).includes(name)) {
                        throw new Error(`--packs takes ${PACKS.join(", ")}; got '${name}'`);
                    }
                    return name as PackName;
                });
                break;
            case "--out":
                out = path.resolve(value);
                break;
            case "--interval":
                intervalMs = positiveInteger(flag, value);
                break;
            default:
                throw new Error(`unknown option '${flag}'; options: --sizes, --packs, --out, --interval`);
        }
    }
    return { sizes, packs, out, intervalMs };
}
