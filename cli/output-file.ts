import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { trackTempDir, untrackTempDir } from "./child-processes";
import { CheckError } from "./errors";

/**
 * `--output FILE` is the authoritative result: it holds a verdict of this run or nothing. A file left by an
 * earlier run is removed before the program starts, so a run that is killed, times out or fails leaves none.
 */
export function removeStaleOutput(file: string): void {
    try {
        fs.rmSync(file, { force: true });
    } catch (err) {
        throw new CheckError(
            "usage",
            `--output '${file}' can't be replaced: ${(err as Error).message} (expected a file path)`,
        );
    }
}

/**
 * Writes the report whole or not at all: into a new temporary file in the same directory (so the rename
 * stays on one file system), flushed to disk, then renamed over `file`. A reader never sees half a report.
 */
export function writeOutputFile(file: string, text: string): void {
    const dir = path.dirname(path.resolve(file));
    const temp = path.join(
        dir,
        `.${path.basename(file)}.${process.pid}.${crypto.randomBytes(6).toString("hex")}.tmp`,
    );
    const removeTemp = trackTempDir(temp);
    try {
        // "wx": never through a file or link someone put there first.
        const fd = fs.openSync(temp, "wx", 0o644);
        try {
            fs.writeFileSync(fd, text);
            fs.fsyncSync(fd);
        } finally {
            fs.closeSync(fd);
        }
        fs.renameSync(temp, file);
    } catch (err) {
        removeTemp();
        throw new CheckError("usage", `can't write --output '${file}': ${(err as Error).message}`);
    }
    untrackTempDir(temp);
}
