import { FUNCTION_CHANNEL_ACTIONS, REGISTER_TARGETS } from "../core/aws/channel-grants";
import { DIRECT_EGRESS_KINDS, GRAPH_EGRESS_KINDS } from "../core/aws/compute-egress";
import { CROSS_ACCOUNT_SERVICES } from "../core/aws/endpoint-routes";
import { WORKLOAD_GROUP_FIELDS } from "../core/aws/network/workload-security-groups";

/**
 * The reach graph's routes on the AWS side (docs/rules.md): what makes reached compute open to the internet
 * either way, from the same lists the code uses.
 */
export function renderComputeRoutesSection(): string[] {
    // `aws:ec2/instance:Instance` → `ec2.Instance`, as a Pulumi program names it.
    const label = (type: string) =>
        `\`${type.slice(4, type.indexOf("/"))}.${type.slice(type.lastIndexOf(":") + 1)}\``;
    const outside = Object.values(GRAPH_EGRESS_KINDS).map((k) => k.label);
    const graphOnly = Object.keys(GRAPH_EGRESS_KINDS).filter((t) => !(t in DIRECT_EGRESS_KINDS));
    return [
        "",
        "### Routes: open egress and inbound channels on the closure (AWS)",
        "",
        "`stack-forbid-agent-egress-paths` reports compute the agent runs code in (reached through `run-as`,",
        "`pulled-by` or `configures`: its code, its image, its notebook's lifecycle script) when that compute can",
        "open connections to the internet, or the internet can open them to it. It is judged with the functions",
        "the direct rules use (core/aws/compute-egress.ts, core/aws/network/), so a route is open on the closure",
        "exactly when it would be open on the agent's own compute. Compute that runs as an agent role is the",
        "agent's own code: the graph reaches it with no grant (`runs its own code`), so its inbound channels and",
        "onward endpoints are judged too (and the placement of graph-only kinds), while its VPC placement and",
        "agent-tagged groups otherwise stay with the direct rules;",
        "agent-tagged compute that runs as no role (an instance without a profile) is a start of its own:",
        "",
        `- **Outside the VPC.** ${outside.join(", ")} placed outside the VPC (${graphOnly.map(label).join(", ")} judged on the graph only).`,
        `- **Security groups.** The groups of ${Object.keys(WORKLOAD_GROUP_FIELDS).map(label).join(", ")} (an ECS task definition through`,
        "  the services that run it; a Batch job definition through every compute environment of the stack; a Glue",
        "  job through its connections; an App Runner service through its VPC connector): egress to 0.0.0.0/0 or",
        "  ::/0 (also split across rules, separate SecurityGroupRule / SecurityGroupEgressRule resources, or",
        "  declared prefix lists), or more public addresses than `maxPublicEgressAddresses`. An instance or launch",
        "  template that names no group runs in its VPC's default group: judged when the stack adopts it",
        "  (DefaultSecurityGroup), else a possible path.",
        "- **Inbound channels.** A function URL with authorizationType NONE; a lambda Permission for `*` (without",
        "  sourceArn, sourceAccount or principalOrgId) or for a service without sourceArn or sourceAccount; an API",
        "  Gateway HTTP API route (or quick-create API) or REST method with no authorizer integrated with the",
        "  function; a target group the compute is registered in (TargetGroupAttachment, ECS service",
        "  loadBalancers) behind a listener of a load balancer that is not internal; an instance, launch template",
        "  or awsvpc task with a public IP (associatePublicIpAddress, an Elastic IP) whose security group admits",
        "  any public address.",
        `- **The agent's own grants that open a channel.** ${FUNCTION_CHANNEL_ACTIONS.map((a) => `\`${a}\``).join(", ")} on a function`,
        "  it runs code in (agent compute, or one whose code or configuration it may also change), and",
        `  \`${REGISTER_TARGETS}\` on a target group an internet-facing load balancer forwards to: a \`route\``,
        "  edge to the channel. (`lambda:AddPermission` is permissions management: `aws-restrict-agent-iam-grants`",
        "  rejects it on its own.) `lambda:UpdateFunctionConfiguration` on any function of the stack, the agent's",
        "  own included, may empty its vpcConfig: an open-egress `route` edge unless a Condition on `lambda:VpcIds`,",
        "  `lambda:SubnetIds` or `lambda:SecurityGroupIds` pins the placement.",
        `- **Onward routes.** An interface VPC endpoint of ${CROSS_ACCOUNT_SERVICES.map((s) => `\`${s}\``).join(", ")} in the`,
        "  VPC of otherwise closed compute, with no policy or one whose Allow statements name no specific",
        "  resources (a wildcard before the first `/`) and no `aws:ResourceAccount` / `aws:ResourceOrgID`",
        "  condition: it serves that service in any account, past security groups that allow only private ranges.",
        "",
        "Fail closed: a network setting, security group reference, ingress, policy or join (function URL,",
        "permission, route, listener, an ECS service's task definition) that is unknown during preview is a",
        "*possible* path naming what was unknown. Not reported twice: the VPC placement of agent compute (agent-tagged, or running as an agent",
        "role) is `aws-restrict-agent-compute-egress`'s, and the groups of agent-tagged workloads are",
        "`aws-restrict-agent-security-group-egress`'s; the graph judges everything else it reaches. Subnets and",
        "route tables are not read: an open security group in a private subnet without a NAT gateway is still",
        "reported (the route table may change without touching the compute).",
        "",
        "**Routes still accepted, and why.**",
        "",
        "- A security group named by a known id that is not declared in this stack is judged where it is declared",
        "  (as the direct rule does for the agent's own compute: red-team p8).",
        "- Step Functions state machines (HTTP tasks through an EventBridge connection) and CloudFormation",
        "  stacks (whatever a template creates) are judged as escalation through the role they run as, not as",
        "  routes.",
        "- An ECS task definition that no service of the stack runs (RunTask, scheduled tasks), and tasks of",
        "  services without awsvpc networking beyond a possible path: their network is the caller's choice or the",
        "  container instances'.",
        "- Cross-account invoke permissions to a named account, API Gateway resource policies, CloudFront and",
        "  Global Accelerator in front of a load balancer, and Kubernetes Services/Ingresses of EKS workloads (the",
        "  Kubernetes rules judge those).",
        "- Gateway VPC endpoints are judged through the security group (their AWS-managed prefix list is",
        "  reported as unknown), not through their policy; interface endpoints of other services (ECR, STS, logs)",
        "  are not onward routes on their own.",
    ];
}
