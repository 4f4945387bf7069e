import type { GraphNode, NodeOutcome, ReachLink } from "../reach/graph";
import { decodeResource } from "../reach/decode";
import { jsonAt } from "../reach/resource";
import type { ResourceNode, StackModel } from "../stack/stack-model";
import { isUnknown } from "../unknowns";
import { type ComputeRoutes, vpcKeys } from "./compute-routes";

/**
 * Interface VPC endpoints are private addresses in the VPC: security groups that allow only private ranges
 * still let compute reach them, and through them the service in ANY account (a bucket, queue or API of the
 * attacker's), unless the endpoint's policy restricts which resources it serves. An endpoint without such a
 * policy in the VPC of compute the agent runs code in is an onward route: a `route` edge from the compute to
 * the endpoint, which holds the open-egress outcome. Gateway endpoints need the security group to allow
 * their AWS-managed prefix list, which the security-group reader already reports as unknown.
 */

const VPC_ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint";

/** Services where one call with the compute's own credentials carries data to another account's resource. */
export const CROSS_ACCOUNT_SERVICES: readonly string[] = [
    "s3",
    "sqs",
    "sns",
    "kinesis-streams",
    "kinesis-firehose",
    "execute-api",
    "lambda",
    "events",
];

export interface EndpointRoutes {
    readonly links: readonly ReachLink[];
    readonly outcomesOf: (node: GraphNode) => readonly NodeOutcome[];
}

export function endpointRouteLinks(model: StackModel, routes: ComputeRoutes): EndpointRoutes {
    const endpoints = model
        .ofType(VPC_ENDPOINT)
        .map((endpoint) => ({ endpoint, open: openEndpoint(endpoint) }))
        .filter(
            (e): e is { endpoint: ResourceNode; open: { why: string; certain: boolean } } =>
                e.open !== undefined,
        );
    if (endpoints.length === 0) return { links: [], outcomesOf: () => [] };
    const links: ReachLink[] = [];
    const outcomes = new Map<string, NodeOutcome[]>();
    for (const compute of model.resources) {
        if (!compute.type.startsWith("aws:") || decodeResource(compute)?.what.kind !== "compute") continue;
        const vpcs = routes.vpcsOf(compute);
        if (vpcs.size === 0) continue;
        // Compute that is already open (or unknown) is reported as such; the endpoint matters when it is closed.
        if (routes.egress(compute).length > 0) continue;
        for (const { endpoint, open } of endpoints) {
            if (!vpcKeys(endpoint).some((key) => vpcs.has(key))) continue;
            const id = endpoint.urn;
            if (!outcomes.has(id)) {
                outcomes.set(id, [
                    {
                        outcome: { kind: "open-egress", why: open.why },
                        certain: open.certain,
                        via: ["route"],
                    },
                ]);
            }
            links.push({
                to: {
                    id,
                    label: `VPC endpoint ${endpoint.name} (${serviceOf(endpoint) ?? "service unknown"})`,
                },
                edge: {
                    from: compute.urn,
                    to: id,
                    kind: "route",
                    certain: true,
                },
            });
        }
    }
    return { links, outcomesOf: (node) => outcomes.get(node.id) ?? [] };
}

function serviceOf(endpoint: ResourceNode): string | undefined {
    const name = endpoint.props.serviceName;
    if (typeof name !== "string" || isUnknown(name)) return undefined;
    return name;
}

/** Why an interface endpoint is an onward route (undefined when it is not one). */
function openEndpoint(endpoint: ResourceNode): { why: string; certain: boolean } | undefined {
    const type = endpoint.props.vpcEndpointType;
    if (type !== "Interface" && !isUnknown(type)) return undefined; // Gateway is the default
    const name = serviceOf(endpoint);
    const service = name?.split(".").pop();
    if (name !== undefined && !CROSS_ACCOUNT_SERVICES.includes(service ?? "")) return undefined;
    const policy = jsonAt(endpoint, "policy");
    const what = name === undefined ? "a service unknown during preview" : service;
    if (policy.state === "unknown") {
        return {
            why: `its policy is unknown during preview, so it may serve ${what} in any account`,
            certain: false,
        };
    }
    if (policy.state === "known" && restrictsResources(policy.value)) return undefined;
    const why = `${policy.state === "absent" ? "it has no policy (full access)" : "its policy does not restrict the resources it serves"}, so the compute reaches ${what} in any account through it, past security groups that allow only private ranges`;
    return { why, certain: name !== undefined && !isUnknown(type) };
}

const RESOURCE_ACCOUNT_KEYS = ["aws:resourceaccount", "aws:resourceorgid", "aws:resourceorgpaths"];

/**
 * Whether every Allow of an endpoint policy names its resources (no wildcard before the first `/`, so a
 * bucket or queue of the stack's own choosing) or conditions them on the resource's account or org.
 */
function restrictsResources(doc: unknown): boolean {
    if (doc === null || typeof doc !== "object") return false;
    const raw = (doc as Record<string, unknown>).Statement;
    const statements = (Array.isArray(raw) ? raw : [raw]).filter(
        (s): s is Record<string, unknown> => s !== null && typeof s === "object",
    );
    const allows = statements.filter((s) => s.Effect === "Allow");
    if (allows.length === 0) return true;
    return allows.every((s) => {
        if (s.NotResource !== undefined) return false;
        const condition = s.Condition;
        if (condition !== null && typeof condition === "object") {
            const keys = Object.values(condition).flatMap((block) =>
                block !== null && typeof block === "object"
                    ? Object.keys(block).map((k) => k.toLowerCase())
                    : [],
            );
            if (keys.some((k) => RESOURCE_ACCOUNT_KEYS.includes(k))) return true;
        }
        const resources = Array.isArray(s.Resource) ? s.Resource : [s.Resource];
        return resources.every(
            (r) => typeof r === "string" && r.startsWith("arn:") && !/[*?]/.test(r.split("/")[0]),
        );
    });
}
