import { describe, expect, it } from "vitest";
import { revealSecrets, SECRET_SIGNATURE, SECRET_SIGNATURE_KEY } from "../../../cli/blast-radius/secrets";
import { diffResources } from "../../../cli/review/diff";
import { DEPLOYMENT, NS, res, ROLE_POLICY } from "../blast-radius/resources";

describe("diffResources", () => {
    it("finds nothing between identical runs", () => {
        const a = [res(NS, "x", { metadata: { name: "x" } })];
        expect(diffResources(a, a)).toEqual([]);
    });

    it("reports created and deleted resources by URN: a rename is a delete and a create", () => {
        const changes = diffResources(
            [res(NS, "old", { metadata: { name: "a" } })],
            [res(NS, "new", { metadata: { name: "a" } })],
        );
        expect(changes.map((c) => [c.kind, c.name])).toEqual([
            ["create", "new"],
            ["delete", "old"],
        ]);
    });

    it("lists changed properties at leaf level, with array indices", () => {
        const before = res(DEPLOYMENT, "d", {
            spec: { template: { spec: { containers: [{ image: "a:1" }] } } },
        });
        const after = res(DEPLOYMENT, "d", {
            spec: { template: { spec: { containers: [{ image: "a:2" }] } } },
        });
        const [change] = diffResources([before], [after]);
        expect(change.kind).toBe("update");
        expect(change.properties).toEqual([
            { path: "spec.template.spec.containers[0].image", before: "a:1", after: "a:2" },
        ]);
    });

    it("shows each leaf of a nested object added in an update, so guarded keys deep inside are seen", () => {
        const before = res(DEPLOYMENT, "d", { spec: { template: { spec: {} } } });
        const after = res(DEPLOYMENT, "d", {
            spec: { template: { spec: { securityContext: { privileged: true } } } },
        });
        const [change] = diffResources([before], [after]);
        expect(change.properties.map((p) => p.path)).toContain(
            "spec.template.spec.securityContext.privileged",
        );
    });

    it("treats a changed metadata.name or IAM role reference as a replacement", () => {
        const [k8s] = diffResources(
            [res(NS, "n", { metadata: { name: "a" } })],
            [res(NS, "n", { metadata: { name: "b" } })],
        );
        expect(k8s.kind).toBe("replace");
        expect(k8s.replaceReason).toBe("metadata.name changed");
        const [aws] = diffResources(
            [res(ROLE_POLICY, "p", { role: "a", policy: "{}" })],
            [res(ROLE_POLICY, "p", { role: "b", policy: "{}" })],
        );
        expect(aws.kind).toBe("replace");
    });

    it("redacts Pulumi secrets and credential-looking keys, on both sides", () => {
        const before = res(
            "kubernetes:core/v1:Secret",
            "s",
            { stringData: { password: "hunter2" }, data: { x: "old" } },
            { secretPaths: ["data"] },
        );
        const after = res(
            "kubernetes:core/v1:Secret",
            "s",
            { stringData: { password: "hunter3" }, data: { x: "new" } },
            { secretPaths: ["data"] },
        );
        const [change] = diffResources([before], [after]);
        const text = JSON.stringify(change);
        expect(text).not.toContain("hunter");
        expect(text).not.toContain('"old"');
        expect(change.properties).toEqual([
            { path: "data.x", before: "[secret]", after: "[secret]" },
            { path: "stringData.password", before: "[secret]", after: "[secret]" },
        ]);
    });

    it("redacts secrets of created resources", () => {
        const [change] = diffResources(
            [],
            [res("aws:iam/userLoginProfile:UserLoginProfile", "l", { pgpKey: "k", apiToken: "tok-123" })],
        );
        expect(JSON.stringify(change)).not.toContain("tok-123");
    });
});

describe("revealSecrets", () => {
    it("unwraps Pulumi secret values for analysis and records their paths for redaction", () => {
        const wrapped = { [SECRET_SIGNATURE_KEY]: SECRET_SIGNATURE, value: "s3cr3t" };
        const { value, secretPaths } = revealSecrets({ data: { key: wrapped }, list: [wrapped], plain: "p" });
        expect(value).toEqual({ data: { key: "s3cr3t" }, list: ["s3cr3t"], plain: "p" });
        expect(secretPaths).toEqual(["data.key", "list[0]"]);
    });

    it("a secret revealed for analysis is still redacted in the diff", () => {
        const wrapped = (v: string) => ({ [SECRET_SIGNATURE_KEY]: SECRET_SIGNATURE, value: v });
        const before = revealSecrets({ config: wrapped("one") });
        const after = revealSecrets({ config: wrapped("two") });
        const [change] = diffResources(
            [
                res("aws:ssm/parameter:Parameter", "p", before.value as Record<string, unknown>, {
                    secretPaths: before.secretPaths,
                }),
            ],
            [
                res("aws:ssm/parameter:Parameter", "p", after.value as Record<string, unknown>, {
                    secretPaths: after.secretPaths,
                }),
            ],
        );
        expect(change.properties).toEqual([{ path: "config", before: "[secret]", after: "[secret]" }]);
    });
});
