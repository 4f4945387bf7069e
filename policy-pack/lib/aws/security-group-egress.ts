import type { ResourceNode, StackModel } from "../stack-model";
import { containsUnknown, isUnknown } from "../unknowns";
import { agentTagState } from "./tags";

export const SECURITY_GROUP_TYPE = "aws:ec2/securityGroup:SecurityGroup";
export const SECURITY_GROUP_RULE_TYPE = "aws:ec2/securityGroupRule:SecurityGroupRule";
export const EGRESS_RULE_TYPE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule";

/** One destination CIDR a group lets traffic out to, and where it was declared. */
export interface EgressCidr {
    readonly cidr: string;
    readonly source: string;
}

export interface GroupEgress {
    readonly group: ResourceNode;
    readonly cidrs: EgressCidr[];
    /** Egress that cannot be read during preview, each saying what was unknown. */
    readonly unknown: string[];
}

export interface SecurityGroupEgressIndex {
    /** Agent-tagged (or possibly agent: unknown tags) security groups, by URN. */
    readonly agentGroups: ReadonlyMap<string, GroupEgress & { readonly possible: boolean }>;
    /** Egress rules whose group cannot be resolved. */
    readonly unresolvedRules: readonly {
        readonly node: ResourceNode;
        readonly cidrs: EgressCidr[];
        readonly why: string;
    }[];
}

/** Collects the egress destinations of every agent security group, joined by property dependency or id. */
export function indexSecurityGroupEgress(model: StackModel): SecurityGroupEgressIndex {
    const agentGroups = new Map<string, GroupEgress & { possible: boolean }>();
    const byId = new Map<string, ResourceNode>();
    for (const group of model.ofType(SECURITY_GROUP_TYPE)) {
        const id = group.props.id;
        if (typeof id === "string" && !isUnknown(id)) byId.set(id, group);
        const tag = agentTagState(group);
        if (tag === "untagged") continue;
        const entry = { group, cidrs: [], unknown: [], possible: tag === "unknown" };
        readInlineEgress(group, entry);
        agentGroups.set(group.urn, entry);
    }
    const unresolvedRules: { node: ResourceNode; cidrs: EgressCidr[]; why: string }[] = [];
    const attach = (node: ResourceNode, read: (into: { cidrs: EgressCidr[]; unknown: string[] }) => void) => {
        const linked = (node.propertyDependencies.securityGroupId ?? []).filter(
            (n) => n.type === SECURITY_GROUP_TYPE,
        );
        const id = node.props.securityGroupId;
        const known = typeof id === "string" && !isUnknown(id) ? byId.get(id) : undefined;
        const groups = linked.length > 0 ? linked : known ? [known] : [];
        if (groups.length === 0) {
            if (!containsUnknown(id)) return; // a group of another stack, known by id: judged there
            const own = { cidrs: [] as EgressCidr[], unknown: [] as string[] };
            read(own);
            unresolvedRules.push({
                node,
                cidrs: own.cidrs,
                why: "its securityGroupId is unknown and not linked to a SecurityGroup in this stack",
            });
            return;
        }
        for (const group of groups) {
            const entry = agentGroups.get(group.urn);
            if (entry) read(entry);
        }
    };
    for (const rule of model.ofType(SECURITY_GROUP_RULE_TYPE)) {
        const type = rule.props.type;
        if (type === "ingress") continue;
        attach(rule, (into) => {
            const source = `SecurityGroupRule ${rule.name}`;
            if (isUnknown(type)) into.unknown.push(`the type (ingress/egress) of ${source} is unknown`);
            readCidrList(rule.props.cidrBlocks, source, "cidrBlocks", into);
            readCidrList(rule.props.ipv6CidrBlocks, source, "ipv6CidrBlocks", into);
        });
    }
    for (const rule of model.ofType(EGRESS_RULE_TYPE)) {
        attach(rule, (into) => {
            const source = `SecurityGroupEgressRule ${rule.name}`;
            readCidrList(rule.props.cidrIpv4, source, "cidrIpv4", into);
            readCidrList(rule.props.cidrIpv6, source, "cidrIpv6", into);
        });
    }
    return { agentGroups, unresolvedRules };
}

function readInlineEgress(group: ResourceNode, into: { cidrs: EgressCidr[]; unknown: string[] }): void {
    const egress = group.props.egress;
    if (isUnknown(egress)) {
        into.unknown.push(`the inline egress of security group ${group.name} is unknown`);
        return;
    }
    if (!Array.isArray(egress)) return;
    egress.forEach((item: unknown, i) => {
        if (isUnknown(item)) {
            into.unknown.push(`inline egress[${i}] of security group ${group.name} is unknown`);
            return;
        }
        const rule = (item ?? {}) as Record<string, unknown>;
        const source = `security group ${group.name} inline egress[${i}]`;
        readCidrList(rule.cidrBlocks, source, "cidrBlocks", into);
        readCidrList(rule.ipv6CidrBlocks, source, "ipv6CidrBlocks", into);
    });
}

function readCidrList(
    value: unknown,
    source: string,
    field: string,
    into: { cidrs: EgressCidr[]; unknown: string[] },
): void {
    if (value === undefined || value === null) return;
    for (const item of Array.isArray(value) ? value : [value]) {
        if (typeof item === "string" && !isUnknown(item)) into.cidrs.push({ cidr: item, source });
        else into.unknown.push(`${field} of ${source} is unknown`);
    }
}
