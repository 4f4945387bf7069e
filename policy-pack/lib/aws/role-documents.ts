import type { ResourceNode, StackModel } from "../stack-model";
import { containsUnknown, isUnknown } from "../unknowns";
import { RoleLookup, ROLE_TYPE } from "./agent-roles";
import { readJsonDocument } from "./json-document";

export const POLICY_TYPE = "aws:iam/policy:Policy";
export const ROLE_POLICY_TYPE = "aws:iam/rolePolicy:RolePolicy";
export const ROLE_POLICY_ATTACHMENT_TYPE = "aws:iam/rolePolicyAttachment:RolePolicyAttachment";
export const POLICY_ATTACHMENT_TYPE = "aws:iam/policyAttachment:PolicyAttachment";
export const ROLE_POLICY_ATTACHMENTS_EXCLUSIVE_TYPE =
    "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive";

/** A permissions document that reaches a role, with a human name for where it comes from. */
export interface RoleDocument {
    readonly source: string;
    readonly document: Record<string, unknown>;
}

/** An AWS managed policy attached to a role (its content comes from the IAM library's catalogue). */
export interface ManagedPolicyRef {
    readonly source: string;
    readonly arn: string;
}

export interface RolePermissions {
    readonly documents: RoleDocument[];
    readonly managed: ManagedPolicyRef[];
    /** What reaches the role but cannot be read: each says what was unknown. */
    readonly unresolved: string[];
}

/** Something that grants permissions to a role that cannot be identified. */
export interface OrphanGrant {
    readonly node: ResourceNode;
    readonly permissions: RolePermissions;
    readonly why: string;
}

const AWS_MANAGED_ARN = /^arn:[^:]+:iam::aws:policy\//;

/**
 * Every permissions document of every role: inline policies, managed policy ARNs, RolePolicy,
 * RolePolicyAttachment, PolicyAttachment and RolePolicyAttachmentsExclusive. Joined through property
 * dependencies first (ARNs and autonamed names are unknown in preview), then by ARN or name. One pass per
 * resource type: linear in the stack.
 */
export class RolePermissionIndex {
    private readonly byRole = new Map<string, RolePermissions>();
    readonly orphans: OrphanGrant[] = [];
    private readonly policies: PolicyLookup;
    private readonly roles: RoleLookup;

    constructor(model: StackModel) {
        this.policies = new PolicyLookup(model.ofType(POLICY_TYPE));
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
        } else if (Array.isArray(inline)) {
            inline.forEach((item: unknown, i) => {
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

function emptyPermissions(): RolePermissions {
    return { documents: [], managed: [], unresolved: [] };
}

function merge(into: RolePermissions, from: RolePermissions): void {
    into.documents.push(...from.documents);
    into.managed.push(...from.managed);
    into.unresolved.push(...from.unresolved);
}

function addDocument(into: RolePermissions, source: string, value: unknown): void {
    const parsed = readJsonDocument(value);
    if (parsed.kind === "known") into.documents.push({ source, document: parsed.document });
    else if (parsed.kind === "unknown")
        into.unresolved.push(`the document of ${source} is unknown during preview`);
    else into.unresolved.push(`the document of ${source} is ${parsed.error}`);
}

/** Customer-managed Policy resources by property dependency, ARN or name; AWS managed ARNs kept aside. */
class PolicyLookup {
    private readonly byArn = new Map<string, ResourceNode>();
    private readonly byName = new Map<string, ResourceNode>();

    constructor(policies: readonly ResourceNode[]) {
        for (const policy of policies) {
            const { arn, name } = policy.props;
            if (typeof arn === "string" && !isUnknown(arn)) this.byArn.set(arn, policy);
            if (typeof name === "string" && !isUnknown(name)) this.byName.set(name, policy);
        }
    }

    /** What a policy ARN property (one ARN or a list) of `node` grants. */
    resolve(node: ResourceNode, key: string, source: string): RolePermissions {
        const out = emptyPermissions();
        const value = node.props[key];
        const linked = (node.propertyDependencies[key] ?? []).filter((n) => n.type === POLICY_TYPE);
        const seen = new Set<ResourceNode>();
        const addPolicy = (policy: ResourceNode) => {
            if (seen.has(policy)) return;
            seen.add(policy);
            addDocument(out, `Policy ${policy.name} (via ${source})`, policy.props.policy);
        };
        const items = isUnknown(value) ? [value] : Array.isArray(value) ? value : [value];
        let unresolvedItems = 0;
        for (const item of items) {
            if (typeof item !== "string" || isUnknown(item)) {
                unresolvedItems++;
                continue;
            }
            if (AWS_MANAGED_ARN.test(item)) {
                out.managed.push({ source, arn: item });
                continue;
            }
            const policy = this.byReference(item);
            if (policy) addPolicy(policy);
            else if (linked.length === 0) {
                out.unresolved.push(
                    `${source} attaches customer-managed policy ${item}, which is not declared in this stack`,
                );
            }
        }
        // Linked policies cover the unknown items (and known ARNs of policies whose arn output is unknown).
        linked.forEach(addPolicy);
        if (unresolvedItems > 0 && linked.length === 0) {
            out.unresolved.push(
                `${source}: a policy ARN is unknown and not linked to a Policy in this stack`,
            );
        }
        return out;
    }

    private byReference(arn: string): ResourceNode | undefined {
        const direct = this.byArn.get(arn);
        if (direct) return direct;
        const name = /^arn:[^:]+:iam::[^:]*:policy\/(?:.*\/)?([^/]+)$/.exec(arn);
        return name ? this.byName.get(name[1]) : undefined;
    }
}
