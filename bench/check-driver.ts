/**
 * One measured check, in a process of its own so that its memory is the checker's alone: runs
 * `checkProgram` on a program directory with a policy pack and prints a one-line JSON summary on stdout.
 * Usage: check-driver <program-dir> <policy-pack-dir>
 */
import { checkProgram, isCheckError } from "../cli/testing";
import { summarizeCheck } from "./lib/summary";

async function main(argv: readonly string[]): Promise<void> {
    const [programDir, packDir] = argv;
    if (programDir === undefined || packDir === undefined) {
        throw new Error(`usage: check-driver <program-dir> <policy-pack-dir> (got ${JSON.stringify(argv)})`);
    }
    const result = await checkProgram(programDir, { policyPack: packDir });
    process.stdout.write(`${JSON.stringify(summarizeCheck(result))}\n`);
}

main(process.argv.slice(2)).then(
    () => process.exit(0),
    (err: unknown) => {
        const message = isCheckError(err) ? `${err.kind} error: ${err.message}` : String(err);
        process.stderr.write(`${message}\n`);
        process.exit(2);
    },
);
