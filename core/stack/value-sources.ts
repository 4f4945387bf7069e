import type { ResourceNode, StackModel } from "./stack-model";

/** Each resource's children, built once per model. */
function childrenOf(model: StackModel): ReadonlyMap<ResourceNode, readonly ResourceNode[]> {
    return model.derived("children", () => {
        const children = new Map<ResourceNode, ResourceNode[]>();
        for (const node of model.resources) {
            if (!node.parent) continue;
            const list = children.get(node.parent);
            if (list) list.push(node);
            else children.set(node.parent, [node]);
        }
        return children;
    });
}

/**
 * Every resource a property's value may be computed from, as far as the stack records it, nearest first:
 * the property's dependencies, then, transitively, the inputs those were computed from (an output may echo
 * any input) and a component's descendants (its outputs come from its children). Lazy, so a caller can stop
 * at the first that matters. Yields nothing when nothing is recorded.
 */
export function* valueSources(model: StackModel, node: ResourceNode, key: string): Generator<ResourceNode> {
    const children = childrenOf(model);
    const seen = new Set<ResourceNode>([node]);
    const queue = [...(node.propertyDependencies[key] ?? [])];
    for (let i = 0; i < queue.length; i++) {
        const source = queue[i];
        if (seen.has(source)) continue;
        seen.add(source);
        yield source;
        queue.push(...(children.get(source) ?? []));
        for (const deps of Object.values(source.propertyDependencies)) queue.push(...deps);
    }
}
