import * as path from "path";
import { describe, expect, it } from "vitest";
import { formatJson } from "../../cli/report/json";
import { formatSarif } from "../../cli/report/sarif";
import { formatText, stripControls } from "../../cli/report/text";
import type { CheckResult, Violation } from "../../cli/report/types";

const dir = "/repo/stacks/app";
const bucketUrn = "urn:pulumi:dev::app::aws:s3/bucket:Bucket::logs";

function violation(overrides: Partial<Violation>): Violation {
    return {
        policy: "bucket-private",
        policyPack: "pack",
        enforcementLevel: "mandatory",
        urn: bucketUrn,
        message: "Buckets are private.\nacl is public-read",
        policyPackVersion: "1.0.0",
        description: "Buckets are private.",
        severity: "high",
        resourceType: "aws:s3/bucket:Bucket",
        resourceName: "logs",
        scope: "resource",
        source: { file: path.join(dir, "storage.ts"), line: 12, column: 5 },
        ...overrides,
    };
}

const result: CheckResult = {
    resources: 4,
    violations: [
        violation({}),
        violation({
            policy: "owner-tag",
            enforcementLevel: "advisory",
            message: "tag owner is missing",
            severity: "low",
        }),
        violation({
            policy: "bucket-count",
            urn: "urn:pulumi:dev::app::pulumi:pulumi:Stack::app-dev",
            resourceType: "pulumi:pulumi:Stack",
            resourceName: "app-dev",
            scope: "stack",
            source: undefined,
            message: "3 buckets exceed 2",
        }),
        violation({
            policy: "owner-tag",
            enforcementLevel: "advisory",
            urn: "urn:pulumi:dev::app::lib:index:Thing::t",
            source: { file: path.join(dir, "node_modules", "lib", "thing.js"), line: 40 },
        }),
    ],
    remediations: [
        {
            policy: "versioning",
            policyPack: "pack",
            urn: bucketUrn,
            description: "versioned",
            changedProperties: ["versioning"],
        },
    ],
    warnings: ["function 'aws:index/getRegion:getRegion' can't be evaluated offline"],
    exitCode: 1,
    project: { name: "app", stack: "dev", dir, mainFile: path.join(dir, "index.ts") },
    policyPack: { name: "pack", version: "1.0.0", dir: "/repo/pack" },
    policies: [
        {
            name: "bucket-private",
            description: "Buckets are private.",
            type: "resource",
            enforcementLevel: "mandatory",
            severity: "critical",
            remediationSteps: "Set acl to private.",
        },
        {
            name: "owner-tag",
            description: "Resources name an owner.",
            type: "resource",
            enforcementLevel: "advisory",
        },
        { name: "bucket-count", description: "Few buckets.", type: "stack", enforcementLevel: "mandatory" },
        { name: "unused", description: "Never fires.", type: "resource", enforcementLevel: "disabled" },
    ],
    timings: { programMs: 1, packStartMs: 1, analyzeMs: 1, analyzeStackMs: 1, totalMs: 2 },
    programOutput: "",
};

describe("JSON report", () => {
    it("prints one object with the contract's fields first in every violation", () => {
        const parsed = JSON.parse(formatJson(result)) as {
            resources: number;
            violations: Record<string, unknown>[];
        };
        expect(parsed.resources).toBe(4);
        expect(Object.keys(parsed.violations[0]).slice(0, 5)).toEqual([
            "policy",
            "policyPack",
            "enforcementLevel",
            "urn",
            "message",
        ]);
        expect(parsed.violations[0]).toMatchObject({
            policy: "bucket-private",
            enforcementLevel: "mandatory",
            urn: bucketUrn,
        });
        expect(parsed).toHaveProperty("remediations.0.changedProperties", ["versioning"]);
        expect(parsed).toHaveProperty("warnings.0");
    });
});

describe("text report", () => {
    const text = formatText(result, { color: false });

    it("groups violations by resource with mandatory findings first", () => {
        const bucketBlock = text.slice(text.indexOf("aws:s3/bucket:Bucket logs"));
        expect(bucketBlock.indexOf("mandatory  bucket-private")).toBeLessThan(
            bucketBlock.indexOf("advisory   owner-tag"),
        );
        expect(text).toContain("             acl is public-read");
    });

    it("lists remediations and what was not reproduced offline, and ends with a summary", () => {
        expect(text).toContain("versioning: " + bucketUrn + " (versioning)");
        expect(text).toContain("getRegion");
        expect(text.trim().split("\n").pop()).toBe(
            "2 mandatory violations, 2 advisory violations, 1 remediation — 4 resources of app/dev checked against pack@1.0.0",
        );
    });

    it("uses colour only when asked to", () => {
        expect(text).not.toContain("\u001b[");
        expect(formatText(result, { color: true })).toContain("\u001b[31;1mmandatory");
    });
});

/* eslint-disable no-control-regex -- these tests look for control characters */
describe("control sequences in values taken from the program", () => {
    const ESC = "\u001b";
    const hostile: Record<string, string> = {
        "erase display": `${ESC}[2J${ESC}[H`,
        "OSC 8 link": `${ESC}]8;;https://evil.example/${ESC}\\click${ESC}]8;;${ESC}\\`,
        "OSC window title ended by BEL": `${ESC}]0;owned\u0007`,
        "carriage return overwrite": "\rno mandatory violations",
        bell: "\u0007",
        "C1 CSI (0x9b) erase": "\u009b2J",
        "C1 OSC (0x9d) ended by ST (0x9c)": "\u009d8;;https://evil.example/\u009c",
        "DCS string": `${ESC}P1$r${ESC}\\`,
        "cursor up, private mode": `${ESC}[3A${ESC}[?1049h`,
        "single-character escape (full reset)": `${ESC}c`,
        "backspace and delete": "\b\b\u007f",
        "vertical tab and form feed": "\u000b\u000c",
        "bidirectional override": "\u202etxt.exe\u202c\u2066",
        NUL: "\u0000",
    };

    for (const [name, sequence] of Object.entries(hostile)) {
        it(`removes ${name}`, () => {
            const cleaned = stripControls(`before${sequence}after`);
            expect(cleaned.startsWith("before")).toBe(true);
            expect(cleaned.endsWith("after")).toBe(true);
            expect(cleaned).not.toMatch(
                /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/,
            );
        });
    }

    it("keeps newlines, tabs and ordinary text, including non-ASCII", () => {
        expect(stripControls("a\tb\nc — é ✓ [2J")).toBe("a\tb\nc — é ✓ [2J");
    });

    it("leaves an unterminated OSC inert: the escape goes, its text stays visible", () => {
        expect(stripControls(`x${ESC}]8;;https://evil.example/`)).toBe("x8;;https://evil.example/");
    });

    it("strips every program value in the text report, and keeps our own colouring", () => {
        const evil = violation({
            urn: `urn:pulumi:dev::app::aws:s3/bucket:Bucket::${ESC}[2Jlogs`,
            resourceType: `aws:s3/bucket:Bucket${ESC}]8;;https://evil.example/${ESC}\\`,
            resourceName: "logs\rOK",
            policy: "bucket\u0007-private",
            message: `Buckets are private.\n${ESC}[1A${ESC}[2K\u009b2Jno mandatory violations`,
        });
        const hostileResult: CheckResult = {
            ...result,
            violations: [evil],
            remediations: [
                { ...result.remediations[0], urn: `${ESC}[8m${bucketUrn}`, changedProperties: ["a\rb"] },
            ],
            warnings: [`lookup ${ESC}]0;title\u0007failed`],
            project: { ...result.project, name: `app${ESC}[2J`, stack: "dev\u009b1A" },
        };
        for (const color of [false, true]) {
            const text = formatText(hostileResult, { color });
            const withoutOurColours = text.replace(/\u001b\[[0-9;]*m/g, "");
            expect(withoutOurColours).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
            expect(text).toContain("no mandatory violations"); // the message's text, inert
            expect(text).toContain("of app/dev checked against");
            expect(text).not.toContain("evil.example");
        }
        const colored = formatText(hostileResult, { color: true });
        expect(colored).toContain(`${ESC}[31;1mmandatory${ESC}[0m`);
        expect(colored).toContain(`${ESC}[1mbucket-private${ESC}[0m`);
    });
});

/* eslint-enable no-control-regex */

describe("SARIF report", () => {
    const sarif = JSON.parse(formatSarif(result, { baseDir: "/repo", toolVersion: "0.1.0" }));
    const run = sarif.runs[0];

    it("is a SARIF 2.1.0 log with one rule per policy of the pack", () => {
        expect(sarif.version).toBe("2.1.0");
        expect(sarif.$schema).toMatch(/sarif-schema-2\.1\.0\.json$/);
        expect(run.tool.driver.name).toBe("agentguard");
        expect(run.tool.driver.rules.map((r: { id: string }) => r.id)).toEqual([
            "bucket-private",
            "owner-tag",
            "bucket-count",
            "unused",
        ]);
        expect(run.tool.driver.rules[0]).toMatchObject({
            shortDescription: { text: "Buckets are private." },
            help: { text: "Set acl to private." },
            properties: { "security-severity": "9.5" },
        });
        expect(run.tool.driver.rules[3].defaultConfiguration).toEqual({ level: "none", enabled: false });
    });

    it("reports mandatory violations as errors and advisory ones as warnings, linked to their rule", () => {
        expect(run.results.map((r: { level: string }) => r.level)).toEqual([
            "error",
            "warning",
            "error",
            "warning",
        ]);
        for (const r of run.results) {
            expect(run.tool.driver.rules[r.ruleIndex].id).toBe(r.ruleId);
            expect(r.partialFingerprints["agentguardPolicyUrn/v1"]).toMatch(/^[0-9a-f]{64}$/);
        }
    });

    it("points at the resource's line in the program, relative to the source root", () => {
        expect(run.results[0].locations[0].physicalLocation).toEqual({
            artifactLocation: { uri: "stacks/app/storage.ts", uriBaseId: "%SRCROOT%" },
            region: { startLine: 12, startColumn: 5 },
        });
        expect(run.results[0].locations[0].logicalLocations[0]).toMatchObject({
            fullyQualifiedName: bucketUrn,
        });
    });

    it("falls back to the program's main file for stack findings and library code", () => {
        for (const r of [run.results[2], run.results[3]]) {
            expect(r.locations[0].physicalLocation).toEqual({
                artifactLocation: { uri: "stacks/app/index.ts", uriBaseId: "%SRCROOT%" },
                region: { startLine: 1 },
            });
        }
    });
});
