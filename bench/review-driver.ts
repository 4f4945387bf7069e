/**
 * One measured review, in a process of its own: runs `reviewPrograms` on a base and a head program
 * directory and prints a one-line JSON summary on stdout.
 * Usage: review-driver <base-dir> <head-dir>
 */
import { reviewPrograms } from "../cli/review/review";
import { isCheckError } from "../cli/testing";

async function main(argv: readonly string[]): Promise<void> {
    const [baseDir, headDir] = argv;
    if (baseDir === undefined || headDir === undefined) {
        throw new Error(`usage: review-driver <base-dir> <head-dir> (got ${JSON.stringify(argv)})`);
    }
    const result = await reviewPrograms(baseDir, headDir, {});
    const summary = { tier: result.tier, counts: result.counts, agentsChanged: result.reach.length };
    process.stdout.write(`${JSON.stringify(summary)}\n`);
}

main(process.argv.slice(2)).then(
    () => process.exit(0),
    (err: unknown) => {
        const message = isCheckError(err) ? `${err.kind} error: ${err.message}` : String(err);
        process.stderr.write(`${message}\n`);
        process.exit(2);
    },
);
