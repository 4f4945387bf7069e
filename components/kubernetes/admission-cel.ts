/**
 * CEL expressions of the admission baseline, as data built from validated settings.
 *
 * Portability: only functions that both Kubernetes CEL and @bufbuild/cel provide are used (macros `has`,
 * `all`, `exists`, `filter`, `map`; `matches`, `startsWith`, `size`, `in`, list `+`, strings-ext `join`).
 * Avoided on purpose: optional fields (`a.?b`, `orValue`) and `cel.bind`, which @bufbuild/cel lacks, and
 * Kubernetes-only libraries (`authorizer`, quantities, IP/CIDR). `has()` guards every field that the API
 * may omit, because reading an absent field is a runtime error and our policies fail closed.
 */

import { AGENT_LABEL } from "../../core/agent-namespaces";
import { NOT_ADMISSIBLE_RESOURCES } from "../../core/guardrail-kinds";

export const AGENT_NAMESPACE_LABEL = AGENT_LABEL;

/** Validated inputs the expressions are built from. */
export interface CelSettings {
    readonly agentNamespacePatterns: readonly string[];
    readonly agentNamespaces: readonly string[];
    readonly deployers: { readonly usernames: readonly string[]; readonly groups: readonly string[] };
    readonly privilegedClusterRoles: readonly string[];
    readonly sandboxRuntimeClassName?: string;
}

/** One entry of a policy's `validations` (Kubernetes field names), plus an id for tests and docs. */
export interface CelValidation {
    readonly id: string;
    readonly expression: string;
    readonly message: string;
    readonly messageExpression: string;
    readonly reason: "Forbidden";
}

export interface CelNamed {
    readonly name: string;
    readonly expression: string;
}

export function celString(value: string): string {
    return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

/** A CEL expression part for `messageText`; plain strings there are literals. */
export interface CelPart {
    readonly cel: string;
}

export const cel = (expression: string): CelPart => ({ cel: expression });

/** A CEL string concatenation: literal text is escaped, so messages can't break the expression. */
export function messageText(...parts: (string | CelPart)[]): string {
    return parts.map((part) => (typeof part === "string" ? celString(part) : `(${part.cel})`)).join(" + ");
}

export function celList(values: readonly string[]): string {
    return `[${values.map(celString).join(", ")}]`;
}

/**
 * RE2 group matching any agent namespace name; undefined when only labels identify agent namespaces.
 * Names and patterns are validated to `[a-z0-9-]` (plus `*`), so nothing needs regex escaping.
 */
export function agentNamespaceNameRegex(settings: CelSettings): string | undefined {
    const alternatives = [
        ...settings.agentNamespacePatterns.map((glob) => glob.replace(/\*/g, "[a-z0-9-]*")),
        ...settings.agentNamespaces,
    ];
    return alternatives.length === 0 ? undefined : `(?:${alternatives.join("|")})`;
}

/** True when the CEL object expression `obj` is non-null and carries the agent label. */
export function hasAgentLabel(obj: string): string {
    return `(${obj} != null && has(${obj}.metadata.labels) && ${celString(AGENT_NAMESPACE_LABEL)} in ${obj}.metadata.labels)`;
}

/** True when the requester is a service account of the namespace named by the CEL string `namespace`. */
export function requesterIsServiceAccountOf(namespace: string): string {
    return (
        `((has(request.userInfo.username) && request.userInfo.username.startsWith('system:serviceaccount:' + ${namespace} + ':'))` +
        ` || (has(request.userInfo.groups) && ('system:serviceaccounts:' + ${namespace}) in request.userInfo.groups))`
    );
}

const NAMESPACE_REQUEST = "(request.resource.group == '' && request.resource.resource == 'namespaces')";

/**
 * The requester is a service account in an agent namespace. A policy can't read the requester's own
 * Namespace, so names are matched by pattern; labels are seen only when the requester acts inside its own
 * namespace (`namespaceObject`) or on that Namespace itself. A label-only namespace acting elsewhere
 * (cluster-scoped objects, other namespaces) is not recognised: list it in `agentNamespaces`.
 */
export function agentRequesterExpression(settings: CelSettings): string {
    const clauses: string[] = [];
    const names = agentNamespaceNameRegex(settings);
    if (names !== undefined) {
        clauses.push(
            `(has(request.userInfo.username) && request.userInfo.username.matches(${celString(`^system:serviceaccount:${names}:[^:]+$`)}))`,
            `(has(request.userInfo.groups) && request.userInfo.groups.exists(g, g.matches(${celString(`^system:serviceaccounts:${names}$`)})))`,
        );
    }
    clauses.push(
        `(${hasAgentLabel("namespaceObject")} && ${requesterIsServiceAccountOf("namespaceObject.metadata.name")})`,
        `(${NAMESPACE_REQUEST} && ((${hasAgentLabel("object")} && ${requesterIsServiceAccountOf("object.metadata.name")})` +
            ` || (${hasAgentLabel("oldObject")} && ${requesterIsServiceAccountOf("oldObject.metadata.name")})))`,
    );
    return clauses.join(" || ");
}

/** The requested object's namespace is an agent namespace (by name pattern, listed name or label). */
export function agentNamespaceOfObjectExpression(settings: CelSettings): string {
    const names = agentNamespaceNameRegex(settings);
    const byName = names === undefined ? "" : `request.namespace.matches(${celString(`^${names}$`)}) || `;
    return `has(request.namespace) && (${byName}${hasAgentLabel("namespaceObject")})`;
}

/**
 * For namespace-scoped bindings: the requester is a service account of the namespace the request is in
 * (the binding's namespaceSelector already limits requests to the bound namespace).
 */
export const REQUESTER_OWNS_NAMESPACE_EXPRESSION =
    `${NAMESPACE_REQUEST} ? (variables.target != null && ${requesterIsServiceAccountOf("variables.target.metadata.name")})` +
    ` : (has(request.namespace) && ${requesterIsServiceAccountOf("request.namespace")})`;

export function deployerExpression(settings: CelSettings): string {
    const clauses: string[] = [];
    if (settings.deployers.usernames.length > 0) {
        clauses.push(
            `(has(request.userInfo.username) && request.userInfo.username in ${celList(settings.deployers.usernames)})`,
        );
    }
    if (settings.deployers.groups.length > 0) {
        clauses.push(
            `(has(request.userInfo.groups) && request.userInfo.groups.exists(g, g in ${celList(settings.deployers.groups)}))`,
        );
    }
    return clauses.length === 0 ? "false" : clauses.join(" || ");
}

export function deployerDescription(settings: CelSettings): string {
    const parts = [
        settings.deployers.usernames.length > 0 ? `users ${settings.deployers.usernames.join(", ")}` : "",
        settings.deployers.groups.length > 0 ? `groups ${settings.deployers.groups.join(", ")}` : "",
    ].filter((part) => part !== "");
    return parts.join("; ");
}

/**
 * The object a request acts on: `object` is null on DELETE, so the stored `oldObject` is read instead. On
 * CONNECT it holds the options (e.g. PodExecOptions), which have no metadata: the name is `request.name`.
 */
export const TARGET_EXPRESSION = "request.operation == 'DELETE' ? oldObject : object";

const REQUESTER = cel("has(request.userInfo.username) ? request.userInfo.username : '<unnamed user>'");

/** `<resource>[/<subresource>] [<namespace>/]<name>` of the request, for messages. */
export const TARGET_DESCRIPTION_EXPRESSION =
    "request.resource.resource + (has(request.subResource) ? '/' + request.subResource : '') + ' ' +" +
    " (has(request.namespace) ? request.namespace + '/' : '') +" +
    " (variables.target != null && has(variables.target.metadata) && has(variables.target.metadata.name)" +
    " ? variables.target.metadata.name" +
    " : (has(request.name) ? request.name : '<generated name>'))";

export function protectedResourcesValidation(requesterVariable: string): CelValidation {
    const what =
        "network policies and the sets they select, RBAC, quotas, limit ranges, namespaces, service accounts and their tokens, persistent volumes, certificate signing requests, ephemeral containers, admission webhooks, and exec, attach, port-forward and proxy access are managed by the platform deployer only";
    return {
        id: "agent-edits-guardrail-resource",
        expression: `!variables.${requesterVariable}`,
        message: `A service account in an agent namespace may not create, update or delete this resource: ${what}.`,
        messageExpression: messageText(
            "service account ",
            REQUESTER,
            " is in an agent namespace and may not ",
            cel("request.operation"),
            " ",
            cel("variables.targetDescription"),
            `: ${what}`,
        ),
        reason: "Forbidden",
    };
}

export const POD_SPEC_EXPRESSION =
    "object.kind == 'Pod' ? object.spec" +
    " : (object.kind == 'CronJob' ? object.spec.jobTemplate.spec.template.spec" +
    " : (object.kind == 'PodTemplate' ? object.template.spec : object.spec.template.spec))";

export const ALL_CONTAINERS_EXPRESSION =
    "(has(variables.podSpec.containers) ? variables.podSpec.containers : [])" +
    " + (has(variables.podSpec.initContainers) ? variables.podSpec.initContainers : [])" +
    " + (has(variables.podSpec.ephemeralContainers) ? variables.podSpec.ephemeralContainers : [])";

export const POD_SUBJECT_EXPRESSION =
    "object.kind + ' ' + (has(request.namespace) ? request.namespace + '/' : '') +" +
    " (has(object.metadata.name) ? object.metadata.name" +
    " : (has(object.metadata.generateName) ? object.metadata.generateName + '*' : '<generated name>'))";

/** Pod variables, in dependency order. */
export const POD_VARIABLES: readonly CelNamed[] = [
    { name: "podSpec", expression: POD_SPEC_EXPRESSION },
    { name: "containers", expression: ALL_CONTAINERS_EXPRESSION },
    { name: "subject", expression: POD_SUBJECT_EXPRESSION },
];

function podFieldCheck(field: "hostNetwork" | "hostPID" | "hostIPC", why: string): CelValidation {
    return {
        id: field,
        expression: `!has(variables.podSpec.${field}) || variables.podSpec.${field} == false`,
        message: `Pods in agent namespaces may not set ${field}: true (${why}); remove it.`,
        messageExpression: messageText(
            cel("variables.subject"),
            ` sets ${field}: true, which agent namespaces forbid (${why}); remove it`,
        ),
        reason: "Forbidden",
    };
}

/** A check on every container (including init and ephemeral ones), naming the offenders. */
function containerCheck(id: string, violates: string, what: string, fix: string): CelValidation {
    return {
        id,
        expression: `variables.containers.all(c, !(${violates}))`,
        message: `Containers in agent namespaces may not ${what}; ${fix}.`,
        messageExpression: messageText(
            cel("variables.subject"),
            ` has containers that ${what} (`,
            cel(`variables.containers.filter(c, ${violates}).map(c, c.name).join(', ')`),
            `), which agent namespaces forbid; ${fix}`,
        ),
        reason: "Forbidden",
    };
}

const SC = "c.securityContext";

export function podSecurityValidations(settings: CelSettings): CelValidation[] {
    const validations: CelValidation[] = [
        podFieldCheck("hostNetwork", "the pod would share the node network and bypass NetworkPolicy"),
        podFieldCheck("hostPID", "the pod could see and signal every process on the node"),
        podFieldCheck("hostIPC", "the pod could read the node's shared memory"),
        containerCheck(
            "hostPort",
            "has(c.ports) && c.ports.exists(p, has(p.hostPort) && p.hostPort != 0)",
            "bind host ports",
            "remove ports[].hostPort",
        ),
        {
            id: "hostPath",
            expression:
                "!has(variables.podSpec.volumes) || variables.podSpec.volumes.all(v, !has(v.hostPath))",
            message: "Pods in agent namespaces may not mount hostPath volumes; use an emptyDir or a PVC.",
            messageExpression: messageText(
                cel("variables.subject"),
                " mounts hostPath volumes (",
                cel("variables.podSpec.volumes.filter(v, has(v.hostPath)).map(v, v.name).join(', ')"),
                "), which agent namespaces forbid; use an emptyDir or a PVC",
            ),
            reason: "Forbidden",
        },
        containerCheck(
            "privileged",
            `has(${SC}) && has(${SC}.privileged) && ${SC}.privileged == true`,
            "run privileged",
            "remove securityContext.privileged",
        ),
        containerCheck(
            "allowPrivilegeEscalation",
            `!has(${SC}) || !has(${SC}.allowPrivilegeEscalation) || ${SC}.allowPrivilegeEscalation != false`,
            "leave privilege escalation allowed",
            "set securityContext.allowPrivilegeEscalation: false (unset means allowed)",
        ),
        containerCheck(
            "addedCapabilities",
            `has(${SC}) && has(${SC}.capabilities) && has(${SC}.capabilities.add) && size(${SC}.capabilities.add) > 0`,
            "add Linux capabilities",
            "remove securityContext.capabilities.add",
        ),
        {
            id: "windowsHostProcess",
            expression:
                "!(has(variables.podSpec.securityContext) && has(variables.podSpec.securityContext.windowsOptions)" +
                " && has(variables.podSpec.securityContext.windowsOptions.hostProcess)" +
                " && variables.podSpec.securityContext.windowsOptions.hostProcess == true)" +
                ` && variables.containers.all(c, !(has(${SC}) && has(${SC}.windowsOptions)` +
                ` && has(${SC}.windowsOptions.hostProcess) && ${SC}.windowsOptions.hostProcess == true))`,
            message:
                "Pods in agent namespaces may not run Windows HostProcess containers (privileged on the node).",
            messageExpression: messageText(
                cel("variables.subject"),
                " runs Windows HostProcess containers, which are privileged on the node and forbidden in agent namespaces; remove windowsOptions.hostProcess",
            ),
            reason: "Forbidden",
        },
    ];
    const runtime = settings.sandboxRuntimeClassName;
    if (runtime !== undefined) {
        validations.push({
            id: "runtimeClassName",
            expression: `has(variables.podSpec.runtimeClassName) && variables.podSpec.runtimeClassName == ${celString(runtime)}`,
            message: `Pods in agent namespaces must run in the sandbox runtime: set runtimeClassName: ${runtime}.`,
            messageExpression: messageText(
                cel("variables.subject"),
                " uses runtimeClassName ",
                cel(
                    "has(variables.podSpec.runtimeClassName) ? variables.podSpec.runtimeClassName : '<unset: node default>'",
                ),
                `; agent namespaces allow only the sandbox runtime ${runtime}`,
            ),
            reason: "Forbidden",
        });
    }
    return validations;
}

/**
 * Resources whose write access lets a holder delete or rewrite admission policies and their bindings: the
 * guardrail kinds Kubernetes never sends through admission policies (core/guardrail-kinds.ts).
 */
export const ADMISSION_POLICY_RESOURCES: readonly string[] = NOT_ADMISSIBLE_RESOURCES;

const WRITE_VERBS = ["*", "create", "update", "patch", "delete", "deletecollection"];

/** A ClusterRole rule `r` lets its holder write admission policies/bindings, or impersonate (e.g. the deployer). */
export const RULE_GRANTS_GUARDRAIL_CONTROL =
    "(has(r.verbs) && has(r.apiGroups) && has(r.resources) && (" +
    `(r.verbs.exists(v, v in ${celList(WRITE_VERBS)})` +
    " && r.apiGroups.exists(g, g == '*' || g == 'admissionregistration.k8s.io')" +
    ` && r.resources.exists(x, x == '*' || x in ${celList(ADMISSION_POLICY_RESOURCES)}))` +
    " || (r.verbs.exists(v, v == '*' || v == 'impersonate')" +
    " && r.apiGroups.exists(g, g == '*' || g == '' || g == 'authentication.k8s.io')" +
    " && r.resources.exists(x, x == '*' || x in ['users', 'groups', 'serviceaccounts', 'uids'] || x.startsWith('userextras')))))";

function unchanged(field: string): string {
    return (
        `(request.operation == 'UPDATE' && has(object.${field}) == has(oldObject.${field})` +
        ` && (!has(object.${field}) || object.${field} == oldObject.${field}))`
    );
}

export function integrityValidations(settings: CelSettings): CelValidation[] {
    const deployers = deployerDescription(settings);
    return [
        {
            id: "clusterRoleGrantsGuardrailControl",
            expression:
                `request.resource.resource != 'clusterroles' || variables.isDeployer || ${unchanged("rules")}` +
                ` || !(has(object.rules) && object.rules.exists(r, ${RULE_GRANTS_GUARDRAIL_CONTROL}))`,
            message: `Only the platform deployer (${deployers}) may grant write access to admission policies/bindings or impersonation in a ClusterRole: Kubernetes admission can't protect those policies, so who may edit them is controlled here.`,
            messageExpression: messageText(
                "ClusterRole ",
                cel("object.metadata.name"),
                ` grants write access to admission policies/bindings or impersonation; only the platform deployer (${deployers}) may create or change such roles, because holders could remove the agent guardrails (requested by `,
                REQUESTER,
                ")",
            ),
            reason: "Forbidden",
        },
        {
            id: "bindingToPrivilegedClusterRole",
            expression:
                `request.resource.resource != 'clusterrolebindings' || variables.isDeployer || ${unchanged("subjects")}` +
                ` || !(object.roleRef.kind == 'ClusterRole' && object.roleRef.name in ${celList(settings.privilegedClusterRoles)})`,
            message: `Only the platform deployer (${deployers}) may bind or add subjects to the privileged ClusterRoles ${settings.privilegedClusterRoles.join(", ")}.`,
            messageExpression: messageText(
                "ClusterRoleBinding ",
                cel("object.metadata.name"),
                " grants privileged ClusterRole ",
                cel("object.roleRef.name"),
                `; only the platform deployer (${deployers}) may bind it or change its subjects (requested by `,
                REQUESTER,
                ")",
            ),
            reason: "Forbidden",
        },
        {
            id: "agentLabelRemoval",
            expression:
                `request.resource.resource != 'namespaces' || request.operation != 'UPDATE' || variables.isDeployer` +
                ` || !${hasAgentLabel("oldObject")} || ${hasAgentLabel("object")}`,
            message: `Only the platform deployer (${deployers}) may remove the ${AGENT_NAMESPACE_LABEL} label from a namespace.`,
            messageExpression: messageText(
                `removing label ${AGENT_NAMESPACE_LABEL} from namespace `,
                cel("oldObject.metadata.name"),
                ` would lift the agent guardrails; only the platform deployer (${deployers}) may do it (requested by `,
                REQUESTER,
                ")",
            ),
            reason: "Forbidden",
        },
    ];
}
