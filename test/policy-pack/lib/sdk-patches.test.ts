import { describe, expect, it } from "vitest";

import {
    installedPolicyVersion,
    policyPatchesAllowed,
    TESTED_POLICY_VERSIONS,
} from "../../../policy-pack/lib/sdk-patches";

describe("the @pulumi/policy version gate of the pack's patches", () => {
    it("patches a tested version, with or without the leading v its package.json uses, silently", () => {
        const warnings: string[] = [];
        expect(policyPatchesAllowed("1.21.0", ["1.21.0"], (m) => warnings.push(m))).toBe(true);
        expect(policyPatchesAllowed("v1.21.0", ["1.21.0"], (m) => warnings.push(m))).toBe(true);
        expect(warnings).toEqual([]);
    });

    it("runs an untested version unpatched and says so once, naming the version and the tested list", () => {
        for (const version of ["1.22.0", "1.21.1", "1.21.0-alpha.1", "2.0.0", ""]) {
            const warnings: string[] = [];
            expect(policyPatchesAllowed(version, ["1.21.0", "1.20.0"], (m) => warnings.push(m))).toBe(false);
            expect(warnings).toHaveLength(1);
            expect(warnings[0]).toContain(`@pulumi/policy ${JSON.stringify(version)}`);
            expect(warnings[0]).toContain("(1.21.0, 1.20.0)");
            expect(warnings[0]).toContain("running @pulumi/policy unpatched");
        }
    });

    it("lists exact versions only, and reads the installed version without its leading v", () => {
        for (const version of TESTED_POLICY_VERSIONS) expect(version).toMatch(/^\d+\.\d+\.\d+$/);
        expect(installedPolicyVersion()).toMatch(/^\d+\.\d+\.\d+/);
    });
});
