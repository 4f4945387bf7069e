import type { ResourceNode, StackModel } from "../stack/stack-model";
import { containsUnknown, isUnknown } from "../unknowns";
import { GROUP_TYPE, IamEntityLookup, USER_TYPE } from "./iam-entity-lookup";
import {
    addDocument,
    emptyPermissions,
    mergePermissions,
    POLICY_TYPE,
    PolicyLookup,
    type OrphanGrant,
    type RolePermissions,
} from "./policy-lookup";
import { POLICY_ATTACHMENT_TYPE } from "./role-documents";
import { agentTag, describeAgentTag } from "./tags";

export const USER_POLICY_TYPE = "aws:iam/userPolicy:UserPolicy";
export const USER_POLICY_ATTACHMENT_TYPE = "aws:iam/userPolicyAttachment:UserPolicyAttachment";
export const USER_POLICY_ATTACHMENTS_EXCLUSIVE_TYPE =
    "aws:iam/userPolicyAttachmentsExclusive:UserPolicyAttachmentsExclusive";
export const GROUP_POLICY_TYPE = "aws:iam/groupPolicy:GroupPolicy";
export const GROUP_POLICY_ATTACHMENT_TYPE = "aws:iam/groupPolicyAttachment:GroupPolicyAttachment";
export const GROUP_POLICY_ATTACHMENTS_EXCLUSIVE_TYPE =
    "aws:iam/groupPolicyAttachmentsExclusive:GroupPolicyAttachmentsExclusive";
export const GROUP_MEMBERSHIP_TYPE = "aws:iam/groupMembership:GroupMembership";
export const USER_GROUP_MEMBERSHIP_TYPE = "aws:iam/userGroupMembership:UserGroupMembership";

/** An IAM user tagged (or possibly tagged) `agentguard.io/agent`: its keys are agent credentials. */
export interface AgentUser {
    readonly node: ResourceNode;
    readonly certainty: "agent" | "possible";
    readonly reasons: readonly string[];
}

export function identifyAgentUsers(model: StackModel): AgentUser[] {
    return model.ofType(USER_TYPE).flatMap((node) => {
        const tag = agentTag(node);
        if (tag.state === "untagged") return [];
        const certainty = tag.state === "tagged" ? "agent" : "possible";
        return [{ node, certainty, reasons: [describeAgentTag(tag)] }];
    });
}

/**
 * Every permissions document of every user: UserPolicy, UserPolicyAttachment, PolicyAttachment `users`,
 * UserPolicyAttachmentsExclusive, and those of its groups (GroupMembership, UserGroupMembership) through
 * GroupPolicy, GroupPolicyAttachment, PolicyAttachment `groups` and GroupPolicyAttachmentsExclusive.
 * A membership in a group this stack does not declare, or cannot identify, is reported as unresolved.
 */
export class UserPermissionIndex {
    /** The stack's index, built once per model. */
    static of(model: StackModel): UserPermissionIndex {
        return model.derived("user-permissions", () => new UserPermissionIndex(model));
    }

    private readonly own = new Map<string, RolePermissions>();
    private readonly ofGroup = new Map<string, RolePermissions>();
    private readonly groupsOf = new Map<string, { group: ResourceNode; via: string }[]>();
    private readonly users: IamEntityLookup;
    private readonly groups: IamEntityLookup;
    readonly orphans: OrphanGrant[] = [];

    constructor(model: StackModel, policies = new PolicyLookup(model.ofType(POLICY_TYPE))) {
        this.users = new IamEntityLookup(USER_TYPE, "user", model.ofType(USER_TYPE));
        this.groups = new IamEntityLookup(GROUP_TYPE, "group", model.ofType(GROUP_TYPE));
        const inline = (node: ResourceNode, kind: string): RolePermissions => {
            const permissions = emptyPermissions();
            addDocument(permissions, `${kind} ${node.name}`, node.props.policy);
            return permissions;
        };
        for (const node of model.ofType(USER_POLICY_TYPE)) {
            this.toUsers(node, "user", inline(node, "UserPolicy"));
        }
        for (const node of model.ofType(USER_POLICY_ATTACHMENT_TYPE)) {
            const name = `UserPolicyAttachment ${node.name}`;
            this.toUsers(node, "user", policies.resolve(node, "policyArn", name));
        }
        for (const node of model.ofType(USER_POLICY_ATTACHMENTS_EXCLUSIVE_TYPE)) {
            const name = `UserPolicyAttachmentsExclusive ${node.name}`;
            this.toUsers(node, "userName", policies.resolve(node, "policyArns", name));
        }
        for (const node of model.ofType(POLICY_ATTACHMENT_TYPE)) {
            const permissions = policies.resolve(node, "policyArn", `PolicyAttachment ${node.name}`);
            if (node.props.users !== undefined) this.toUsers(node, "users", permissions);
            if (node.props.groups !== undefined) this.toGroups(node, "groups", permissions);
        }
        for (const node of model.ofType(GROUP_POLICY_TYPE)) {
            this.toGroups(node, "group", inline(node, "GroupPolicy"));
        }
        for (const node of model.ofType(GROUP_POLICY_ATTACHMENT_TYPE)) {
            const name = `GroupPolicyAttachment ${node.name}`;
            this.toGroups(node, "group", policies.resolve(node, "policyArn", name));
        }
        for (const node of model.ofType(GROUP_POLICY_ATTACHMENTS_EXCLUSIVE_TYPE)) {
            const name = `GroupPolicyAttachmentsExclusive ${node.name}`;
            this.toGroups(node, "groupName", policies.resolve(node, "policyArns", name));
        }
        for (const node of model.ofType(GROUP_MEMBERSHIP_TYPE)) {
            this.membership(node, "users", "group", `GroupMembership ${node.name}`);
        }
        for (const node of model.ofType(USER_GROUP_MEMBERSHIP_TYPE)) {
            this.membership(node, "user", "groups", `UserGroupMembership ${node.name}`);
        }
    }

    /** Everything that reaches the user, its groups' policies included. */
    of(user: ResourceNode): RolePermissions {
        const out = emptyPermissions();
        const own = this.own.get(user.urn);
        if (own) mergePermissions(out, own);
        for (const { group, via } of this.groupsOf.get(user.urn) ?? []) {
            const permissions = this.ofGroup.get(group.urn);
            if (!permissions) continue;
            mergePermissions(out, {
                documents: permissions.documents.map((d) => ({
                    ...d,
                    source: `${d.source} (group ${group.name} via ${via})`,
                })),
                managed: permissions.managed.map((m) => ({
                    ...m,
                    source: `${m.source} (group ${group.name} via ${via})`,
                })),
                unresolved: permissions.unresolved.map((u) => `${u} (group ${group.name} via ${via})`),
            });
        }
        return out;
    }

    private toUsers(node: ResourceNode, key: string, permissions: RolePermissions): void {
        const value = node.props[key];
        for (const user of this.users.resolve(node, key, value)) mergeInto(this.own, user, permissions);
        if (!this.users.linked(node, key) && containsUnknown(value)) {
            this.orphans.push({
                node,
                permissions,
                why: `its ${key} is unknown and not linked to a User in this stack`,
            });
        }
    }

    private toGroups(node: ResourceNode, key: string, permissions: RolePermissions): void {
        // A group reference nobody can resolve only matters through a membership, which reports it.
        for (const group of this.groups.resolve(node, key, node.props[key])) {
            mergeInto(this.ofGroup, group, permissions);
        }
    }

    private membership(node: ResourceNode, userKey: string, groupKey: string, via: string): void {
        const users = this.users.resolve(node, userKey, node.props[userKey]);
        const groupValue = node.props[groupKey];
        const groups = this.groups.resolve(node, groupKey, groupValue);
        const missing: string[] = [];
        if (!this.groups.linked(node, groupKey) && containsUnknown(groupValue)) {
            missing.push(
                `${via} adds it to a group whose ${groupKey} is unknown and not linked to a Group in this stack`,
            );
        }
        for (const name of Array.isArray(groupValue) ? groupValue : [groupValue]) {
            if (typeof name !== "string" || isUnknown(name) || this.groups.byReference(name)) continue;
            missing.push(`${via} adds it to group ${name}, which is not declared in this stack`);
        }
        for (const user of users) {
            let list = this.groupsOf.get(user.urn);
            if (!list) this.groupsOf.set(user.urn, (list = []));
            for (const group of groups) list.push({ group, via });
            if (missing.length > 0)
                mergeInto(this.own, user, { documents: [], managed: [], unresolved: missing });
        }
    }
}

function mergeInto(map: Map<string, RolePermissions>, node: ResourceNode, from: RolePermissions): void {
    let entry = map.get(node.urn);
    if (!entry) map.set(node.urn, (entry = emptyPermissions()));
    mergePermissions(entry, from);
}
