/**
 * Heuristics for workloads that look like agents but run outside every agent namespace, so no agent rule
 * judges them (an agent-sandbox program that runs its agent in `default`). They only drive an advisory that
 * says how to mark such workloads; identification itself stays the contract (labels and name patterns).
 */
import { type AgentNamespaces, NAMESPACE_TYPE } from "../stack/agent-namespaces";
import type { ResourceNode, StackModel } from "../stack/stack-model";
import { isUnknown } from "../unknowns";
import { placementOf } from "./placement";
import { kindOf, podSpecOf } from "./workloads";

/** API groups of agent sandbox custom resources (Kubernetes SIG Apps' agent-sandbox: Sandbox, SandboxClaim…). */
const AGENT_GROUPS = /^(?:agents\.x-k8s\.io|extensions\.agents\.x-k8s\.io)$/;
/** Kinds of custom resources that run an agent or a sandbox for one, in any group. */
const AGENT_KINDS =
    /^(?:Sandbox|SandboxClaim|SandboxTemplate|SandboxWarmPool|Agent|AgentRuntime|AgentSandbox)$/;

/**
 * Image names (repository path, without registry and tag) that name an agent runtime: AI coding and
 * computer-use agents by name, and "agent" only next to a word that makes it an AI agent (so monitoring
 * and CI agents such as datadog/agent, grafana-agent or jenkins/inbound-agent do not match).
 */
const AGENT_IMAGE =
    /(?:^|[/._-])(?:claude(?:-code)?|codex|openhands|opendevin|aider|swe-?agent|autogen|crewai|langgraph|gpt-engineer|open-?interpreter|browser-use|computer-use|(?:ai|llm|coding|code|dev|autonomous)-agents?|agents?-(?:runtime|sandbox|runner|executor|worker))(?:$|[/._-])/i;

/** The repository path of an image reference: `ghcr.io/all-hands-ai/openhands:0.9` → `all-hands-ai/openhands`. */
export function imageRepository(image: string): string {
    const withoutDigest = image.split("@")[0];
    const parts = withoutDigest.split("/");
    if (parts.length > 1 && /[.:]|^localhost$/.test(parts[0])) parts.shift();
    const last = parts.pop() ?? "";
    parts.push(last.split(":")[0]);
    return parts.join("/");
}

export function looksLikeAgentImage(image: string): boolean {
    return AGENT_IMAGE.test(imageRepository(image));
}

/** Every string `image` field in a value (a pod spec, a custom resource's spec), depth-limited. */
function imagesIn(value: unknown, depth = 0): string[] {
    if (depth > 12 || value === null || typeof value !== "object") return [];
    if (Array.isArray(value)) return value.flatMap((item) => imagesIn(item, depth + 1));
    const found: string[] = [];
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
        if (key === "image" && typeof child === "string" && !isUnknown(child)) found.push(child);
        else found.push(...imagesIn(child, depth + 1));
    }
    return found;
}

function customResourceGroupAndKind(type: string): { group: string; kind: string } | undefined {
    const match = /^kubernetes:([^:]+)\/[^/:]+:([^:]+)$/.exec(type);
    return match ? { group: match[1], kind: match[2] } : undefined;
}

/** Why a resource looks like an agent workload, or undefined when nothing suggests it. */
export function agentLookingReason(node: ResourceNode): string | undefined {
    const crd = customResourceGroupAndKind(node.type);
    if (crd && (AGENT_GROUPS.test(crd.group) || (crd.group.includes(".") && AGENT_KINDS.test(crd.kind)))) {
        return `it is an agent sandbox custom resource (${crd.kind}, ${crd.group})`;
    }
    const spec = podSpecOf(node)?.spec ?? (crd?.group.includes(".") ? node.props.spec : undefined);
    const image = imagesIn(spec).find(looksLikeAgentImage);
    return image === undefined ? undefined : `its image "${image}" names an agent runtime`;
}

/**
 * The first Kubernetes object the stack places in an agent namespace (any service account there, the
 * default one too, is an agent identity), or whose namespace cannot be told; undefined when there is none.
 */
export function kubernetesAgentPresence(model: StackModel, agents: AgentNamespaces): string | undefined {
    for (const node of model.resources) {
        if (
            !node.type.startsWith("kubernetes:") ||
            node.type === NAMESPACE_TYPE ||
            !("metadata" in node.props)
        ) {
            continue;
        }
        const placement = placementOf(node, agents);
        if (!placement.known) {
            return `${kindOf(node.type)} ${node.name}, whose namespace cannot be told (${placement.reason})`;
        }
        if (placement.agent)
            return `${kindOf(node.type)} ${node.name} in agent namespace "${placement.namespace}"`;
    }
    return undefined;
}
