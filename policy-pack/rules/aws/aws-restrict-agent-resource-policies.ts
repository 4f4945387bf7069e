import { identifyAgentRoles, type AgentRole } from "../../../core/aws/agent-roles";
import { asList, field, readJsonDocument } from "../../../core/aws/json-document";
import { analyzeGrants, IamDocumentError } from "../../../core/iam";
import {
    type ConditionAnswer,
    evaluateCondition,
    type RequestingPrincipal,
} from "../../../core/iam/conditions";
import { decodeResource } from "../../../core/reach";
import { requestingPrincipal } from "../../../core/reach/principal-context";
import { defineStackRule, type Finding } from "../../lib/rule";
import type { ResourceNode } from "../../../core/stack/stack-model";
import { isUnknown } from "../../lib/unknowns";

/** Resource-based policies and the property that holds the document. */
const RESOURCE_POLICY_FIELDS: Readonly<Record<string, string>> = {
    "aws:s3/bucketPolicy:BucketPolicy": "policy",
    "aws:kms/key:Key": "policy",
    "aws:kms/keyPolicy:KeyPolicy": "policy",
    "aws:cloudwatch/logResourcePolicy:LogResourcePolicy": "policyDocument",
    "aws:sns/topicPolicy:TopicPolicy": "policy",
    "aws:sns/topic:Topic": "policy",
    "aws:sqs/queuePolicy:QueuePolicy": "policy",
    "aws:sqs/queue:Queue": "policy",
    "aws:secretsmanager/secretPolicy:SecretPolicy": "policy",
    "aws:ecr/repositoryPolicy:RepositoryPolicy": "policy",
    "aws:s3/bucket:Bucket": "policy",
};

export const awsRestrictAgentResourcePolicies = defineStackRule(
    {
        name: "aws-restrict-agent-resource-policies",
        description:
            "A resource-based policy (S3 bucket, KMS key, CloudWatch Logs, SNS, SQS, Secrets Manager, ECR) must not grant an agent role (named by its ARN, with any path or case, or as an assumed-role session), or everyone (Principal `*` unless its Condition certainly excludes every agent role: a condition on the principal's ARN, tags, type or account the stack knows; organization ids, source accounts and request keys are not taken to exclude anyone), what aws-restrict-agent-iam-grants forbids in identity policies: permissions management, credentials, escalation, network or audit tampering (deleting the audit objects, disabling the trail's key). A grant to the account root is not judged: it only delegates to the account's identity policies, which the other rules judge.",
        enforcementLevel: "mandatory",
        severity: "critical",
        remediationSteps:
            "Remove the statement, or name a non-agent principal, or add a Condition that certainly excludes agent roles (aws:PrincipalArn equal to the non-agent roles, or aws:PrincipalTag/agentguard.io/agent null); an agent must get its permissions from identity policies that the pack can judge.",
    },
    (model, config): Finding[] => {
        const agentRoles = identifyAgentRoles(model, config).roles;
        const findings: Finding[] = [];
        for (const [type, prop] of Object.entries(RESOURCE_POLICY_FIELDS)) {
            for (const node of model.ofType(type)) {
                const raw = node.props[prop];
                if (raw === undefined || raw === null || raw === "") continue;
                const doc = readJsonDocument(raw);
                if (doc.kind === "unknown") {
                    if (mayNameAgent(node, prop, agentRoles)) {
                        findings.push(
                            at(
                                node,
                                `${node.name}'s ${prop} is unknown during preview, and it is computed from an agent role, so what it grants that role cannot be checked. Build the policy from known values.`,
                            ),
                        );
                    }
                    continue;
                }
                if (doc.kind === "invalid") {
                    findings.push(at(node, `${node.name}'s ${prop} cannot be read: ${doc.error}.`));
                    continue;
                }
                findings.push(...judge(node, prop, doc.document, agentRoles));
            }
        }
        return findings;
    },
);

function judge(
    node: ResourceNode,
    prop: string,
    document: Record<string, unknown>,
    agentRoles: ReadonlyMap<string, AgentRole>,
): Finding[] {
    const linked = (node.propertyDependencies[prop] ?? []).filter((n) => agentRoles.has(n.urn));
    const findings: Finding[] = [];
    asList(field(document, "Statement")).forEach((raw, index) => {
        if (raw === null || typeof raw !== "object") return;
        const statement = raw as Record<string, unknown>;
        if (String(field(statement, "Effect")) !== "Allow") return;
        const who = agentPrincipal(statement, agentRoles, linked);
        if (!who) return;
        const single = { ...statement };
        for (const key of Object.keys(single)) if (/^(not)?principal$/i.test(key)) delete single[key];
        if (field(single, "Resource") === undefined && field(single, "NotResource") === undefined)
            single.Resource = "*";
        try {
            const grants = analyzeGrants([
                {
                    source: "resource policy",
                    document: { Version: "2012-10-17", Statement: [single] },
                },
            ]);
            for (const grant of grants) {
                findings.push(
                    at(
                        node,
                        `${node.name}'s ${prop} grants ${who}: statement ${index}${grant.message.slice(grant.message.indexOf(":"))}`,
                    ),
                );
            }
        } catch (err) {
            if (!(err instanceof IamDocumentError)) throw err;
            findings.push(
                at(
                    node,
                    `${node.name}'s ${prop} statement ${index} granted to ${who} cannot be read: ${err.message}`,
                ),
            );
        }
    });
    return findings;
}

/** Whom the statement admits that is (or may be) an agent, or undefined. */
function agentPrincipal(
    statement: Record<string, unknown>,
    agentRoles: ReadonlyMap<string, AgentRole>,
    linked: readonly ResourceNode[],
): string | undefined {
    if (field(statement, "NotPrincipal") !== undefined)
        return "every principal but the listed ones (NotPrincipal), agent roles included";
    const principal = field(statement, "Principal");
    const values: unknown[] =
        principal !== null && typeof principal === "object" && !Array.isArray(principal)
            ? Object.values(principal as Record<string, unknown>).flatMap(asList)
            : asList(principal);
    const condition = field(statement, "Condition");
    if (condition === undefined && values.some((v) => v === "*"))
        return 'every principal (Principal "*" without a Condition), agent roles included';
    const star = values.some((v) => v === "*");
    for (const role of agentRoles.values()) {
        const named = values.some((v) => typeof v === "string" && namesRole(v, role));
        if (!named && !star) continue;
        // Only a Condition that certainly excludes the agent role protects it (core/iam/conditions.ts).
        const admits = admitsRole(condition, role);
        if (admits === false) continue;
        const who = `agent role ${role.node.name}`;
        const how = admits === true ? "admits" : "may admit";
        const why = admits === true ? "" : " (the stack cannot show that it excludes it)";
        if (named) return condition === undefined ? who : `${who} (its Condition ${how} it${why})`;
        return `every principal (Principal "*"), and its Condition ${how} ${who}${why}`;
    }
    if (
        linked.length > 0 &&
        values.some((v) => isUnknown(v) || (typeof v === "string" && /:role\//.test(v)))
    ) {
        return `agent role ${linked[0].name} (the policy is computed from it)`;
    }
    return undefined;
}

const requesters = new WeakMap<ResourceNode, RequestingPrincipal | null>();

function admitsRole(condition: unknown, role: AgentRole): ConditionAnswer {
    let who = requesters.get(role.node);
    if (who === undefined) {
        const decoded = decodeResource(role.node);
        requesters.set(role.node, (who = decoded ? requestingPrincipal(decoded) : null));
    }
    return who === null ? "unknown" : evaluateCondition(condition, who);
}

/** A literal ARN of the role: its own, or any path, another case, or one of its assumed-role sessions. */
function namesRole(value: string, role: AgentRole): boolean {
    const arn = role.node.props.arn;
    if (typeof arn === "string" && !isUnknown(arn) && value === arn) return true;
    const name = role.node.props.name;
    if (typeof name !== "string" || isUnknown(name)) return false;
    const match =
        /^arn:[^:]+:iam::[^:]*:role\/(?:.*\/)?([^/]+)$/i.exec(value) ??
        /^arn:[^:]+:sts::[^:]*:assumed-role\/([^/]+)\/[^/]*$/i.exec(value);
    return match !== null && match[1].toLowerCase() === name.toLowerCase();
}

function mayNameAgent(node: ResourceNode, prop: string, agentRoles: ReadonlyMap<string, AgentRole>): boolean {
    return (node.propertyDependencies[prop] ?? []).some((n) => agentRoles.has(n.urn));
}

function at(node: ResourceNode, message: string): Finding {
    return { urn: node.urn, name: node.name, message };
}
