import { agentLabelOf, declaredNamespaceName, type AgentNamespaces } from "../stack/agent-namespaces";
import type { ResourceNode } from "../stack/stack-model";
import { isUnknown } from "../unknowns";
import { customResourceGroup, NAMESPACE_TYPES } from "./types";

/** The namespace a namespaced resource lands in, and whether it is an agent namespace. */
export type Placement =
    | {
          readonly known: true;
          /** The namespace name, or a stand-in naming the Namespace resource when only its labels are known. */
          readonly namespace: string;
          readonly agent: boolean;
          /** Why it is only possibly an agent namespace (its labels are unknown during preview), for messages. */
          readonly uncertain?: string;
          /** The declared Namespace resource, when this stack declares it. */
          readonly namespaceNode?: ResourceNode;
      }
    | { readonly known: false; readonly reason: string };

export function metadataOf(node: ResourceNode): Record<string, unknown> | undefined {
    const metadata = node.props.metadata;
    return metadata !== null && typeof metadata === "object" && !Array.isArray(metadata)
        ? (metadata as Record<string, unknown>)
        : undefined;
}

/**
 * Resolves `metadata.namespace`; when it is unknown (computed from a Namespace not yet created), through the
 * `metadata` property dependency to the declared Namespace; when absent, the provider's default namespace (a
 * hostile author can point the provider at an agent namespace and omit the field), else `default`.
 */
export function placementOf(node: ResourceNode, agents: AgentNamespaces): Placement {
    const own = ownPlacementOf(node, agents);
    if (!own.known || own.agent || customResourceGroup(node.type) === undefined) return own;
    return embeddedAgentPlacement(node.props, agents, 0) ?? own;
}

/**
 * A custom resource that carries whole manifests for its controller to apply (Crossplane's Object
 * `spec.forProvider.manifest`, Open Cluster Management's ManifestWork, ...) lands them in the namespaces they
 * name: when one names an agent namespace, the resource is judged as sitting there.
 */
function embeddedAgentPlacement(
    value: unknown,
    agents: AgentNamespaces,
    depth: number,
): Placement | undefined {
    if (depth > 12 || value === null || typeof value !== "object") return undefined;
    if (Array.isArray(value)) {
        for (const item of value) {
            const found = embeddedAgentPlacement(item, agents, depth + 1);
            if (found !== undefined) return found;
        }
        return undefined;
    }
    const obj = value as Record<string, unknown>;
    const metadata = obj.metadata;
    if (
        depth > 0 &&
        typeof obj.apiVersion === "string" &&
        typeof obj.kind === "string" &&
        metadata !== null
    ) {
        const namespace =
            typeof metadata === "object" ? (metadata as Record<string, unknown>).namespace : undefined;
        if (typeof namespace === "string" && !isUnknown(namespace) && agents.isAgent(namespace))
            return known(namespace, agents);
    }
    for (const [key, child] of Object.entries(obj)) {
        if (depth === 0 && (key === "metadata" || key === "status")) continue;
        const found = embeddedAgentPlacement(child, agents, depth + 1);
        if (found !== undefined) return found;
    }
    return undefined;
}

function ownPlacementOf(node: ResourceNode, agents: AgentNamespaces): Placement {
    const rawMetadata = node.props.metadata;
    const namespace = isUnknown(rawMetadata) ? rawMetadata : metadataOf(node)?.namespace;
    if (typeof namespace === "string" && !isUnknown(namespace) && namespace !== "") {
        return known(namespace, agents);
    }
    if (isUnknown(namespace)) {
        return (
            fromDependency(node, agents) ?? {
                known: false,
                reason: `metadata.namespace of ${node.name} is unknown and does not come from a Namespace declared in this stack`,
            }
        );
    }
    if (namespace !== undefined && namespace !== null && namespace !== "") {
        return { known: false, reason: `metadata.namespace of ${node.name} is ${JSON.stringify(namespace)}` };
    }
    // `namespace: ns.metadata.name` of an autonamed Namespace is absent where the name is not filled in yet
    // (offline runs); the property dependency still says where the resource goes.
    const autonamed = fromDependency(node, agents, (ns) => metadataOf(ns)?.name === undefined);
    if (autonamed !== undefined) return autonamed;
    return providerDefaultPlacement(node, agents);
}

/** Where a resource that names no namespace goes: its provider's default namespace, else `default`. */
export function providerDefaultPlacement(node: ResourceNode, agents: AgentNamespaces): Placement {
    const providerNamespace = node.provider?.props.namespace;
    if (isUnknown(providerNamespace)) {
        return {
            known: false,
            reason: `${node.name} omits metadata.namespace and its provider ${node.provider?.name}'s default namespace is unknown`,
        };
    }
    if (typeof providerNamespace === "string" && providerNamespace !== "") {
        return known(providerNamespace, agents);
    }
    return known("default", agents);
}

/** The placement of a resource in the namespace named `namespace`. */
export function known(namespace: string, agents: AgentNamespaces): Placement {
    const node = agents.declared.get(namespace);
    const uncertain = agents.uncertainty(namespace);
    return {
        known: true,
        namespace,
        agent: agents.isAgent(namespace),
        ...(uncertain === undefined ? {} : { uncertain }),
        namespaceNode: node,
    };
}

function fromDependency(
    node: ResourceNode,
    agents: AgentNamespaces,
    include: (ns: ResourceNode) => boolean = () => true,
): Placement | undefined {
    const namespaces = (node.propertyDependencies.metadata ?? []).filter(
        (d) => NAMESPACE_TYPES.includes(d.type) && include(d),
    );
    // With several candidates, judge by the most dangerous one.
    const placements = namespaces.map((ns): Placement => {
        const name = declaredNamespaceName(ns);
        const label = agentLabelOf(ns);
        const uncertain = label.state === "unknown" ? { uncertain: label.why } : {};
        if (name !== undefined) {
            const byName = known(name, agents);
            if (byName.known && byName.agent) return { ...byName, namespaceNode: ns };
            return {
                known: true,
                namespace: name,
                agent: label.state !== "unlabelled",
                ...uncertain,
                namespaceNode: ns,
            };
        }
        if (label.state !== "unlabelled") {
            return {
                known: true,
                namespace: `(unknown name of Namespace ${ns.name})`,
                agent: true,
                ...uncertain,
                namespaceNode: ns,
            };
        }
        return {
            known: false,
            reason: `the name of Namespace ${ns.name}, where ${node.name} is placed, is unknown, so it may match an agent namespace pattern`,
        };
    });
    return placements.find((p) => p.known && p.agent) ?? placements.find((p) => !p.known) ?? placements[0];
}

/**
 * How a finding names where a resource sits, for a placement that is or may be an agent namespace:
 * "in agent namespace x", or why it may be one.
 */
export function agentPlacementPhrase(placement: Placement): string {
    if (placement.known && placement.uncertain !== undefined) {
        return `in namespace ${placement.namespace}, possibly an agent namespace (${placement.uncertain}),`;
    }
    return placement.known
        ? `in agent namespace ${placement.namespace}`
        : `in a namespace that could not be determined (${placement.reason}), so possibly an agent namespace,`;
}
