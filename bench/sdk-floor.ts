/**
 * The Pulumi SDK's own cost for the benchmark program, without the checker: the program run under
 * `pulumi.runtime.setMocks` with mocks that return the inputs, in a fresh Node.js process with ts-node (as
 * the Node.js language host loads a TypeScript program) and the heap flags the checker gives programs.
 * `pulumi preview` adds a gRPC round trip to the engine per resource on top. With `--skip-leak-tracking`
 * the SDK's per-promise stack capture is turned off as the checker turns it off, which leaves what the
 * SDK itself must do: the checker's program phase beyond that is the checker's own.
 *
 *   npx ts-node --transpile-only bench/sdk-floor.ts [--runtimes 1000] [--repeat 3] [--skip-leak-tracking]
 */
import { spawnSync } from "child_process";
import * as path from "path";
import { parseArgs } from "util";
import { makeProgramWorkspace, removeWorkspace } from "./lib/workspace";

const CHILD = "--child";

async function child(programDir: string, runtimes: string, skipLeakTracking: boolean): Promise<void> {
    const started = process.hrtime.bigint();
    process.chdir(programDir);
    process.env.PULUMI_CONFIG = JSON.stringify({ "bench:runtimes": runtimes });
    const programRequire = (request: string): unknown =>
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        require(require.resolve(request, { paths: [programDir] }));
    const pulumi = programRequire("@pulumi/pulumi") as typeof import("@pulumi/pulumi");
    if (skipLeakTracking) {
        const debuggable = programRequire("@pulumi/pulumi/runtime/debuggable") as {
            debuggablePromise: unknown;
        };
        debuggable.debuggablePromise = <T>(promise: Promise<T>) => promise;
    }
    let registered = 0;
    await pulumi.runtime.setMocks(
        {
            newResource: (args) => {
                registered++;
                return { id: `${args.name}-id`, state: args.inputs };
            },
            call: (args) => args.inputs,
        },
        "bench",
        "bench",
        true,
    );
    await pulumi.runtime.runInPulumiStack(async () => {
        programRequire(path.join(programDir, "index.ts"));
    });
    await pulumi.runtime.disconnect();
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const cpu = process.cpuUsage();
    const cpuMs = (cpu.user + cpu.system) / 1000;
    process.stdout.write(
        `${JSON.stringify({ registered, programMs: Math.round(ms), cpuMs: Math.round(cpuMs) })}\n`,
    );
}

function main(): void {
    const { values } = parseArgs({
        options: {
            runtimes: { type: "string", default: "1000" },
            repeat: { type: "string", default: "3" },
            "skip-leak-tracking": { type: "boolean", default: false },
        },
    });
    const runtimes = Number(values.runtimes);
    const projectRoot = path.resolve(__dirname, "..");
    const dir = makeProgramWorkspace(path.join(__dirname, "program"), projectRoot, runtimes);
    try {
        for (let i = 0; i < Number(values.repeat); i++) {
            const started = Date.now();
            const result = spawnSync(
                process.execPath,
                [
                    "--max-semi-space-size=128",
                    "--heap-growing-percent=80",
                    "-r",
                    require.resolve("ts-node/register/transpile-only"),
                    __filename,
                    CHILD,
                    dir,
                    String(runtimes),
                    String(values["skip-leak-tracking"] === true),
                ],
                { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
            );
            if (result.status !== 0) throw new Error(`the program failed: ${result.stderr.slice(-2000)}`);
            const summary = JSON.parse(result.stdout.trim().split("\n").pop() ?? "{}") as {
                registered: number;
                programMs: number;
                cpuMs: number;
            };
            process.stdout.write(
                `${runtimes} runtimes${values["skip-leak-tracking"] ? " (no leak tracking)" : ""}: ${summary.registered} resources, program ${summary.programMs} ms ` +
                    `(CPU ${summary.cpuMs} ms), ` +
                    `process wall ${Date.now() - started} ms\n`,
            );
        }
    } finally {
        removeWorkspace(dir);
    }
}

if (process.argv[2] === CHILD) {
    child(process.argv[3] ?? "", process.argv[4] ?? "", process.argv[5] === "true").catch((err: unknown) => {
        process.stderr.write(`${String(err)}\n`);
        process.exit(1);
    });
} else {
    main();
}
