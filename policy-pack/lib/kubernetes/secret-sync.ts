/**
 * Credentials beyond the agent's own, delivered by operators that copy secrets into a namespace with their
 * own rights: External Secrets (an ExternalSecret reading through a ClusterSecretStore, a store that is not
 * declared, or a store that authenticates as the operator or reads another namespace) and the Secret
 * replicators driven by annotations (kubernetes-replicator, Reflector). No RBAC grant on secrets is needed:
 * the operator reads the source and writes the copy where agent pods can mount it.
 */
import type { AgentNamespaces } from "../../../core/stack/agent-namespaces";
import type { Finding } from "../../../core/stack/finding";
import type { ResourceNode, StackModel } from "../../../core/stack/stack-model";
import { containsUnknown, isUnknown } from "../../../core/unknowns";
import {
    agentPlacementPhrase,
    metadataOf,
    placementOf,
    type Placement,
} from "../../../core/kubernetes/placement";

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

const EXTERNAL_SECRET = /^kubernetes:external-secrets\.io\/[^:]+:ExternalSecret(Patch)?$/;
const CLUSTER_EXTERNAL_SECRET = /^kubernetes:external-secrets\.io\/[^:]+:ClusterExternalSecret(Patch)?$/;
const SECRET_STORE = /^kubernetes:external-secrets\.io\/[^:]+:SecretStore(Patch)?$/;
const SECRET = /^kubernetes:core\/v1:Secret(Patch)?$/;
/** Resources whose outputs are long-lived credentials of an IAM user. */
const IAM_USER_CREDENTIALS = new Set([
    "aws:iam/accessKey:AccessKey",
    "aws:iam/serviceSpecificCredential:ServiceSpecificCredential",
    "aws:iam/userLoginProfile:UserLoginProfile",
]);
const IAM_USER = "aws:iam/user:User";
const AGENT_TAG = "agentguard.io/agent";

/** Annotations on a Secret that pull another namespace's Secret into it. */
const PULL_ANNOTATIONS = [
    "replicator.v1.mittwald.de/replicate-from",
    "reflector.v1.k8s.emberstack.com/reflects",
];
/** Annotations on a Secret that push it into the namespaces they name (lists, patterns, or label selectors). */
const PUSH_ANNOTATIONS = [
    "replicator.v1.mittwald.de/replicate-to",
    "replicator.v1.mittwald.de/replicate-to-matching",
    "reflector.v1.k8s.emberstack.com/reflection-allowed-namespaces",
    "reflector.v1.k8s.emberstack.com/reflection-auto-namespaces",
];

const mayBeAgent = (p: Placement): boolean => !p.known || p.agent;
const kindName = (node: ResourceNode): string => node.type.slice(node.type.lastIndexOf(":") + 1);
const REMEDY =
    "Give agents only their own credentials: an ExternalSecret of an agent namespace must read through a SecretStore declared in that namespace that authenticates as the agent's own service account (auth.jwt.serviceAccountRef) or with a Secret of that namespace, never a ClusterSecretStore or the operator's identity; copy no Secret of another namespace into an agent namespace with replicator or reflector annotations, and put no IAM user's access key or password there.";

/** Secret-syncing resources that give agent namespaces credentials that are not the agent's own. */
export function secretSyncFindings(model: StackModel, agents: AgentNamespaces): Finding[] {
    const findings: Finding[] = [];
    const say = (node: ResourceNode, message: string) =>
        findings.push({
            urn: node.urn,
            name: node.name,
            message: `${kindName(node)} ${node.name} ${message}, credentials that are not the agent's own (a privilege escalation past RBAC). ${REMEDY}`,
        });
    const stores = new Map<string, ResourceNode>();
    for (const store of model.resources.filter((r) => SECRET_STORE.test(r.type))) {
        const placement = placementOf(store, agents);
        const name = metadataOf(store)?.name;
        if (placement.known && typeof name === "string") stores.set(`${placement.namespace}/${name}`, store);
    }
    for (const es of model.resources.filter((r) => EXTERNAL_SECRET.test(r.type))) {
        const placement = placementOf(es, agents);
        if (!mayBeAgent(placement)) continue;
        const problems = storeProblems(es.props.spec, "spec", placement, stores, agents);
        if (problems.length > 0)
            say(es, `${agentPlacementPhrase(placement)} copies secrets into it: ${problems.join("; ")}`);
    }
    for (const ces of model.resources.filter((r) => CLUSTER_EXTERNAL_SECRET.test(r.type))) {
        const spec = ces.props.spec;
        const reach = clusterExternalSecretReach(spec, agents);
        if (reach === undefined) continue;
        const inner = isObject(spec) ? spec.externalSecretSpec : spec;
        const problems = storeProblems(
            inner,
            "spec.externalSecretSpec",
            { known: false, reason: reach },
            stores,
            agents,
        );
        if (problems.length > 0) say(ces, `writes ExternalSecrets into ${reach}: ${problems.join("; ")}`);
    }
    for (const secret of model.resources.filter((r) => SECRET.test(r.type))) {
        const placement = placementOf(secret, agents);
        const annotations = metadataOf(secret)?.annotations;
        if (isUnknown(annotations)) {
            if (mayBeAgent(placement))
                say(
                    secret,
                    `${agentPlacementPhrase(placement)} has annotations unknown during preview, which may pull another namespace's Secret into it (replicator or reflector)`,
                );
            continue;
        }
        if (!isObject(annotations)) continue;
        if (mayBeAgent(placement)) {
            for (const key of PULL_ANNOTATIONS) {
                const value = annotations[key];
                if (value === undefined || value === null) continue;
                const source = typeof value === "string" && !isUnknown(value) ? value : undefined;
                const sourceNs = source?.includes("/") ? source.slice(0, source.indexOf("/")) : undefined;
                if (
                    sourceNs !== undefined &&
                    agents.isAgent(sourceNs) &&
                    placement.known &&
                    sourceNs === placement.namespace
                )
                    continue;
                say(
                    secret,
                    `${agentPlacementPhrase(placement)} pulls Secret ${source ?? "(unknown during preview)"} through annotation ${key}, copying another namespace's Secret`,
                );
            }
        }
        if (placement.known && placement.agent) continue;
        for (const key of PUSH_ANNOTATIONS) {
            const value = annotations[key];
            if (value === undefined || value === null) continue;
            const target =
                key === "replicator.v1.mittwald.de/replicate-to-matching"
                    ? selectorReachesAgents(value, agents)
                    : pushReachesAgents(value, agents);
            if (target !== undefined)
                say(
                    secret,
                    `in namespace ${placement.known ? placement.namespace : "(unknown)"} is copied by annotation ${key}=${JSON.stringify(isUnknown(value) ? "(unknown)" : value)} into ${target}`,
                );
        }
    }
    copiedIamCredentials(model, agents, say);
    return findings;
}

/**
 * Kubernetes objects of agent namespaces (Secrets, ConfigMaps, workloads' env) whose values are computed from
 * an IAM user's access key or password: agent pods then hold that user's rights. A user tagged as an agent's is
 * left to the IAM rules, which judge its grants.
 */
function copiedIamCredentials(
    model: StackModel,
    agents: AgentNamespaces,
    say: (node: ResourceNode, message: string) => void,
): void {
    const users = model.resources.filter((r) => r.type === IAM_USER);
    for (const node of model.resources) {
        if (!node.type.startsWith("kubernetes:")) continue;
        const credentials = [
            ...new Set(
                Object.values(node.propertyDependencies).flatMap((deps) =>
                    deps.filter((d) => IAM_USER_CREDENTIALS.has(d.type)),
                ),
            ),
        ];
        if (credentials.length === 0) continue;
        const placement = placementOf(node, agents);
        if (!mayBeAgent(placement)) continue;
        for (const credential of credentials) {
            const user = userOf(credential, users);
            if (user !== undefined && isAgentTagged(user)) continue;
            const who =
                user !== undefined
                    ? `IAM user ${user.name}`
                    : `the IAM user ${JSON.stringify(credential.props.user ?? "(unknown)")}`;
            say(
                node,
                `${agentPlacementPhrase(placement)} carries values computed from ${credential.type.slice(credential.type.lastIndexOf(":") + 1)} ${credential.name} of ${who}, which is not tagged ${AGENT_TAG}: agent pods would hold that user's long-lived IAM credentials and permissions`,
            );
        }
    }
}

function userOf(credential: ResourceNode, users: readonly ResourceNode[]): ResourceNode | undefined {
    const viaDependency = (credential.propertyDependencies.user ?? []).find((d) => d.type === IAM_USER);
    if (viaDependency !== undefined) return viaDependency;
    const name = credential.props.user;
    return typeof name === "string" ? users.find((u) => u.props.name === name || u.name === name) : undefined;
}

function isAgentTagged(user: ResourceNode): boolean {
    for (const key of ["tags", "tagsAll"]) {
        const tags = user.props[key];
        if (isObject(tags) && typeof tags[AGENT_TAG] === "string" && !isUnknown(tags[AGENT_TAG])) return true;
    }
    return false;
}

/** Why the store references in an ExternalSecret spec may read beyond the agent's own credentials. */
function storeProblems(
    spec: unknown,
    at: string,
    placement: Placement,
    stores: Map<string, ResourceNode>,
    agents: AgentNamespaces,
): string[] {
    if (containsUnknown(spec))
        return [`${at} is unknown during preview, so the store it reads cannot be checked`];
    if (!isObject(spec)) return [];
    const refs: { path: string; ref: unknown }[] = [];
    const walk = (value: unknown, path: string) => {
        if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${path}[${i}]`));
        else if (isObject(value))
            for (const [k, v] of Object.entries(value)) {
                if (k === "secretStoreRef" || k === "storeRef") refs.push({ path: `${path}.${k}`, ref: v });
                else walk(v, `${path}.${k}`);
            }
    };
    walk(spec, at);
    const problems: string[] = [];
    for (const { path, ref } of refs) {
        if (!isObject(ref)) {
            problems.push(`${path} is ${JSON.stringify(ref)}, not a store reference that can be checked`);
            continue;
        }
        const kind = ref.kind ?? "SecretStore";
        if (kind === "ClusterSecretStore") {
            problems.push(
                `${path} reads through ClusterSecretStore ${String(ref.name)}, whose credentials serve every namespace`,
            );
            continue;
        }
        if (kind !== "SecretStore") {
            problems.push(`${path}.kind is ${JSON.stringify(kind)}, not a SecretStore of the namespace`);
            continue;
        }
        const store = placement.known ? stores.get(`${placement.namespace}/${String(ref.name)}`) : undefined;
        if (store === undefined) {
            problems.push(
                `${path} names SecretStore ${String(ref.name)}, which this stack does not declare in ${placement.known ? `namespace ${placement.namespace}` : "that namespace"}, so whose credentials it uses cannot be checked`,
            );
            continue;
        }
        problems.push(...secretStoreProblems(store, agents));
    }
    return problems;
}

/** A declared SecretStore reads as the operator when its provider names no auth, or reads another namespace. */
function secretStoreProblems(store: ResourceNode, agents: AgentNamespaces): string[] {
    const spec = store.props.spec;
    const provider = isObject(spec) ? spec.provider : undefined;
    if (containsUnknown(provider)) return [`SecretStore ${store.name} has a provider unknown during preview`];
    if (!isObject(provider)) return [`SecretStore ${store.name} has no readable spec.provider`];
    const problems: string[] = [];
    for (const [name, config] of Object.entries(provider)) {
        if (!isObject(config)) continue;
        const auth = config.auth;
        if (!isObject(auth) || Object.keys(auth).length === 0)
            problems.push(
                `SecretStore ${store.name} (provider ${name}) sets no auth, so it reads with the operator's own identity`,
            );
        const remote = config.remoteNamespace;
        if (typeof remote === "string" && !agents.isAgent(remote))
            problems.push(
                `SecretStore ${store.name} reads Secrets of namespace ${remote} (provider ${name}.remoteNamespace)`,
            );
    }
    return problems;
}

/** Which agent namespaces a ClusterExternalSecret writes into, or undefined when certainly none. */
function clusterExternalSecretReach(spec: unknown, agents: AgentNamespaces): string | undefined {
    if (containsUnknown(spec)) return "namespaces unknown during preview";
    if (!isObject(spec)) return undefined;
    const names = Array.isArray(spec.namespaces)
        ? spec.namespaces.filter((n): n is string => typeof n === "string")
        : [];
    const hit = names.filter((n) => agents.isAgent(n));
    if (hit.length > 0) return `agent namespaces ${hit.join(", ")}`;
    if (spec.namespaceSelector !== undefined || spec.namespaceSelectors !== undefined)
        return "the namespaces its namespaceSelector matches, which may be agent namespaces";
    return undefined;
}

/** Which agent namespaces a push annotation's value may name (lists of names or patterns; selectors), if any. */
function pushReachesAgents(value: unknown, agents: AgentNamespaces): string | undefined {
    if (isUnknown(value) || typeof value !== "string")
        return "namespaces that cannot be read, possibly agent namespaces";
    const entries = value
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s !== "");
    const declared = agents.declaredAgentNamespaces().map((n) => n.name);
    const hits: string[] = [];
    for (const entry of entries) {
        if (/^[a-z0-9-]+$/.test(entry)) {
            if (agents.isAgent(entry)) hits.push(entry);
            continue;
        }
        // A pattern or selector: judged against the declared agent namespaces, and wide ones against every name.
        let re: RegExp | undefined;
        try {
            re = new RegExp(`^(?:${entry})$`);
        } catch {
            re = undefined;
        }
        const matched = re === undefined ? declared : declared.filter((n) => re.test(n));
        if (matched.length > 0 || re === undefined || re.test("agent-x"))
            hits.push(matched.join(", ") || entry);
    }
    return hits.length > 0 ? `agent namespaces (${hits.join("; ")})` : undefined;
}

/** Which declared agent namespaces a label selector ("k=v,k2") matches; unreadable selectors may match any. */
function selectorReachesAgents(value: unknown, agents: AgentNamespaces): string | undefined {
    if (isUnknown(value) || typeof value !== "string")
        return "namespaces that cannot be read, possibly agent namespaces";
    const terms = value
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s !== "");
    if (terms.some((t) => !/^[\w./-]+(=[\w.-]*)?$/.test(t)))
        return `namespaces matching ${value}, possibly agent namespaces`;
    const matched = agents.declaredAgentNamespaces().filter(({ node }) => {
        const labels = metadataOf(node)?.labels;
        if (!isObject(labels)) return false;
        return terms.every((t) => {
            const [k, v] = t.split("=");
            return v === undefined ? k in labels : labels[k] === v;
        });
    });
    return matched.length > 0 ? `agent namespaces ${matched.map((m) => m.name).join(", ")}` : undefined;
}
