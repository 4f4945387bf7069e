import { globToRegExp } from "./config";
import type { ResourceNode, StackModel } from "./stack-model";
import { isUnknown } from "./unknowns";

export const AGENT_LABEL = "agentguard.io/agent";
export const NAMESPACE_TYPE = "kubernetes:core/v1:Namespace";

/**
 * Which namespace names are agent namespaces (DESIGN.md contract): labelled `agentguard.io/agent` in this
 * stack, or named after a configured pattern. A namespace another stack owns is judged by its name alone.
 */
export class AgentNamespaces {
    private readonly patterns: RegExp[];
    /** Namespace resources declared in this stack, by their (known) name. */
    readonly declared = new Map<string, ResourceNode>();
    private readonly labelled = new Set<string>();

    constructor(model: StackModel, patterns: readonly string[]) {
        this.patterns = patterns.map(globToRegExp);
        for (const ns of model.ofType(NAMESPACE_TYPE)) {
            const name = declaredNamespaceName(ns);
            if (name === undefined) continue;
            this.declared.set(name, ns);
            if (hasAgentLabel(ns)) this.labelled.add(name);
        }
    }

    /** True for agent namespace names. */
    isAgent(name: string): boolean {
        return this.labelled.has(name) || this.matchesPattern(name);
    }

    matchesPattern(name: string): boolean {
        return this.patterns.some((re) => re.test(name));
    }

    /** Every agent namespace this stack declares. */
    declaredAgentNamespaces(): { name: string; node: ResourceNode }[] {
        return [...this.declared]
            .filter(([name]) => this.isAgent(name))
            .map(([name, node]) => ({ name, node }));
    }
}

/**
 * The name a Namespace resource will get. Without `metadata.name` the provider autonames it
 * `<resource name>-<random suffix>`, which is what patterns are matched against. Undefined when unknown.
 */
export function declaredNamespaceName(ns: ResourceNode): string | undefined {
    const metadata = ns.props.metadata as Record<string, unknown> | undefined;
    const name = metadata?.name;
    if (typeof name === "string" && !isUnknown(name)) return name;
    if (name === undefined) return `${ns.name}-xxxxxxxx`;
    return undefined;
}

export function hasAgentLabel(resource: ResourceNode): boolean {
    const metadata = resource.props.metadata as Record<string, unknown> | undefined;
    const labels = metadata?.labels;
    return labels !== null && typeof labels === "object" && AGENT_LABEL in labels;
}
