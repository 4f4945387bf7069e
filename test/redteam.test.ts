import * as fs from "fs";
import * as path from "path";
import { beforeAll, describe, expect, it } from "vitest";
import { checkProgram, type CheckResult } from "../cli/testing";

/** Hostile (and innocent) stacks that skip our components, run through the real checker. */
const CASES_DIR = path.resolve(__dirname, "fixtures/redteam");

interface Expectation {
    readonly verdict: "reject" | "accept";
    readonly category: string;
    readonly why: string;
    /** The rule that must catch a reject case. */
    readonly policy?: string;
    /** How many findings of that rule the case plants, when it plants several. */
    readonly count?: number;
}

// What a mandatory violation must speak of for each category of planted flaw.
const CATEGORY_WORDS: Record<string, RegExp> = {
    egress: /egress|cidr|network.?polic|default.?deny/i,
    rbac: /rbac|rolebinding|clusterrole|binding|escalat/i,
    bypass: /host|privileged|capabilit|pod.?security|confine/i,
    coverage: /could not be checked offline/i,
    gpu: /gpu|quota/i,
};

const cases = fs
    .readdirSync(CASES_DIR)
    .filter((name) => fs.existsSync(path.join(CASES_DIR, name, "expect.json")))
    .sort()
    .map((name) => ({
        name,
        expect: JSON.parse(fs.readFileSync(path.join(CASES_DIR, name, "expect.json"), "utf8")) as Expectation,
    }));

describe("red-team stacks through agentguard check", () => {
    const results = new Map<string, CheckResult>();
    beforeAll(async () => {
        const runs = await Promise.all(
            cases.map(async ({ name }) => [name, await checkProgram(path.join(CASES_DIR, name))] as const),
        );
        for (const [name, result] of runs) results.set(name, result);
    }, 150_000);

    it("has reject and accept cases", () => {
        expect(cases.filter((c) => c.expect.verdict === "reject").length).toBeGreaterThan(0);
        expect(cases.filter((c) => c.expect.verdict === "accept").length).toBeGreaterThan(0);
    });

    it.each(cases.filter((c) => c.expect.verdict === "reject"))(
        "rejects $name for the planted reason",
        ({ name, expect: expectation }) => {
            const result = results.get(name)!;
            expect(result.exitCode).toBe(1);
            const mandatory = result.violations.filter((v) => v.enforcementLevel === "mandatory");
            const planted = mandatory.filter((v) => v.policy === expectation.policy);
            expect(planted.map((v) => v.policy)).toContain(expectation.policy);
            expect(planted.some((v) => CATEGORY_WORDS[expectation.category].test(v.message))).toBe(true);
            if (expectation.count !== undefined) {
                expect(planted).toHaveLength(expectation.count);
            }
        },
    );

    it.each(cases.filter((c) => c.expect.verdict === "accept"))("accepts $name", ({ name }) => {
        const result = results.get(name)!;
        expect(result.violations.filter((v) => v.enforcementLevel === "mandatory")).toEqual([]);
        expect(result.exitCode).toBe(0);
    });
});
