import type { ResourceNode } from "../stack/stack-model";
import { isUnknown } from "../unknowns";

export const ROLE_TYPE = "aws:iam/role:Role";
export const USER_TYPE = "aws:iam/user:User";
export const GROUP_TYPE = "aws:iam/group:Group";

/** Finds declared IAM roles, users or groups by property dependency, ARN or name; index built once. */
export class IamEntityLookup {
    private readonly byName = new Map<string, ResourceNode>();
    private readonly byArn = new Map<string, ResourceNode>();
    private readonly arnName: RegExp;

    constructor(
        readonly type: string,
        kind: "role" | "user" | "group",
        nodes: readonly ResourceNode[],
    ) {
        this.arnName = new RegExp(`^arn:[^:]+:iam::[^:]*:${kind}/(?:.*/)?([^/]+)$`);
        for (const node of nodes) {
            const { name, arn } = node.props;
            if (typeof name === "string" && !isUnknown(name)) this.byName.set(name, node);
            if (typeof arn === "string" && !isUnknown(arn)) this.byArn.set(arn, node);
        }
    }

    /** Entities a property (a name or ARN, or a list of them) refers to. */
    resolve(node: ResourceNode, key: string, value: unknown): ResourceNode[] {
        const found = new Set((node.propertyDependencies[key] ?? []).filter((n) => n.type === this.type));
        for (const v of Array.isArray(value) ? value : [value]) {
            const entity = typeof v === "string" && !isUnknown(v) ? this.byReference(v) : undefined;
            if (entity) found.add(entity);
        }
        return [...found];
    }

    /** True when the property links (by dependency) to at least one entity of this type. */
    linked(node: ResourceNode, key: string): boolean {
        return (node.propertyDependencies[key] ?? []).some((n) => n.type === this.type);
    }

    byReference(reference: string): ResourceNode | undefined {
        const direct = this.byArn.get(reference) ?? this.byName.get(reference);
        if (direct) return direct;
        const arnName = this.arnName.exec(reference);
        return arnName ? this.byName.get(arnName[1]) : undefined;
    }
}

export class RoleLookup extends IamEntityLookup {
    constructor(roles: readonly ResourceNode[]) {
        super(ROLE_TYPE, "role", roles);
    }
}
