import { describe, expect, it } from "vitest";
import { parseArgs } from "../../cli/args";
import { agentConfigFrom } from "../../cli/blast-radius/agent-config";

describe("report and review arguments", () => {
    it("parses report with its defaults", () => {
        expect(parseArgs(["report", "."])).toEqual({
            command: "report",
            args: {
                programDir: ".",
                stack: undefined,
                configFile: undefined,
                format: "md",
                outputFile: undefined,
                timeoutSeconds: 600,
                allowProgramWrites: false,
            },
        });
        expect(parseArgs(["report", ".", "--format=html", "--output", "r.html"])).toMatchObject({
            args: { format: "html", outputFile: "r.html" },
        });
    });

    it("parses review and requires --base", () => {
        expect(
            parseArgs(["review", "--base", "origin/main", ".", "--approvals", "a.json", "--tiers", "t.json"]),
        ).toMatchObject({
            command: "review",
            args: {
                base: "origin/main",
                programDir: ".",
                approvalsFile: "a.json",
                tiersFile: "t.json",
                format: "md",
            },
        });
        expect(() => parseArgs(["review", "."])).toThrow(/'review' needs --base <dir\|git-ref>/);
    });

    it("takes --timeout and --allow-program-writes on report and review, as check does", () => {
        expect(parseArgs(["report", ".", "--timeout", "30", "--allow-program-writes"])).toMatchObject({
            args: { timeoutSeconds: 30, allowProgramWrites: true },
        });
        expect(parseArgs(["review", "--base", "main", ".", "--timeout=5"])).toMatchObject({
            args: { timeoutSeconds: 5, allowProgramWrites: false },
        });
        expect(() => parseArgs(["review", "--base", "main", ".", "--timeout", "0"])).toThrow(
            /flag '--timeout' has invalid value '0': allowed is a whole number of seconds from 1 to 604800/,
        );
    });

    it("report --help and review --help print their own usage, not check's", () => {
        expect(parseArgs(["review", "--help"])).toMatchObject({
            command: "help",
            usage: expect.stringMatching(/^Usage: agentguard review --base/),
        });
        expect(parseArgs(["report", ".", "-h"])).toMatchObject({
            usage: expect.stringMatching(/^Usage: agentguard report/),
        });
        expect(parseArgs(["check", "--help"])).toEqual({ command: "help" });
    });

    it("parses the gate's own inputs and --head-sha, which must be a full commit id", () => {
        const sha = "a".repeat(40);
        expect(
            parseArgs([
                "review",
                "--base",
                "b",
                ".",
                "--offline-answers",
                "o.yaml",
                "--workflow",
                "w.yml",
                "--package-json",
                "p.json",
                "--lockfile",
                "l.json",
                "--head-sha",
                sha,
            ]),
        ).toMatchObject({
            args: {
                offlineAnswersFile: "o.yaml",
                workflowFile: "w.yml",
                packageJsonFile: "p.json",
                lockFile: "l.json",
                headSha: sha,
            },
        });
        expect(() => parseArgs(["review", "--base", "b", ".", "--head-sha", "abc1234"])).toThrow(
            /'--head-sha' has invalid value 'abc1234': a full commit id/,
        );
    });

    it("names the bad flag or value and what is allowed", () => {
        expect(() => parseArgs(["report", ".", "--format", "pdf"])).toThrow(
            /'--format' has invalid value 'pdf': allowed are md, json, html/,
        );
        expect(() => parseArgs(["review", "--base", "x", ".", "--format", "html"])).toThrow(
            /allowed are md, json, sarif/,
        );
        expect(() => parseArgs(["report", ".", "--policy-pack", "p"])).toThrow(
            /unknown flag '--policy-pack' for 'report'/,
        );
        expect(() => parseArgs(["report"])).toThrow(/missing <program-dir>/);
        expect(() => parseArgs(["deploy", "."])).toThrow(/the commands are 'check', 'report' and 'review'/);
    });
});

describe("agent identification from a policy config", () => {
    it("uses the pack's default pattern without config", () => {
        expect(agentConfigFrom(undefined).agentNamespacePatterns).toEqual(["agent-*"]);
    });

    it("merges the patterns every policy sets, so no rule's agent is missed", () => {
        const config = agentConfigFrom({
            all: { enforcementLevel: "mandatory" },
            a: { properties: { agentNamespacePatterns: ["team-*"] } },
            b: { properties: { agentNamespacePatterns: ["bots-*", "team-*"] } },
        });
        expect(config.agentNamespacePatterns).toEqual(["team-*", "bots-*"]);
    });

    it("takes the smallest public egress budget any policy sets", () => {
        const config = agentConfigFrom({
            a: { properties: { maxPublicEgressAddresses: 256 } },
            b: { properties: { maxPublicEgressAddresses: 16 } },
        });
        expect(config.maxPublicEgressAddresses).toBe(16);
        expect(agentConfigFrom({}).maxPublicEgressAddresses).toBe(65536);
    });

    it("rejects invalid patterns with the pack's message", () => {
        expect(() => agentConfigFrom({ a: { properties: { agentNamespacePatterns: [""] } } })).toThrow(
            /property 'agentNamespacePatterns\[0\]' must NOT have fewer than 1 characters, got ""/,
        );
    });
});
