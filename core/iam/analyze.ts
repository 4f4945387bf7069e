import { iamGlobsIntersect, SEGMENT_WILDCARD } from "../glob";
import { describeActionPattern, expandActionPattern } from "./catalog";
import { DenyIndex, isAllActionsPattern } from "./deny-index";
import { NormalizedStatement, normalizePolicyDocument } from "./document";
import { IamDocumentError } from "./errors";
import {
    ActionFamily,
    OBJECT_DELETION_ACTIONS,
    PASS_ROLE,
    namesAdminRole,
    ROLE_ASSUMPTION_ACTIONS,
    classifyAction,
    dangerousCatalogActions,
    roleRunningComputeActions,
} from "./families";
import { hasWildcard } from "./wildcard";
import type { IamFinding, IamRiskCategory, SourcedDocument } from "./types";

/** What one Allow entry (an Action pattern, or a whole NotAction list) still grants after Denies. */
interface Grant {
    readonly source: string;
    readonly statement: NormalizedStatement;
    readonly written: string;
    readonly actions: readonly string[];
    readonly anyResource: boolean;
    readonly anyBucket: boolean;
}

const WHY: Record<IamRiskCategory, string> = {
    "all-actions": "every action of every service, including services added later",
    "not-action-allow":
        "everything except the listed actions (NotAction with Allow), including services added later; list the allowed actions instead",
    "permissions-management":
        "permissions management: it can change who may do what, including its own limits",
    credentials: "long-lived credentials that outlive the kill switch and session revocation",
    "role-assumption":
        "assumption of any role (Resource is a wildcard, NotResource, the account root or a well-known administrator role such as OrganizationAccountAccessRole or AWSReservedSSO_*) or a root session (sts:AssumeRoot); name the exact ARN of a role that is not an administrator instead",
    "privilege-escalation":
        "privilege escalation: it can run code or open sessions as a more privileged role",
    "network-tampering": "network changes (security groups, routes, VPCs, firewalls) that can open egress",
    "audit-tampering": "changes that can stop, shorten or erase the audit record",
    "unknown-service":
        "permissions in a service the IAM catalogue does not know, so they cannot be judged; use a known service prefix",
};

export interface AnalyzeOptions {
    /**
     * Lower-case names of actions that run code as an existing resource's role (lambda:UpdateFunctionCode...)
     * whose grants on exact resources are judged on what those resources run as (core/reach), not here: such
     * a grant is privilege escalation only when the target's role is wider. Wildcard grants stay findings.
     */
    readonly runAsJudgedOnTargets?: ReadonlySet<string>;
    /**
     * Names (or IAM glob patterns) of the stack's buckets that hold the audit record (CloudTrail, Config):
     * deleting objects there is audit tampering even on an exact ARN.
     */
    readonly auditBuckets?: readonly string[];
}

/**
 * Findings for the effective grant of every document attached to ONE principal: Allows minus certain
 * Denies (see DenyIndex), classified per family, with PassRole + compute combinations judged across all
 * documents together. Throws IamDocumentError (naming the source) for a document IAM would reject.
 */
export function analyzeGrants(docs: readonly SourcedDocument[], options: AnalyzeOptions = {}): IamFinding[] {
    const parsed = docs.map((doc) => ({ source: doc.source, statements: parseNamed(doc) }));
    const denies = new DenyIndex();
    for (const doc of parsed) for (const statement of doc.statements) denies.add(statement);
    if (denies.deniesEverything) return [];

    const findings: IamFinding[] = [];
    const grants: Grant[] = [];
    for (const { source, statements } of parsed) {
        for (const statement of statements) {
            if (statement.effect !== "Allow") continue;
            const anyResource = grantsAnyResource(statement);
            const anyBucket =
                grantsAnyBucket(statement) || namesAuditBucket(statement, options.auditBuckets ?? []);
            if (statement.notActions) {
                const written = `NotAction ${JSON.stringify(statement.notActions)}`;
                findings.push(finding(source, statement, written, "not-action-allow", []));
                const excluded = new Set(statement.notActions.flatMap(expandActionPattern));
                const candidates = [...dangerousCatalogActions().keys(), ...roleRunningComputeActions()];
                const actions = [...new Set(candidates)].filter((a) => !excluded.has(a) && !denies.has(a));
                grants.push({ source, statement, written, actions, anyResource, anyBucket });
                continue;
            }
            for (const pattern of statement.actions ?? []) {
                if (isAllActionsPattern(pattern)) {
                    findings.push(finding(source, statement, pattern, "all-actions", []));
                    continue;
                }
                const expansion = describeActionPattern(pattern);
                if (expansion.unknownService) {
                    findings.push(finding(source, statement, pattern, "unknown-service", []));
                    continue;
                }
                const actions = expansion.actions.filter((a) => !denies.has(a));
                grants.push({ source, statement, written: pattern, actions, anyResource, anyBucket });
            }
        }
    }
    for (const grant of grants) findings.push(...familyFindings(grant, options));
    findings.push(...escalationCombinations(grants));
    return findings;
}

function parseNamed(doc: SourcedDocument): NormalizedStatement[] {
    try {
        return normalizePolicyDocument(doc.document);
    } catch (err) {
        if (err instanceof IamDocumentError) throw new IamDocumentError(`${doc.source}: ${err.message}`);
        throw err;
    }
}

/**
 * A missing Resource is read as `*` (fail closed); NotResource grants everything else; a well-known
 * administrator role or the account root (see ADMIN_ROLE_NAME_PATTERNS) is as wide as `*`.
 */
function grantsAnyResource(statement: NormalizedStatement): boolean {
    if (statement.notResources !== undefined || statement.resources === undefined) return true;
    return statement.resources.some((resource) => hasWildcard(resource) || namesAdminRole(resource));
}

/**
 * Whether some resource has a wildcard before its first `/` (the bucket name of an S3 object ARN, or any
 * other part of the ARN, fail closed); NotResource or no Resource counts.
 */
function grantsAnyBucket(statement: NormalizedStatement): boolean {
    if (statement.notResources !== undefined || statement.resources === undefined) return true;
    return statement.resources.some((resource) => hasWildcard(resource.split("/")[0] ?? resource));
}

/** Whether some resource's bucket part may be one of the audit buckets (any partition). */
function namesAuditBucket(statement: NormalizedStatement, buckets: readonly string[]): boolean {
    if (buckets.length === 0) return false;
    return (statement.resources ?? []).some((resource) => {
        const bucket = resource.split("/")[0] ?? resource;
        return buckets.some((name) => iamGlobsIntersect(bucket, `arn:${SEGMENT_WILDCARD}:s3:::${name}`));
    });
}

function familyFindings(grant: Grant, options: AnalyzeOptions): IamFinding[] {
    const onTargets = grant.anyResource ? undefined : options.runAsJudgedOnTargets;
    const byFamily = new Map<ActionFamily, string[]>();
    const add = (family: ActionFamily, action: string): void => {
        const list = byFamily.get(family);
        if (list) list.push(action);
        else byFamily.set(family, [action]);
    };
    for (const action of grant.actions) {
        for (const family of classifyAction(action)) {
            if (family === "privilege-escalation" && onTargets?.has(action.toLowerCase())) continue;
            add(family, action);
        }
        if (grant.anyResource && ROLE_ASSUMPTION_ACTIONS.includes(action)) add("role-assumption", action);
        // PassRole on every role: any service that accepts a role can be handed the most privileged one.
        if (grant.anyResource && action === PASS_ROLE) add("privilege-escalation", action);
        if (grant.anyBucket && OBJECT_DELETION_ACTIONS.includes(action)) add("audit-tampering", action);
    }
    return [...byFamily].map(([family, actions]) =>
        finding(grant.source, grant.statement, grant.written, family, actions),
    );
}

function escalationCombinations(grants: readonly Grant[]): IamFinding[] {
    const passRole = grants.find((g) => g.actions.includes(PASS_ROLE));
    if (!passRole) return [];
    const compute = roleRunningComputeActions();
    const findings: IamFinding[] = [];
    for (const grant of grants) {
        const launches = grant.actions.filter((a) => compute.has(a));
        if (launches.length === 0) continue;
        const base = finding(grant.source, grant.statement, grant.written, "privilege-escalation", launches);
        const via = `${passRole.source} ${statementLabel(passRole.statement)} ("${passRole.written}")`;
        const message = `${base.message}; combined with iam:PassRole from ${via}, it launches compute that runs as a passed role`;
        findings.push({ ...base, message });
    }
    return findings;
}

function statementLabel(statement: NormalizedStatement): string {
    const sid = statement.sid === undefined ? "" : ` (Sid "${statement.sid}")`;
    return `statement ${statement.index}${sid}`;
}

const EXAMPLES = 4;

function finding(
    source: string,
    statement: NormalizedStatement,
    written: string,
    category: IamRiskCategory,
    actions: readonly string[],
): IamFinding {
    const shown = actions.slice(0, EXAMPLES).join(", ");
    const more = actions.length > EXAMPLES ? ` and ${actions.length - EXAMPLES} more` : "";
    const matches =
        actions.length === 0 || (actions.length === 1 && actions[0] === written) ? "" : ` (${shown}${more})`;
    const message = `${source} ${statementLabel(statement)}: Allow ${written.startsWith("NotAction") ? written : `"${written}"`}${matches} grants ${WHY[category]}`;
    return {
        source,
        statementIndex: statement.index,
        ...(statement.sid !== undefined && { sid: statement.sid }),
        action: written,
        category,
        message,
    };
}
