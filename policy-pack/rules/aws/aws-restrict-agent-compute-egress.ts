import { identifyAgentRoles, type AgentRole } from "../../../core/aws/agent-roles";
import { agentTag, describeAgentTag } from "../../../core/aws/tags";
import { defineStackRule, type Finding } from "../../lib/rule";
import type { ResourceNode, StackModel } from "../../../core/stack/stack-model";
import { isUnknown } from "../../lib/unknowns";

/** `open`: the compute reaches the internet without passing a security group; `unknown`: cannot tell. */
type Egress = { readonly open: string } | { readonly unknown: string } | undefined;

interface ComputeKind {
    readonly label: string;
    /** Top-level properties that name (or hold) the role the code runs as. */
    readonly roleProps: readonly string[];
    readonly egress: (props: Record<string, unknown>) => Egress;
}

/**
 * Compute that AWS runs outside the caller's VPC unless told otherwise: there no security group stands
 * between the agent's code and the internet, so aws-restrict-agent-security-group-egress has nothing to
 * judge. Compute that always runs in the caller's subnets (EC2, ECS, Batch, EMR, EKS nodes) is judged
 * through its security groups instead.
 */
const COMPUTE_KINDS: Readonly<Record<string, ComputeKind>> = {
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

/** The compute kinds this rule judges, for tests and docs. */
export const DIRECT_EGRESS_COMPUTE_TYPES: readonly string[] = Object.keys(COMPUTE_KINDS);

export const awsRestrictAgentComputeEgress = defineStackRule(
    {
        name: "aws-restrict-agent-compute-egress",
        description:
            "Agent compute that AWS runs outside the stack's VPC unless configured otherwise (a Lambda function without vpcConfig, a SageMaker notebook with directInternetAccess Enabled or no subnet, a SageMaker domain with PublicInternetOnly, an App Runner service with DEFAULT egress, a CodeBuild project without vpcConfig, a Glue job without connections or a Glue dev endpoint without subnet) reaches the internet with no security group in the way and is rejected; it is agent compute when agent-tagged (also through the provider's defaultTags) or when it runs as an agent role.",
        enforcementLevel: "mandatory",
        severity: "high",
        remediationSteps:
            "Put the agent's compute in the VPC (Lambda and CodeBuild vpcConfig, SageMaker directInternetAccess: Disabled with a subnetId, appNetworkAccessType: VpcOnly, App Runner egressType: VPC, Glue NETWORK connections or subnetId) so that its security groups, judged by aws-restrict-agent-security-group-egress, decide what it reaches.",
    },
    (model, config): Finding[] => {
        const agentRoles = identifyAgentRoles(model, config).roles;
        const findings: Finding[] = [];
        for (const [type, kind] of Object.entries(COMPUTE_KINDS)) {
            for (const node of model.ofType(type)) {
                const why = agentReason(node, kind, agentRoles, model);
                if (!why) continue;
                const egress = kind.egress(node.props);
                if (!egress) continue;
                const subject = `${kind.label} ${node.name} (${why.reason})`;
                const verdict =
                    "open" in egress
                        ? `reaches the internet directly: ${egress.open}`
                        : `egress cannot be checked: ${egress.unknown}`;
                const maybe = why.certain ? "" : "may be agent compute and ";
                findings.push({
                    urn: node.urn,
                    name: node.name,
                    message: `${subject} ${maybe}${verdict}. Run it in the VPC so its security groups decide what it reaches.`,
                });
            }
        }
        return findings;
    },
);

function agentReason(
    node: ResourceNode,
    kind: ComputeKind,
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
function rolesOf(node: ResourceNode, kind: ComputeKind, model: StackModel): ResourceNode[] {
    const found = new Set<ResourceNode>();
    const roles = model.ofType("aws:iam/role:Role");
    for (const prop of kind.roleProps) {
        for (const dep of node.propertyDependencies[prop] ?? [])
            if (dep.type === "aws:iam/role:Role") found.add(dep);
        const text = JSON.stringify(node.props[prop] ?? null);
        for (const role of roles) {
            const arn = role.props.arn;
            if (typeof arn === "string" && !isUnknown(arn) && text.includes(JSON.stringify(arn)))
                found.add(role);
        }
    }
    return [...found];
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
