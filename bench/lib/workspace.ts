import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const PROGRAM_FILES = ["Pulumi.yaml", "index.ts"];

/** The stack file that sets the synthetic program's size. */
export function benchStackConfig(runtimes: number): string {
    if (!Number.isInteger(runtimes) || runtimes < 1) {
        throw new Error(`runtimes must be a positive integer, got ${runtimes}`);
    }
    return `config:\n  bench:runtimes: ${runtimes}\n`;
}

/**
 * A copy of bench/program sized to `runtimes`, in a temporary directory whose node_modules is the project's.
 * The copy keeps the program's module resolution on the project's own SDKs: inside bench/ it would find
 * bench/node_modules first, which holds awsguard's older @pulumi/aws.
 */
export function makeProgramWorkspace(programDir: string, projectRoot: string, runtimes: number): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `agentguard-bench-${runtimes}-`));
    for (const file of PROGRAM_FILES) {
        fs.copyFileSync(path.join(programDir, file), path.join(dir, file));
    }
    fs.writeFileSync(path.join(dir, "Pulumi.bench.yaml"), benchStackConfig(runtimes));
    fs.symlinkSync(path.join(projectRoot, "node_modules"), path.join(dir, "node_modules"), "dir");
    return dir;
}

export function removeWorkspace(dir: string): void {
    fs.rmSync(dir, { recursive: true, force: true });
}
