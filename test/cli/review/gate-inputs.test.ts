import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, describe, expect, it } from "vitest";
import {
    diffGateInputs,
    locateGateInput,
    readGateInput,
    ruleSource,
    type GateInputFile,
    type GateInputKind,
} from "../../../cli/review/gate-inputs";
import { reviewResources } from "../../../cli/review/review";
import { agentStack } from "../blast-radius/resources";

const file = (kind: GateInputKind, p: string, before?: string, after?: string): GateInputFile => ({
    kind,
    path: p,
    before,
    after,
});
const json = (v: unknown) => JSON.stringify(v, null, 2);

const CONFIG = {
    "kubernetes-forbid-open-egress": { enforcementLevel: "mandatory" },
    "aws-forbid-agent-iam-writes": {
        enforcementLevel: "mandatory",
        exemptions: [],
        agentNamespacePatterns: ["agent-*"],
    },
};

const tierOf = (files: GateInputFile[]) =>
    reviewResources(agentStack(), agentStack(), {
        project: "p",
        stack: "dev",
        gateInputs: diffGateInputs(files),
    });

describe("the gate's own inputs", () => {
    it("evasion: an exemption added to the policy config is Tier 3 with the path that changed; exit 1", () => {
        const relaxed = {
            ...CONFIG,
            "aws-forbid-agent-iam-writes": {
                ...CONFIG["aws-forbid-agent-iam-writes"],
                exemptions: [{ resource: "*", reason: "temporary, to unblock the agent" }],
            },
        };
        const r = tierOf([
            file("policy config", ".agentguard/policy-config.json", json(CONFIG), json(relaxed)),
        ]);
        expect(r.tier).toBe(3);
        expect(r.exitCode).toBe(1);
        expect(r.gateInputs[0].reasons[0]).toContain(".agentguard/policy-config.json changed");
        expect(r.gateInputs[0].reasons.join()).toContain("exemptions[0].resource");
    });

    it("evasion: an enforcement level lowered, or agentNamespacePatterns narrowed, is Tier 3", () => {
        const advisory = { ...CONFIG, "kubernetes-forbid-open-egress": { enforcementLevel: "advisory" } };
        const narrowed = {
            ...CONFIG,
            "aws-forbid-agent-iam-writes": {
                ...CONFIG["aws-forbid-agent-iam-writes"],
                agentNamespacePatterns: ["agent-prod-*"],
            },
        };
        for (const after of [advisory, narrowed])
            expect(tierOf([file("policy config", "c.json", json(CONFIG), json(after))]).tier).toBe(3);
    });

    it("look-alike: the same policy config reformatted is no change (Tier 1)", () => {
        const r = tierOf([file("policy config", "c.json", JSON.stringify(CONFIG), json(CONFIG))]);
        expect(r.tier).toBe(1);
        expect(r.gateInputs).toEqual([]);
    });

    it("evasion: a tier map added, changed or removed is Tier 3", () => {
        const base = json({ extraTier3Types: ["aws:ec2/instance:*"] });
        const head = json({ tier2Types: ["*"] });
        expect(tierOf([file("tier map", "t.json", base, head)]).tier).toBe(3);
        expect(tierOf([file("tier map", "t.json", undefined, head)]).gateInputs[0].change).toBe("added");
        expect(tierOf([file("tier map", "t.json", base, undefined)]).gateInputs[0].change).toBe("removed");
    });

    it("evasion: offline answers changed (YAML) are Tier 3; the same answers in another layout are not", () => {
        const before = "aws:index/getCallerIdentity:getCallerIdentity:\n  answer: { accountId: '1' }\n";
        const after = "aws:index/getCallerIdentity:getCallerIdentity:\n  answer: { accountId: '2' }\n";
        const same = "aws:index/getCallerIdentity:getCallerIdentity:\n  answer:\n    accountId: '1'\n";
        expect(tierOf([file("offline answers", "a.yaml", before, after)]).tier).toBe(3);
        expect(tierOf([file("offline answers", "a.yaml", before, same)]).tier).toBe(1);
    });

    it("evasion: any edit of the workflow that runs the gate is Tier 3; trailing spaces are not", () => {
        const wf = "on: pull_request\njobs:\n  review:\n    steps:\n      - run: npx agentguard review\n";
        const edited = wf.replace("npx agentguard review", "npx agentguard review || true");
        expect(tierOf([file("workflow", ".github/workflows/agentguard-review.yml", wf, edited)]).tier).toBe(
            3,
        );
        expect(tierOf([file("workflow", "w.yml", wf, wf.replace(/\n/g, "  \r\n"))]).tier).toBe(1);
    });

    it("evasion: the checker or the pack swapped in package.json (version, alias, override) is Tier 3", () => {
        const pkg = { name: "infra", devDependencies: { agentguard: "0.1.0", lodash: "4.17.21" } };
        const swaps = [
            { ...pkg, devDependencies: { ...pkg.devDependencies, agentguard: "0.0.1" } },
            { ...pkg, devDependencies: { ...pkg.devDependencies, agentguard: "github:someone/fork" } },
            { ...pkg, devDependencies: { lodash: "4.17.21", checker: "npm:agentguard@0.0.1" } },
            { ...pkg, overrides: { "@pulumi/policy": "1.0.0" } },
            { ...pkg, overrides: { agentguard: { "@pulumi/policy": "1.0.0" } } },
        ];
        for (const after of swaps) {
            const r = tierOf([file("package manifest", "package.json", json(pkg), json(after))]);
            expect(r.tier, JSON.stringify(after)).toBe(3);
        }
    });

    it("look-alike: another dependency bumped in package.json stays Tier 1", () => {
        const pkg = { name: "infra", devDependencies: { agentguard: "0.1.0", lodash: "4.17.21" } };
        const bumped = { ...pkg, devDependencies: { ...pkg.devDependencies, lodash: "4.17.22" } };
        expect(tierOf([file("package manifest", "package.json", json(pkg), json(bumped))]).tier).toBe(1);
    });

    it("evasion: the lockfile resolving the checker elsewhere (nested too) is Tier 3; another package is not", () => {
        const lock = (agentguard: object, other = "1.0.0") =>
            json({
                lockfileVersion: 3,
                packages: {
                    "": { name: "infra", devDependencies: { agentguard: "0.1.0" } },
                    "node_modules/agentguard": { version: "0.1.0", integrity: "sha512-a" },
                    "node_modules/x/node_modules/agentguard": agentguard,
                    "node_modules/left-pad": { version: other },
                },
            });
        const base = lock({ version: "0.1.0", integrity: "sha512-a" });
        expect(
            tierOf([
                file(
                    "lockfile",
                    "package-lock.json",
                    base,
                    lock({ version: "0.1.0", resolved: "file:../evil" }),
                ),
            ]).tier,
        ).toBe(3);
        expect(
            tierOf([
                file(
                    "lockfile",
                    "package-lock.json",
                    base,
                    lock({ version: "0.1.0", integrity: "sha512-a" }, "1.0.1"),
                ),
            ]).tier,
        ).toBe(1);
        // Deleting the lockfile drops the pin.
        expect(tierOf([file("lockfile", "package-lock.json", base, undefined)]).tier).toBe(3);
    });

    it("a workspace linked under the checker's name is seen by its name", () => {
        const lock = (resolved: string) =>
            json({
                lockfileVersion: 3,
                packages: {
                    "node_modules/agentguard": { resolved, link: true },
                    vendor: { name: "agentguard", version: resolved === "vendor" ? "0.1.0" : "9.9.9" },
                },
            });
        expect(tierOf([file("lockfile", "package-lock.json", lock("vendor"), lock("vendor2"))]).tier).toBe(3);
    });
});

describe("where the gate's inputs are read from", () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "agentguard-gate-"));
    afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
    const head = path.join(tmp, "head");
    const base = path.join(tmp, "base");
    const outside = path.join(tmp, "outside.json");
    for (const root of [head, base]) fs.mkdirSync(path.join(root, ".agentguard"), { recursive: true });
    fs.writeFileSync(path.join(base, ".agentguard", "tiers.json"), '{"extraTier3Types":["a:*"]}');
    fs.writeFileSync(path.join(head, ".agentguard", "tiers.json"), '{"tier2Types":["*"]}');
    fs.writeFileSync(outside, "{}");
    const roots = { head, base };

    it("a default path inside the repository: judged with the base's copy, compared with the head's", () => {
        const loc = locateGateInput("tier map", undefined, ".agentguard/tiers.json", roots);
        expect(loc.label).toBe(".agentguard/tiers.json");
        expect(ruleSource(loc)).toBe(path.join(base, ".agentguard", "tiers.json"));
        const read = readGateInput(loc);
        expect(read.before).toContain("a:*");
        expect(read.after).toContain('"*"');
    });

    it("an explicit path inside the head maps to the same path in the base", () => {
        const loc = locateGateInput("tier map", path.join(head, ".agentguard", "tiers.json"), "x", roots);
        expect(loc.base).toBe(path.join(base, ".agentguard", "tiers.json"));
        expect(loc.explicit).toBe(true);
    });

    it("a file only the head has is not a rule source (the secure defaults judge), and is an addition", () => {
        fs.writeFileSync(path.join(head, ".agentguard", "policy-config.json"), "{}");
        const loc = locateGateInput("policy config", undefined, ".agentguard/policy-config.json", roots);
        expect(ruleSource(loc)).toBeUndefined();
        expect(diffGateInputs([readGateInput(loc)])[0].change).toBe("added");
    });

    it("a file outside the repository (written from the base by the workflow) is used as given, never a change", () => {
        const loc = locateGateInput("tier map", outside, "x", roots);
        expect(loc.base).toBeUndefined();
        expect(ruleSource(loc)).toBe(outside);
        expect(diffGateInputs([readGateInput(loc)])).toEqual([]);
    });
});
