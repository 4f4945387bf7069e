import type { ReachResource } from "../reach/resource";

/** One resource as the rules see it: plain properties (unknown sentinels intact) and resolved links. */
export interface ResourceNode extends ReachResource {
    readonly parent?: ResourceNode;
    readonly dependencies: readonly ResourceNode[];
    /** Resources each input property was computed from: the join path when ARNs and names are unknown. */
    readonly propertyDependencies: Readonly<Record<string, readonly ResourceNode[]>>;
    readonly provider?: {
        readonly type: string;
        readonly urn: string;
        readonly name: string;
        readonly props: Record<string, unknown>;
    };
}

/** How StackModel.fromLinked reads one record: its own fields, and the records it links to. */
export interface NodeSource<R> {
    node(record: R): Omit<ResourceNode, "parent" | "dependencies" | "propertyDependencies">;
    parent(record: R): R | undefined;
    dependencies(record: R): readonly R[];
    propertyDependencies(record: R): Readonly<Record<string, readonly R[]>>;
}

/** An index over the stack's resources, built once per stack validation in linear time. */
export class StackModel {
    readonly resources: readonly ResourceNode[];
    private readonly urnIndex = new Map<string, ResourceNode>();
    private readonly typeIndex = new Map<string, ResourceNode[]>();
    private readonly derivedValues = new Map<string, unknown>();

    private constructor(resources: readonly ResourceNode[]) {
        this.resources = resources;
        for (const node of resources) {
            this.urnIndex.set(node.urn, node);
            const list = this.typeIndex.get(node.type);
            if (list) list.push(node);
            else this.typeIndex.set(node.type, [node]);
        }
    }

    /** From records of any shape that say how to read each one and which records it links to. */
    static fromLinked<R>(records: readonly R[], source: NodeSource<R>): StackModel {
        const nodes = new Map<R, MutableNode>();
        for (const r of records) {
            nodes.set(r, { ...source.node(r), dependencies: [], propertyDependencies: {} });
        }
        const link = (r: R): ResourceNode | undefined => nodes.get(r);
        for (const [r, node] of nodes) {
            const parent = source.parent(r);
            node.parent = parent === undefined ? undefined : link(parent);
            node.dependencies = source.dependencies(r).map(link).filter(isDefined);
            for (const [key, deps] of Object.entries(source.propertyDependencies(r))) {
                node.propertyDependencies[key] = deps.map(link).filter(isDefined);
            }
        }
        return new StackModel([...nodes.values()]);
    }

    /** From plain nodes (tests, and callers that built their own graph). */
    static fromNodes(nodes: readonly ResourceNode[]): StackModel {
        return new StackModel(nodes);
    }

    byUrn(urn: string): ResourceNode | undefined {
        return this.urnIndex.get(urn);
    }

    /**
     * A value computed from this stack once, however many rules ask for it: one model serves every rule of
     * a request (rule.ts). The key must name everything the value depends on besides the stack.
     */
    derived<T>(key: string, build: () => T): T {
        if (this.derivedValues.has(key)) return this.derivedValues.get(key) as T;
        const value = build();
        this.derivedValues.set(key, value);
        return value;
    }

    ofType(...types: string[]): ResourceNode[] {
        if (types.length === 1) return this.typeIndex.get(types[0]) ?? [];
        return types.flatMap((t) => this.typeIndex.get(t) ?? []);
    }
}

interface MutableNode {
    urn: string;
    type: string;
    name: string;
    props: Record<string, unknown>;
    parent?: ResourceNode;
    dependencies: ResourceNode[];
    propertyDependencies: Record<string, ResourceNode[]>;
    provider?: ResourceNode["provider"];
}

function isDefined<T>(value: T | undefined): value is T {
    return value !== undefined;
}
