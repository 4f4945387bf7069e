import { rejectedShape } from "../shape";
import type { AgentNamespaces } from "../stack/agent-namespaces";
import type { ResourceNode } from "../stack/stack-model";
import { isUnknown } from "../unknowns";
import { placementOf } from "./placement";
import { NAMESPACE_TYPES, SERVICE_ACCOUNT_TYPES } from "./types";

/** Groups every service account belongs to (and anonymous requests, which any pod can make). */
const GROUPS_OF_EVERY_SERVICE_ACCOUNT = new Set([
    "system:serviceaccounts",
    "system:authenticated",
    "system:unauthenticated",
]);
const SUBJECT_KINDS = ["ServiceAccount", "User", "Group"];
const SA_USER = /^system:serviceaccount:([^:]+):([^:]+)$/;
const SA_GROUP = /^system:serviceaccounts:([^:]+)$/;

/** Which of a binding's subjects reach agent service accounts, and which cannot be told. */
export interface SubjectVerdict {
    /** E.g. `service account agent-a/runner`, `group system:authenticated (every service account)`. */
    readonly agents: string[];
    readonly unknown: string[];
}

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * Judges `subjects` of a RoleBinding or ClusterRoleBinding. A ServiceAccount subject without a namespace is
 * taken to be in the binding's namespace. Unknown values are resolved through the `subjects` property
 * dependency (the ServiceAccount or Namespace they were computed from) or reported as unknown.
 */
export function agentSubjects(
    binding: ResourceNode,
    bindingNamespace: string | undefined,
    agents: AgentNamespaces,
): SubjectVerdict {
    const verdict: SubjectVerdict = { agents: [], unknown: [] };
    const subjects = binding.props.subjects;
    const fromDependencies = () => resolveThroughDependencies(binding, agents);
    if (isUnknown(subjects)) {
        mergeResolved(verdict, fromDependencies(), "subjects");
        return verdict;
    }
    if (subjects === undefined || subjects === null) return verdict;
    // Any other shape would read as "binds nobody": it may be agents, so it is said instead (fail closed).
    const malformed = (path: string, value: unknown, allowed: string) =>
        void verdict.unknown.push(rejectedShape(path, value, allowed));
    if (!Array.isArray(subjects)) {
        malformed("subjects", subjects, "a list of subjects");
        return verdict;
    }
    subjects.forEach((subject, i) => {
        const at = `subjects[${i}]`;
        if (isUnknown(subject)) return mergeResolved(verdict, fromDependencies(), at);
        if (!isObject(subject)) return malformed(at, subject, "a subject object (kind, name, namespace)");
        const { kind, name } = subject;
        if (isUnknown(kind)) return mergeResolved(verdict, fromDependencies(), `${at}.kind`);
        if (!SUBJECT_KINDS.includes(kind as string)) {
            return malformed(`${at}.kind`, kind, `one of ${SUBJECT_KINDS.join(", ")} (case-sensitive)`);
        }
        if (!isUnknown(name) && typeof name !== "string") malformed(`${at}.name`, name, "a name string");
        if (kind === "ServiceAccount") {
            const own = subject.namespace;
            if (own !== undefined && own !== null && !isUnknown(own) && typeof own !== "string") {
                return malformed(`${at}.namespace`, own, "a namespace name string");
            }
            const namespace = own ?? bindingNamespace;
            if (typeof namespace === "string" && !isUnknown(namespace)) {
                if (agents.isAgent(namespace))
                    verdict.agents.push(`service account ${namespace}/${String(name)}`);
                return;
            }
            return mergeResolved(verdict, fromDependencies(), `${at}.namespace`);
        }
        if (typeof name !== "string") return; // said above
        if (isUnknown(name)) {
            return mergeResolved(verdict, fromDependencies(), `${at}.name`);
        }
        if (kind === "User") {
            const match = SA_USER.exec(name);
            if (match && agents.isAgent(match[1]))
                verdict.agents.push(`service account ${match[1]}/${match[2]} (user ${name})`);
            return;
        }
        if (GROUPS_OF_EVERY_SERVICE_ACCOUNT.has(name)) {
            verdict.agents.push(`group ${name} (which includes every agent service account)`);
            return;
        }
        const group = SA_GROUP.exec(name);
        if (group && agents.isAgent(group[1]))
            verdict.agents.push(`group ${name} (every service account of ${group[1]})`);
    });
    return verdict;
}

interface Resolved {
    readonly agent?: string;
    readonly resolved: boolean;
}

function mergeResolved(verdict: SubjectVerdict, resolved: Resolved, field: string): void {
    if (resolved.agent !== undefined) verdict.agents.push(resolved.agent);
    else if (!resolved.resolved) verdict.unknown.push(`${field} is unknown during preview`);
}

/** The ServiceAccounts and Namespaces the subjects were computed from: agent if any lands in an agent namespace. */
function resolveThroughDependencies(binding: ResourceNode, agents: AgentNamespaces): Resolved {
    const deps = binding.propertyDependencies.subjects ?? [];
    let resolved = false;
    for (const dep of deps) {
        if (SERVICE_ACCOUNT_TYPES.includes(dep.type)) {
            const placement = placementOf(dep, agents);
            if (!placement.known) return { resolved: false };
            resolved = true;
            if (placement.agent)
                return { agent: `service account ${placement.namespace}/${dep.name}`, resolved };
        } else if (NAMESPACE_TYPES.includes(dep.type)) {
            const placement = placementOf(
                { ...dep, props: { metadata: { namespace: nameOf(dep) } } },
                agents,
            );
            if (!placement.known) return { resolved: false };
            resolved = true;
            if (placement.agent)
                return { agent: `a service account of namespace ${placement.namespace}`, resolved };
        }
    }
    return { resolved };
}

function nameOf(ns: ResourceNode): unknown {
    const metadata = ns.props.metadata;
    return isObject(metadata) ? (metadata.name ?? `${ns.name}-xxxxxxxx`) : metadata;
}
