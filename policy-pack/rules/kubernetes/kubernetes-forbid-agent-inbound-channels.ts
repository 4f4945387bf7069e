import { AgentNamespaces } from "../../../core/stack/agent-namespaces";
import { INBOUND_CODES, inboundChannelFindings } from "../../../core/kubernetes/inbound-channels";
import { inboundGrantFindings } from "../../lib/kubernetes/inbound-grants";
import { defineStackRule } from "../../lib/rule";

/** Inbound channels to agent pods (core/kubernetes/inbound-channels.ts). */
export const kubernetesForbidAgentInboundChannels = defineStackRule(
    {
        name: "kubernetes-forbid-agent-inbound-channels",
        description:
            'Nothing outside the cluster may open connections to agent pods, a control channel no egress rule sees: no Service in an agent namespace may be of type LoadBalancer or NodePort (whatever annotations ask for an internal load balancer), have externalIPs, or have a type Kubernetes does not define; no Ingress, and no route of an ingress controller (Traefik IngressRoute, Contour HTTPProxy, Istio VirtualService or Gateway, OpenShift Route, Emissary Mapping, NGINX VirtualServer, Kong, APISIX, a Knative Service not labelled `networking.knative.dev/visibility: cluster-local`), in an agent namespace may route to its pods, nor an Istio VirtualService elsewhere to a host of an agent namespace; no Gateway API route (HTTPRoute, GRPCRoute, TLSRoute, TCPRoute, UDPRoute), in any namespace, may name a backend in an agent namespace (a cross-namespace backendRef with a ReferenceGrant included), no ReferenceGrant of an agent namespace may admit routes to its Services, and no Gateway may sit in an agent namespace; no Ingress or route outside agent namespaces may reach an agent Service through an ExternalName Service that aliases it (`coder.agent-a.svc.cluster.local`); and no NetworkPolicy or CiliumNetworkPolicy of an agent namespace may admit every source (an ingress rule without `from`, an empty peer, the Cilium entities world or all) or ipBlocks that reach every address or more public addresses than the budget. A Service selects pods of its own namespace only, so Services elsewhere are judged as aliases and, without a selector, by the Endpoints and EndpointSlices this stack writes for them (a LoadBalancer, NodePort or externalIPs Service whose endpoints target a pod of an agent namespace, or a target unknown during preview, is rejected); Services that routes outside agent namespaces name but this stack does not declare are not reported. No RoleBinding in an agent namespace, nor any ClusterRoleBinding, may let an agent service account write (create, update, patch) Ingresses, Gateways, Gateway API routes, ReferenceGrants or ingress controllers\' routes, or Services unless an unscoped ResourceQuota of that agent namespace sets `services.loadbalancers` and `services.nodeports` to "0": the agent would open the channel itself at run time. No Service of an agent namespace may be annotated `tailscale.com/expose` or `tailscale.com/funnel`, and no resource of a tunnel operator (ngrok, Cloudflare tunnel, Tailscale) may sit in an agent namespace or forward to a host there (`coder.agent-a:8080`, `coder.agent-a.svc.cluster.local`). hostPort is judged by kubernetes-forbid-host-access. Values unknown during preview count as violations.',
        enforcementLevel: "mandatory",
        severity: "critical",
        remediationSteps:
            'Keep agent Services of type ClusterIP without externalIPs; grant agents no writes to ingresses, gateways or routes, and Service writes only beside a ResourceQuota with services.loadbalancers and services.nodeports "0"; expose nothing of an agent namespace through Ingress or Gateway API routes, and grant no route access to agent Services with a ReferenceGrant; do not alias agent Services with ExternalName Services in other namespaces. Give agent NetworkPolicies ingress rules with narrow `from` peers (pods and namespaces that must call the agent), never an empty rule or peer, 0.0.0.0/0, ::/0 or the Cilium world entity. An approved exposure goes in an exemption naming the resource and its code (e.g. inbound/load-balancer) with the reason.',
        codes: INBOUND_CODES,
    },
    (model, config) => {
        const agents = AgentNamespaces.of(model, config.agentNamespacePatterns);
        return [...inboundChannelFindings(model, agents, config), ...inboundGrantFindings(model, agents)];
    },
);
