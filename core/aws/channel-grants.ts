import { iamGlobMatches, iamGlobsIntersect } from "../glob";
import { IamDocumentError, normalizePolicyDocument, type NormalizedStatement } from "../iam";
import { classifyAction } from "../iam/families";
import { patternCovers } from "../reach/actions";
import type { AgentSeed, GraphNode, NodeOutcome, ReachLink } from "../reach/graph";
import type { PrincipalPermissions } from "../reach/verdict";
import type { ResourceNode, StackModel } from "../stack/stack-model";
import { isUnknown } from "../unknowns";
import type { AgentRole } from "./agent-roles";
import { agentComputeReason, DIRECT_EGRESS_KINDS } from "./compute-egress";

/**
 * The agent's own grants that open an inbound channel to code it runs: a function URL on a function it runs
 * code in (its own, or one whose code it may change), or registering
 * targets in a target group an internet-facing load balancer forwards to. Nothing else judges these
 * actions (core/iam classifies none of them), so each becomes a `route` edge from the agent to a node that
 * holds the inbound-channel outcome.
 */

const FUNCTION = "aws:lambda/function:Function";
const TARGET_GROUP_TYPES = ["aws:lb/targetGroup:TargetGroup", "aws:alb/targetGroup:TargetGroup"];
const LISTENER_TYPES = ["aws:lb/listener:Listener", "aws:alb/listener:Listener"];
const LB_TYPES = ["aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer"];

/**
 * Grants that open a function to callers outside the account's IAM. lambda:AddPermission is permissions
 * management, which aws-restrict-agent-iam-grants rejects on its own.
 */
export const FUNCTION_CHANNEL_ACTIONS: readonly string[] = [
    "lambda:CreateFunctionUrlConfig",
    "lambda:UpdateFunctionUrlConfig",
];
export const REGISTER_TARGETS = "elasticloadbalancing:RegisterTargets";
/** Rewrites a function's vpcConfig: an empty one runs it outside the VPC, with internet access. */
export const UPDATE_CONFIGURATION = "lambda:UpdateFunctionConfiguration";
/** Condition keys that pin the VPC placement an update may set. */
const PLACEMENT_KEYS = ["lambda:vpcids", "lambda:subnetids", "lambda:securitygroupids"];
const CODE_ACTIONS = ["lambda:UpdateFunctionCode", "lambda:UpdateFunctionConfiguration"];

export interface ChannelLinks {
    readonly links: readonly ReachLink[];
    readonly outcomesOf: (node: GraphNode) => readonly NodeOutcome[];
}

export function channelGrantLinks(
    model: StackModel,
    agents: readonly AgentSeed[],
    permissionsOf: (principal: ResourceNode) => PrincipalPermissions,
    agentRoles: ReadonlyMap<string, AgentRole>,
): ChannelLinks {
    const functions = model.ofType(FUNCTION);
    const groups = publicTargetGroups(model);
    const links: ReachLink[] = [];
    const outcomes = new Map<string, NodeOutcome[]>();
    if (functions.length === 0 && groups.length === 0) return { links, outcomesOf: () => [] };
    // Computed only when some agent holds a channel grant (it reads every function's role).
    let own: Set<string> | undefined;
    const ownFunctions = () =>
        (own ??= new Set(
            functions
                .filter(
                    (fn) => agentComputeReason(fn, DIRECT_EGRESS_KINDS[FUNCTION], agentRoles, model)?.certain,
                )
                .map((fn) => fn.urn),
        ));
    for (const agent of agents) {
        const node = model.byUrn(agent.resource.urn);
        if (!node) continue;
        const statements = allowStatements(permissionsOf(node));
        if (
            !statements.some((s) =>
                [...FUNCTION_CHANNEL_ACTIONS, REGISTER_TARGETS, UPDATE_CONFIGURATION].some((a) =>
                    covers(s.statement, a),
                ),
            )
        )
            continue;
        const seen = new Set<string>();
        const add = (
            target: string,
            label: string,
            why: string,
            action: string,
            grantedBy: string,
            certain: boolean,
            kind: "inbound-channel" | "open-egress" = "inbound-channel",
        ) => {
            const id = `${kind === "inbound-channel" ? "channel" : "placement"}:${target}`;
            if (seen.has(`${id}|${action}`)) return;
            seen.add(`${id}|${action}`);
            if (!outcomes.has(id))
                outcomes.set(id, [{ outcome: { kind, why }, certain: true, via: ["route"] }]);
            links.push({
                to: { id, label },
                edge: { from: node.urn, to: id, kind: "route", permission: action, grantedBy, certain },
            });
        };
        for (const fn of functions) {
            const arns = functionArns(fn);
            for (const { statement, source } of statements) {
                if (!covers(statement, UPDATE_CONFIGURATION) || pinsPlacement(statement)) continue;
                const match = matches(statement, arns);
                if (!match.any) continue;
                add(
                    fn.urn,
                    `the VPC placement of Lambda function ${nameOf(fn)}`,
                    "it may set an empty vpcConfig, and AWS then runs the function outside the VPC, with internet access (no lambda:VpcIds, lambda:SubnetIds or lambda:SecurityGroupIds condition pins it)",
                    UPDATE_CONFIGURATION,
                    source,
                    match.certain,
                    "open-egress",
                );
            }
            const mayChange =
                ownFunctions().has(fn.urn) ||
                statements.some(
                    (s) => CODE_ACTIONS.some((a) => covers(s.statement, a)) && matches(s.statement, arns).any,
                );
            if (!mayChange) continue;
            for (const { statement, source } of statements) {
                for (const action of FUNCTION_CHANNEL_ACTIONS) {
                    // An action core/iam classifies is the direct rule's (reported once).
                    if (!covers(statement, action) || classifyAction(action).length > 0) continue;
                    const match = matches(statement, arns);
                    if (!match.any) continue;
                    add(
                        fn.urn,
                        `the public endpoints of Lambda function ${nameOf(fn)}`,
                        "it may open a function URL (authorizationType NONE) to the internet on code it runs",
                        action,
                        source,
                        match.certain && statement.condition === undefined,
                    );
                }
            }
        }
        for (const { group, lb } of groups) {
            const arns = [
                knownString(group.props.arn) ??
                    `arn:*:elasticloadbalancing:*:*:targetgroup/${nameOf(group)}/*`,
            ];
            for (const { statement, source } of statements) {
                if (!covers(statement, REGISTER_TARGETS)) continue;
                const match = matches(statement, arns);
                if (!match.any) continue;
                add(
                    group.urn,
                    `target group ${nameOf(group)}`,
                    `internet-facing load balancer ${lb.name} forwards to it: any instance, IP or function registered there is reachable from the internet`,
                    REGISTER_TARGETS,
                    source,
                    match.certain && statement.condition === undefined,
                );
            }
        }
    }
    return { links, outcomesOf: (node) => outcomes.get(node.id) ?? [] };
}

/** Whether the statement's Condition names a Lambda placement key (the update must keep these values). */
function pinsPlacement(statement: NormalizedStatement): boolean {
    const condition = statement.condition;
    if (condition === undefined) return false;
    // A Null test does not pin a value (Null true even asks for no VPC).
    return Object.entries(condition).some(
        ([operator, block]) =>
            !/null$/i.test(operator) &&
            block !== null &&
            typeof block === "object" &&
            Object.keys(block).some((key) => PLACEMENT_KEYS.includes(key.toLowerCase())),
    );
}

interface SourcedStatement {
    readonly statement: NormalizedStatement;
    readonly source: string;
}

function allowStatements(permissions: PrincipalPermissions): SourcedStatement[] {
    return permissions.documents.flatMap((doc) => {
        let statements: NormalizedStatement[];
        try {
            statements = normalizePolicyDocument(doc.document);
        } catch (err) {
            // An invalid document is reported by the grants rule.
            if (err instanceof IamDocumentError) return [];
            throw err;
        }
        return statements
            .filter((s) => s.effect === "Allow")
            .map((statement) => ({
                statement,
                source: `${doc.source} statement ${statement.sid ?? statement.index}`,
            }));
    });
}

function covers(statement: NormalizedStatement, action: string): boolean {
    if (statement.notActions) return !statement.notActions.some((p) => patternCovers(p, action));
    return (statement.actions ?? []).some((p) => patternCovers(p, action));
}

/** Whether a statement's resources cover one of the ARNs (certain when a known ARN is matched exactly). */
function matches(
    statement: NormalizedStatement,
    arns: readonly string[],
): { any: boolean; certain: boolean } {
    if (statement.notResources) {
        const excluded = arns.some((arn) => statement.notResources!.some((p) => iamGlobMatches(p, arn)));
        return { any: !excluded, certain: !excluded };
    }
    let any = false;
    let certain = false;
    for (const pattern of statement.resources ?? ["*"]) {
        for (const arn of arns) {
            if (!iamGlobsIntersect(pattern, arn)) continue;
            any = true;
            if (iamGlobMatches(pattern, withAccountOf(pattern, arn))) certain = true;
        }
    }
    return { any, certain };
}

/**
 * An ARN whose partition, region and account are left open (only the name is known) takes the pattern's
 * own: a grant that names the resource matches it whatever account it is deployed to.
 */
function withAccountOf(pattern: string, arn: string): string {
    const p = pattern.split(":");
    const a = arn.split(":");
    if (p.length < 6 || a.length < 6) return arn;
    for (const i of [1, 3, 4]) if (a[i] === "*") a[i] = p[i];
    return a.join(":");
}

function knownString(value: unknown): string | undefined {
    return typeof value === "string" && !isUnknown(value) && value !== "" ? value : undefined;
}

function nameOf(resource: ResourceNode): string {
    return knownString(resource.props.name) ?? resource.name;
}

/** The function's ARN, or a pattern open in partition, region and account when only its name is known. */
function functionArns(fn: ResourceNode): string[] {
    const arn = knownString(fn.props.arn);
    if (arn) return [arn];
    const name = knownString(fn.props.name);
    return [name ? `arn:aws:lambda:*:*:function:${name}` : "arn:aws:lambda:*:*:function:*"];
}

/** Target groups a listener of an internet-facing (or possibly internet-facing) load balancer forwards to. */
function publicTargetGroups(model: StackModel): { group: ResourceNode; lb: ResourceNode }[] {
    const out: { group: ResourceNode; lb: ResourceNode }[] = [];
    for (const listener of model.ofType(...LISTENER_TYPES)) {
        const lb = (listener.propertyDependencies.loadBalancerArn ?? []).find((n) =>
            LB_TYPES.includes(n.type),
        );
        if (!lb || lb.props.internal === true) continue;
        for (const group of listener.propertyDependencies.defaultActions ?? []) {
            if (TARGET_GROUP_TYPES.includes(group.type)) out.push({ group, lb });
        }
    }
    return out;
}
