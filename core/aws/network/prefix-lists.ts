import { isPlainObject, shapeProblem } from "../../shape";
import type { ResourceNode, StackModel } from "../../stack/stack-model";
import { containsUnknown, isUnknown } from "../../unknowns";

export const MANAGED_PREFIX_LIST_TYPE = "aws:ec2/managedPrefixList:ManagedPrefixList";
export const MANAGED_PREFIX_LIST_ENTRY_TYPE = "aws:ec2/managedPrefixListEntry:ManagedPrefixListEntry";
export const VPC_ENDPOINT_TYPE = "aws:ec2/vpcEndpoint:VpcEndpoint";

/** Where egress destinations are collected: CIDRs with their origin, and what could not be read. */
export interface DestinationSink {
    readonly cidrs: { cidr: string; source: string }[];
    readonly unknown: string[];
}

interface ListContent {
    readonly cidrs: { cidr: string; entry: string }[];
    readonly unknown: string[];
}

/**
 * The CIDRs behind prefix-list references. A prefix list is only as checkable as its entries: those of a
 * ManagedPrefixList declared in this stack (inline `entries` and ManagedPrefixListEntry resources) are read;
 * any other list (another stack's, or an AWS-managed service list such as a gateway endpoint's) has
 * destinations the pack cannot see, so it is reported as unknown.
 */
export class PrefixListLookup {
    private readonly byId = new Map<string, ResourceNode>();
    private readonly content = new Map<string, ListContent>();

    constructor(model: StackModel) {
        const lists = model.ofType(MANAGED_PREFIX_LIST_TYPE);
        for (const list of lists) {
            const id = list.props.id;
            if (typeof id === "string" && !isUnknown(id)) this.byId.set(id, list);
            this.content.set(list.urn, inlineEntries(list));
        }
        for (const entry of model.ofType(MANAGED_PREFIX_LIST_ENTRY_TYPE)) {
            const linked = (entry.propertyDependencies.prefixListId ?? []).filter(
                (n) => n.type === MANAGED_PREFIX_LIST_TYPE,
            );
            const id = entry.props.prefixListId;
            const known = typeof id === "string" && !isUnknown(id) ? this.byId.get(id) : undefined;
            const owners = linked.length > 0 ? linked : known ? [known] : [];
            if (owners.length === 0 && !isUnknown(id)) continue; // an entry of another stack's list
            // An entry that cannot be joined may belong to any list here: every list is then incomplete.
            const targets = owners.length > 0 ? owners : lists;
            for (const list of targets) {
                const into = this.content.get(list.urn);
                if (!into) continue;
                const cidr = entry.props.cidr;
                if (owners.length === 0) {
                    into.unknown.push(
                        `ManagedPrefixListEntry ${entry.name} has an unknown prefixListId not linked to a ManagedPrefixList, so it may add to prefix list ${list.name}`,
                    );
                } else if (typeof cidr === "string" && !isUnknown(cidr)) {
                    into.cidrs.push({ cidr, entry: `ManagedPrefixListEntry ${entry.name}` });
                } else {
                    into.unknown.push(`the cidr of ManagedPrefixListEntry ${entry.name} is unknown`);
                }
            }
        }
    }

    /**
     * Adds the destinations of the prefix lists `values` names, referenced from `node`'s property `key`
     * (whose property dependencies join the ids that are unknown during preview).
     */
    read(
        node: ResourceNode,
        key: string,
        values: readonly unknown[],
        source: string,
        into: DestinationSink,
    ): void {
        let unknownRefs = 0;
        for (const value of values) {
            if (value === undefined || value === null) continue;
            if (typeof value !== "string" || isUnknown(value)) {
                unknownRefs++;
                continue;
            }
            const list = this.byId.get(value);
            if (list) this.add(list, source, into);
            else
                into.unknown.push(
                    `prefix list ${value} in ${source} is not declared in this stack, so its destinations cannot be determined`,
                );
        }
        if (unknownRefs === 0) return;
        const deps = node.propertyDependencies[key] ?? [];
        const lists = deps.filter((n) => n.type === MANAGED_PREFIX_LIST_TYPE);
        const endpoints = deps.filter((n) => n.type === VPC_ENDPOINT_TYPE);
        for (const list of lists) this.add(list, source, into);
        for (const endpoint of endpoints) {
            into.unknown.push(
                `${source} reaches the AWS-managed prefix list of VPC endpoint ${endpoint.name} (${serviceName(endpoint)}), whose public service ranges cannot be checked`,
            );
        }
        // Each unknown id comes from some resource: fewer linked lists than unknown ids leaves some unexplained.
        if (lists.length + endpoints.length < unknownRefs) {
            into.unknown.push(
                `${unknownRefs - lists.length - endpoints.length} prefix list id(s) in ${source} are unknown and not linked to a ManagedPrefixList in this stack`,
            );
        }
    }

    private add(list: ResourceNode, source: string, into: DestinationSink): void {
        const content = this.content.get(list.urn) ?? { cidrs: [], unknown: [] };
        for (const c of content.cidrs) {
            into.cidrs.push({ cidr: c.cidr, source: `prefix list ${list.name} (${c.entry}) via ${source}` });
        }
        for (const what of content.unknown) into.unknown.push(`${what} (prefix list used by ${source})`);
    }
}

function inlineEntries(list: ResourceNode): { cidrs: { cidr: string; entry: string }[]; unknown: string[] } {
    const out = { cidrs: [] as { cidr: string; entry: string }[], unknown: [] as string[] };
    const entries = list.props.entries;
    if (isUnknown(entries)) {
        out.unknown.push(`the entries of prefix list ${list.name} are unknown`);
        return out;
    }
    if (entries === undefined || entries === null) return out;
    // A wrong shape would read as "no entries": said instead, so the list is not passed as empty.
    if (!Array.isArray(entries)) {
        out.unknown.push(
            shapeProblem(`the entries of prefix list ${list.name}`, entries, "a list of entry objects"),
        );
        return out;
    }
    entries.forEach((item: unknown, i) => {
        const cidr = isUnknown(item) ? item : isPlainObject(item) ? item.cidr : undefined;
        if (typeof cidr === "string" && !isUnknown(cidr)) out.cidrs.push({ cidr, entry: `entries[${i}]` });
        else if (containsUnknown(cidr))
            out.unknown.push(`entries[${i}].cidr of prefix list ${list.name} is unknown`);
        else if (!isPlainObject(item)) {
            out.unknown.push(
                shapeProblem(`entries[${i}] of prefix list ${list.name}`, item, "an entry object (cidr)"),
            );
        } else
            out.unknown.push(
                shapeProblem(`entries[${i}].cidr of prefix list ${list.name}`, cidr, "a CIDR string"),
            );
    });
    return out;
}

function serviceName(endpoint: ResourceNode): string {
    const name = endpoint.props.serviceName;
    return typeof name === "string" && !isUnknown(name) ? name : "service unknown";
}
