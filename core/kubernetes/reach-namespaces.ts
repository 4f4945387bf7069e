import type { GraphNode, NodeOutcome } from "../reach/graph";
import { declaredNamespaceName, type AgentNamespaces } from "../stack/agent-namespaces";
import type { AgentguardConfig } from "../stack/config";
import type { ResourceNode, StackModel } from "../stack/stack-model";
import { isUnknown } from "../unknowns";
import { CalicoIndex } from "./calico-network-policies";
import { OnwardRoutes } from "./egress-proxies";
import { metadataOf, placementOf } from "./placement";
import { NAMESPACE_TYPES, RESOURCE_QUOTA_TYPES } from "./types";

export const POD_SECURITY_ENFORCE_LABEL = "pod-security.kubernetes.io/enforce";
const ENFORCE_VERSION_LABEL = "pod-security.kubernetes.io/enforce-version";
/** Pod Security levels that keep pods off the host (privileged, host namespaces, host paths, host ports). */
const HOST_SAFE_LEVELS = new Set(["baseline", "restricted"]);
/** Pod Security Admission's first release: its baseline profile has held the host checks since. */
const MIN_PSA_MINOR = 23;
const SECRET_TYPES = ["kubernetes:core/v1:Secret", "kubernetes:core/v1:SecretPatch"];

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

/** A problem with a namespace's confinement, and whether it is certain (false: a value cannot be read). */
interface Problem {
    readonly why: string;
    readonly certain: boolean;
}

/**
 * What pods the reacher may create in a namespace (graph nodes with `podsOf`) can do that the agent's own
 * namespace forbids: open egress, the host, uncapped GPUs, and every credential of the namespace. Agent
 * namespaces are judged by the direct rules and hold nothing here. Each namespace is judged once.
 */
export class PodNamespaceOutcomes {
    private onward?: OnwardRoutes;
    private quotas?: Map<string, ResourceNode[]>;

    constructor(
        private readonly model: StackModel,
        private readonly agents: AgentNamespaces,
        private readonly config: Pick<AgentguardConfig, "allowedEgressCidrs" | "maxPublicEgressAddresses">,
    ) {}

    of(node: GraphNode): NodeOutcome[] {
        if (node.podsOf === undefined) return [];
        const namespace = node.podsOf.namespace;
        if (namespace === undefined) return everyNamespace();
        if (this.agents.isAgent(namespace)) return [];
        const out: NodeOutcome[] = [];
        const add = (kind: "open-egress" | "host-access" | "uncapped-gpu", lead: string, p?: Problem) => {
            if (p) out.push({ outcome: { kind, why: `${lead}: ${p.why}` }, certain: p.certain });
        };
        add("open-egress", "may open connections to the internet", this.egressProblem(namespace));
        add("host-access", "may use the host", this.podSecurityProblem(namespace));
        add("uncapped-gpu", "may request GPUs no quota caps", this.gpuQuotaProblem(namespace));
        out.push({ outcome: { kind: "credentials", why: this.credentials(namespace) }, certain: true });
        return out;
    }

    /** The namespace's own egress policies (a declared proxy does not bind pods the agent writes itself). */
    private egressProblem(namespace: string): Problem | undefined {
        this.onward ??= new OnwardRoutes({
            model: this.model,
            agents: this.agents,
            config: this.config,
            calico: new CalicoIndex(this.model, this.agents),
        });
        // The texts end a sentence about a peer ("whose ..."): said here about the namespace itself.
        const problems = this.onward
            .ownEgressProblems(namespace)
            .map((p) =>
                p
                    .replace(/^whose (own egress is open: )?/, "")
                    .replace(/^policies together/, "its policies together"),
            );
        if (problems.length === 0) return undefined;
        const unread = problems.some((p) => / cannot be read|unknown/.test(p));
        // Policies applied outside this stack may confine an undeclared namespace: said, and uncertain.
        const undeclared = !this.agents.declared.has(namespace);
        const note = undeclared ? ` (namespace ${namespace} is not declared in this stack)` : "";
        const where = problems[0].startsWith("namespace ") ? "" : `in namespace ${namespace}, `;
        return { why: `${where}${problems.join("; ")}${note}`, certain: !unread && !undeclared };
    }

    /**
     * Whether every Namespace and NamespacePatch of the name enforces baseline or restricted Pod Security. One
     * that sets another level (or an old version) fails it; unknown labels and an undeclared namespace fail
     * closed, as uncertain.
     */
    private podSecurityProblem(namespace: string): Problem | undefined {
        const nodes = this.model
            .ofType(...NAMESPACE_TYPES)
            .filter((ns) => declaredNamespaceName(ns) === namespace);
        if (nodes.length === 0) {
            return {
                why: `namespace ${namespace} is not declared in this stack, so its Pod Security level (label ${POD_SECURITY_ENFORCE_LABEL}) cannot be read`,
                certain: false,
            };
        }
        let enforced = false;
        for (const ns of nodes) {
            const kind = ns.type.endsWith("Patch") ? "NamespacePatch" : "Namespace";
            const metadata = ns.props.metadata;
            const labels = isObject(metadata) ? metadata.labels : metadata;
            if (isUnknown(labels)) {
                return { why: `the labels of ${kind} ${ns.name} are unknown during preview`, certain: false };
            }
            if (!isObject(labels)) continue;
            const level = labels[POD_SECURITY_ENFORCE_LABEL];
            if (isUnknown(level)) {
                return {
                    why: `label ${POD_SECURITY_ENFORCE_LABEL} of ${kind} ${ns.name} is unknown during preview`,
                    certain: false,
                };
            }
            if (level !== undefined && level !== null) {
                if (typeof level !== "string" || !HOST_SAFE_LEVELS.has(level)) {
                    return {
                        why: `namespace ${namespace} enforces Pod Security ${JSON.stringify(level)} (${kind} ${ns.name}), which admits privileged and host pods; baseline or restricted is needed`,
                        certain: true,
                    };
                }
                enforced = true;
            }
            const version = labels[ENFORCE_VERSION_LABEL];
            if (isUnknown(version)) {
                return {
                    why: `label ${ENFORCE_VERSION_LABEL} of ${kind} ${ns.name} is unknown during preview`,
                    certain: false,
                };
            }
            if (version !== undefined && version !== null && !recentVersion(version)) {
                return {
                    why: `label ${ENFORCE_VERSION_LABEL} of ${kind} ${ns.name} is ${JSON.stringify(version)}, older than v1.${MIN_PSA_MINOR} or unreadable (use latest or v1.${MIN_PSA_MINOR}+)`,
                    certain: true,
                };
            }
        }
        if (enforced) return undefined;
        return {
            why: `namespace ${namespace} enforces no Pod Security level (label ${POD_SECURITY_ENFORCE_LABEL} is missing; baseline or restricted keeps pods off the host)`,
            certain: true,
        };
    }

    /**
     * A ResourceQuota of the namespace without scopes whose hard limits cap a GPU request (`requests.<name>gpu`,
     * as kubernetes-require-gpu-quota reads it). Quotas with unknown specs may or may not cap: uncertain.
     */
    private gpuQuotaProblem(namespace: string): Problem | undefined {
        if (!this.quotas) {
            this.quotas = new Map();
            for (const quota of this.model.ofType(...RESOURCE_QUOTA_TYPES)) {
                const placement = placementOf(quota, this.agents);
                if (!placement.known) continue;
                const list = this.quotas.get(placement.namespace) ?? [];
                list.push(quota);
                this.quotas.set(placement.namespace, list);
            }
        }
        const unknown: string[] = [];
        for (const quota of this.quotas.get(namespace) ?? []) {
            const spec = quota.props.spec;
            if (isUnknown(spec)) {
                unknown.push(`the spec of ResourceQuota ${quota.name} is unknown during preview`);
                continue;
            }
            if (!isObject(spec)) continue;
            if (isUnknown(spec.scopes) || isUnknown(spec.scopeSelector) || isUnknown(spec.hard)) {
                unknown.push(
                    `the scopes or hard limits of ResourceQuota ${quota.name} are unknown during preview`,
                );
                continue;
            }
            // A scoped quota (Terminating, a priority class...) leaves the other pods uncapped.
            if ((Array.isArray(spec.scopes) && spec.scopes.length > 0) || isObject(spec.scopeSelector))
                continue;
            if (isObject(spec.hard) && Object.keys(spec.hard).some((k) => /^requests\..*gpu/i.test(k))) {
                return undefined;
            }
        }
        if (unknown.length > 0)
            return { why: `namespace ${namespace}: ${unknown.join("; ")}`, certain: false };
        return {
            why: `namespace ${namespace} has no ResourceQuota (without scopes) capping GPU requests (e.g. requests.nvidia.com/gpu), so the quota of GPUs its pods may take is unbounded`,
            certain: true,
        };
    }

    private credentials(namespace: string): string {
        const secrets = this.model
            .ofType(...SECRET_TYPES)
            .filter((s) => {
                const p = placementOf(s, this.agents);
                return p.known && p.namespace === namespace;
            })
            .map((s) => {
                const name = metadataOf(s)?.name;
                return typeof name === "string" && !isUnknown(name) ? name : s.name;
            });
        const declared = secrets.length > 0 ? ` (this stack declares ${secrets.join(", ")})` : "";
        return `may mount every Secret of namespace ${namespace}${declared} and the token of any of its service accounts`;
    }
}

function recentVersion(version: unknown): boolean {
    if (version === "latest") return true;
    const match = typeof version === "string" ? /^v1\.(\d+)$/.exec(version) : null;
    return match !== null && Number(match[1]) >= MIN_PSA_MINOR;
}

/** Pods in any namespace: kube-system and namespaces outside this stack included, so every outcome is certain. */
function everyNamespace(): NodeOutcome[] {
    const where =
        "pods may be created in any namespace, kube-system and namespaces this stack does not declare included";
    return [
        {
            outcome: {
                kind: "open-egress",
                why: `may open connections to the internet: ${where}, whatever their egress policies`,
            },
            certain: true,
        },
        {
            outcome: {
                kind: "host-access",
                why: `may use the host: ${where}, whatever their Pod Security level`,
            },
            certain: true,
        },
        {
            outcome: {
                kind: "uncapped-gpu",
                why: `may request GPUs no quota caps: ${where}, whatever their ResourceQuotas`,
            },
            certain: true,
        },
        {
            outcome: {
                kind: "credentials",
                why: `may mount every Secret and service account token: ${where}`,
            },
            certain: true,
        },
    ];
}
