/**
 * `npm run bench`: checks the synthetic platform program at several sizes with agentguard's pack and with
 * @pulumi/awsguard (the peer reference), each in a fresh checker process whose whole process tree is
 * sampled for memory. Prints a table and writes the results as JSON.
 * Options: --sizes 10,100,1000  --packs agentguard,awsguard  --out bench/results/<name>.json
 *          --interval <ms between memory samples, default 50>
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { measureCheck } from "./lib/measure";
import { canWalkProcessTree } from "./lib/proc";
import { formatPeakTable, formatProcessTable, formatTable, type BenchRun, type PackName } from "./lib/report";
import { judgeTargets } from "./lib/targets";
import { makeProgramWorkspace, removeWorkspace } from "./lib/workspace";
import { parseBenchArgs } from "./lib/args";

const projectRoot = path.resolve(__dirname, "..");
const benchDir = __dirname;

function packDir(pack: PackName): string {
    return pack === "agentguard"
        ? path.join(projectRoot, "policy-pack")
        : path.join(benchDir, "awsguard-pack");
}

function assertPeerInstalled(): void {
    const marker = path.join(benchDir, "node_modules", "@pulumi", "awsguard", "package.json");
    if (!fs.existsSync(marker)) {
        throw new Error(`@pulumi/awsguard is not installed in ${benchDir}; run: cd bench && npm ci`);
    }
}

async function main(argv: readonly string[]): Promise<void> {
    const args = parseBenchArgs(argv);
    if (!canWalkProcessTree()) {
        throw new Error("this kernel has no /proc/<pid>/task/<tid>/children, which the memory sampler needs");
    }
    if (args.packs.includes("awsguard")) {
        assertPeerInstalled();
    }
    const driver = {
        file: path.join(benchDir, "check-driver.ts"),
        execArgv: ["-r", "ts-node/register/transpile-only"],
        cwd: projectRoot,
    };
    const runs: BenchRun[] = [];
    for (const runtimes of args.sizes) {
        const programDir = makeProgramWorkspace(path.join(benchDir, "program"), projectRoot, runtimes);
        try {
            for (const pack of args.packs) {
                process.stderr.write(`checking ${runtimes} runtimes with ${pack}...\n`);
                const measurement = await measureCheck(driver, programDir, packDir(pack), args.intervalMs);
                runs.push({ pack, runtimes, measurement });
            }
        } finally {
            removeWorkspace(programDir);
        }
    }
    const verdicts = judgeTargets(runs);
    process.stdout.write(
        `${formatTable(runs)}\n\n${formatProcessTable(runs)}\n\n${formatPeakTable(runs)}\n\n`,
    );
    for (const verdict of verdicts) {
        process.stdout.write(
            `${verdict.met ? "met   " : "MISSED"}  ${verdict.target}: ${verdict.measured}\n`,
        );
    }
    const results = {
        date: new Date().toISOString(),
        machine: {
            cpus: os.cpus().length,
            cpuModel: os.cpus()[0]?.model ?? "unknown",
            totalMemoryMib: Math.round(os.totalmem() / 1024 / 1024),
            node: process.version,
            platform: `${os.platform()} ${os.release()}`,
        },
        method: {
            wall: "spawn of the checker process to its exit, measured by the bench runner",
            phases: "checkProgram timings: program and pack start run concurrently, both counted from the start",
            memory:
                `VmRSS of the checker and all its descendants summed every ${args.intervalMs} ms (peak), ` +
                "and each process's VmHWM (exact own peak) summed as an upper bound",
        },
        runs,
        targets: verdicts,
        table: formatTable(runs, true),
        processTable: formatProcessTable(runs, true),
        peakTable: formatPeakTable(runs, true),
    };
    fs.mkdirSync(path.dirname(args.out), { recursive: true });
    fs.writeFileSync(args.out, `${JSON.stringify(results, null, 2)}\n`);
    process.stdout.write(`\nresults written to ${path.relative(process.cwd(), args.out)}\n`);
}

main(process.argv.slice(2)).catch((err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
});
