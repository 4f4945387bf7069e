import { describe, expect, it } from "vitest";
import { RolePermissionIndex } from "../../../core/aws/role-documents";
import { UNKNOWN, type FakeResource } from "../../helpers/policy-harness";
import { allow, modelOf, policyDoc, role } from "../../policy-pack/lib/aws/fixtures";

function permissionsOf(resources: FakeResource[], roleName = "r") {
    const model = modelOf(resources);
    const index = new RolePermissionIndex(model);
    const node = model.resources.find((n) => n.name === roleName);
    if (!node) throw new Error(`no resource ${roleName}`);
    return { ...index.of(node), orphans: index.orphans };
}

const policy = (name: string, props: Record<string, unknown> = {}): FakeResource => ({
    type: "aws:iam/policy:Policy",
    name,
    props: { name, policy: policyDoc(allow("iam:*")), ...props },
});

const attachment = (
    name: string,
    props: Record<string, unknown>,
    propertyDependencies?: Record<string, string[]>,
): FakeResource => ({
    type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    name,
    props,
    propertyDependencies,
});

describe("RolePermissionIndex", () => {
    it("collects inline policies by name", () => {
        const p = permissionsOf([
            role("r", { inlinePolicies: [{ name: "launch", policy: policyDoc(allow("s3:*")) }] }),
        ]);
        expect(p.documents.map((d) => d.source)).toEqual(["inline policy launch of role r"]);
        expect(p.unresolved).toEqual([]);
    });

    it("keeps AWS managed policy ARNs aside and resolves customer-managed ones in the stack", () => {
        const p = permissionsOf([
            policy("custom", { arn: "arn:aws:iam::111122223333:policy/custom" }),
            role("r", {
                managedPolicyArns: [
                    "arn:aws:iam::aws:policy/AdministratorAccess",
                    "arn:aws:iam::111122223333:policy/custom",
                ],
            }),
        ]);
        expect(p.managed.map((m) => m.arn)).toEqual(["arn:aws:iam::aws:policy/AdministratorAccess"]);
        expect(p.documents.map((d) => d.source)).toEqual(["Policy custom (via managedPolicyArns of role r)"]);
    });

    it("joins a RolePolicyAttachment with unknown role and policyArn through property dependencies", () => {
        const p = permissionsOf([
            policy("wide", { arn: UNKNOWN }),
            role("r", { name: UNKNOWN }),
            attachment("att", { role: UNKNOWN, policyArn: UNKNOWN }, { role: ["r"], policyArn: ["wide"] }),
        ]);
        expect(p.documents).toEqual([
            expect.objectContaining({ source: "Policy wide (via RolePolicyAttachment att)" }),
        ]);
    });

    it("joins RolePolicy by role name and PolicyAttachment by its roles list", () => {
        const p = permissionsOf([
            role("r"),
            {
                type: "aws:iam/rolePolicy:RolePolicy",
                name: "rp",
                props: { role: "r", policy: policyDoc(allow("s3:*")) },
            },
            {
                type: "aws:iam/policyAttachment:PolicyAttachment",
                name: "pa",
                props: { roles: ["r"], policyArn: "arn:aws:iam::aws:policy/IAMFullAccess" },
            },
        ]);
        expect(p.documents.map((d) => d.source)).toEqual(["RolePolicy rp"]);
        expect(p.managed).toEqual([
            { source: "PolicyAttachment pa", arn: "arn:aws:iam::aws:policy/IAMFullAccess" },
        ]);
    });

    it("says what was unknown: an unlinked ARN, an unknown document, a policy from another stack", () => {
        const p = permissionsOf([
            role("r", { inlinePolicies: [{ name: "later", policy: UNKNOWN }] }),
            attachment("a1", { role: "r", policyArn: UNKNOWN }),
            attachment("a2", { role: "r", policyArn: "arn:aws:iam::111122223333:policy/elsewhere" }),
        ]);
        expect(p.unresolved).toEqual([
            "the document of inline policy later of role r is unknown during preview",
            "RolePolicyAttachment a1: policyArn has a policy ARN that is unknown during preview and not linked to a Policy in this stack, so it may be any policy",
            "RolePolicyAttachment a2 attaches customer-managed policy arn:aws:iam::111122223333:policy/elsewhere, which is not declared in this stack",
        ]);
    });

    it("reports an attachment whose role cannot be resolved as an orphan", () => {
        const p = permissionsOf([
            role("r"),
            attachment("lost", { role: UNKNOWN, policyArn: "arn:aws:iam::aws:policy/AdministratorAccess" }),
        ]);
        expect(p.managed).toEqual([]);
        expect(p.orphans.map((o) => [o.node.name, o.why])).toEqual([
            ["lost", "its role is unknown and not linked to a Role in this stack"],
        ]);
    });

    it("reports a PolicyAttachment whose roles list mixes a known role and an unlinked unknown one", () => {
        const p = permissionsOf([
            role("r"),
            {
                type: "aws:iam/policyAttachment:PolicyAttachment",
                name: "mixed",
                props: { roles: ["r", UNKNOWN], policyArn: "arn:aws:iam::aws:policy/IAMFullAccess" },
            },
        ]);
        expect(p.managed).toHaveLength(1);
        expect(p.orphans.map((o) => o.node.name)).toEqual(["mixed"]);
    });
});
