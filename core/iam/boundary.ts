import { CONTAINMENT_METRIC_NAMESPACE, containmentResourceArnPatterns } from "../containment";
import { compressActions } from "./compress-actions";
import {
    ActionFamily,
    ROLE_ASSUMPTION_ACTIONS,
    dangerousCatalogActions,
    handKeptCredentialActions,
} from "./families";

/** IAM's limit for one managed policy, counted without whitespace. */
export const MANAGED_POLICY_MAX_CHARS = 6144;

export interface AgentBoundaryOptions {
    /** Exact role ARNs the agent may assume; every other role is denied. @default none */
    readonly assumableRoleArns?: readonly string[];
    /** ARNs the agent may not touch at all: the audit trail's bucket (and `/*`), key, log group, trail. */
    readonly protectedResourceArns?: readonly string[];
}

// Families the boundary denies itself. The rest does not fit in one managed policy beside the ARNs the
// boundary must list (the audit trail's, the roles the agent may assume): permissions management outside
// IAM (resource policies of ~150 services), network tampering (~2,800 characters of EC2, firewall and
// resolver actions) and the credentials found by name in other services are denied by
// buildAgentGuardrailPolicies instead, attached to the role; the boundary's IAM-write deny keeps the agent
// from detaching them.
const BOUNDARY_FAMILIES: readonly ActionFamily[] = [
    // Only sts:AssumeRoot lands here: the sts:AssumeRole* actions are denied in their own statement.
    "role-assumption",
    "privilege-escalation",
    "audit-tampering",
];

let cachedFamilyDenies: { iam: string[]; families: string[]; rest: string[] } | undefined;

function familyDenies(): { iam: string[]; families: string[]; rest: string[] } {
    if (cachedFamilyDenies) return cachedFamilyDenies;
    const iam = new Set<string>();
    const families = new Set<string>();
    const rest = new Set<string>();
    for (const [action, found] of dangerousCatalogActions()) {
        if (ROLE_ASSUMPTION_ACTIONS.includes(action)) continue;
        if (action.startsWith("iam:")) iam.add(action);
        else if (found.some((f) => BOUNDARY_FAMILIES.includes(f))) families.add(action);
        else if (handKeptCredentialActions().has(action)) families.add(action);
        else rest.add(action);
    }
    cachedFamilyDenies = {
        iam: compressActions(iam),
        families: compressActions(families),
        rest: compressActions(rest),
    };
    return cachedFamilyDenies;
}

/**
 * The permissions boundary of every agent role: allows `*` within it, then denies every forbidden family
 * unconditionally (IAM writes, credentials, escalation, network and audit tampering), role assumption
 * except the listed roles, and everything on the audit trail's resources. Deterministic for a given
 * catalogue version, so the policy does not churn between deployments.
 */
export function buildAgentPermissionsBoundary(options: AgentBoundaryOptions = {}): object {
    const { iam, families } = familyDenies();
    const assumable = options.assumableRoleArns ?? [];
    const statements: object[] = [
        { Sid: "AllowWithinBoundary", Effect: "Allow", Action: "*", Resource: "*" },
        { Sid: "DenyIamWrites", Effect: "Deny", Action: iam, Resource: "*" },
        { Sid: "DenyForbiddenFamilies", Effect: "Deny", Action: families, Resource: "*" },
        assumable.length === 0
            ? { Sid: "DenyRoleAssumption", Effect: "Deny", Action: ROLE_ASSUMPTION_ACTIONS, Resource: "*" }
            : {
                  Sid: "DenyOtherRoleAssumption",
                  Effect: "Deny",
                  Action: ROLE_ASSUMPTION_ACTIONS,
                  NotResource: [...assumable],
              },
    ];
    const protectedArns = options.protectedResourceArns ?? [];
    if (protectedArns.length > 0) {
        statements.push({ Sid: "DenyAuditTrail", Effect: "Deny", Action: "*", Resource: [...protectedArns] });
    }
    return { Version: "2012-10-17", Statement: statements };
}

/**
 * Deny policies for permissions management outside IAM (bucket, key, queue, function... resource
 * policies and grants), split to fit IAM's managed policy size. Attached to agent roles beside the
 * boundary: the boundary stops the agent from detaching them.
 */
export function buildAgentGuardrailPolicies(): object[] {
    const { rest } = familyDenies();
    const documents: object[] = [];
    let chunk: string[] = [];
    const flush = (): void => {
        if (chunk.length === 0) return;
        const Sid = `DenyResourcePermissionsManagement${documents.length + 1}`;
        documents.push({
            Version: "2012-10-17",
            Statement: [{ Sid, Effect: "Deny", Action: chunk, Resource: "*" }],
        });
        chunk = [];
    };
    const overhead = 200;
    for (const action of rest) {
        if (JSON.stringify([...chunk, action]).length + overhead > MANAGED_POLICY_MAX_CHARS) flush();
        chunk.push(action);
    }
    flush();
    return withContainmentProtection(documents);
}

/**
 * Every AgentContainment resource, by the name prefix they all carry, so agents can neither disable nor
 * rewrite the tripwires, the function, its role, its alerts or its logs, whether or not a containment is
 * deployed yet. Added to the last guardrail policy when it fits.
 */
function withContainmentProtection(documents: object[]): object[] {
    const statements = [
        {
            Sid: "DenyContainmentTampering",
            Effect: "Deny",
            Action: "*",
            Resource: containmentResourceArnPatterns(),
        },
        // PutMetricData takes no resource ARN: forged data points in containment's namespace fire its alarms.
        {
            Sid: "DenyContainmentMetrics",
            Effect: "Deny",
            Action: "cloudwatch:PutMetricData",
            Resource: "*",
            Condition: { StringLike: { "cloudwatch:namespace": `${CONTAINMENT_METRIC_NAMESPACE}*` } },
        },
    ];
    const last = documents[documents.length - 1] as { Statement: object[] } | undefined;
    if (last) {
        const extended = { ...last, Statement: [...last.Statement, ...statements] };
        if (policySize(extended) <= MANAGED_POLICY_MAX_CHARS) {
            return [...documents.slice(0, -1), extended];
        }
    }
    return [...documents, { Version: "2012-10-17", Statement: statements }];
}

/** Size as IAM counts it: JSON without whitespace. */
export function policySize(document: object): number {
    return JSON.stringify(document).length;
}
