import * as path from "path";

export interface ErrorLocation {
    readonly file: string;
    readonly line: number;
    readonly column?: number;
}

const STACK_FRAME = /(?:\(|\s)((?:file:\/\/)?(?:\/|[A-Za-z]:\\)[^():\n]+):(\d+):(\d+)\)?\s*$/;
const TS_DIAGNOSTIC = /([^\s()]+\.[cm]?[tj]sx?)\((\d+),(\d+)\)/;
const SYNTAX_HEADER = /^((?:\/|[A-Za-z]:\\)[^\n:]+):(\d+)\s*$/;

function fromFileUrl(file: string): string {
    return file.startsWith("file://") ? decodeURIComponent(file.slice("file://".length)) : file;
}

function isLibraryFile(file: string): boolean {
    return file.includes(`${path.sep}node_modules${path.sep}`) || file.startsWith("node:");
}

/**
 * Where a program error comes from: the TypeScript diagnostic's position, a syntax error's header, or the
 * first stack frame in the program's own files (library frames only when nothing else is known).
 */
export function errorLocation(err: unknown, programDir: string): ErrorLocation | undefined {
    if (!(err instanceof Error)) {
        return undefined;
    }
    if (err.name === "TSError") {
        const match = TS_DIAGNOSTIC.exec(err.message);
        if (match) {
            return {
                file: path.resolve(programDir, match[1]),
                line: Number(match[2]),
                column: Number(match[3]),
            };
        }
    }
    const lines = (err.stack ?? "").split("\n");
    const header = SYNTAX_HEADER.exec(lines[0] ?? "");
    if (header) {
        return { file: header[1], line: Number(header[2]) };
    }
    const frames: ErrorLocation[] = [];
    for (const line of lines) {
        const match = STACK_FRAME.exec(line);
        if (match) {
            frames.push({ file: fromFileUrl(match[1]), line: Number(match[2]), column: Number(match[3]) });
        }
    }
    const root = path.resolve(programDir) + path.sep;
    return (
        frames.find((f) => f.file.startsWith(root) && !isLibraryFile(f.file)) ??
        frames.find((f) => !isLibraryFile(f.file)) ??
        frames[0]
    );
}

export function formatLocation(location: ErrorLocation, relativeTo: string): string {
    const file = path.relative(relativeTo, location.file) || location.file;
    return location.column ? `${file}:${location.line}:${location.column}` : `${file}:${location.line}`;
}
