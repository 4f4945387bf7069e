import { defineReachRule } from "../../lib/reach-rule";

export const stackForbidAgentEgressPaths = defineReachRule(
    {
        name: "stack-forbid-agent-egress-paths",
        description:
            "An agent identity must not reach, through the reach graph, compute or pods that can open connections to the internet, nor a channel the internet can open to what it controls: compute whose code it can change or whose images it can push, and namespaces where it can create pods, are judged by the same egress and inbound rules as its own. On Kubernetes: a namespace outside agent namespaces where the agent (or a service account it becomes through RBAC) may create pods needs its own default-deny egress policy, and its allows together must pass kubernetes-forbid-open-egress's checks (a declared egress proxy does not bind pods the agent writes; cluster-wide policies are not counted); an undeclared namespace fails closed; a ClusterRoleBinding reaches every namespace.",
        enforcementLevel: "mandatory",
        severity: "critical",
        remediationSteps:
            "Follow the printed path and cut it at one edge: scope the agent's grant to compute with no internet route (in a VPC behind security groups with narrow egress, in namespaces with a default-deny egress NetworkPolicy), or close the route itself.",
    },
    "egress",
    "Cut one edge of the path, or confine the compute at its end as the agent's own.",
);
