import { AGENT_LABEL } from "../agent-namespaces";
import { starGlobToRegExp as globToRegExp } from "../glob";
import { NAMESPACE_TYPES } from "../kubernetes/types";
import type { ResourceNode, StackModel } from "./stack-model";
import { isUnknown } from "../unknowns";

export { AGENT_LABEL };
export const NAMESPACE_TYPE = "kubernetes:core/v1:Namespace";

/** Stand-in for the random suffix the API server appends to `metadata.generateName` (5 characters). */
const GENERATED_SUFFIX = "xxxxx";

/**
 * Which namespace names are agent namespaces (DESIGN.md contract): labelled `agentguard.io/agent` in this
 * stack (by a Namespace or a NamespacePatch), or named after a configured pattern. A namespace another stack
 * owns is judged by its name alone. Labels unknown during preview count as the agent label (fail closed).
 */
export class AgentNamespaces {
    /** The stack's agent namespaces under these patterns, found once per model. */
    static of(model: StackModel, patterns: readonly string[]): AgentNamespaces {
        return model.derived(
            `agent-namespaces:${JSON.stringify(patterns)}`,
            () => new AgentNamespaces(model, patterns),
        );
    }

    private readonly patterns: RegExp[];
    /** Namespace resources (a Namespace before a NamespacePatch) declared in this stack, by their (known) name. */
    readonly declared = new Map<string, ResourceNode>();
    /** Names labelled as agent namespaces, with why when only unknown labels make them so. */
    private readonly labelled = new Map<string, string | undefined>();

    constructor(model: StackModel, patterns: readonly string[]) {
        this.patterns = patterns.map(globToRegExp);
        for (const ns of model.ofType(...NAMESPACE_TYPES)) {
            const name = declaredNamespaceName(ns);
            if (name === undefined) continue;
            if (!this.declared.has(name) || !isPatch(ns)) this.declared.set(name, ns);
            const label = agentLabelOf(ns);
            if (label.state === "labelled") this.labelled.set(name, undefined);
            else if (label.state === "unknown" && !this.labelled.has(name))
                this.labelled.set(name, label.why);
        }
    }

    /** True for agent namespace names, and for names whose labels are unknown during preview. */
    isAgent(name: string): boolean {
        return this.labelled.has(name) || this.matchesPattern(name);
    }

    /**
     * Why the name counts as an agent namespace only possibly (its labels are unknown during preview), for
     * messages; undefined when it is certainly an agent namespace, or not one at all.
     */
    uncertainty(name: string): string | undefined {
        return this.matchesPattern(name) ? undefined : this.labelled.get(name);
    }

    matchesPattern(name: string): boolean {
        return this.patterns.some((re) => re.test(name));
    }

    /** Every agent namespace this stack declares (or patches). */
    declaredAgentNamespaces(): { name: string; node: ResourceNode }[] {
        return [...this.declared]
            .filter(([name]) => this.isAgent(name))
            .map(([name, node]) => ({ name, node }));
    }
}

const isPatch = (ns: ResourceNode): boolean => ns.type.endsWith("Patch");

/**
 * The name a Namespace resource will get. Without `metadata.name` the API server names it
 * `<generateName><random suffix>` when generateName is set, else the provider autonames it
 * `<resource name>-<random suffix>`: that is what patterns are matched against. Undefined when unknown
 * (or a patch names no namespace).
 */
export function declaredNamespaceName(ns: ResourceNode): string | undefined {
    const metadata = ns.props.metadata;
    if (isUnknown(metadata)) return undefined;
    const md = (metadata ?? {}) as Record<string, unknown>;
    const name = md.name;
    if (typeof name === "string" && name !== "" && !isUnknown(name)) return name;
    if (name !== undefined && name !== null && name !== "") return undefined;
    if (isPatch(ns)) return undefined;
    const generateName = md.generateName;
    if (isUnknown(generateName)) return undefined;
    if (typeof generateName === "string" && generateName !== "") return `${generateName}${GENERATED_SUFFIX}`;
    return `${ns.name}-xxxxxxxx`;
}

/**
 * Whether a resource carries the agent label. Metadata or labels unknown during preview, or the label present
 * with an unknown value (which may resolve to absent), is `unknown`, with a phrase saying which field.
 */
export function agentLabelOf(
    resource: ResourceNode,
): { state: "labelled" | "unlabelled" } | { state: "unknown"; why: string } {
    const unknown = (field: string) => ({
        state: "unknown" as const,
        why: `${field} of ${kindName(resource)} is unknown during preview, so it may carry the ${AGENT_LABEL} label`,
    });
    const metadata = resource.props.metadata;
    if (isUnknown(metadata)) return unknown("metadata");
    const labels = (metadata as Record<string, unknown> | undefined)?.labels;
    if (isUnknown(labels)) return unknown("metadata.labels");
    if (labels === null || typeof labels !== "object" || !(AGENT_LABEL in labels))
        return { state: "unlabelled" };
    if (isUnknown((labels as Record<string, unknown>)[AGENT_LABEL])) return unknown(`label ${AGENT_LABEL}`);
    return { state: "labelled" };
}

const kindName = (node: ResourceNode): string =>
    `${node.type.slice(node.type.lastIndexOf(":") + 1)} ${node.name}`;

/** True when the resource has the agent label in known labels (unknown labels do not count here). */
export function hasAgentLabel(resource: ResourceNode): boolean {
    const metadata = resource.props.metadata as Record<string, unknown> | undefined;
    const labels = metadata?.labels;
    return labels !== null && typeof labels === "object" && AGENT_LABEL in labels;
}
