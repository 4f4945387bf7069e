/**
 * Inbound channels an agent may open itself at run time: RBAC that lets an agent service account write
 * Services (a LoadBalancer or NodePort Service is one change away), Ingresses, Gateway API routes and
 * Gateways, ReferenceGrants or ingress controllers' routes. The stack's own Services and routes are judged
 * by inbound-channels.ts; these grants let the agent write new ones past that check.
 */
import { grantsCovering } from "../../../core/rbac";
import type { AgentNamespaces } from "../../../core/stack/agent-namespaces";
import type { Finding } from "../../../core/stack/finding";
import type { StackModel } from "../../../core/stack/stack-model";
import { placementOf } from "../../../core/kubernetes/placement";
import { RoleIndex } from "../../../core/kubernetes/rbac-roles";
import { agentSubjects } from "../../../core/kubernetes/rbac-subjects";
import { CLUSTER_ROLE_BINDING_TYPES, ROLE_BINDING_TYPES } from "../../../core/kubernetes/types";
import { quotaCapsByNamespace, type QuotaCaps } from "./quotas";

const WRITE_VERBS = new Set(["create", "update", "patch"]);
/** Route kinds of Ingress, Gateway API and the ingress controllers (plural resource names). */
const ROUTE_RESOURCES = [
    "ingresses",
    "gateways",
    "httproutes",
    "grpcroutes",
    "tlsroutes",
    "tcproutes",
    "udproutes",
    "referencegrants",
    "ingressroutes",
    "ingressroutetcps",
    "ingressrouteudps",
    "httpproxies",
    "virtualservices",
    "routes",
    "mappings",
    "tcpmappings",
    "virtualservers",
    "transportservers",
    "tcpingresses",
    "udpingresses",
    "apisixroutes",
];
/** Quota keys that, set to 0 in an unscoped ResourceQuota, keep a Service the agent writes inside the cluster. */
const EXPOSURE_QUOTA_KEYS = ["services.loadbalancers", "services.nodeports"];
/** Built-in roles the escalation rule already rejects; not reported twice. */
const NONE: ReadonlySet<string> = new Set();

const writes = (verb: string) => WRITE_VERBS.has(verb);

/** What keeps a Service written in `namespace` from leaving the cluster, or why nothing does. */
function serviceExposureProblem(caps: QuotaCaps | undefined, namespace: string): string | undefined {
    const missing = EXPOSURE_QUOTA_KEYS.filter((k) => !caps?.zero.has(k));
    if (missing.length === 0) return undefined;
    const unknown = caps?.unknown.length ? `; quotas unknown: ${caps.unknown.join("; ")}` : "";
    return `no unscoped ResourceQuota of namespace ${namespace} sets ${missing.map((k) => `${k}: "0"`).join(" and ")}${unknown}`;
}

/** Bindings that let agent service accounts write inbound channels to agent pods. */
export function inboundGrantFindings(model: StackModel, agents: AgentNamespaces): Finding[] {
    const roles = new RoleIndex(model, agents);
    const caps = quotaCapsByNamespace(model, agents);
    const findings: Finding[] = [];
    const bindings = [
        ...model.ofType(...ROLE_BINDING_TYPES).map((b) => ({ binding: b, cluster: false })),
        ...model.ofType(...CLUSTER_ROLE_BINDING_TYPES).map((b) => ({ binding: b, cluster: true })),
    ];
    for (const { binding, cluster } of bindings) {
        let namespace: string | undefined;
        if (!cluster) {
            const placement = placementOf(binding, agents);
            // Bindings outside agent namespaces let agents write elsewhere: the escalation and path rules judge them.
            if (!placement.known || !placement.agent) continue;
            namespace = placement.namespace;
        }
        const subjects = agentSubjects(binding, namespace, agents);
        if (subjects.agents.length === 0 && subjects.unknown.length === 0) continue;
        const who =
            subjects.agents.length > 0
                ? `agent ${subjects.agents.join(", ")}`
                : `subjects that may be agent service accounts (${subjects.unknown.join("; ")})`;
        const where = cluster
            ? "in every namespace, agent namespaces included"
            : `in agent namespace ${namespace}`;
        const kind = cluster ? "ClusterRoleBinding" : "RoleBinding";
        const routes = roles.grantsOf(
            binding,
            namespace ?? "",
            (rules) => grantsCovering(rules, writes, ROUTE_RESOURCES),
            NONE,
        );
        const services = roles.grantsOf(
            binding,
            namespace ?? "",
            (rules) => grantsCovering(rules, writes, ["services"]),
            NONE,
        );
        const problems: string[] = [];
        if (routes !== undefined)
            problems.push(
                `write Ingresses, Gateways or routes (${routes.role}: ${routes.grants.join(", ")}), which route traffic from the internet to agent pods`,
            );
        if (services !== undefined) {
            const problem = cluster
                ? "a ClusterRoleBinding reaches namespaces whose quotas this rule does not pair with it"
                : serviceExposureProblem(caps.get(namespace ?? ""), namespace ?? "");
            if (problem !== undefined)
                problems.push(
                    `write Services (${services.role}: ${services.grants.join(", ")}) that may be of type LoadBalancer or NodePort, open to the internet, since ${problem}`,
                );
        }
        if (problems.length === 0) continue;
        findings.push({
            urn: binding.urn,
            name: binding.name,
            code: "inbound/rbac-grant",
            message: `${kind} ${binding.name} lets ${who} ${where} ${problems.join("; and ")}: the agent could open an inbound channel at run time, past this check (RBAC grant). Grant agents no writes to ingresses, gateways or routes, and grant Service writes only in an agent namespace whose unscoped ResourceQuota sets services.loadbalancers and services.nodeports to "0".`,
        });
    }
    return findings;
}
