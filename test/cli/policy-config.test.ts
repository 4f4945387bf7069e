import { describe, expect, it } from "vitest";
import { CheckError } from "../../cli/errors";
import {
    unknownPolicyProblem,
    parsePolicyConfig,
    reconcilePolicyConfig,
    type PolicyMetadata,
} from "../../cli/pack/policy-config";

const policies: PolicyMetadata[] = [
    {
        name: "max-buckets",
        enforcementLevel: "mandatory",
        configSchema: {
            properties: {
                maxBuckets: { type: "integer", minimum: 0, default: 5 },
                mode: { type: "string", enum: ["strict", "lax"] },
            },
        },
    },
    { name: "owner-tag", enforcementLevel: "advisory" },
    {
        name: "needs-list",
        enforcementLevel: "mandatory",
        configSchema: {
            properties: { allowed: { type: "array", items: { type: "string" } } },
            required: ["allowed"],
        },
    },
];

function configError(fn: () => unknown): CheckError {
    try {
        fn();
    } catch (err) {
        expect(err).toBeInstanceOf(CheckError);
        expect((err as CheckError).kind).toBe("config");
        return err as CheckError;
    }
    throw new Error("expected a config error");
}

describe("parsePolicyConfig", () => {
    it("reads levels given as strings and as objects, and properties beside them", () => {
        expect(
            parsePolicyConfig(
                { all: "advisory", a: "disabled", b: { enforcementLevel: "mandatory", x: 1 }, c: { y: 2 } },
                "cfg",
            ),
        ).toEqual({
            all: { enforcementLevel: "advisory" },
            a: { enforcementLevel: "disabled" },
            b: { enforcementLevel: "mandatory", properties: { x: 1 } },
            c: { properties: { y: 2 } },
        });
    });

    it("rejects an invalid enforcement level, naming the key, the value and the allowed levels", () => {
        const err = configError(() => parsePolicyConfig({ "owner-tag": "warn" }, "cfg.json"));
        expect(err.message).toContain(`'owner-tag' has enforcement level "warn"`);
        expect(err.message).toContain("advisory, mandatory, remediate, disabled");
        expect(configError(() => parsePolicyConfig({ x: { enforcementLevel: 1 } }, "cfg")).message).toContain(
            "enforcement level 1",
        );
    });

    it("rejects values that are neither levels nor objects, and configs that are not objects", () => {
        expect(configError(() => parsePolicyConfig({ x: 3 }, "cfg")).message).toContain("'x' is 3");
        expect(configError(() => parsePolicyConfig([], "cfg")).message).toContain("must be a JSON object");
    });
});

describe("reconcilePolicyConfig", () => {
    it("starts from each policy's level and schema defaults", () => {
        const config = reconcilePolicyConfig(policies, {}, { "needs-list": { properties: { allowed: [] } } });
        expect(config.get("max-buckets")).toEqual({
            enforcementLevel: "mandatory",
            properties: { maxBuckets: 5 },
        });
        expect(config.get("owner-tag")).toEqual({ enforcementLevel: "advisory", properties: undefined });
    });

    it("applies the pack's initial config, then 'all', then each policy's own entry", () => {
        const config = reconcilePolicyConfig(
            policies,
            { "max-buckets": { enforcementLevel: "mandatory", properties: { maxBuckets: 3 } } },
            {
                all: { enforcementLevel: "advisory" },
                "owner-tag": { enforcementLevel: "disabled" },
                "needs-list": { properties: { allowed: ["a"] } },
            },
        );
        expect(config.get("max-buckets")).toEqual({
            enforcementLevel: "advisory",
            properties: { maxBuckets: 3 },
        });
        expect(config.get("owner-tag")?.enforcementLevel).toBe("disabled");
        expect(config.get("needs-list")).toEqual({
            enforcementLevel: "advisory",
            properties: { allowed: ["a"] },
        });
    });

    it("reports a wrongly typed property with the policy, the property, the value and the rule", () => {
        const err = configError(() =>
            reconcilePolicyConfig(
                policies,
                {},
                {
                    "max-buckets": { properties: { maxBuckets: "many" } },
                    "needs-list": { properties: { allowed: [] } },
                },
            ),
        );
        expect(err.message).toContain(
            `policy 'max-buckets': property 'maxBuckets' must be integer, got "many"`,
        );
    });

    it("lists the allowed values of an enum and reports every problem at once", () => {
        const err = configError(() =>
            reconcilePolicyConfig(
                policies,
                {},
                { "max-buckets": { properties: { maxBuckets: -1, mode: "loose" } } },
            ),
        );
        expect(err.message).toContain(
            `property 'mode' must be equal to one of the allowed values, got "loose"; allowed: "strict", "lax"`,
        );
        expect(err.message).toContain("property 'maxBuckets' must be >= 0, got -1");
        expect(err.message).toContain("policy 'needs-list': required property 'allowed' is missing");
    });

    it("does not let a lax schema hide a nested type error", () => {
        const err = configError(() =>
            reconcilePolicyConfig(policies, {}, { "needs-list": { properties: { allowed: ["a", 2] } } }),
        );
        expect(err.message).toContain("property 'allowed[1]' must be string, got 2");
    });
});

describe("unknown policy names", () => {
    it("are a problem that names them and lists the pack's policies", () => {
        const problem = unknownPolicyProblem(
            { "owner-tags": { enforcementLevel: "mandatory" } },
            policies,
            "cfg.json",
        );
        expect(problem).toContain("cfg.json configures unknown policy 'owner-tags'");
        expect(problem).toContain("max-buckets, needs-list, owner-tag");
    });

    it("do not include 'all' or the pack's own policy names", () => {
        expect(
            unknownPolicyProblem({ all: { enforcementLevel: "advisory" }, "owner-tag": {} }, policies, "cfg"),
        ).toBeUndefined();
    });

    it("are reported together with schema errors, so one run shows every problem", () => {
        const err = configError(() =>
            reconcilePolicyConfig(
                policies,
                {},
                {
                    "owner-tags": { enforcementLevel: "disabled" },
                    "needs-list": { properties: { allowed: 3 } },
                },
                "cfg.json",
            ),
        );
        expect(err.message).toContain("cfg.json configures unknown policy 'owner-tags'");
        expect(err.message).toContain("policy 'needs-list': property 'allowed' must be array, got 3");
    });
});
