/**
 * Inbound channels to agent pods: ways for someone outside the cluster to open connections to an agent (a
 * remote control channel that no egress rule sees). Agent pods are the pods of agent namespaces; a Service
 * selects pods of its own namespace only, so exposure comes from Services, Ingresses and routes in agent
 * namespaces, from routes elsewhere whose backends lie in one (Gateway API allows cross-namespace backends
 * with a ReferenceGrant), from ExternalName Services elsewhere that alias an agent Service, from selectorless
 * Services elsewhere whose hand-written endpoints target agent pods, from ingress controllers' own routes, and
 * from agent NetworkPolicies that admit the internet. hostPort is judged by kubernetes-forbid-host-access.
 *
 * Unknown values fail closed. A backend Service that this stack does not declare, named by a route outside
 * agent namespaces, is not reported: only an ExternalName alias could make it an agent's, and it cannot
 * be seen.
 */
import { analyzeIpBlocks, parseableBlocks } from "../cidr";
import type { AgentNamespaces } from "../stack/agent-namespaces";
import type { AgentguardConfig } from "../stack/config";
import type { Finding } from "../stack/finding";
import type { ResourceNode, StackModel } from "../stack/stack-model";
import { containsUnknown, isUnknown } from "../unknowns";
import { agentPlacementPhrase, metadataOf, placementOf, type Placement } from "./placement";
import { NETWORK_POLICY_TYPES } from "./types";
import type { IpBlock } from "./network-policies";

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

/** Finding codes (kubernetes-forbid-agent-inbound-channels), with their meaning for docs/rules.md. */
export const INBOUND_CODES = {
    "inbound/load-balancer":
        "a Service of type LoadBalancer in an agent namespace exposes agent pods outside the cluster",
    "inbound/node-port":
        "a Service of type NodePort in an agent namespace opens a port on every node to agent pods",
    "inbound/external-ip": "a Service in an agent namespace has externalIPs that route to agent pods",
    "inbound/ingress":
        "an Ingress or an ingress controller's route (Traefik IngressRoute, Contour HTTPProxy, Istio VirtualService, OpenShift Route, Knative Service, ...) routes to agent pods: it sits in an agent namespace, names a host there, or goes through an ExternalName Service that aliases an agent Service",
    "inbound/gateway-route":
        "a Gateway API route (HTTPRoute, GRPCRoute, TLSRoute, TCPRoute, UDPRoute) has a backend in an agent namespace, a ReferenceGrant of an agent namespace lets routes of other namespaces name its Services, or a Gateway sits in an agent namespace",
    "inbound/open-ingress":
        "a NetworkPolicy or CiliumNetworkPolicy of an agent namespace admits every source, the world entity, or more public addresses than the budget",
    "inbound/rbac-grant":
        "a RoleBinding in an agent namespace, or a ClusterRoleBinding, lets an agent service account write Ingresses, Gateways or routes, or Services where no unscoped ResourceQuota sets services.loadbalancers and services.nodeports to 0",
    "inbound/tunnel":
        "a tunnel operator exposes agent pods from outside the cluster: a Service of an agent namespace annotated for Tailscale (tailscale.com/expose), or a resource of the ngrok, Cloudflare tunnel or Tailscale operators that sits in an agent namespace or forwards to a host there",
    "inbound/unreadable":
        "a field that decides inbound exposure is unknown during preview or not of a documented value (fail closed)",
} as const;

export type InboundCode = keyof typeof INBOUND_CODES;

const SERVICE = /^kubernetes:core\/v1:Service(Patch)?$/;
const INGRESS =
    /^kubernetes:(networking\.k8s\.io\/v1|networking\.k8s\.io\/v1beta1|extensions\/v1beta1):Ingress(Patch)?$/;
/**
 * Ingress controllers' own route kinds, in whatever API version: in an agent namespace each exposes its Services.
 * A Knative Service is routed from outside unless labelled cluster-local.
 */
const CONTROLLER_ROUTE =
    /^kubernetes:(traefik\.io|traefik\.containo\.us|projectcontour\.io|networking\.istio\.io|route\.openshift\.io|serving\.knative\.dev|getambassador\.io|k8s\.nginx\.org|configuration\.konghq\.com|gateway\.kusk\.io|apisix\.apache\.org)\/[^:]+:(IngressRoute|IngressRouteTCP|IngressRouteUDP|HTTPProxy|VirtualService|Gateway|Route|Service|Mapping|TCPMapping|Host|VirtualServer|TransportServer|TCPIngress|UDPIngress|ApisixRoute)(Patch)?$/;
const ISTIO_VIRTUAL_SERVICE = /^kubernetes:networking\.istio\.io\/[^:]+:VirtualService(Patch)?$/;
const KNATIVE_VISIBILITY = "networking.knative.dev/visibility";
const ROUTE = /^kubernetes:gateway\.networking\.k8s\.io\/[^:]+:(HTTP|GRPC|TLS|TCP|UDP)Route(Patch)?$/;
const GATEWAY = /^kubernetes:gateway\.networking\.k8s\.io\/[^:]+:Gateway(Patch)?$/;
const REFERENCE_GRANT = /^kubernetes:gateway\.networking\.k8s\.io\/[^:]+:ReferenceGrant(Patch)?$/;
const CILIUM_POLICY = /^kubernetes:cilium\.io\/[^:]+:CiliumNetworkPolicy$/;
/** Tunnel operators' resources: each opens a path from outside the cluster to the Services it names. */
const TUNNEL =
    /^kubernetes:(ngrok\.k8s\.ngrok\.com|ingress\.k8s\.ngrok\.com|bindings\.k8s\.ngrok\.com|networking\.cfargotunnel\.com|tailscale\.com)\/[^:]+:[^:]+$/;
/** Service annotations that ask the Tailscale operator to expose the Service on the tailnet (or the internet). */
const TUNNEL_ANNOTATIONS = ["tailscale.com/expose", "tailscale.com/funnel"];
/** Service types that keep a Service inside the cluster (ExternalName is an outbound alias). */
const INTERNAL_TYPES = new Set(["ClusterIP", "ExternalName"]);
/** Cilium entities that include sources outside the cluster. */
const OUTSIDE_ENTITIES = new Set(["world", "all", "world-ipv4", "world-ipv6"]);

const kindName = (node: ResourceNode): string => node.type.slice(node.type.lastIndexOf(":") + 1);

/** Every inbound channel to agent pods that the stack declares. */
export function inboundChannelFindings(
    model: StackModel,
    agents: AgentNamespaces,
    config: Pick<AgentguardConfig, "maxPublicEgressAddresses" | "allowedEgressCidrs">,
): Finding[] {
    const out: Finding[] = [];
    const say = (node: ResourceNode, code: InboundCode, message: string) =>
        out.push({
            urn: node.urn,
            name: node.name,
            code,
            message: `${kindName(node)} ${node.name} ${message}`,
        });
    const services = model.resources.filter((r) => SERVICE.test(r.type));
    const mayBeAgent = (p: Placement) => !p.known || p.agent;
    const endpoints = new HandWrittenEndpoints(model, agents);
    for (const service of services) {
        const placement = placementOf(service, agents);
        if (!placement.known || placement.agent) {
            judgeService(service, agentPlacementPhrase(placement), (c, m) => say(service, c, m));
            judgeTunnelAnnotations(service, agentPlacementPhrase(placement), (c, m) => say(service, c, m));
            continue;
        }
        // Elsewhere only a Service without a selector can reach agent pods: through endpoints written by hand.
        const name = metadataOf(service)?.name;
        const spec = service.props.spec;
        if (
            typeof name !== "string" ||
            (isObject(spec) && isObject(spec.selector) && Object.keys(spec.selector).length > 0)
        )
            continue;
        const via = endpoints.agentTargets(placement.namespace, name);
        if (via !== undefined) {
            judgeService(
                service,
                `in namespace ${placement.namespace}, whose hand-written endpoints ${via},`,
                (c, m) => say(service, c, m),
            );
        }
    }
    const aliases = new ExternalNames(services, agents);
    for (const ingress of model.resources.filter((r) => INGRESS.test(r.type))) {
        judgeIngress(ingress, placementOf(ingress, agents), aliases, (c, m) => say(ingress, c, m));
    }
    for (const route of model.resources.filter((r) => CONTROLLER_ROUTE.test(r.type))) {
        judgeControllerRoute(route, placementOf(route, agents), agents, (c, m) => say(route, c, m));
    }
    for (const route of model.resources.filter((r) => ROUTE.test(r.type))) {
        judgeRoute(route, placementOf(route, agents), agents, aliases, (c, m) => say(route, c, m));
    }
    for (const gateway of model.resources.filter((r) => GATEWAY.test(r.type))) {
        const placement = placementOf(gateway, agents);
        if (placement.known && !placement.agent) continue;
        // Some implementations run the Gateway's proxy pods in its namespace, and its routes default to it.
        say(
            gateway,
            "inbound/gateway-route",
            `${agentPlacementPhrase(placement)} is an entry point from outside the cluster in the agent namespace (its routes, and for some implementations its proxy pods, live there). Run Gateways in a namespace of the platform.`,
        );
    }
    for (const grant of model.resources.filter((r) => REFERENCE_GRANT.test(r.type))) {
        const placement = placementOf(grant, agents);
        if (mayBeAgent(placement)) judgeReferenceGrant(grant, placement, (c, m) => say(grant, c, m));
    }
    for (const tunnel of model.resources.filter((r) => TUNNEL.test(r.type))) {
        judgeTunnel(tunnel, placementOf(tunnel, agents), agents, (c, m) => say(tunnel, c, m));
    }
    out.push(...openIngressFindings(model, agents, config));
    return out;
}

function judgeTunnelAnnotations(service: ResourceNode, where: string, say: Say): void {
    const annotations = metadataOf(service)?.annotations;
    if (isUnknown(annotations)) {
        return say(
            "inbound/unreadable",
            `${where}: metadata.annotations are unknown during preview, so a tunnel operator's annotation (tailscale.com/expose) cannot be ruled out. Make them plain values.`,
        );
    }
    if (!isObject(annotations)) return;
    for (const key of TUNNEL_ANNOTATIONS) {
        const value = annotations[key];
        if (value === undefined || value === null || value === "false") continue;
        say(
            "inbound/tunnel",
            `${where} is annotated ${key}=${JSON.stringify(isUnknown(value) ? "(unknown)" : value)}: the Tailscale operator exposes it on the tailnet (or the internet, with funnel), a channel to the agent pods that no egress rule sees. Remove the annotation from agent Services.`,
        );
    }
}

/** A tunnel operator's resource in an agent namespace, or one whose strings name a host in an agent namespace. */
function judgeTunnel(tunnel: ResourceNode, placement: Placement, agents: AgentNamespaces, say: Say): void {
    if (!placement.known || placement.agent) {
        return say(
            "inbound/tunnel",
            `${agentPlacementPhrase(placement)} is a tunnel operator's resource: it opens a path from the internet (or a tailnet) to Services of the agent namespace. Run tunnels only for platform namespaces.`,
        );
    }
    const spec = tunnel.props.spec;
    if (containsUnknown(spec)) {
        return say(
            "inbound/unreadable",
            `in namespace ${placement.namespace} is a tunnel operator's resource whose spec is unknown during preview, so it may forward to agent pods. Make it a plain value.`,
        );
    }
    const hosts: string[] = [];
    const walk = (value: unknown): void => {
        if (typeof value === "string") {
            const host = value.replace(/^[a-z][a-z0-9+.-]*:\/\//i, "").split(/[/:?#]/)[0];
            const ns = clusterNamespaceOf(host);
            if (ns !== undefined && agents.isAgent(ns)) hosts.push(value);
        } else if (Array.isArray(value)) value.forEach(walk);
        else if (isObject(value)) Object.values(value).forEach(walk);
    };
    walk(spec);
    if (hosts.length > 0)
        say(
            "inbound/tunnel",
            `in namespace ${placement.namespace} is a tunnel operator's resource that forwards traffic from the internet (or a tailnet) to ${hosts.join(", ")}, in an agent namespace. Tunnel only to platform Services.`,
        );
}

type Say = (code: InboundCode, message: string) => void;

function judgeService(service: ResourceNode, where: string, say: Say): void {
    const spec = service.props.spec;
    if (isUnknown(spec)) {
        return say(
            "inbound/unreadable",
            `${where}: spec is unknown during preview, so whether it exposes agent pods outside the cluster cannot be checked. Make it a plain value.`,
        );
    }
    const s = isObject(spec) ? spec : {};
    const selector = isObject(s.selector) ? ` (selector ${JSON.stringify(s.selector)})` : "";
    const type = s.type;
    if (isUnknown(type)) {
        say(
            "inbound/unreadable",
            `${where}: spec.type is unknown during preview, so it may be LoadBalancer or NodePort. Make it a plain value (ClusterIP).`,
        );
    } else if (type === "LoadBalancer") {
        say(
            "inbound/load-balancer",
            `${where} is of type LoadBalancer: anyone who reaches the load balancer (the internet, for a public one; annotations that make it internal are the controller's to honour) can open connections to the agent pods it selects${selector}. Keep agent Services ClusterIP and let agents reach out through their egress allowlist.`,
        );
    } else if (type === "NodePort") {
        say(
            "inbound/node-port",
            `${where} is of type NodePort: every node opens a port to the agent pods it selects${selector}, reachable from wherever the nodes are. Keep agent Services ClusterIP.`,
        );
    } else if (
        type !== undefined &&
        type !== null &&
        !(typeof type === "string" && INTERNAL_TYPES.has(type))
    ) {
        say(
            "inbound/unreadable",
            `${where} has spec.type ${JSON.stringify(type)}, which is not ClusterIP, ExternalName, NodePort or LoadBalancer, so it is judged as exposing agent pods (fail closed). Use ClusterIP.`,
        );
    }
    const ips = s.externalIPs;
    if (isUnknown(ips) || (Array.isArray(ips) && ips.some(isUnknown))) {
        say(
            "inbound/unreadable",
            `${where}: spec.externalIPs is unknown during preview, so traffic to those addresses may reach agent pods. Remove it or make it a plain value.`,
        );
    } else if (Array.isArray(ips) && ips.length > 0) {
        say(
            "inbound/external-ip",
            `${where} has spec.externalIPs ${JSON.stringify(ips)}: nodes route traffic for those addresses to the agent pods it selects${selector}. Remove externalIPs from agent Services.`,
        );
    } else if (ips !== undefined && ips !== null && !Array.isArray(ips)) {
        say(
            "inbound/unreadable",
            `${where} has spec.externalIPs ${JSON.stringify(ips)}, which is not a list of addresses (fail closed). Remove it.`,
        );
    }
}

const ENDPOINTS = /^kubernetes:core\/v1:Endpoints(Patch)?$/;
const ENDPOINT_SLICE = /^kubernetes:discovery\.k8s\.io\/[^:]+:EndpointSlice(Patch)?$/;
const SERVICE_NAME_LABEL = "kubernetes.io/service-name";

/**
 * Endpoints and EndpointSlices declared in the stack for selectorless Services: a targetRef to a pod of an
 * agent namespace (or one unknown during preview) makes the Service a way in to agent pods.
 */
class HandWrittenEndpoints {
    private readonly byService = new Map<string, string[]>();

    constructor(model: StackModel, agents: AgentNamespaces) {
        for (const node of model.resources) {
            const endpoints = ENDPOINTS.test(node.type);
            if (!endpoints && !ENDPOINT_SLICE.test(node.type)) continue;
            const placement = placementOf(node, agents);
            const meta = metadataOf(node);
            const service = endpoints
                ? meta?.name
                : isObject(meta?.labels)
                  ? meta.labels[SERVICE_NAME_LABEL]
                  : undefined;
            if (!placement.known || typeof service !== "string") continue;
            const refs = endpoints
                ? (Array.isArray(node.props.subsets) ? node.props.subsets : []).flatMap((subset) =>
                      isObject(subset)
                          ? [subset.addresses, subset.notReadyAddresses].flatMap((a) =>
                                Array.isArray(a) ? a : [],
                            )
                          : [],
                  )
                : Array.isArray(node.props.endpoints)
                  ? node.props.endpoints
                  : [];
            const why = refs.flatMap((ref) => {
                const target = isObject(ref) ? ref.targetRef : undefined;
                if (containsUnknown(target))
                    return [`name a target unknown during preview (in ${node.name})`];
                const ns = isObject(target) ? target.namespace : undefined;
                return typeof ns === "string" && agents.isAgent(ns)
                    ? [
                          `point at ${String(isObject(target) ? target.kind : "a pod")} ${String(isObject(target) ? target.name : "")} in agent namespace ${ns} (${node.name})`,
                      ]
                    : [];
            });
            if (containsUnknown(node.props.subsets) || containsUnknown(node.props.endpoints)) {
                why.push(`are unknown during preview (${node.name})`);
            }
            if (why.length === 0) continue;
            const key = `${placement.namespace}/${service}`;
            this.byService.set(key, [...(this.byService.get(key) ?? []), ...why]);
        }
    }

    /** Why the hand-written endpoints of Service `namespace/name` lead to agent pods, or undefined. */
    agentTargets(namespace: string, name: string): string | undefined {
        return this.byService.get(`${namespace}/${name}`)?.join("; ");
    }
}

/**
 * ExternalName Services declared in the stack, by namespace and name, and the agent namespace their alias
 * names (`<service>.<namespace>[.svc[.<cluster domain>]]`), so that a route outside agent namespaces cannot
 * reach an agent Service through an alias in its own namespace.
 */
class ExternalNames {
    private readonly byKey = new Map<string, { alias: unknown; node: ResourceNode }>();

    constructor(
        services: readonly ResourceNode[],
        private readonly agents: AgentNamespaces,
    ) {
        for (const service of services) {
            const placement = placementOf(service, agents);
            const name = metadataOf(service)?.name;
            if (!placement.known || typeof name !== "string") continue;
            const spec = service.props.spec;
            if (isUnknown(spec) || (isObject(spec) && isUnknown(spec.type))) {
                this.byKey.set(`${placement.namespace}/${name}`, { alias: spec, node: service });
            } else if (isObject(spec) && spec.type === "ExternalName") {
                this.byKey.set(`${placement.namespace}/${name}`, { alias: spec.externalName, node: service });
            }
        }
    }

    /** Why Service `namespace/name` leads to agent pods through its alias, or undefined. */
    agentAlias(namespace: string, name: string): string | undefined {
        const entry = this.byKey.get(`${namespace}/${name}`);
        if (entry === undefined) return undefined;
        const { alias } = entry;
        if (isUnknown(alias) || (isObject(alias) && containsUnknown(alias))) {
            return `Service ${namespace}/${name}, whose type or externalName is unknown during preview (it may alias an agent Service)`;
        }
        if (typeof alias !== "string") return undefined;
        const target = clusterNamespaceOf(alias);
        if (target !== undefined && this.agents.isAgent(target)) {
            return `Service ${namespace}/${name}, an ExternalName alias of ${alias} in agent namespace ${target}`;
        }
        return undefined;
    }
}

/** The namespace a cluster DNS name points into (`svc.ns`, `svc.ns.svc`, `svc.ns.svc.cluster.local`, pod names). */
export function clusterNamespaceOf(host: string): string | undefined {
    const labels = host.trim().toLowerCase().replace(/\.+$/, "").split(".");
    if (labels.length === 2) return labels[1];
    const at = labels.findIndex((l, i) => i >= 2 && (l === "svc" || l === "pod"));
    return at >= 2 ? labels[at - 1] : undefined;
}

/** The Service names an Ingress routes to (v1 and v1beta1 shapes), with their paths; "unknown" entries fail closed. */
function ingressBackends(spec: Obj): { at: string; service: unknown; resource: boolean }[] {
    const out: { at: string; service: unknown; resource: boolean }[] = [];
    const backend = (value: unknown, at: string) => {
        if (isUnknown(value)) return void out.push({ at, service: value, resource: false });
        if (!isObject(value)) return;
        if (value.resource !== undefined) return void out.push({ at, service: undefined, resource: true });
        const service = isObject(value.service) ? value.service.name : (value.service ?? value.serviceName);
        out.push({ at, service, resource: false });
    };
    backend(spec.defaultBackend, "spec.defaultBackend");
    backend(spec.backend, "spec.backend");
    if (isUnknown(spec.rules)) out.push({ at: "spec.rules", service: spec.rules, resource: false });
    (Array.isArray(spec.rules) ? spec.rules : []).forEach((rule, i) => {
        if (isUnknown(rule)) return void out.push({ at: `spec.rules[${i}]`, service: rule, resource: false });
        const http = isObject(rule) ? rule.http : undefined;
        const paths = isObject(http) ? http.paths : isUnknown(http) ? http : undefined;
        if (isUnknown(paths))
            return void out.push({ at: `spec.rules[${i}].http`, service: paths, resource: false });
        (Array.isArray(paths) ? paths : []).forEach((path, j) =>
            backend(isObject(path) ? path.backend : path, `spec.rules[${i}].http.paths[${j}].backend`),
        );
    });
    return out;
}

function judgeIngress(ingress: ResourceNode, placement: Placement, aliases: ExternalNames, say: Say): void {
    const spec = ingress.props.spec;
    const agentSide = !placement.known || placement.agent;
    if (isUnknown(spec)) {
        if (agentSide)
            say(
                "inbound/unreadable",
                `${agentPlacementPhrase(placement)}: spec is unknown during preview, so the Services it exposes cannot be checked. Make it a plain value.`,
            );
        return;
    }
    const backends = ingressBackends(isObject(spec) ? spec : {});
    if (agentSide) {
        if (backends.length === 0) return;
        const names = backends.map(
            (b) =>
                `${b.at} → ${b.resource ? "a resource backend" : isUnknown(b.service) ? "(unknown during preview)" : `Service ${String(b.service)}`}`,
        );
        return say(
            "inbound/ingress",
            `${agentPlacementPhrase(placement)} routes traffic from outside the cluster to the agent namespace's Services: ${names.join(", ")}. Do not expose agent pods through an Ingress; put a service the platform runs outside agent namespaces in front of them if callers must reach an agent.`,
        );
    }
    for (const b of backends) {
        if (isUnknown(b.service)) {
            say(
                "inbound/unreadable",
                `in namespace ${placement.namespace}: ${b.at} names a Service unknown during preview, which may alias an agent Service. Make it a plain value.`,
            );
            continue;
        }
        if (typeof b.service !== "string") continue;
        const alias = aliases.agentAlias(placement.namespace, b.service);
        if (alias !== undefined) {
            say(
                "inbound/ingress",
                `in namespace ${placement.namespace}: ${b.at} routes traffic from outside the cluster to ${alias}, so it exposes agent pods. Do not alias agent Services from other namespaces.`,
            );
        }
    }
}

/**
 * An ingress controller's route: in an agent namespace it exposes that namespace's Services (a Knative
 * Service labelled cluster-local excepted); an Istio VirtualService anywhere may send traffic to a host of an
 * agent namespace (`coder.agent-a.svc.cluster.local`).
 */
function judgeControllerRoute(
    route: ResourceNode,
    placement: Placement,
    agents: AgentNamespaces,
    say: Say,
): void {
    const kind = `${route.type.split(":")[1].split("/")[0]} ${kindName(route)}`;
    if (!placement.known || placement.agent) {
        if (route.type.includes("serving.knative.dev")) {
            const labels = metadataOf(route)?.labels;
            if (containsUnknown(labels)) {
                return say(
                    "inbound/unreadable",
                    `${agentPlacementPhrase(placement)}: its labels are unknown during preview, so whether it is routed from outside the cluster (${KNATIVE_VISIBILITY}) cannot be checked. Make them plain values.`,
                );
            }
            if (isObject(labels) && labels[KNATIVE_VISIBILITY] === "cluster-local") return;
        }
        return say(
            "inbound/ingress",
            `${agentPlacementPhrase(placement)} is a ${kind}, which the ingress controller routes from outside the cluster to agent pods. Do not expose agent pods through an ingress controller${route.type.includes("serving.knative.dev") ? `; label a Knative Service ${KNATIVE_VISIBILITY}: cluster-local` : ""}.`,
        );
    }
    if (!ISTIO_VIRTUAL_SERVICE.test(route.type)) return;
    const spec = route.props.spec;
    if (containsUnknown(spec)) {
        return say(
            "inbound/unreadable",
            `in namespace ${placement.namespace}: spec is unknown during preview, so its destinations cannot be checked. Make it a plain value.`,
        );
    }
    const hosts = destinationHosts(isObject(spec) ? spec : {});
    for (const host of hosts) {
        const target = clusterNamespaceOf(host);
        if (target !== undefined && agents.isAgent(target)) {
            say(
                "inbound/ingress",
                `in namespace ${placement.namespace} routes traffic to ${host} in agent namespace ${target}, so it exposes agent pods. Route nothing to agent Services.`,
            );
        }
    }
}

/** `spec.{http,tcp,tls}[].route[].destination.host` of an Istio VirtualService (and `mirror.host`). */
function destinationHosts(spec: Obj): string[] {
    return (["http", "tcp", "tls"] as const).flatMap((protocol) => {
        const routes = spec[protocol];
        return (Array.isArray(routes) ? routes : []).flatMap((r) => {
            if (!isObject(r)) return [];
            const destinations = (Array.isArray(r.route) ? r.route : []).map((d) =>
                isObject(d) ? d.destination : undefined,
            );
            return [...destinations, r.mirror].flatMap((d) =>
                isObject(d) && typeof d.host === "string" ? [d.host] : [],
            );
        });
    });
}

/** `spec.rules[].backendRefs[]` of a Gateway API route. */
function routeBackendRefs(spec: Obj): { at: string; ref: unknown }[] {
    if (isUnknown(spec.rules)) return [{ at: "spec.rules", ref: spec.rules }];
    return (Array.isArray(spec.rules) ? spec.rules : []).flatMap((rule, i) => {
        if (isUnknown(rule)) return [{ at: `spec.rules[${i}]`, ref: rule }];
        const refs = isObject(rule) ? rule.backendRefs : undefined;
        if (isUnknown(refs)) return [{ at: `spec.rules[${i}].backendRefs`, ref: refs }];
        return (Array.isArray(refs) ? refs : []).map((ref, j) => ({
            at: `spec.rules[${i}].backendRefs[${j}]`,
            ref,
        }));
    });
}

function judgeRoute(
    route: ResourceNode,
    placement: Placement,
    agents: AgentNamespaces,
    aliases: ExternalNames,
    say: Say,
): void {
    const spec = route.props.spec;
    const where = placement.known ? `in namespace ${placement.namespace}` : agentPlacementPhrase(placement);
    if (isUnknown(spec)) {
        return say(
            "inbound/unreadable",
            `${where}: spec is unknown during preview, so its backends cannot be checked. Make it a plain value.`,
        );
    }
    for (const { at, ref } of routeBackendRefs(isObject(spec) ? spec : {})) {
        if (containsUnknown(ref)) {
            say(
                "inbound/unreadable",
                `${where}: ${at} is unknown during preview, so it may name a backend in an agent namespace. Make it a plain value.`,
            );
            continue;
        }
        if (!isObject(ref)) continue;
        const explicit = ref.namespace;
        const target =
            typeof explicit === "string" && explicit !== ""
                ? explicit
                : placement.known
                  ? placement.namespace
                  : undefined;
        const backend = `${typeof ref.kind === "string" ? ref.kind : "Service"} ${String(ref.name)}`;
        if (target === undefined) {
            say(
                "inbound/gateway-route",
                `${where}: ${at} names ${backend} in the route's own namespace, which may be an agent namespace, so it may expose agent pods. Keep routes and their backends out of agent namespaces.`,
            );
        } else if (agents.isAgent(target)) {
            const cross = target !== (placement.known ? placement.namespace : undefined);
            say(
                "inbound/gateway-route",
                `${where}: ${at} routes traffic from the Gateway to ${backend} in agent namespace ${target}${cross ? " (a cross-namespace reference, which a ReferenceGrant there admits, or an agent able to write one can admit later)" : ""}, so it exposes agent pods. Keep agent Services out of Gateway routes.`,
            );
        } else if ((ref.kind ?? "Service") === "Service" && typeof ref.name === "string") {
            const alias = aliases.agentAlias(target, ref.name);
            if (alias !== undefined)
                say(
                    "inbound/gateway-route",
                    `${where}: ${at} routes traffic from the Gateway to ${alias}, so it exposes agent pods. Do not alias agent Services from other namespaces.`,
                );
        }
    }
}

function judgeReferenceGrant(grant: ResourceNode, placement: Placement, say: Say): void {
    const spec = grant.props.spec;
    const where = agentPlacementPhrase(placement);
    if (containsUnknown(spec)) {
        return say(
            "inbound/unreadable",
            `${where}: spec is unknown during preview, so it may let routes of other namespaces name agent Services. Make it a plain value.`,
        );
    }
    const s = isObject(spec) ? spec : {};
    const from = (Array.isArray(s.from) ? s.from : []).filter(
        (f) => isObject(f) && typeof f.kind === "string" && /Route$/.test(f.kind),
    );
    const to = (Array.isArray(s.to) ? s.to : []).filter(
        (t) =>
            isObject(t) &&
            (t.group === "" || t.group === undefined || t.group === "core") &&
            t.kind === "Service",
    );
    if (from.length === 0 || to.length === 0) return;
    const routes = from
        .map((f) => `${(f as Obj).kind} of namespace ${String((f as Obj).namespace)}`)
        .join(", ");
    say(
        "inbound/gateway-route",
        `${where} lets ${routes} route traffic to ${to.map((t) => (isObject(t) && typeof t.name === "string" ? `Service ${t.name}` : "every Service")).join(", ")} of the agent namespace, so a Gateway can expose agent pods. Do not grant routes access to agent Services.`,
    );
}

/** Ingress rules of agent NetworkPolicies and CiliumNetworkPolicies that admit sources outside the cluster. */
function openIngressFindings(
    model: StackModel,
    agents: AgentNamespaces,
    config: Pick<AgentguardConfig, "maxPublicEgressAddresses" | "allowedEgressCidrs">,
): Finding[] {
    const out: Finding[] = [];
    const unions = new Map<string, { policies: ResourceNode[]; blocks: IpBlock[]; placement: Placement }>();
    const say = (node: ResourceNode, code: InboundCode, placement: Placement, message: string) =>
        out.push({
            urn: node.urn,
            name: node.name,
            code,
            message: `${kindName(node)} ${node.name} ${agentPlacementPhrase(placement)}: ${message}`,
        });
    const policies = [
        ...model.ofType(...NETWORK_POLICY_TYPES),
        ...model.resources.filter((r) => CILIUM_POLICY.test(r.type)),
    ];
    for (const policy of policies) {
        const placement = placementOf(policy, agents);
        if (placement.known && !placement.agent) continue;
        const read = CILIUM_POLICY.test(policy.type) ? ciliumIngress(policy) : networkPolicyIngress(policy);
        for (const m of read.open)
            say(
                policy,
                "inbound/open-ingress",
                placement,
                `${m}. Admit only the pods and namespaces that must call the agent.`,
            );
        for (const m of read.unknown)
            say(
                policy,
                "inbound/unreadable",
                placement,
                `${m} is unknown during preview or unreadable, so the sources it admits cannot be checked. Make it a plain value.`,
            );
        if (read.blocks.length === 0) continue;
        const key = placement.known ? placement.namespace : policy.urn;
        const entry = unions.get(key) ?? { policies: [], blocks: [], placement };
        entry.policies.push(policy);
        entry.blocks.push(...read.blocks);
        unions.set(key, entry);
    }
    for (const { policies: group, blocks, placement } of unions.values()) {
        const { blocks: parsed, problems } = parseableBlocks(blocks);
        const all = analyzeIpBlocks(parsed);
        const reasons = problems.map((p) => `lists CIDR ${p}`);
        if (all.coversAllIpv4) reasons.push("admit every IPv4 address (0.0.0.0/0)");
        if (all.coversAllIpv6) reasons.push("admit every IPv6 address (::/0)");
        if (!all.coversAllIpv4 && !all.coversAllIpv6) {
            const budgeted =
                config.allowedEgressCidrs.length === 0
                    ? all
                    : analyzeIpBlocks(
                          parsed.map((b) => ({
                              cidr: b.cidr,
                              except: [...(b.except ?? []), ...config.allowedEgressCidrs],
                          })),
                      );
            const reachable = budgeted.publicIpv4Addresses + budgeted.publicIpv6Addresses;
            if (reachable > BigInt(config.maxPublicEgressAddresses)) {
                reasons.push(
                    `admit ${reachable} public addresses, more than the budget of ${config.maxPublicEgressAddresses} (maxPublicEgressAddresses)`,
                );
            }
        }
        if (reasons.length === 0) continue;
        const blame = group[0];
        say(
            blame,
            "inbound/open-ingress",
            placement,
            `its ingress ipBlocks${
                group.length > 1
                    ? ` together with those of ${group
                          .slice(1)
                          .map((p) => p.name)
                          .join(", ")}`
                    : ""
            } ${reasons.join("; ")}, so hosts on the internet may open connections to agent pods. Admit only the ranges that must call the agent.`,
        );
    }
    return out;
}

interface IngressRead {
    readonly open: string[];
    readonly unknown: string[];
    readonly blocks: IpBlock[];
}

function networkPolicyIngress(policy: ResourceNode): IngressRead {
    const out: IngressRead = { open: [], unknown: [], blocks: [] };
    const spec = policy.props.spec;
    if (isUnknown(spec)) return { ...out, unknown: ["spec"] };
    const s = isObject(spec) ? spec : {};
    const types = s.policyTypes;
    if (isUnknown(types)) return { ...out, unknown: ["spec.policyTypes"] };
    // Without policyTypes a NetworkPolicy always governs ingress.
    if (Array.isArray(types) && !types.includes("Ingress")) return out;
    if (isUnknown(s.ingress)) return { ...out, unknown: ["spec.ingress"] };
    (Array.isArray(s.ingress) ? s.ingress : []).forEach((rule, i) => {
        const at = `spec.ingress[${i}]`;
        if (isUnknown(rule)) return void out.unknown.push(at);
        if (!isObject(rule)) return;
        if (isUnknown(rule.from)) return void out.unknown.push(`${at}.from`);
        if (!Array.isArray(rule.from) || rule.from.length === 0) {
            return void out.open.push(
                `${at} has no \`from\`, so it admits every source, hosts on the internet included (through any load balancer, NodePort or route to the pod network)`,
            );
        }
        rule.from.forEach((peer, j) => {
            const peerAt = `${at}.from[${j}]`;
            if (containsUnknown(peer)) return void out.unknown.push(peerAt);
            if (!isObject(peer)) return;
            if (Object.keys(peer).length === 0) {
                return void out.open.push(
                    `${peerAt} is an empty peer, which admits every source, the internet included`,
                );
            }
            const block = peer.ipBlock;
            if (isObject(block) && typeof block.cidr === "string") {
                const except = Array.isArray(block.except)
                    ? block.except.filter((e): e is string => typeof e === "string")
                    : [];
                out.blocks.push({ cidr: block.cidr, except });
            }
        });
    });
    return out;
}

function ciliumIngress(policy: ResourceNode): IngressRead {
    const out: IngressRead = { open: [], unknown: [], blocks: [] };
    const { spec, specs } = policy.props;
    if (isUnknown(spec) || isUnknown(specs)) return { ...out, unknown: ["spec"] };
    const rules: [string, unknown][] = [];
    if (isObject(spec)) rules.push(["spec", spec]);
    if (Array.isArray(specs)) specs.forEach((r, i) => rules.push([`specs[${i}]`, r]));
    for (const [at, rule] of rules) {
        if (!isObject(rule)) continue;
        if (isUnknown(rule.ingress)) {
            out.unknown.push(`${at}.ingress`);
            continue;
        }
        (Array.isArray(rule.ingress) ? rule.ingress : []).forEach((entry, i) => {
            const entryAt = `${at}.ingress[${i}]`;
            if (containsUnknown(entry)) return void out.unknown.push(entryAt);
            if (!isObject(entry)) return;
            const entities = Array.isArray(entry.fromEntities) ? entry.fromEntities : [];
            for (const entity of entities) {
                if (typeof entity === "string" && OUTSIDE_ENTITIES.has(entity.toLowerCase())) {
                    out.open.push(
                        `${entryAt}.fromEntities includes "${entity}", which admits hosts on the internet`,
                    );
                }
            }
            for (const cidr of Array.isArray(entry.fromCIDR) ? entry.fromCIDR : []) {
                if (typeof cidr === "string") out.blocks.push({ cidr });
            }
            for (const set of Array.isArray(entry.fromCIDRSet) ? entry.fromCIDRSet : []) {
                if (isObject(set) && typeof set.cidr === "string") {
                    const except = Array.isArray(set.except)
                        ? set.except.filter((e): e is string => typeof e === "string")
                        : [];
                    out.blocks.push({ cidr: set.cidr, except });
                }
            }
        });
    }
    return out;
}
