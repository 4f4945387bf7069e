import { describe, expect, it } from "vitest";
import { parseArgs } from "../../cli/args";
import { CheckError } from "../../cli/errors";

function usageError(argv: string[]): CheckError {
    try {
        parseArgs(argv);
    } catch (err) {
        expect(err).toBeInstanceOf(CheckError);
        expect((err as CheckError).kind).toBe("usage");
        return err as CheckError;
    }
    throw new Error(`expected ${JSON.stringify(argv)} to be rejected`);
}

describe("parseArgs", () => {
    it("parses every flag of the contract, in both --flag value and --flag=value forms", () => {
        const parsed = parseArgs([
            "check",
            "stacks/platform",
            "--stack",
            "prod",
            "--policy-pack=packs/mine",
            "--config",
            "cfg.json",
            "--format",
            "sarif",
            "--output=out.sarif",
        ]);
        expect(parsed).toEqual({
            command: "check",
            args: {
                programDir: "stacks/platform",
                stack: "prod",
                policyPack: "packs/mine",
                configFile: "cfg.json",
                format: "sarif",
                outputFile: "out.sarif",
                timings: false,
                timeoutSeconds: 600,
                allowProgramWrites: false,
            },
        });
    });

    it("takes an offline answers file", () => {
        const parsed = parseArgs(["check", "dir", "--offline-answers", "answers.yaml"]);
        expect(parsed).toMatchObject({ args: { offlineAnswersFile: "answers.yaml" } });
    });

    it("takes --timeout in whole seconds (default 600) and the --allow-program-writes switch", () => {
        expect(parseArgs(["check", "dir"])).toMatchObject({
            args: { timeoutSeconds: 600, allowProgramWrites: false },
        });
        expect(parseArgs(["check", "dir", "--timeout", "45", "--allow-program-writes"])).toMatchObject({
            args: { timeoutSeconds: 45, allowProgramWrites: true },
        });
        expect(parseArgs(["check", "dir", "--timeout=604800"])).toMatchObject({
            args: { timeoutSeconds: 604800 },
        });
    });

    it("rejects a --timeout that is not a whole number of seconds from 1 to a week, naming the value", () => {
        for (const bad of [
            "0",
            "-5",
            "1.5",
            "1e3",
            "0x10",
            "+5",
            "ten",
            " 5",
            "604801",
            "99999999999999999999",
        ]) {
            const err = usageError(["check", "dir", `--timeout=${bad}`]);
            expect(err.message).toContain(`flag '--timeout' has invalid value '${bad}'`);
            expect(err.message).toContain("allowed is a whole number of seconds from 1 to 604800");
        }
        expect(usageError(["check", "dir", "--timeout"]).message).toContain("flag '--timeout' needs a value");
        expect(usageError(["check", "dir", "--allow-program-writes=yes"]).message).toContain(
            "unknown flag '--allow-program-writes'",
        );
    });

    it("defaults to the text format", () => {
        const parsed = parseArgs(["check", "dir"]);
        expect(parsed.command === "check" && parsed.args.format).toBe("text");
    });

    it("answers --help and -h anywhere with the help command", () => {
        expect(parseArgs(["--help"])).toEqual({ command: "help" });
        expect(parseArgs(["check", "dir", "-h"])).toEqual({ command: "help" });
    });

    it("answers --version and -v with the version command", () => {
        expect(parseArgs(["--version"])).toEqual({ command: "version" });
        expect(parseArgs(["-v"])).toEqual({ command: "version" });
        expect(parseArgs(["check", "dir"]).command).toBe("check");
    });

    it("rejects an unknown flag, naming it and the allowed flags", () => {
        const err = usageError(["check", "dir", "--stak", "dev"]);
        expect(err.message).toContain("unknown flag '--stak'");
        expect(err.message).toContain("--stack");
    });

    it("rejects a flag without its value, naming the flag", () => {
        expect(usageError(["check", "dir", "--stack"]).message).toContain("flag '--stack' needs a value");
        expect(usageError(["check", "dir", "--config", "--format", "json"]).message).toContain(
            "flag '--config' needs a value",
        );
        expect(usageError(["check", "dir", "--output="]).message).toContain("flag '--output' needs a value");
    });

    it("rejects an unknown format, naming the value and the allowed formats", () => {
        const err = usageError(["check", "dir", "--format", "yaml"]);
        expect(err.message).toContain("'--format' has invalid value 'yaml'");
        expect(err.message).toContain("text, json, sarif");
    });

    it("rejects a repeated flag rather than silently taking one of the values", () => {
        expect(usageError(["check", "dir", "--stack", "a", "--stack", "b"]).message).toContain(
            "'--stack' given more than once",
        );
    });

    it("rejects a missing program directory, extra positionals and unknown commands", () => {
        expect(usageError(["check"]).message).toContain("missing <program-dir>");
        expect(usageError(["check", "a", "b"]).message).toContain("expected one <program-dir>, got 2");
        expect(usageError(["scan", "dir"]).message).toContain("unknown command 'scan'");
        expect(usageError([]).message).toContain("missing command");
    });
});
