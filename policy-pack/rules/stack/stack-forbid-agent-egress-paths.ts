import { defineReachRule } from "../../lib/reach-rule";

export const stackForbidAgentEgressPaths = defineReachRule(
    {
        name: "stack-forbid-agent-egress-paths",
        description:
            "An agent identity must not reach, through the reach graph, compute or pods that can open connections to the internet, nor a channel the internet can open to what it controls. On AWS: every compute resource whose code, image or lifecycle script the agent can change (one or more hops) is judged for placement outside the VPC, security groups with egress to 0.0.0.0/0 or ::/0 or over the public-address budget, function URLs without auth, invoke permissions for anyone, API Gateway routes without authorizer, internet-facing load balancers and public IPs with open ingress, the agent's own grants that open a function URL or register targets behind an internet-facing load balancer, and interface VPC endpoints without a resource-restricting policy; unknown values are possible paths. On Kubernetes: a namespace outside agent namespaces where the agent (or a service account it becomes through RBAC) may create pods needs its own default-deny egress policy, and its allows together must pass kubernetes-forbid-open-egress's checks (a declared egress proxy does not bind pods the agent writes; cluster-wide policies are not counted); an undeclared namespace fails closed; a ClusterRoleBinding reaches every namespace. Still accepted: security groups of other stacks, task definitions no service of the stack runs, subnet routing (see the reach graph's routes section).",
        enforcementLevel: "mandatory",
        severity: "critical",
        remediationSteps:
            "Follow the printed path and cut it at one edge: scope the agent's grant to compute with no internet route (in a VPC behind security groups with narrow egress, in namespaces with a default-deny egress NetworkPolicy), or close the route itself.",
    },
    "egress",
    "Cut one edge of the path, or confine the compute at its end as the agent's own.",
);
