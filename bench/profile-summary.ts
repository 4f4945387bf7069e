/**
 * Summarizes a V8 `.cpuprofile` (self time) or sampled `.heapprofile` (live bytes at the end) by function
 * and by package/file, so a hot spot can be named without a profiler UI.
 * Usage: profile-summary <file.cpuprofile|file.heapprofile> [top=25]
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

interface HeapProfileNode {
    readonly callFrame: ProfileNode["callFrame"];
    readonly selfSize: number;
    readonly children: readonly HeapProfileNode[];
}

/** Live bytes per key, summed over the allocation tree. */
export function liveBytesBy(
    head: HeapProfileNode,
    keyOf: (callFrame: ProfileNode["callFrame"]) => string,
): Map<string, number> {
    const totals = new Map<string, number>();
    const stack: HeapProfileNode[] = [head];
    while (stack.length > 0) {
        const node = stack.pop()!;
        const key = keyOf(node.callFrame);
        totals.set(key, (totals.get(key) ?? 0) + node.selfSize);
        stack.push(...node.children);
    }
    return totals;
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

function top(totals: Map<string, number>, count: number, unit = "ms"): string {
    const all = [...totals.values()].reduce((a, b) => a + b, 0);
    return [...totals.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, count)
        .map(
            ([key, value]) =>
                `${value.toFixed(0).padStart(10)} ${unit} ${((100 * value) / all).toFixed(1).padStart(5)}%  ${key}`,
        )
        .join("\n");
}

function main(argv: readonly string[]): void {
    const [file, countText] = argv;
    if (file === undefined) {
        throw new Error("usage: profile-summary <file.cpuprofile|file.heapprofile> [top]");
    }
    const count = countText === undefined ? 25 : Number(countText);
    const parsed = JSON.parse(fs.readFileSync(file, "utf8")) as CpuProfile | { head: HeapProfileNode };
    const frameName = (f: ProfileNode["callFrame"]) =>
        `${f.functionName || "(anonymous)"} ${codeLocation(f.url)}:${f.lineNumber + 1}`;
    if ("head" in parsed) {
        const kib = (totals: Map<string, number>) =>
            new Map([...totals].map(([key, bytes]) => [key, bytes / 1024] as const));
        process.stdout.write(`${file}: live at exit\n\nby package or file:\n`);
        process.stdout.write(
            `${top(kib(liveBytesBy(parsed.head, (f) => codeLocation(f.url))), count, "KiB")}\n`,
        );
        process.stdout.write(
            `\nby function:\n${top(kib(liveBytesBy(parsed.head, frameName)), count, "KiB")}\n`,
        );
        return;
    }
    const profile = parsed;
    const total = profile.timeDeltas.reduce((a, b) => a + b, 0) / 1000;
    process.stdout.write(`${file}: ${total.toFixed(0)} ms sampled\n\nby package or file:\n`);
    process.stdout.write(
        `${top(
            selfTimeBy(profile, (n) => codeLocation(n.callFrame.url)),
            count,
        )}\n\nby function:\n`,
    );
    process.stdout.write(
        `${top(
            selfTimeBy(profile, (n) => frameName(n.callFrame)),
            count,
        )}\n`,
    );
}

if (require.main === module) {
    main(process.argv.slice(2));
}
