import { isPlainObject, shapeProblem } from "../../../core/shape";
import type { ResourceNode, StackModel } from "../../../core/stack/stack-model";
import { containsUnknown, isUnknown } from "../unknowns";
import { PrefixListLookup, type DestinationSink } from "./prefix-lists";
import { agentTagState } from "../../../core/aws/tags";
import { workloadSecurityGroups, type GroupFinder } from "./workload-security-groups";

export const SECURITY_GROUP_TYPE = "aws:ec2/securityGroup:SecurityGroup";
/** The VPC's default group, adopted into the stack: it takes the same inline egress. */
export const DEFAULT_SECURITY_GROUP_TYPE = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup";
export const SECURITY_GROUP_RULE_TYPE = "aws:ec2/securityGroupRule:SecurityGroupRule";
export const EGRESS_RULE_TYPE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule";
const GROUP_TYPES: ReadonlySet<string> = new Set([SECURITY_GROUP_TYPE, DEFAULT_SECURITY_GROUP_TYPE]);

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

export interface AgentGroupEgress extends GroupEgress {
    /** Only possibly an agent group: its tags (or those of the workloads using it) are unknown. */
    readonly possible: boolean;
    readonly tagged: boolean;
    /** Agent-tagged workloads that run in this group (what makes an untagged group an agent group). */
    readonly usedBy: readonly ResourceNode[];
}

export interface SecurityGroupEgressIndex {
    /** Agent security groups (tagged, used by agent workloads, or possibly agent), by URN. */
    readonly agentGroups: ReadonlyMap<string, AgentGroupEgress>;
    /** Egress rules whose group cannot be resolved. */
    readonly unresolvedRules: readonly {
        readonly node: ResourceNode;
        readonly cidrs: EgressCidr[];
        readonly why: string;
    }[];
    /** Agent workloads naming security groups that cannot be joined to a group of this stack. */
    readonly unjoinedWorkloads: readonly { readonly workload: ResourceNode; readonly why: string }[];
}

/** Collects the egress destinations of every agent security group, joined by property dependency or id. */
export function indexSecurityGroupEgress(model: StackModel): SecurityGroupEgressIndex {
    const groups = model.ofType(SECURITY_GROUP_TYPE, DEFAULT_SECURITY_GROUP_TYPE);
    const finder = groupFinder(groups);
    const prefixLists = new PrefixListLookup(model);
    const workloads = workloadSecurityGroups(model, finder);
    const agentGroups = new Map<string, AgentGroupEgress>();
    for (const group of groups) {
        const tag = agentTagState(group);
        const uses = workloads.usedBy.get(group.urn) ?? [];
        const usedBy = uses.filter((u) => !u.possible).map((u) => u.workload);
        if (tag === "untagged" && uses.length === 0) continue;
        const entry = {
            group,
            cidrs: [],
            unknown: [],
            possible: tag !== "tagged" && usedBy.length === 0,
            tagged: tag === "tagged",
            usedBy,
        };
        readInlineEgress(group, prefixLists, entry);
        agentGroups.set(group.urn, entry);
    }
    const unresolvedRules: { node: ResourceNode; cidrs: EgressCidr[]; why: string }[] = [];
    const attach = (node: ResourceNode, read: (into: DestinationSink) => void) => {
        const linked = (node.propertyDependencies.securityGroupId ?? []).filter((n) =>
            GROUP_TYPES.has(n.type),
        );
        const id = node.props.securityGroupId;
        const known = typeof id === "string" && !isUnknown(id) ? finder.byId(id) : undefined;
        const owners = linked.length > 0 ? linked : known ? [known] : [];
        if (owners.length === 0) {
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
        for (const group of owners) {
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
            prefixLists.read(rule, "prefixListIds", listOf(rule.props.prefixListIds), source, into);
        });
    }
    for (const rule of model.ofType(EGRESS_RULE_TYPE)) {
        attach(rule, (into) => {
            const source = `SecurityGroupEgressRule ${rule.name}`;
            readCidrList(rule.props.cidrIpv4, source, "cidrIpv4", into);
            readCidrList(rule.props.cidrIpv6, source, "cidrIpv6", into);
            prefixLists.read(rule, "prefixListId", listOf(rule.props.prefixListId), source, into);
        });
    }
    return { agentGroups, unresolvedRules, unjoinedWorkloads: workloads.unjoined };
}

function groupFinder(groups: readonly ResourceNode[]): GroupFinder {
    const ids = new Map<string, ResourceNode>();
    const names = new Map<string, ResourceNode>();
    for (const group of groups) {
        for (const [key, into] of [
            ["id", ids],
            ["name", names],
        ] as const) {
            const value = group.props[key];
            if (typeof value === "string" && !isUnknown(value)) into.set(value, group);
        }
    }
    return { groupTypes: GROUP_TYPES, byId: (id) => ids.get(id), byName: (name) => names.get(name) };
}

function readInlineEgress(group: ResourceNode, prefixLists: PrefixListLookup, into: DestinationSink): void {
    const egress = group.props.egress;
    if (isUnknown(egress)) {
        into.unknown.push(`the inline egress of security group ${group.name} is unknown`);
        return;
    }
    if (egress === undefined || egress === null) return;
    if (!Array.isArray(egress)) {
        // A wrong shape would otherwise read as "no egress": said instead, so the group is not passed.
        into.unknown.push(
            `${shapeProblem(`the inline egress of security group ${group.name}`, egress, "a list of egress rule objects")}`,
        );
        return;
    }
    const listIds: unknown[] = [];
    egress.forEach((item: unknown, i) => {
        if (isUnknown(item)) {
            into.unknown.push(`inline egress[${i}] of security group ${group.name} is unknown`);
            return;
        }
        if (item !== null && !isPlainObject(item)) {
            into.unknown.push(
                shapeProblem(
                    `inline egress[${i}] of security group ${group.name}`,
                    item,
                    "an egress rule object",
                ),
            );
            return;
        }
        const rule = item ?? {};
        const source = `security group ${group.name} inline egress[${i}]`;
        readCidrList(rule.cidrBlocks, source, "cidrBlocks", into);
        readCidrList(rule.ipv6CidrBlocks, source, "ipv6CidrBlocks", into);
        listIds.push(...listOf(rule.prefixListIds));
    });
    // The property dependencies of inline egress are those of the whole list, so its prefix lists are read once.
    prefixLists.read(group, "egress", listIds, `security group ${group.name} inline egress`, into);
}

/** A scalar, list, or unknown list as a list of values (an unknown list is one unknown value). */
function listOf(value: unknown): unknown[] {
    if (value === undefined || value === null) return [];
    return Array.isArray(value) ? value : [value];
}

function readCidrList(value: unknown, source: string, field: string, into: DestinationSink): void {
    if (value === undefined || value === null) return;
    for (const item of Array.isArray(value) ? value : [value]) {
        if (typeof item === "string" && !isUnknown(item)) into.cidrs.push({ cidr: item, source });
        else if (containsUnknown(item)) into.unknown.push(`${field} of ${source} is unknown`);
        else
            into.unknown.push(
                shapeProblem(`${field} of ${source}`, item, "a CIDR string (or a list of them)"),
            );
    }
}
