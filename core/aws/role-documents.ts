import { isPlainObject, shapeProblem } from "../shape";
import type { ResourceNode, StackModel } from "../stack/stack-model";
import { containsUnknown, isUnknown } from "../unknowns";
import { RoleLookup, ROLE_TYPE } from "./iam-entity-lookup";
import {
    addDocument,
    emptyPermissions,
    mergePermissions as merge,
    POLICY_TYPE,
    PolicyLookup,
    type OrphanGrant,
    type RolePermissions,
} from "./policy-lookup";

export {
    POLICY_TYPE,
    type ManagedPolicyRef,
    type OrphanGrant,
    type RoleDocument,
    type RolePermissions,
} from "./policy-lookup";
export const ROLE_POLICY_TYPE = "aws:iam/rolePolicy:RolePolicy";
export const ROLE_POLICY_ATTACHMENT_TYPE = "aws:iam/rolePolicyAttachment:RolePolicyAttachment";
export const POLICY_ATTACHMENT_TYPE = "aws:iam/policyAttachment:PolicyAttachment";
export const ROLE_POLICY_ATTACHMENTS_EXCLUSIVE_TYPE =
    "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive";

/**
 * Every permissions document of every role: inline policies, managed policy ARNs, RolePolicy,
 * RolePolicyAttachment, PolicyAttachment and RolePolicyAttachmentsExclusive. Joined through property
 * dependencies first (ARNs and autonamed names are unknown in preview), then by ARN or name. One pass per
 * resource type: linear in the stack.
 */
export class RolePermissionIndex {
    /** The stack's index, built once per model. */
    static of(model: StackModel): RolePermissionIndex {
        return model.derived("role-permissions", () => new RolePermissionIndex(model));
    }

    private readonly byRole = new Map<string, RolePermissions>();
    readonly orphans: OrphanGrant[] = [];
    private readonly policies: PolicyLookup;
    private readonly roles: RoleLookup;

    constructor(model: StackModel, policies = new PolicyLookup(model.ofType(POLICY_TYPE))) {
        this.policies = policies;
        const roles = model.ofType(ROLE_TYPE);
        this.roles = new RoleLookup(roles);
        for (const role of roles) this.addRoleOwn(role);
        for (const node of model.ofType(ROLE_POLICY_TYPE)) {
            const permissions = emptyPermissions();
            addDocument(permissions, `RolePolicy ${node.name}`, node.props.policy);
            this.attach(node, "role", permissions);
        }
        for (const node of model.ofType(ROLE_POLICY_ATTACHMENT_TYPE)) {
            const permissions = this.policies.resolve(node, "policyArn", `RolePolicyAttachment ${node.name}`);
            this.attach(node, "role", permissions);
        }
        for (const node of model.ofType(POLICY_ATTACHMENT_TYPE)) {
            const permissions = this.policies.resolve(node, "policyArn", `PolicyAttachment ${node.name}`);
            if (node.props.roles !== undefined) this.attach(node, "roles", permissions);
        }
        for (const node of model.ofType(ROLE_POLICY_ATTACHMENTS_EXCLUSIVE_TYPE)) {
            const permissions = this.policies.resolve(
                node,
                "policyArns",
                `RolePolicyAttachmentsExclusive ${node.name}`,
            );
            this.attach(node, "roleName", permissions);
        }
    }

    /** Everything that reaches the role. */
    of(role: ResourceNode): RolePermissions {
        return this.byRole.get(role.urn) ?? emptyPermissions();
    }

    private entry(role: ResourceNode): RolePermissions {
        let entry = this.byRole.get(role.urn);
        if (!entry) this.byRole.set(role.urn, (entry = emptyPermissions()));
        return entry;
    }

    private addRoleOwn(role: ResourceNode): void {
        const entry = this.entry(role);
        const inline = role.props.inlinePolicies;
        if (isUnknown(inline)) {
            entry.unresolved.push(`inlinePolicies of role ${role.name} are unknown during preview`);
        } else if (inline !== undefined && inline !== null && !Array.isArray(inline)) {
            // A wrong shape would read as "no inline policies": said instead, so the role is not passed.
            entry.unresolved.push(
                shapeProblem(
                    `inlinePolicies of role ${role.name}`,
                    inline,
                    "a list of { name, policy } objects",
                ),
            );
        } else if (Array.isArray(inline)) {
            inline.forEach((item: unknown, i) => {
                if (item !== null && !isPlainObject(item) && !isUnknown(item)) {
                    entry.unresolved.push(
                        shapeProblem(
                            `inlinePolicies[${i}] of role ${role.name}`,
                            item,
                            "a { name, policy } object",
                        ),
                    );
                    return;
                }
                const record = (item ?? {}) as Record<string, unknown>;
                const name =
                    typeof record.name === "string" && !isUnknown(record.name) ? record.name : `#${i}`;
                addDocument(entry, `inline policy ${name} of role ${role.name}`, record.policy);
            });
        }
        if (role.props.managedPolicyArns !== undefined) {
            merge(
                entry,
                this.policies.resolve(role, "managedPolicyArns", `managedPolicyArns of role ${role.name}`),
            );
        }
    }

    private attach(node: ResourceNode, key: string, permissions: RolePermissions): void {
        const value = node.props[key];
        const targets = this.roles.resolve(node, key, value);
        for (const role of targets) merge(this.entry(role), permissions);
        // An unknown role reference without a linked Role may be any role, even when other entries resolved.
        const linked = (node.propertyDependencies[key] ?? []).some((n) => n.type === ROLE_TYPE);
        if (!linked && containsUnknown(value)) {
            this.orphans.push({
                node,
                permissions,
                why: `its ${key} is unknown and not linked to a Role in this stack`,
            });
        }
    }
}
