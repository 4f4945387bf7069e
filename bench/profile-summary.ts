/**
 * Summarizes a V8 `.cpuprofile` (from `node --cpu-prof`): self time by function and by package/file, so a
 * hot spot can be named without a profiler UI. Usage: profile-summary <file.cpuprofile> [top=25]
 */
import * as fs from "fs";

interface ProfileNode {
    readonly id: number;
    readonly callFrame: {
        readonly functionName: string;
        readonly url: string;
        readonly lineNumber: number;
    };
    readonly children?: readonly number[];
}

interface CpuProfile {
    readonly nodes: readonly ProfileNode[];
    readonly samples: readonly number[];
    readonly timeDeltas: readonly number[];
}

/** Where code lives: the npm package for dependencies, else the path from the project root. */
export function codeLocation(url: string): string {
    if (url === "") {
        return "(native/gc)";
    }
    const packageMatch = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
    if (packageMatch) {
        return packageMatch[1];
    }
    if (url.startsWith("node:")) {
        return "node";
    }
    return url.replace(/^file:\/\//, "").replace(/^.*?\/(cli|policy-pack|bench|components)\//, "$1/");
}

/** Self milliseconds per key over all samples. */
export function selfTimeBy(profile: CpuProfile, keyOf: (node: ProfileNode) => string): Map<string, number> {
    const byId = new Map(profile.nodes.map((n) => [n.id, n] as const));
    const totals = new Map<string, number>();
    profile.samples.forEach((id, i) => {
        const node = byId.get(id);
        if (node) {
            const key = keyOf(node);
            totals.set(key, (totals.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
        }
    });
    return totals;
}

function top(totals: Map<string, number>, count: number): string {
    const all = [...totals.values()].reduce((a, b) => a + b, 0);
    return [...totals.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, count)
        .map(
            ([key, ms]) =>
                `${ms.toFixed(0).padStart(8)} ms ${((100 * ms) / all).toFixed(1).padStart(5)}%  ${key}`,
        )
        .join("\n");
}

function main(argv: readonly string[]): void {
    const [file, countText] = argv;
    if (file === undefined) {
        throw new Error("usage: profile-summary <file.cpuprofile> [top]");
    }
    const count = countText === undefined ? 25 : Number(countText);
    const profile = JSON.parse(fs.readFileSync(file, "utf8")) as CpuProfile;
    const total = profile.timeDeltas.reduce((a, b) => a + b, 0) / 1000;
    process.stdout.write(`${file}: ${total.toFixed(0)} ms sampled\n\nby package or file:\n`);
    process.stdout.write(
        `${top(
            selfTimeBy(profile, (n) => codeLocation(n.callFrame.url)),
            count,
        )}\n\nby function:\n`,
    );
    const fn = (n: ProfileNode) =>
        `${n.callFrame.functionName || "(anonymous)"} ${codeLocation(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
    process.stdout.write(`${top(selfTimeBy(profile, fn), count)}\n`);
}

if (require.main === module) {
    main(process.argv.slice(2));
}
