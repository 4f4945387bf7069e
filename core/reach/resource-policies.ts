import { iamGlobMatches, iamGlobsIntersect } from "../glob";
import { isUnknown } from "../unknowns";
import { type EdgeKind, patternCovers } from "./actions";
import { type DecodedResourcePolicy, KMS_GRANT_TYPE, type PolicyTargetKind } from "./decode";
import type { ReachResource } from "./resource";

/**
 * What a resource policy grants a same-account principal without any grant of its own (an account root only
 * delegates to identity policies, which the graph reads already): one linker for every kind of policy.
 */
export interface ResourcePolicyGrant {
    /** URN of the stack principal the statement names, or `*`: every principal its Condition admits. */
    readonly principal: string;
    readonly to: string;
    readonly kind: EdgeKind;
    readonly permission: string;
    readonly grantedBy: string;
    readonly certain: boolean;
    /** The statement's Condition, evaluated for each principal that may use the grant (absent: none). */
    readonly condition?: unknown;
}

/** A resource the policy may guard (or, for buckets, code that runs from it). */
export interface PolicyTarget {
    readonly urn: string;
    readonly certain: boolean;
    /** S3 code: the object pattern a compute resource runs, which the statement's Resource must cover. */
    readonly object?: string;
}

export interface PolicyContext {
    /** The resources the policy may guard: for buckets, the code in that bucket. */
    readonly targets: (policy: DecodedResourcePolicy) => readonly PolicyTarget[];
    /** The stack role or user an ARN names (any path, an assumed-role session's role), if any. */
    readonly principal: (reference: string) => string | undefined;
    /** The URN of a resource when it is a stack role or user. */
    readonly principalResource: (resource: ReachResource) => string | undefined;
}

/** The action a policy kind's grant must cover, and the edge it makes. */
const GRANTED: Readonly<Record<PolicyTargetKind, { actions: readonly string[]; edge: EdgeKind }>> = {
    "image-repository": { actions: ["ecr:PutImage"], edge: "push-image" },
    "secretsmanager-secret": { actions: ["secretsmanager:GetSecretValue"], edge: "read-secret" },
    "kms-key": { actions: ["kms:Decrypt", "kms:ReEncryptFrom"], edge: "read-secret" },
    "s3-bucket": { actions: ["s3:PutObject"], edge: "run-as" },
};

const LABEL: Readonly<Record<PolicyTargetKind, string>> = {
    "image-repository": "repository policy",
    "secretsmanager-secret": "secret policy",
    "kms-key": "key policy",
    "s3-bucket": "bucket policy",
};

/**
 * Edges a resource policy grants. Principals: `*` (or `{AWS: "*"}`) is everyone its Condition admits; a
 * literal ARN of a stack role or user is that principal (with or without a path, or as an assumed-role
 * session); an account root or id delegates (nothing here); NotPrincipal is everyone but a few (fail closed,
 * a guess); an unknown principal or an unknown policy may be anyone (a guess).
 */
export function resourcePolicyGrants(
    policy: DecodedResourcePolicy,
    context: PolicyContext,
): ResourcePolicyGrant[] {
    const granted = GRANTED[policy.kind];
    const label = policy.resource.type === KMS_GRANT_TYPE ? "KMS grant" : LABEL[policy.kind];
    const where = `${label} ${policy.resource.name}`;
    const targets = context.targets(policy);
    if (targets.length === 0 || policy.policy.state === "absent") return [];
    const out: ResourcePolicyGrant[] = [];
    let action = granted.actions[0];
    const grant = (
        principal: string,
        grantedBy: string,
        certain: boolean,
        condition: unknown,
        resources: readonly string[] | undefined,
    ) => {
        for (const target of targets) {
            let onTarget = true;
            let surely = true;
            if (target.object !== undefined && resources !== undefined) {
                onTarget = resources.some((r) => iamGlobsIntersect(r, target.object as string));
                surely = resources.some((r) => iamGlobMatches(r, target.object as string));
            }
            if (!onTarget) continue;
            out.push({
                principal,
                to: target.urn,
                kind: granted.edge,
                // The path names the policy: the principal holds no grant of its own.
                permission:
                    target.object === undefined
                        ? `${action} (granted by ${grantedBy})`
                        : `${action} (on its code ${target.object}, granted by ${grantedBy})`,
                grantedBy,
                certain: certain && target.certain && surely,
                ...(condition !== undefined && { condition }),
            });
        }
    };
    if (policy.policy.state === "unknown") {
        const by = `${where} (${policy.policy.why})`;
        // A repository policy unknown during preview may let anyone push (kept from the first linker). For
        // the others: the principals it was computed from (their ARNs may be in it); one computed from no
        // stack principal is judged at the next preview, once known, as aws-restrict-agent-resource-policies
        // does (docs: still accepted).
        if (policy.kind === "image-repository") grant("*", by, false, undefined, undefined);
        else {
            const named = new Set<string>();
            for (const dep of policy.resource.propertyDependencies[policy.policyProperty] ?? []) {
                const urn = context.principalResource(dep);
                if (urn !== undefined) named.add(urn);
            }
            for (const urn of named) grant(urn, by, false, undefined, undefined);
        }
        return out;
    }
    statementsOf(policy.policy.value).forEach((statement, index) => {
        if (statement.Effect !== "Allow") return;
        const covered = granted.actions.find((a) => coversAction(statement, a));
        if (covered === undefined) return;
        action = covered;
        const by = `${where} statement ${typeof statement.Sid === "string" ? statement.Sid : index}`;
        // NotResource: every object but a few may be covered; read it as covering the code (fail closed).
        const resources = statement.NotResource !== undefined ? undefined : stringList(statement.Resource);
        for (const { principal, certain } of principalsOf(statement, context)) {
            grant(principal, by, certain, statement.Condition, resources);
        }
    });
    return out;
}

function statementsOf(document: unknown): Record<string, unknown>[] {
    if (document === null || typeof document !== "object") return [];
    const raw = (document as Record<string, unknown>).Statement;
    const list = Array.isArray(raw) ? raw : [raw];
    return list.filter((s): s is Record<string, unknown> => s !== null && typeof s === "object");
}

function stringList(value: unknown): string[] | undefined {
    if (value === undefined) return undefined;
    const list = Array.isArray(value) ? value : [value];
    // An unreadable Resource may be anything: undefined reads as covering everything.
    return list.every((v) => typeof v === "string" && !isUnknown(v)) ? (list as string[]) : undefined;
}

function coversAction(statement: Record<string, unknown>, action: string): boolean {
    if (statement.NotAction !== undefined) {
        const list = Array.isArray(statement.NotAction) ? statement.NotAction : [statement.NotAction];
        return !list.some((a) => typeof a === "string" && patternCovers(a, action));
    }
    const list = Array.isArray(statement.Action) ? statement.Action : [statement.Action];
    return list.some((a) => typeof a !== "string" || isUnknown(a) || patternCovers(a, action));
}

const ACCOUNT_ROOT = /^(\d{12}|arn:[^:]+:iam::\d{12}:root)$/;

function principalsOf(
    statement: Record<string, unknown>,
    context: PolicyContext,
): { principal: string; certain: boolean }[] {
    if (statement.NotPrincipal !== undefined) return [{ principal: "*", certain: false }];
    const principal = statement.Principal;
    if (principal === "*") return [{ principal: "*", certain: true }];
    if (principal === undefined) return [];
    if (principal === null || typeof principal !== "object" || isUnknown(principal)) {
        return [{ principal: "*", certain: false }];
    }
    const raw = (principal as Record<string, unknown>).AWS;
    if (raw === undefined) return [];
    const out: { principal: string; certain: boolean }[] = [];
    for (const value of Array.isArray(raw) ? raw : [raw]) {
        if (value === "*") out.push({ principal: "*", certain: true });
        else if (typeof value !== "string" || isUnknown(value)) out.push({ principal: "*", certain: false });
        else if (ACCOUNT_ROOT.test(value)) continue;
        else {
            const urn = context.principal(value);
            if (urn !== undefined) out.push({ principal: urn, certain: true });
        }
    }
    return out;
}
