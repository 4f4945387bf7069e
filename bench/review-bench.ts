/**
 * Review speed against check speed: `agentguard review` of a base and a head of the synthetic program
 * (base N runtimes, head N+1: one agent added, a Tier 3 change) must take at most twice one
 * `agentguard check` of the head. Each run is a fresh process (wall time from spawn to exit); check
 * and review alternate so that load on the machine affects both alike; the median is compared.
 * Usage: ts-node --transpile-only bench/review-bench.ts [--runtimes 100] [--repeat 3] [--out FILE]
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { makeProgramWorkspace, removeWorkspace } from "./lib/workspace";

const projectRoot = path.resolve(__dirname, "..");

function timed(script: string, args: readonly string[]): Promise<{ ms: number; stdout: string }> {
    const started = Date.now();
    return new Promise((resolve, reject) => {
        const child = spawn(
            process.execPath,
            ["-r", "ts-node/register/transpile-only", path.join(__dirname, script), ...args],
            {
                cwd: projectRoot,
                stdio: ["ignore", "pipe", "pipe"],
            },
        );
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
        child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
        child.on("close", (code) =>
            code === 0
                ? resolve({ ms: Date.now() - started, stdout: stdout.trim() })
                : reject(new Error(`${script} exited ${code}: ${stderr.slice(-2000)}`)),
        );
    });
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function option(argv: readonly string[], flag: string, fallback: string): string {
    const i = argv.indexOf(flag);
    return i === -1 ? fallback : (argv[i + 1] ?? fallback);
}

async function main(argv: readonly string[]): Promise<void> {
    const runtimes = Number(option(argv, "--runtimes", "100"));
    const repeat = Number(option(argv, "--repeat", "3"));
    const out = path.resolve(
        option(
            argv,
            "--out",
            path.join(__dirname, "results", `${new Date().toISOString().slice(0, 10)}-review.json`),
        ),
    );
    const program = path.join(__dirname, "program");
    const base = makeProgramWorkspace(program, projectRoot, runtimes);
    const head = makeProgramWorkspace(program, projectRoot, runtimes + 1);
    const check: number[] = [];
    const review: number[] = [];
    let checkSummary = "";
    let reviewSummary = "";
    try {
        for (let i = 0; i < repeat; i++) {
            process.stderr.write(`run ${i + 1}/${repeat}: check...\n`);
            const c = await timed("check-driver.ts", [head, path.join(projectRoot, "policy-pack")]);
            check.push(c.ms);
            checkSummary = c.stdout;
            process.stderr.write(`run ${i + 1}/${repeat}: review...\n`);
            const r = await timed("review-driver.ts", [base, head]);
            review.push(r.ms);
            reviewSummary = r.stdout;
        }
    } finally {
        removeWorkspace(base);
        removeWorkspace(head);
    }
    const ratio = median(review) / median(check);
    const results = {
        date: new Date().toISOString(),
        machine: {
            cpus: os.cpus().length,
            cpuModel: os.cpus()[0]?.model ?? "unknown",
            node: process.version,
            loadAverage1m: os.loadavg()[0],
        },
        baseRuntimes: runtimes,
        headRuntimes: runtimes + 1,
        checkWallMs: check,
        reviewWallMs: review,
        medianCheckMs: median(check),
        medianReviewMs: median(review),
        ratio: Number(ratio.toFixed(2)),
        target: "review of base + head <= 2x one check of head",
        met: ratio <= 2,
        check: JSON.parse(checkSummary) as unknown,
        review: JSON.parse(reviewSummary) as unknown,
    };
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
    process.stdout.write(
        `check ${median(check)} ms, review ${median(review)} ms (median of ${repeat}), ratio ${results.ratio}: ${results.met ? "met" : "MISSED"}\n` +
            `written to ${path.relative(process.cwd(), out)}\n`,
    );
}

main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`${String(err)}\n`);
    process.exit(1);
});
