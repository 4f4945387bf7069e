import { isPlainObject, shapeProblem } from "../../shape";
import type { ResourceNode, StackModel } from "../../stack/stack-model";
import { containsUnknown, isUnknown } from "../../unknowns";
import { PrefixListLookup, type DestinationSink } from "./prefix-lists";
import { agentTagState } from "../tags";
import { workloadSecurityGroups, type GroupFinder } from "./workload-security-groups";

export const SECURITY_GROUP_TYPE = "aws:ec2/securityGroup:SecurityGroup";
/** The VPC's default group, adopted into the stack: it takes the same inline egress. */
export const DEFAULT_SECURITY_GROUP_TYPE = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup";
export const SECURITY_GROUP_RULE_TYPE = "aws:ec2/securityGroupRule:SecurityGroupRule";
export const EGRESS_RULE_TYPE = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule";
export const INGRESS_RULE_TYPE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
export const GROUP_TYPES: ReadonlySet<string> = new Set([SECURITY_GROUP_TYPE, DEFAULT_SECURITY_GROUP_TYPE]);

export type Direction = "egress" | "ingress";

/** One CIDR a group lets traffic out to (egress) or in from (ingress), and where it was declared. */
export interface EgressCidr {
    readonly cidr: string;
    readonly source: string;
}

export interface GroupEgress {
    readonly group: ResourceNode;
    readonly cidrs: EgressCidr[];
    /** Rules that cannot be read during preview, each saying what was unknown. */
    readonly unknown: string[];
}

export interface AgentGroupEgress extends GroupEgress {
    /** Only possibly an agent group: its tags (or those of the workloads using it) are unknown. */
    readonly possible: boolean;
    readonly tagged: boolean;
    /** Agent-tagged workloads that run in this group (what makes an untagged group an agent group). */
    readonly usedBy: readonly ResourceNode[];
}

/** A separate rule resource whose group cannot be resolved. */
export interface UnresolvedRule {
    readonly node: ResourceNode;
    readonly cidrs: EgressCidr[];
    readonly why: string;
}

export interface SecurityGroupEgressIndex {
    /** Agent security groups (tagged, used by agent workloads, or possibly agent), by URN. */
    readonly agentGroups: ReadonlyMap<string, AgentGroupEgress>;
    /** Egress rules whose group cannot be resolved. */
    readonly unresolvedRules: readonly UnresolvedRule[];
    /** Agent workloads naming security groups that cannot be joined to a group of this stack. */
    readonly unjoinedWorkloads: readonly { readonly workload: ResourceNode; readonly why: string }[];
}

/**
 * Every security group of the stack with the CIDRs its rules open, in either direction: inline rules and
 * the separate rule resources (SecurityGroupRule, SecurityGroupEgressRule / IngressRule), joined to their
 * group by property dependency or known id. Built once per stack and shared by the direct rule and the
 * reach graph, so both judge a group the same way.
 */
export class SecurityGroups {
    readonly finder: GroupFinder;
    private readonly prefixLists: PrefixListLookup;
    private readonly rules = new Map<string, ((into: DestinationSink) => void)[]>();
    private readonly unresolved: Record<Direction, UnresolvedRule[]> = { egress: [], ingress: [] };
    private readonly cache = new Map<string, GroupEgress>();

    static of(model: StackModel): SecurityGroups {
        return model.derived("security-groups", () => new SecurityGroups(model));
    }

    private constructor(model: StackModel) {
        this.finder = groupFinder(model.ofType(SECURITY_GROUP_TYPE, DEFAULT_SECURITY_GROUP_TYPE));
        this.prefixLists = new PrefixListLookup(model);
        for (const rule of model.ofType(SECURITY_GROUP_RULE_TYPE)) {
            const type = rule.props.type;
            const source = `SecurityGroupRule ${rule.name}`;
            for (const direction of ["egress", "ingress"] as const) {
                if (type !== direction && !isUnknown(type)) continue;
                this.attach(rule, direction, (into) => {
                    if (isUnknown(type))
                        into.unknown.push(`the type (ingress/egress) of ${source} is unknown`);
                    readCidrList(rule.props.cidrBlocks, source, "cidrBlocks", into);
                    readCidrList(rule.props.ipv6CidrBlocks, source, "ipv6CidrBlocks", into);
                    this.prefixLists.read(
                        rule,
                        "prefixListIds",
                        listOf(rule.props.prefixListIds),
                        source,
                        into,
                    );
                });
            }
        }
        for (const [type, direction, label] of [
            [EGRESS_RULE_TYPE, "egress", "SecurityGroupEgressRule"],
            [INGRESS_RULE_TYPE, "ingress", "SecurityGroupIngressRule"],
        ] as const) {
            for (const rule of model.ofType(type)) {
                this.attach(rule, direction, (into) => {
                    const source = `${label} ${rule.name}`;
                    readCidrList(rule.props.cidrIpv4, source, "cidrIpv4", into);
                    readCidrList(rule.props.cidrIpv6, source, "cidrIpv6", into);
                    this.prefixLists.read(
                        rule,
                        "prefixListId",
                        listOf(rule.props.prefixListId),
                        source,
                        into,
                    );
                });
            }
        }
    }

    /** Rule resources of one direction whose group cannot be resolved (they may add to any group). */
    unresolvedRules(direction: Direction = "egress"): readonly UnresolvedRule[] {
        return this.unresolved[direction];
    }

    /** What a group opens in one direction: its inline rules and every rule resource joined to it. */
    of(group: ResourceNode, direction: Direction = "egress"): GroupEgress {
        const key = `${direction}|${group.urn}`;
        let entry = this.cache.get(key);
        if (!entry) {
            entry = { group, cidrs: [], unknown: [] };
            readInline(group, direction, this.prefixLists, entry);
            for (const read of this.rules.get(key) ?? []) read(entry);
            this.cache.set(key, entry);
        }
        return entry;
    }

    private attach(node: ResourceNode, direction: Direction, read: (into: DestinationSink) => void): void {
        const linked = (node.propertyDependencies.securityGroupId ?? []).filter((n) =>
            GROUP_TYPES.has(n.type),
        );
        const id = node.props.securityGroupId;
        const known = typeof id === "string" && !isUnknown(id) ? this.finder.byId(id) : undefined;
        const owners = linked.length > 0 ? linked : known ? [known] : [];
        if (owners.length === 0) {
            if (!containsUnknown(id)) return; // a group of another stack, known by id: judged there
            const own = { cidrs: [] as EgressCidr[], unknown: [] as string[] };
            read(own);
            this.unresolved[direction].push({
                node,
                cidrs: own.cidrs,
                why: "its securityGroupId is unknown and not linked to a SecurityGroup in this stack",
            });
            return;
        }
        for (const group of owners) {
            const key = `${direction}|${group.urn}`;
            const list = this.rules.get(key);
            if (list) list.push(read);
            else this.rules.set(key, [read]);
        }
    }
}

/** Collects the egress destinations of every agent security group, joined by property dependency or id. */
export function indexSecurityGroupEgress(
    model: StackModel,
    agentNamespacePatterns?: readonly string[],
): SecurityGroupEgressIndex {
    const groups = SecurityGroups.of(model);
    const workloads = workloadSecurityGroups(model, groups.finder, agentNamespacePatterns);
    const agentGroups = new Map<string, AgentGroupEgress>();
    for (const group of model.ofType(SECURITY_GROUP_TYPE, DEFAULT_SECURITY_GROUP_TYPE)) {
        const tag = agentTagState(group);
        const uses = workloads.usedBy.get(group.urn) ?? [];
        const usedBy = uses.filter((u) => !u.possible).map((u) => u.workload);
        if (tag === "untagged" && uses.length === 0) continue;
        agentGroups.set(group.urn, {
            ...groups.of(group),
            possible: tag !== "tagged" && usedBy.length === 0,
            tagged: tag === "tagged",
            usedBy,
        });
    }
    return { agentGroups, unresolvedRules: groups.unresolvedRules(), unjoinedWorkloads: workloads.unjoined };
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

function readInline(
    group: ResourceNode,
    direction: Direction,
    prefixLists: PrefixListLookup,
    into: DestinationSink,
): void {
    const rules = group.props[direction];
    if (isUnknown(rules)) {
        into.unknown.push(`the inline ${direction} of security group ${group.name} is unknown`);
        return;
    }
    if (rules === undefined || rules === null) return;
    if (!Array.isArray(rules)) {
        // A wrong shape would otherwise read as "no rules": said instead, so the group is not passed.
        into.unknown.push(
            `${shapeProblem(`the inline ${direction} of security group ${group.name}`, rules, `a list of ${direction} rule objects`)}`,
        );
        return;
    }
    const listIds: unknown[] = [];
    rules.forEach((item: unknown, i) => {
        if (isUnknown(item)) {
            into.unknown.push(`inline ${direction}[${i}] of security group ${group.name} is unknown`);
            return;
        }
        if (item !== null && !isPlainObject(item)) {
            into.unknown.push(
                shapeProblem(
                    `inline ${direction}[${i}] of security group ${group.name}`,
                    item,
                    `an ${direction} rule object`,
                ),
            );
            return;
        }
        const rule = item ?? {};
        const source = `security group ${group.name} inline ${direction}[${i}]`;
        readCidrList(rule.cidrBlocks, source, "cidrBlocks", into);
        readCidrList(rule.ipv6CidrBlocks, source, "ipv6CidrBlocks", into);
        listIds.push(...listOf(rule.prefixListIds));
    });
    // The property dependencies of inline rules are those of the whole list, so its prefix lists are read once.
    prefixLists.read(group, direction, listIds, `security group ${group.name} inline ${direction}`, into);
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
