import { createRequire, findSourceMap, SourceMap } from "module";
import { fileURLToPath } from "url";
import { MessageChannel, receiveMessageOnPort, type MessagePort } from "worker_threads";

interface SourceMapSupport {
    wrapCallSite(frame: NodeJS.CallSite, state: { nextPosition: unknown; curPosition: unknown }): unknown;
}

const TYPESCRIPT_FILE = /\.[cm]?tsx?$/;

/**
 * Stacks the SDK captures for its own bookkeeping, keyed by the function that captures them, and how many
 * frames of each it needs: a promise's creation site is only shown when a promise leaks, and a resource's
 * registration site is a few frames above the capture.
 */
const BOOKKEEPING_FRAMES: Readonly<Record<string, number>> = { debuggablePromise: 2, callsites: 8 };

/**
 * Source maps of the ES modules ts-esm-hooks.mjs compiles. The modules compile on the hooks' thread, where
 * ts-node keeps their maps; the hooks post each one here before the module runs, and frames drain the port
 * synchronously when they are formatted. (Node's own source map support would do it too, but it then also
 * reads every library's .js.map as it loads: a fifth more CPU to load the cloud SDKs.)
 */
class ModuleSourceMaps {
    private channel?: { readonly port: MessagePort; readonly transfer: MessagePort };
    private readonly encoded = new Map<string, string>();
    private readonly decoded = new Map<string, SourceMap | undefined>();

    /** The port the hooks post to (once, transferred to them on registration). */
    hooksPort(): MessagePort {
        if (this.channel === undefined) {
            const { port1, port2 } = new MessageChannel();
            port1.unref();
            this.channel = { port: port1, transfer: port2 };
        }
        return this.channel.transfer;
    }

    get(url: string): SourceMap | undefined {
        if (this.channel !== undefined) {
            for (
                let m = receiveMessageOnPort(this.channel.port);
                m;
                m = receiveMessageOnPort(this.channel.port)
            ) {
                const { url: posted, map } = m.message as { url: string; map: string };
                this.encoded.set(posted, map);
                this.decoded.delete(posted);
            }
        }
        if (!this.decoded.has(url)) {
            const map = this.encoded.get(url);
            let parsed: SourceMap | undefined;
            try {
                parsed =
                    map === undefined
                        ? undefined
                        : new SourceMap(JSON.parse(Buffer.from(map, "base64").toString("utf8")));
            } catch {
                parsed = undefined;
            }
            this.decoded.set(url, parsed);
        }
        return this.decoded.get(url) ?? findSourceMap(url);
    }
}

export const moduleSourceMaps = new ModuleSourceMaps();

/**
 * An ES module frame at its TypeScript position, written as a CommonJS frame is (a path in parentheses), so
 * errors and the SDK's source positions (which it parses from such lines) read both alike.
 */
function mapModuleFrame(frame: NodeJS.CallSite, fileUrl: string): string | undefined {
    const line = frame.getLineNumber();
    const column = frame.getColumnNumber();
    if (line === null || column === null) return undefined;
    const entry = moduleSourceMaps.get(fileUrl)?.findEntry(line - 1, column - 1) as
        { originalLine?: number; originalColumn?: number } | undefined;
    if (entry?.originalLine === undefined || entry.originalColumn === undefined) return undefined;
    const name = frame.getFunctionName() ?? "<anonymous>";
    const prefix = frame.isAsync() ? "async " : frame.isConstructor() ? "new " : "";
    return `${prefix}${name} (${fileURLToPath(fileUrl)}:${entry.originalLine + 1}:${entry.originalColumn + 1})`;
}

/**
 * The SDK formats a stack trace for every resource and many promises. ts-node's source-map support maps
 * every frame, including the SDK's own (reading their .js.map files), which dominates a large program's
 * run. Only TypeScript frames need mapping to point at the program's lines, so only those are mapped.
 */
export function mapOnlyTypeScriptFrames(tsNodePath: string): void {
    let support: SourceMapSupport;
    try {
        support = createRequire(tsNodePath)("@cspotcode/source-map-support") as SourceMapSupport;
    } catch {
        return;
    }
    // A program registers most resources from a few lines (a loop, a component): each distinct frame, in the
    // context of the frame it was called from, is mapped once.
    const mapped = new Map<string, { text: string; position: unknown }>();
    Error.prepareStackTrace = (error: Error, frames: NodeJS.CallSite[]) => {
        const name = error.name || "Error";
        const header = error.message ? `${name}: ${error.message}` : name;
        const state = { nextPosition: null as unknown, curPosition: null as unknown };
        const lines: string[] = [];
        const keep = BOOKKEEPING_FRAMES[frames[0]?.getFunctionName() ?? ""] ?? frames.length;
        for (let i = Math.min(keep, frames.length) - 1; i >= 0; i--) {
            const frame = frames[i];
            const file = frame.getFileName();
            if (file && TYPESCRIPT_FILE.test(file)) {
                const key = `${file}:${frame.getLineNumber()}:${frame.getColumnNumber()}:${frame.getFunctionName()}:${frame.getMethodName()}:${frame.getTypeName()}:${JSON.stringify(state.nextPosition)}`;
                let entry = mapped.get(key);
                if (entry === undefined) {
                    state.curPosition = null;
                    const text = file.startsWith("file://")
                        ? (mapModuleFrame(frame, file) ?? String(frame))
                        : String(support.wrapCallSite(frame, state));
                    entry = { text, position: state.curPosition };
                    mapped.set(key, entry);
                }
                lines.push(`\n    at ${entry.text}`);
                state.nextPosition = entry.position;
            } else {
                lines.push(`\n    at ${String(frame)}`);
                state.nextPosition = null;
            }
        }
        return header + lines.reverse().join("");
    };
}
