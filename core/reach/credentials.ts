import { AGENT_KEY } from "../metadata-keys";
import type { AgentSeed, GraphNode, NodeOutcome } from "./graph";
import { agentIdsOf } from "./principal-context";
import { type ReachResource, stringAt } from "./resource";

/**
 * The credentials outcome: a Secrets Manager secret, SSM SecureString parameter or KMS key reached through a
 * read-secret edge (an IAM grant or a resource policy) that is not the agent's own.
 *
 * Ownership: the resource is tagged `agentguard.io/agent` with the agent's id, the value of that tag on the
 * seed role or user. A seed without a known id (an agent role found by its trust only, a Kubernetes binding)
 * owns no AWS secret: tag the role to make its secrets its own. A secret whose tags are unknown may be
 * anyone's (a guess). Resources outside the stack, named by a pattern or an undeclared ARN, cannot be shown
 * to be the agent's (a guess, certain only for a pattern that names every secret of its kind).
 * SSM String and StringList parameters hold configuration, not credentials: they are not reported, unless
 * their value is computed from a credential (an access key, a login profile, a secret's value).
 * Kubernetes Secrets are judged through RBAC elsewhere.
 */
export function credentialOutcomes(node: GraphNode): NodeOutcome[] {
    const outside = /^outside:(secretsmanager-secret|ssm-parameter|kms-key):(.*?)(?:#([^#]*))?$/s.exec(
        node.id,
    );
    if (outside) {
        const [, kind, pattern, tagged] = outside;
        // An ABAC-limited read (graph.ts): only resources tagged with these ids, the agent's own if its id.
        if (tagged !== undefined) {
            const owners = tagged.split(",");
            return [
                {
                    outcome: {
                        kind: "credentials",
                        why: `it names ${KIND_LABEL[kind]}s tagged ${AGENT_KEY}=${tagged} outside this stack, not this agent's own`,
                    },
                    certain: false,
                    via: ["read-secret"],
                    unlessJudgedDirectly: true,
                    exempt: (agent) => owners.every((owner) => ownsAny(agent, [owner])),
                },
            ];
        }
        const every = /^(\*|arn:[^:]*:[^:]*:[^:]*:[^:]*:(secret:|parameter\/?|key\/)?\*)$/.test(pattern);
        return [
            {
                outcome: {
                    kind: "credentials",
                    why: `${every ? "it names every" : "it may name a"} ${KIND_LABEL[kind]} outside this stack, whose owner cannot be judged`,
                },
                certain: every,
                via: ["read-secret"],
                unlessJudgedDirectly: true,
            },
        ];
    }
    const decoded = node.decoded;
    if (decoded?.what.kind !== "secret" || decoded.what.secret === "kubernetes-secret") return [];
    let certain = true;
    let holds = "";
    if (decoded.what.secret === "ssm-parameter") {
        const type = stringAt(decoded.resource, "type");
        if (type.state === "known" && type.value !== "SecureString") {
            // Configuration, unless its value is computed from a credential (an access key in plain text).
            const source = credentialSource(decoded.resource);
            if (source === undefined) return [];
            holds = `its ${type.value} value is computed from ${source}, a credential; `;
        }
        certain = type.state === "known";
    }
    const owners = agentIdsOf(decoded.resource);
    const why =
        holds +
        (owners === undefined
            ? `its tags are unknown during preview, so it may not be the agent's own`
            : owners.length === 0
              ? `it is not tagged ${AGENT_KEY}, so it is no agent's own`
              : `it is tagged ${AGENT_KEY}=${owners.join(",")}, not with this agent's id`);
    return [
        {
            outcome: { kind: "credentials", why },
            certain: certain && owners !== undefined,
            via: ["read-secret"],
            unlessJudgedDirectly: true,
            exempt: (agent) => ownsAny(agent, owners),
        },
    ];
}

/**
 * Resources whose outputs include a credential: a parameter computed from one holds it, whatever its type (a
 * secret itself is left out: its ARN or name in a parameter is ordinary configuration).
 */
const CREDENTIAL_SOURCES: Readonly<Record<string, string>> = {
    "aws:iam/accessKey:AccessKey": "access key",
    "aws:iam/userLoginProfile:UserLoginProfile": "login profile",
    "aws:iam/serviceSpecificCredential:ServiceSpecificCredential": "service-specific credential",
    "aws:secretsmanager/secretVersion:SecretVersion": "secret version",
    "random:index/randomPassword:RandomPassword": "random password",
    "tls:index/privateKey:PrivateKey": "private key",
};

function credentialSource(resource: ReachResource): string | undefined {
    for (const dep of resource.propertyDependencies.value ?? []) {
        const label = CREDENTIAL_SOURCES[dep.type];
        if (label !== undefined) return `${label} ${dep.name}`;
    }
    return undefined;
}

const KIND_LABEL: Readonly<Record<string, string>> = {
    "secretsmanager-secret": "Secrets Manager secret",
    "ssm-parameter": "SSM parameter",
    "kms-key": "KMS key",
};

const seedIds = new WeakMap<AgentSeed, readonly string[]>();

/** Whether the seed's agent id (its own `agentguard.io/agent` tag) is one of the owners. */
function ownsAny(agent: AgentSeed, owners: readonly string[] | undefined): boolean {
    if (owners === undefined || owners.length === 0) return false;
    let ids = seedIds.get(agent);
    if (!ids) {
        const resource = agent.resource;
        // Kubernetes bindings are seeds too: they own no AWS secret.
        const isPrincipal = resource.type === "aws:iam/role:Role" || resource.type === "aws:iam/user:User";
        ids = isPrincipal ? (agentIdsOf(resource) ?? []) : [];
        seedIds.set(agent, ids);
    }
    return ids.some((id) => id.trim() !== "" && owners.includes(id));
}
