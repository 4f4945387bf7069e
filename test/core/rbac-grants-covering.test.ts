import { describe, expect, it } from "vitest";
import { grantsCovering, type RbacPolicyRule } from "../../core/rbac";

const write = (v: string) => ["create", "update", "patch", "delete"].includes(v);
const dnsNames = (names: readonly string[]) => names.some((n) => n.includes("*") || /dns/.test(n));

describe("grantsCovering", () => {
    it("names each (verb, resource) pair that covers a target, with its rule index", () => {
        const rules: RbacPolicyRule[] = [
            { resources: ["pods"], verbs: ["get"] },
            { resources: ["EndpointSlices ", "services"], verbs: ["create", "get"] },
        ];
        expect(grantsCovering(rules, write, ["endpointslices"])).toEqual([
            "create on endpointslices (rules[1])",
        ]);
    });

    it("counts wildcard verbs, wildcard resources, globs and base-resource wildcards over subresources", () => {
        expect(
            grantsCovering([{ resources: ["*"], verbs: ["*"] }], () => false, ["serviceaccounts/token"]),
        ).toEqual(["* on * (rules[0])"]);
        expect(grantsCovering([{ resources: ["pods/*"], verbs: ["create"] }], write, ["pods/exec"])).toEqual([
            "create on pods/* (rules[0])",
        ]);
        expect(
            grantsCovering([{ resources: ["endpoint*"], verbs: ["patch"] }], write, ["endpointslices"]),
        ).toHaveLength(1);
        // A base resource does not cover its subresources in Kubernetes.
        expect(grantsCovering([{ resources: ["pods"], verbs: ["create"] }], write, ["pods/exec"])).toEqual(
            [],
        );
    });

    it("reads a lone string as a list of one, and skips entries of the wrong type", () => {
        const rules = [{ resources: "configmaps", verbs: "patch" }] as unknown as RbacPolicyRule[];
        expect(grantsCovering(rules, write, ["configmaps"])).toEqual(["patch on configmaps (rules[0])"]);
        expect(grantsCovering([null as unknown as RbacPolicyRule], write, ["configmaps"])).toEqual([]);
    });

    it("lets resourceNames narrow only verbs Kubernetes narrows by name", () => {
        const named = (verbs: string[], names: string[]) =>
            grantsCovering(
                [{ resources: ["configmaps"], verbs, resourceNames: names }],
                write,
                ["configmaps"],
                dnsNames,
            );
        expect(named(["patch"], ["app-settings"])).toEqual([]);
        expect(named(["patch"], ["coredns"])).toHaveLength(1);
        expect(named(["patch"], ["core*"])).toHaveLength(1);
        expect(named(["create"], ["app-settings"])).toHaveLength(1);
        expect(named(["*"], ["app-settings"])).toHaveLength(1);
    });
});
