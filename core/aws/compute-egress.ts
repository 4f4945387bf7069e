import { analyzeIpBlocks, parseCidr } from "../cidr";
import type { AgentguardConfig } from "../stack/config";
import type { ResourceNode, StackModel } from "../stack/stack-model";
import { isUnknown } from "../unknowns";
import type { AgentRole } from "./agent-roles";
import type { EgressCidr } from "./network/security-group-egress";
import { agentTag, describeAgentTag } from "./tags";

/**
 * One judgement of compute egress, shared by the direct rules (the agent's own compute) and the reach graph
 * (compute the agent can make run its code): whether AWS runs the compute outside the VPC, and what a set of
 * security-group CIDRs lets out.
 */

/** `open`: the compute reaches the internet without passing a security group; `unknown`: cannot tell. */
export type Egress = { readonly open: string } | { readonly unknown: string } | undefined;

export interface DirectEgressKind {
    readonly label: string;
    /** Top-level properties that name (or hold) the role the code runs as. */
    readonly roleProps: readonly string[];
    readonly egress: (props: Record<string, unknown>) => Egress;
}

/**
 * Compute that AWS runs outside the caller's VPC unless told otherwise: there no security group stands
 * between the code and the internet. Compute that always runs in the caller's subnets (EC2, ECS, Batch, EMR,
 * EKS nodes) is judged through its security groups instead.
 */
export const DIRECT_EGRESS_KINDS: Readonly<Record<string, DirectEgressKind>> = {
    "aws:lambda/function:Function": {
        label: "Lambda function",
        roleProps: ["role"],
        egress: (p) => missing(p, "vpcConfig", "subnetIds", "it has no vpcConfig (subnetIds)"),
    },
    "aws:sagemaker/notebookInstance:NotebookInstance": {
        label: "SageMaker notebook instance",
        roleProps: ["roleArn"],
        egress: (p) =>
            setting(p.directInternetAccess, "directInternetAccess", "Disabled", "Enabled") ??
            missing(p, "subnetId", undefined, "it has no subnetId"),
    },
    "aws:sagemaker/domain:Domain": {
        label: "SageMaker domain",
        roleProps: ["defaultUserSettings", "defaultSpaceSettings"],
        egress: (p) =>
            setting(p.appNetworkAccessType, "appNetworkAccessType", "VpcOnly", "PublicInternetOnly"),
    },
    "aws:apprunner/service:Service": {
        label: "App Runner service",
        roleProps: ["instanceConfiguration"],
        egress: (p) => {
            const network = record(p.networkConfiguration);
            if (isUnknown(p.networkConfiguration) || isUnknown(network?.egressConfiguration))
                return { unknown: "networkConfiguration.egressConfiguration is unknown" };
            const egressType = record(network?.egressConfiguration)?.egressType;
            return setting(
                egressType,
                "networkConfiguration.egressConfiguration.egressType",
                "VPC",
                "DEFAULT",
            );
        },
    },
    "aws:codebuild/project:Project": {
        label: "CodeBuild project",
        roleProps: ["serviceRole"],
        egress: (p) => missing(p, "vpcConfig", "subnets", "it has no vpcConfig (subnets)"),
    },
    "aws:glue/job:Job": {
        label: "Glue job",
        roleProps: ["roleArn"],
        egress: (p) =>
            missing(p, "connections", undefined, "it has no connections (a NETWORK connection in a VPC)"),
    },
    "aws:glue/devEndpoint:DevEndpoint": {
        label: "Glue development endpoint",
        roleProps: ["roleArn"],
        egress: (p) => missing(p, "subnetId", undefined, "it has no subnetId"),
    },
};

/** Compute the reach graph also judges this way, which the direct rule does not list (yet). */
export const GRAPH_EGRESS_KINDS: Readonly<Record<string, DirectEgressKind>> = {
    ...DIRECT_EGRESS_KINDS,
    "aws:bedrock/agentcoreAgentRuntime:AgentcoreAgentRuntime": {
        label: "AgentCore runtime",
        roleProps: ["roleArn"],
        egress: (p) => {
            const network = record(p.networkConfiguration);
            if (isUnknown(p.networkConfiguration))
                return { unknown: "networkConfiguration is unknown during preview" };
            return setting(network?.networkMode, "networkConfiguration.networkMode", "VPC", "PUBLIC");
        },
    },
};

/** Why a compute resource is (or may be) agent compute: agent-tagged, or running as an agent role. */
export function agentComputeReason(
    node: ResourceNode,
    kind: DirectEgressKind,
    agentRoles: ReadonlyMap<string, AgentRole>,
    model: StackModel,
): { reason: string; certain: boolean } | undefined {
    const tag = agentTag(node);
    if (tag.state === "tagged") return { reason: describeAgentTag(tag), certain: true };
    const roles = rolesOf(node, kind, model)
        .map((r) => agentRoles.get(r.urn))
        .filter((r) => r !== undefined);
    const certain = roles.find((r) => r.certainty === "agent");
    if (certain) return { reason: `it runs as agent role ${certain.node.name}`, certain: true };
    if (roles.length > 0)
        return { reason: `it runs as role ${roles[0].node.name}, possibly an agent role`, certain: false };
    if (tag.state === "unknown") return { reason: describeAgentTag(tag), certain: false };
    return undefined;
}

/** Roles named by the role properties: by property dependency, or by a known ARN anywhere in the value. */
function rolesOf(node: ResourceNode, kind: DirectEgressKind, model: StackModel): ResourceNode[] {
    const found = new Set<ResourceNode>();
    const byArn = rolesByArn(model);
    for (const prop of kind.roleProps) {
        for (const dep of node.propertyDependencies[prop] ?? [])
            if (dep.type === "aws:iam/role:Role") found.add(dep);
        for (const text of stringLeaves(node.props[prop])) {
            const role = byArn.get(text);
            if (role) found.add(role);
        }
    }
    return [...found];
}

/** The stack's roles by known ARN, built once per stack (every compute resource asks). */
function rolesByArn(model: StackModel): ReadonlyMap<string, ResourceNode> {
    return model.derived("roles-by-arn", () => {
        const out = new Map<string, ResourceNode>();
        for (const role of model.ofType("aws:iam/role:Role")) {
            const arn = role.props.arn;
            if (typeof arn === "string" && !isUnknown(arn)) out.set(arn, role);
        }
        return out;
    });
}

function stringLeaves(value: unknown, out: string[] = []): string[] {
    if (typeof value === "string") out.push(value);
    else if (Array.isArray(value)) for (const item of value) stringLeaves(item, out);
    else if (value !== null && typeof value === "object")
        for (const item of Object.values(value)) stringLeaves(item, out);
    return out;
}

function record(value: unknown): Record<string, unknown> | undefined {
    if (Array.isArray(value)) value = value[0];
    return value !== null && typeof value === "object" ? (value as Record<string, unknown>) : undefined;
}

/** A setting whose default (`open`) lets the compute reach the internet; only `safe` closes it. */
function setting(value: unknown, name: string, safe: string, open: string): Egress {
    if (isUnknown(value)) return { unknown: `${name} is unknown during preview` };
    if (value === safe) return undefined;
    const written =
        value === undefined || value === null ? `not set (default ${open})` : `"${String(value)}"`;
    return { open: `${name} is ${written}; only "${safe}" keeps it in the VPC` };
}

/** A VPC placement that must be present and non-empty (`sub` is a list below `prop`). */
function missing(props: Record<string, unknown>, prop: string, sub: string | undefined, why: string): Egress {
    const value = props[prop];
    if (isUnknown(value)) return { unknown: `${prop} is unknown during preview` };
    const inner = sub === undefined ? value : record(value)?.[sub];
    if (isUnknown(inner)) return { unknown: `${prop}.${sub ?? ""} is unknown during preview` };
    const empty =
        inner === undefined || inner === null || inner === "" || (Array.isArray(inner) && inner.length === 0);
    return empty ? { open: why } : undefined;
}

/**
 * What is wrong with a set of security-group CIDRs (egress, or ingress for inbound channels): every
 * address, or more public addresses than the budget. A rule whose group is unknown gets no budget: it may
 * add to any group, so any public address it reaches counts.
 */
export function egressProblems(
    cidrs: readonly EgressCidr[],
    config: Pick<AgentguardConfig, "maxPublicEgressAddresses" | "allowedEgressCidrs">,
    groupUnknown = false,
): string[] {
    if (cidrs.length === 0) return [];
    // An unparseable CIDR is a problem of its own and never hides what the other CIDRs reach.
    const problems = invalidCidrs(cidrs);
    const valid = cidrs.filter((c) => !isInvalid(c.cidr));
    const all = analyzeIpBlocks(valid.map((c) => ({ cidr: c.cidr })));
    if (all.coversAllIpv4) problems.push("egress reaches every IPv4 address (0.0.0.0/0)");
    if (all.coversAllIpv6) problems.push("egress reaches every IPv6 address (::/0)");
    if (all.coversAllIpv4 || all.coversAllIpv6) return problems;
    const limit = BigInt(groupUnknown ? 0 : config.maxPublicEgressAddresses);
    const budgeted = analyzeIpBlocks(
        valid.map((c) => ({ cidr: c.cidr, except: [...config.allowedEgressCidrs] })),
    );
    const reachable = budgeted.publicIpv4Addresses + budgeted.publicIpv6Addresses;
    if (reachable > limit) {
        problems.push(
            `egress reaches ${reachable} public addresses, more than the allowed ${limit} (maxPublicEgressAddresses)`,
        );
    }
    return problems;
}

function isInvalid(cidr: string): boolean {
    try {
        parseCidr(cidr);
        return false;
    } catch {
        return true;
    }
}

function invalidCidrs(cidrs: readonly EgressCidr[]): string[] {
    return cidrs.flatMap((c) => {
        try {
            parseCidr(c.cidr);
            return [];
        } catch (err) {
            return [
                `egress CIDR "${c.cidr}" in ${c.source} is not a valid CIDR (${err instanceof Error ? err.message : String(err)})`,
            ];
        }
    });
}

/** How many public addresses a set of CIDRs covers (an inbound channel needs only one). */
export function publicAddresses(cidrs: readonly EgressCidr[]): bigint {
    const valid = cidrs.filter((c) => !isInvalid(c.cidr));
    const all = analyzeIpBlocks(valid.map((c) => ({ cidr: c.cidr })));
    return all.publicIpv4Addresses + all.publicIpv6Addresses;
}
