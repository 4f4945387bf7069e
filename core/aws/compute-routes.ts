import type { GraphNode, NodeOutcome } from "../reach/graph";
import type { EdgeKind } from "../reach/actions";
import type { AgentguardConfig } from "../stack/config";
import type { ResourceNode, StackModel } from "../stack/stack-model";
import { containsUnknown, isUnknown } from "../unknowns";
import type { AgentRole } from "./agent-roles";
import {
    agentComputeReason,
    DIRECT_EGRESS_KINDS,
    egressProblems,
    GRAPH_EGRESS_KINDS,
    publicAddresses,
} from "./compute-egress";
import { SecurityGroups } from "./network/security-group-egress";
import { groupsOfWorkload, workloadAgentState } from "./network/workload-security-groups";

/**
 * Routes of compute the agent can make run its code (the reach graph's `run-as`, `pulled-by` and
 * `configures` edges): open egress (AWS runs it outside the VPC, or its security groups let it out) and
 * inbound channels (function URLs, invoke permissions, API Gateway routes without an authorizer, public load
 * balancers, public IPs with open ingress). Judged with the direct rules' functions (compute-egress.ts);
 * compute the direct rules already judge as the agent's own is skipped so nothing is reported twice.
 */

/** The agent runs its code there: what it reaches, the agent reaches. */
export const CODE_EDGES: readonly EdgeKind[] = ["run-as", "pulled-by", "configures"];

const ECS_SERVICE = "aws:ecs/service:Service";
const TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition";
const BATCH_ENVIRONMENT = "aws:batch/computeEnvironment:ComputeEnvironment";
const GLUE_CONNECTION = "aws:glue/connection:Connection";
const VPC_CONNECTOR = "aws:apprunner/vpcConnector:VpcConnector";
const DEFAULT_SECURITY_GROUP = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup";
const FUNCTION_URL = "aws:lambda/functionUrl:FunctionUrl";
const LAMBDA_PERMISSION = "aws:lambda/permission:Permission";
const API_V2 = "aws:apigatewayv2/api:Api";
const API_V2_INTEGRATION = "aws:apigatewayv2/integration:Integration";
const API_V2_ROUTE = "aws:apigatewayv2/route:Route";
const API_V1_INTEGRATION = "aws:apigateway/integration:Integration";
const API_V1_METHOD = "aws:apigateway/method:Method";
const EIP = "aws:ec2/eip:Eip";
const EIP_ASSOCIATION = "aws:ec2/eipAssociation:EipAssociation";
const LB_TYPES = ["aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer"];
const LISTENER_TYPES = ["aws:lb/listener:Listener", "aws:alb/listener:Listener"];
const LISTENER_RULE_TYPES = ["aws:lb/listenerRule:ListenerRule", "aws:alb/listenerRule:ListenerRule"];
const ATTACHMENT_TYPES = [
    "aws:lb/targetGroupAttachment:TargetGroupAttachment",
    "aws:alb/targetGroupAttachment:TargetGroupAttachment",
];
const TARGET_GROUP_TYPES = ["aws:lb/targetGroup:TargetGroup", "aws:alb/targetGroup:TargetGroup"];

/** One reason a route is open; `certain: false` when an unknown value may open it. */
interface Reason {
    readonly text: string;
    readonly certain: boolean;
}

/** The outcome provider for the reach graph: open egress and inbound channels of reached AWS compute. */
export function computeRouteOutcomes(routes: ComputeRoutes): (node: GraphNode) => NodeOutcome[] {
    const model = routes.model;
    return (node) => {
        if (node.decoded?.what.kind !== "compute") return [];
        const resource = model.byUrn(node.id);
        if (!resource || !resource.type.startsWith("aws:")) return [];
        return [
            ...outcome("open-egress", routes.egress(resource)),
            ...outcome("inbound-channel", routes.inbound(resource)),
        ];
    };
}

/** Certain reasons make one certain outcome; only guesses make one uncertain outcome. */
function outcome(kind: "open-egress" | "inbound-channel", reasons: readonly Reason[]): NodeOutcome[] {
    const certain = reasons.filter((r) => r.certain);
    const shown = certain.length > 0 ? certain : reasons;
    if (shown.length === 0) return [];
    const why = [...new Set(shown.map((r) => r.text))].join("; ");
    return [{ outcome: { kind, why }, certain: certain.length > 0, via: CODE_EDGES }];
}

/** One reason a route is open, as the outcome provider and the endpoint routes read it. */
export type RouteReason = Reason;

export class ComputeRoutes {
    private readonly groups: SecurityGroups;
    /** ECS services whose task definition is unknown and not linked: they may run any task definition. */
    private readonly maybeRuns = new Set<string>();

    constructor(
        readonly model: StackModel,
        private readonly config: AgentguardConfig,
        private readonly agentRoles: ReadonlyMap<string, AgentRole>,
    ) {
        this.groups = SecurityGroups.of(model);
    }

    egress(resource: ResourceNode): Reason[] {
        const out: Reason[] = [];
        const kind = GRAPH_EGRESS_KINDS[resource.type];
        // aws-restrict-agent-compute-egress judges where the agent's own compute runs, for the kinds it lists;
        // the graph-only kinds (AgentCore runtimes) are judged here for the agent's own compute too.
        const direct = DIRECT_EGRESS_KINDS[resource.type];
        if (kind && !(direct && agentComputeReason(resource, direct, this.agentRoles, this.model))) {
            const egress = kind.egress(resource.props);
            if (egress && "open" in egress) {
                return [
                    {
                        text: `${egress.open}: AWS runs it outside the VPC, with internet access`,
                        certain: true,
                    },
                ];
            }
            if (egress)
                out.push({
                    text: `its network placement cannot be judged: ${egress.unknown}`,
                    certain: false,
                });
        }
        if (kind && kind.egress(resource.props) !== undefined) return out;
        for (const placement of this.placements(resource)) {
            if ("unplaced" in placement) out.push({ text: placement.unplaced, certain: false });
            else if (this.maybeRuns.has(placement.urn)) {
                // A service whose task definition is unknown may run this one: what it opens is a guess.
                out.push(
                    ...this.groupEgress(placement).map((r) => ({
                        text: `${r.text} (ECS service ${placement.name}'s taskDefinition is unknown and not linked, so it may run this one)`,
                        certain: false,
                    })),
                );
            } else out.push(...this.groupEgress(placement));
        }
        return out;
    }

    /** The VPCs the compute's security groups belong to (by Vpc URN, or `id:<vpc id>`), for endpoint routes. */
    vpcsOf(resource: ResourceNode): Set<string> {
        const out = new Set<string>();
        for (const placement of this.placements(resource)) {
            if ("unplaced" in placement) continue;
            for (const group of groupsOfWorkload(placement, this.groups.finder)?.groups ?? []) {
                for (const key of vpcKeys(group)) out.add(key);
            }
        }
        return out;
    }

    /** Where the compute's network interfaces live: itself, or the resources that place it in a VPC. */
    private placements(resource: ResourceNode): (ResourceNode | { unplaced: string })[] {
        switch (resource.type) {
            case TASK_DEFINITION:
                return this.servicesOf(resource).map((service) => {
                    const network = record(service.props.networkConfiguration);
                    if (network !== undefined || isUnknown(service.props.networkConfiguration))
                        return service;
                    return {
                        unplaced: `ECS service ${service.name} runs it without an awsvpc networkConfiguration, so its tasks use the network of their container instances, which is not judged here`,
                    };
                });
            case "aws:batch/jobDefinition:JobDefinition": {
                const environments = this.model.ofType(BATCH_ENVIRONMENT);
                if (environments.length > 0) return environments;
                return [
                    {
                        unplaced:
                            "no Batch compute environment is declared in this stack, so the network its jobs run in cannot be judged",
                    },
                ];
            }
            case "aws:glue/job:Job":
                return this.linkedByValue(resource, "connections", GLUE_CONNECTION, ["name"]);
            case "aws:apprunner/service:Service":
                return this.linkedByValue(resource, "networkConfiguration", VPC_CONNECTOR, ["arn"]);
            default:
                return [resource];
        }
    }

    private groupEgress(workload: ResourceNode): Reason[] {
        // aws-restrict-agent-security-group-egress judges the groups of agent-tagged workloads.
        if (workloadAgentState(workload) !== "untagged") return [];
        const where = workload.type === TASK_DEFINITION ? "" : ` (${kindName(workload)} ${workload.name})`;
        const refs = groupsOfWorkload(workload, this.groups.finder);
        if (!refs) return [];
        const out: Reason[] = refs.unjoined.map((why) => ({
            text: `the security groups of ${kindName(workload)} ${workload.name} cannot be judged: ${why}`,
            certain: false,
        }));
        let groups = refs.groups;
        if (
            !refs.named &&
            (workload.type === "aws:ec2/instance:Instance" ||
                workload.type === "aws:ec2/launchTemplate:LaunchTemplate")
        ) {
            // No group named: EC2 puts it in its VPC's default group, judged only when the stack adopts it.
            groups = this.model.ofType(DEFAULT_SECURITY_GROUP);
            if (groups.length === 0) {
                out.push({
                    text: `${kindName(workload)} ${workload.name} names no security group, so it runs in its VPC's default group, which allows all egress unless changed and is not declared in this stack`,
                    certain: false,
                });
            }
        }
        for (const group of groups) {
            const egress = this.groups.of(group, "egress");
            const problems = egressProblems(egress.cidrs, this.config);
            if (problems.length > 0) {
                const cidrs = egress.cidrs.map((c) => `${c.cidr} in ${c.source}`).join(", ");
                out.push({
                    text: `security group ${group.name}${where}: ${problems.join("; ")} (${cidrs})`,
                    certain: true,
                });
            }
            for (const what of egress.unknown) {
                out.push({
                    text: `the egress of security group ${group.name}${where} cannot be checked: ${what}`,
                    certain: false,
                });
            }
        }
        if (groups.length > 0) {
            for (const rule of this.groups.unresolvedRules("egress")) {
                const problems = egressProblems(rule.cidrs, this.config, true);
                if (problems.length === 0) continue;
                out.push({
                    text: `egress rule ${rule.node.name} may open security group ${groups[0].name}${where} (${rule.why}): ${problems.join("; ")}`,
                    certain: false,
                });
            }
        }
        return out;
    }

    inbound(resource: ResourceNode): Reason[] {
        switch (resource.type) {
            case "aws:lambda/function:Function":
                return [
                    ...this.functionUrls(resource),
                    ...this.invokePermissions(resource),
                    ...this.apiRoutes(resource),
                    ...this.publicTargets([resource]),
                ];
            case "aws:ec2/instance:Instance":
                return [...this.publicInstance(resource), ...this.publicTargets([resource])];
            case "aws:ec2/launchTemplate:LaunchTemplate":
                return this.publicInstance(resource);
            case TASK_DEFINITION:
                return this.servicesOf(resource).flatMap((s) =>
                    [...this.publicTargets([s]), ...this.publicTask(s)].map((r) =>
                        this.maybeRuns.has(s.urn) ? { text: r.text, certain: false } : r,
                    ),
                );
            default:
                return [];
        }
    }

    private functionUrls(fn: ResourceNode): Reason[] {
        const out: Reason[] = [];
        for (const url of this.model.ofType(FUNCTION_URL)) {
            const joined = refersTo(url, "functionName", fn);
            if (joined === "no") continue;
            const auth = url.props.authorizationType;
            // Only AWS_IAM closes it; any other value (a typo, another case) is not trusted.
            if (auth === "AWS_IAM") continue;
            const open = auth === "NONE";
            const what = isUnknown(auth)
                ? "its authorizationType is unknown during preview"
                : `authorizationType ${JSON.stringify(auth)}, not AWS_IAM`;
            const which =
                joined === "yes"
                    ? ""
                    : " (its functionName is unknown and not linked, so it may be this function)";
            out.push({
                text: `function URL ${url.name}${which} lets anyone on the internet invoke it (${open ? "authorizationType NONE" : what})`,
                certain: joined === "yes" && open,
            });
        }
        return out;
    }

    private invokePermissions(fn: ResourceNode): Reason[] {
        const out: Reason[] = [];
        for (const permission of this.model.ofType(LAMBDA_PERMISSION)) {
            const joined = refersTo(permission, "function", fn);
            if (joined === "no") continue;
            const principal = permission.props.principal;
            const source =
                permission.props.sourceArn ??
                permission.props.sourceAccount ??
                permission.props.principalOrgId;
            let why: string | undefined;
            let certain = joined === "yes";
            if (isUnknown(principal) || typeof principal !== "string") {
                why = "its principal is unknown during preview";
                certain = false;
            } else if (principal === "*") {
                why = source === undefined ? 'principal "*" (any AWS account) may invoke it' : undefined;
                if (source !== undefined && containsUnknown(source))
                    why = 'principal "*" with a condition unknown during preview';
                if (source !== undefined && containsUnknown(source)) certain = false;
            } else if (principal.endsWith(".amazonaws.com") && source === undefined) {
                why = `service ${principal} may invoke it on behalf of any account (no sourceArn or sourceAccount)`;
            }
            if (why === undefined) continue;
            const which =
                joined === "yes"
                    ? ""
                    : " (its function is unknown and not linked, so it may be this function)";
            out.push({ text: `lambda Permission ${permission.name}${which}: ${why}`, certain });
        }
        return out;
    }

    /** API Gateway routes and methods that integrate the function without an authorizer. */
    private apiRoutes(fn: ResourceNode): Reason[] {
        const out: Reason[] = [];
        for (const api of this.model.ofType(API_V2)) {
            if (api.props.target === undefined || refersTo(api, "target", fn) === "no") continue;
            out.push({
                text: `HTTP API ${api.name} (quick create) routes the internet to it without an authorizer`,
                certain: refersTo(api, "target", fn) === "yes",
            });
        }
        for (const integration of this.model.ofType(API_V2_INTEGRATION)) {
            const joined = refersTo(integration, "integrationUri", fn);
            if (joined === "no") continue;
            const routes = this.model
                .ofType(API_V2_ROUTE)
                .filter((r) => routeTargets(r, integration) !== "no");
            for (const route of routes) {
                const auth = route.props.authorizationType;
                if (typeof auth === "string" && ["JWT", "AWS_IAM", "CUSTOM"].includes(auth)) continue;
                const none = auth === undefined || auth === "NONE";
                const certain = joined === "yes" && none && routeTargets(route, integration) === "yes";
                out.push({
                    text: `API Gateway route ${route.name} (${String(route.props.routeKey ?? "?")}) invokes it through integration ${integration.name} with ${none ? "no authorizer" : isUnknown(auth) ? "an authorizationType unknown during preview" : `authorizationType ${JSON.stringify(auth)}, not JWT, AWS_IAM or CUSTOM`}`,
                    certain,
                });
            }
        }
        for (const integration of this.model.ofType(API_V1_INTEGRATION)) {
            const joined = refersTo(integration, "uri", fn);
            if (joined === "no") continue;
            const methods = this.model.ofType(API_V1_METHOD).filter((m) => sameMethod(m, integration));
            if (methods.length === 0) {
                out.push({
                    text: `API Gateway integration ${integration.name} invokes it through a method not declared in this stack, whose authorization cannot be judged`,
                    certain: false,
                });
            }
            for (const method of methods) {
                const auth = method.props.authorization;
                if (typeof auth === "string" && ["AWS_IAM", "CUSTOM", "COGNITO_USER_POOLS"].includes(auth))
                    continue;
                out.push({
                    text: `API Gateway method ${method.name} invokes it through integration ${integration.name} with ${auth === "NONE" ? "authorization NONE" : isUnknown(auth) ? "an authorization unknown during preview" : `authorization ${JSON.stringify(auth)}, not AWS_IAM, CUSTOM or COGNITO_USER_POOLS`}`,
                    certain: joined === "yes" && auth === "NONE",
                });
            }
        }
        return out;
    }

    /** Target groups the compute is registered in, behind a listener of an internet-facing load balancer. */
    private publicTargets(targets: readonly ResourceNode[]): Reason[] {
        const groups = new Map<string, { group: ResourceNode; certain: boolean }>();
        const addGroup = (group: ResourceNode, certain: boolean) => {
            const seen = groups.get(group.urn);
            if (!seen || (!seen.certain && certain)) groups.set(group.urn, { group, certain });
        };
        for (const target of targets) {
            for (const attachment of this.model.ofType(...ATTACHMENT_TYPES)) {
                const joined = refersTo(attachment, "targetId", target);
                if (joined === "no") continue;
                for (const group of linkedOf(attachment, "targetGroupArn", TARGET_GROUP_TYPES))
                    addGroup(group, joined === "yes");
            }
            if (target.type === ECS_SERVICE) {
                for (const group of linkedOf(target, "loadBalancers", TARGET_GROUP_TYPES))
                    addGroup(group, true);
            }
        }
        const out: Reason[] = [];
        for (const { group, certain } of groups.values()) {
            for (const listener of this.listenersOf(group)) {
                for (const lb of linkedOf(listener, "loadBalancerArn", LB_TYPES)) {
                    const internal = lb.props.internal;
                    if (internal === true) continue;
                    out.push({
                        text: `load balancer ${lb.name} ${isUnknown(internal) ? "(internal unknown during preview, so maybe internet-facing)" : "is internet-facing"} and forwards to it (listener ${listener.name}, target group ${group.name})`,
                        certain: certain && !isUnknown(internal),
                    });
                }
            }
        }
        return out;
    }

    private listenersOf(group: ResourceNode): ResourceNode[] {
        const out = new Set<ResourceNode>();
        for (const listener of this.model.ofType(...LISTENER_TYPES)) {
            if (linkedOf(listener, "defaultActions", TARGET_GROUP_TYPES).includes(group)) out.add(listener);
        }
        for (const rule of this.model.ofType(...LISTENER_RULE_TYPES)) {
            if (!linkedOf(rule, "actions", TARGET_GROUP_TYPES).includes(group)) continue;
            for (const listener of linkedOf(rule, "listenerArn", LISTENER_TYPES)) out.add(listener);
        }
        return [...out];
    }

    /** A public IP (on the instance, its launch template or an Elastic IP) and ingress from public addresses. */
    private publicInstance(resource: ResourceNode): Reason[] {
        const ip = this.publicIp(resource);
        if (!ip) return [];
        return this.openIngress(resource, ip);
    }

    private publicTask(service: ResourceNode): Reason[] {
        const network = record(service.props.networkConfiguration);
        const assign = network?.assignPublicIp;
        if (assign !== true && !isUnknown(assign)) return [];
        return this.openIngress(service, {
            text: isUnknown(assign) ? "assignPublicIp unknown during preview" : "assignPublicIp true",
            certain: !isUnknown(assign),
        });
    }

    private openIngress(workload: ResourceNode, ip: Reason): Reason[] {
        const refs = groupsOfWorkload(workload, this.groups.finder);
        const out: Reason[] = [];
        for (const group of refs?.groups ?? []) {
            const ingress = this.groups.of(group, "ingress");
            const count = publicAddresses(ingress.cidrs);
            if (count > 0n) {
                const cidrs = ingress.cidrs.map((c) => `${c.cidr} in ${c.source}`).join(", ");
                out.push({
                    text: `${kindName(workload)} ${workload.name} has a public IP (${ip.text}) and security group ${group.name} admits ${count} public addresses (${cidrs})`,
                    certain: ip.certain,
                });
            }
            for (const what of ingress.unknown) {
                out.push({
                    text: `${kindName(workload)} ${workload.name} has a public IP (${ip.text}) and the ingress of security group ${group.name} cannot be checked: ${what}`,
                    certain: false,
                });
            }
        }
        for (const why of refs?.unjoined ?? []) {
            out.push({
                text: `${kindName(workload)} ${workload.name} has a public IP (${ip.text}) and its security groups cannot be judged: ${why}`,
                certain: false,
            });
        }
        return out;
    }

    private publicIp(resource: ResourceNode): Reason | undefined {
        const direct =
            resource.type === "aws:ec2/launchTemplate:LaunchTemplate"
                ? record(resource.props.networkInterfaces)?.associatePublicIpAddress
                : resource.props.associatePublicIpAddress;
        // Launch templates write booleans as strings.
        if (direct === true || direct === "true")
            return { text: "associatePublicIpAddress true", certain: true };
        if (isUnknown(direct))
            return { text: "associatePublicIpAddress unknown during preview", certain: false };
        for (const eip of this.model.ofType(EIP)) {
            const joined = refersTo(eip, "instance", resource);
            if (joined !== "no") return { text: `Elastic IP ${eip.name}`, certain: joined === "yes" };
        }
        for (const association of this.model.ofType(EIP_ASSOCIATION)) {
            const joined = refersTo(association, "instanceId", resource);
            if (joined !== "no")
                return { text: `Elastic IP association ${association.name}`, certain: joined === "yes" };
        }
        return undefined;
    }

    /** ECS services that run a task definition (by dependency, family, family:revision or ARN). */
    private servicesOf(task: ResourceNode): ResourceNode[] {
        return this.model.ofType(ECS_SERVICE).filter((s) => {
            const joined = refersTo(s, "taskDefinition", task);
            if (joined === "unknown") this.maybeRuns.add(s.urn);
            return joined !== "no";
        });
    }

    /** Resources of a type a property names, by dependency or by a known identifier. */
    private linkedByValue(
        resource: ResourceNode,
        prop: string,
        type: string,
        ids: readonly string[],
    ): ResourceNode[] {
        const out = new Set(linkedOf(resource, prop, [type]));
        const text = JSON.stringify(resource.props[prop] ?? null);
        for (const candidate of this.model.ofType(type)) {
            for (const id of ids) {
                const value = candidate.props[id];
                if (typeof value === "string" && !isUnknown(value) && text.includes(JSON.stringify(value)))
                    out.add(candidate);
            }
        }
        return [...out];
    }
}

/** How a resource names its VPC: the Vpc it was computed from, or a known id. */
export function vpcKeys(resource: ResourceNode): string[] {
    const out = (resource.propertyDependencies.vpcId ?? [])
        .filter((n) => n.type === "aws:ec2/vpc:Vpc")
        .map((n) => n.urn);
    const id = resource.props.vpcId;
    if (typeof id === "string" && !isUnknown(id)) out.push(`id:${id}`);
    return out;
}

function kindName(resource: ResourceNode): string {
    const type = resource.type.slice(resource.type.lastIndexOf(":") + 1);
    return type.replace(/([a-z])([A-Z])/g, "$1 $2");
}

function record(value: unknown): Record<string, unknown> | undefined {
    if (Array.isArray(value)) value = value[0];
    return value !== null && typeof value === "object" ? (value as Record<string, unknown>) : undefined;
}

function linkedOf(resource: ResourceNode, prop: string, types: readonly string[]): ResourceNode[] {
    return (resource.propertyDependencies[prop] ?? []).filter((n) => types.includes(n.type));
}

/** The identifiers a resource may be named by in another resource's property. */
function identifiers(target: ResourceNode): string[] {
    const out: string[] = [];
    for (const key of ["arn", "name", "id", "family", "invokeArn", "qualifiedArn", "functionName"]) {
        const value = target.props[key];
        if (typeof value === "string" && !isUnknown(value) && value !== "") out.push(value);
    }
    return out;
}

/**
 * Whether `resource`'s property names `target`: by recorded dependency, by a known identifier (an ARN with a
 * qualifier or revision, an invoke ARN, a Lambda ARN carrying its name), `unknown` when the value is unknown
 * and no dependency of the stack explains it (it may name the target: fail closed).
 */
function refersTo(resource: ResourceNode, prop: string, target: ResourceNode): "yes" | "unknown" | "no" {
    const deps = resource.propertyDependencies[prop] ?? [];
    if (deps.includes(target)) return "yes";
    const value = resource.props[prop];
    if (value === undefined || value === null) return "no";
    const texts = collectStrings(value);
    for (const text of texts) {
        for (const id of identifiers(target)) {
            if (text === id || text.startsWith(`${id}:`)) return "yes";
            // An invoke ARN or a qualified ARN carries the target's ARN.
            if (id.startsWith("arn:") && (text.includes(`${id}/`) || text.includes(`${id}:`))) return "yes";
        }
        const name = target.props.name ?? target.props.family;
        if (typeof name === "string" && !isUnknown(name)) {
            const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
            if (new RegExp(`(?::function:|:task-definition/)${escaped}(?:[:/]|$)`).test(text)) return "yes";
        }
    }
    const resourceDeps = deps.some((d) => d.type.startsWith("aws:"));
    return containsUnknown(value) && !resourceDeps ? "unknown" : "no";
}

function collectStrings(value: unknown): string[] {
    if (typeof value === "string") return isUnknown(value) ? [] : [value];
    if (Array.isArray(value)) return value.flatMap(collectStrings);
    if (value !== null && typeof value === "object") return Object.values(value).flatMap(collectStrings);
    return [];
}

/** Whether an HTTP API route targets an integration (`integrations/<id>`). */
function routeTargets(route: ResourceNode, integration: ResourceNode): "yes" | "unknown" | "no" {
    if ((route.propertyDependencies.target ?? []).includes(integration)) return "yes";
    const target = route.props.target;
    const id = integration.props.id;
    if (typeof target === "string" && !isUnknown(target) && typeof id === "string" && !isUnknown(id))
        return target === `integrations/${id}` ? "yes" : "no";
    return containsUnknown(target) && (route.propertyDependencies.target ?? []).length === 0
        ? "unknown"
        : "no";
}

/** Whether a REST API method is the one an integration serves (same API, resource and HTTP method). */
function sameMethod(method: ResourceNode, integration: ResourceNode): boolean {
    if ((integration.propertyDependencies.httpMethod ?? []).includes(method)) return true;
    return ["restApi", "resourceId", "httpMethod"].every((key) => {
        const a = method.props[key];
        const b = integration.props[key];
        if (typeof a === "string" && typeof b === "string" && !isUnknown(a) && !isUnknown(b)) return a === b;
        const da = (method.propertyDependencies[key] ?? []).map((n) => n.urn).sort();
        const db = (integration.propertyDependencies[key] ?? []).map((n) => n.urn).sort();
        return da.length > 0 && JSON.stringify(da) === JSON.stringify(db);
    });
}
