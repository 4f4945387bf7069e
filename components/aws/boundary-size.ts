import {
    MANAGED_POLICY_MAX_CHARS,
    ROLE_ASSUMPTION_ACTIONS,
    buildAgentPermissionsBoundary,
    expandActionPattern,
    policySize,
} from "../../core/iam";
import { argumentError, isPlain } from "../args";
import type { AgentPolicyStatement } from "./permissions";

/**
 * Worst-case size of AgentRole's permissions boundary, known at construction: the ARNs in it are computed
 * by AWS (unknown during a preview), so IAM's 6,144-character limit would otherwise be found only by
 * `pulumi up`. Parts that are not known yet count at their longest: the longest partition and region,
 * Pulumi's autoname suffix, the longest role name.
 */
const LONGEST_PARTITION = "aws-us-gov".length;
/** ap-southeast-4, ap-northeast-3, eusc-de-east-1. */
const LONGEST_REGION = 14;
const ACCOUNT_ID = 12;
/** Pulumi's autoname: `-` and 7 random characters. */
const AUTONAME_SUFFIX = 8;
const LONGEST_BUCKET_NAME = 63;
/** A key id (a UUID) or a multi-Region key id (`mrk-` and 32 hex digits). */
const KMS_KEY_ID = 36;
const LONGEST_ROLE_NAME = 64;

/** The longest ARN of a role with the default path `/`. */
export const LONGEST_ROLE_ARN =
    "arn::iam:::role/".length + LONGEST_PARTITION + ACCOUNT_ID + LONGEST_ROLE_NAME;

/**
 * The longest each of AgentAuditTrail's protected ARNs can be (bucket, objects, key, log group, its
 * streams, trail), from the component's name (its bucket and log group are autonamed after it) and the
 * trail name.
 */
export function auditTrailArnBounds(componentName: string, trailName: string): number[] {
    const location = LONGEST_PARTITION + LONGEST_REGION + ACCOUNT_ID;
    const bucketName = Math.min(`${componentName}-bucket`.length + AUTONAME_SUFFIX, LONGEST_BUCKET_NAME);
    const bucket = "arn::s3:::".length + LONGEST_PARTITION + bucketName;
    const key = "arn::kms:::key/".length + location + KMS_KEY_ID;
    const logGroup =
        "arn::logs:::log-group:".length + location + `${componentName}-log-group`.length + AUTONAME_SUFFIX;
    const trail = "arn::cloudtrail:::trail/".length + location + trailName.length;
    return [bucket, bucket + 2, key, logGroup, logGroup + 2, trail];
}

/** How many ARNs the boundary exempts from its role-assumption deny, at most, and how long each may be. */
function assumableRoleArnBounds(statements: readonly AgentPolicyStatement[]): number[] | undefined {
    const assumes = (action: string) =>
        expandActionPattern(action).some((a) => ROLE_ASSUMPTION_ACTIONS.includes(a));
    const arns = new Map<string, number>();
    let pending = 0;
    for (const statement of statements) {
        if (statement.Effect !== "Allow") continue;
        const actions = ([] as unknown[]).concat(statement.Action ?? []);
        if (!actions.some((a) => typeof a === "string" && assumes(a))) continue;
        // A single Output is one ARN (the type allows no Output of a list); a Promise may be anything.
        if (statement.Resource instanceof Promise) return undefined;
        for (const resource of ([] as unknown[]).concat(statement.Resource ?? [])) {
            if (typeof resource === "string") {
                if (/^arn:aws(?:-[a-z]+)*:iam::\d{12}:role\//.test(resource))
                    arns.set(resource, resource.length);
            } else if (isPlain(resource)) {
                return undefined;
            } else {
                pending++;
            }
        }
    }
    return [...arns.values(), ...Array<number>(pending).fill(LONGEST_ROLE_ARN)];
}

/**
 * Throws when the boundary AgentRole would create can exceed IAM's limit, saying which parts to shorten.
 * `protectedArnBounds` are the audit trail's ARN lengths at most; undefined when they can't be bounded
 * now (the size is then checked once they are known).
 */
export function checkBoundarySizeNow(
    component: string,
    statements: readonly AgentPolicyStatement[],
    protectedArnBounds: readonly number[] | undefined,
): void {
    const roles = assumableRoleArnBounds(statements);
    if (roles === undefined || protectedArnBounds === undefined) return;
    // Stand-ins of the longest lengths, each distinct (the boundary lists every ARN once).
    const standIn = (length: number, i: number) => `${i}`.padEnd(length, "x");
    const size = policySize(
        buildAgentPermissionsBoundary({
            assumableRoleArns: roles.map(standIn),
            protectedResourceArns: protectedArnBounds.map((n, i) => standIn(n, i + roles.length)),
        }),
    );
    if (size <= MANAGED_POLICY_MAX_CHARS) return;
    const fixed = policySize(buildAgentPermissionsBoundary({}));
    const parts: string[] = [];
    if (protectedArnBounds.length > 0) {
        parts.push(
            `the audit trail's ${protectedArnBounds.length} ARNs, up to ${protectedArnBounds.reduce((a, b) => a + b, 0)} characters ` +
                "(the AgentAuditTrail's name is in its bucket and log group names, and its trailName in the trail's ARN: shorten them)",
        );
    }
    if (roles.length > 0) {
        parts.push(
            `${roles.length} assumable role ARN(s), up to ${roles.reduce((a, b) => a + b, 0)} characters ` +
                `(each ARN not known yet counts at ${LONGEST_ROLE_ARN}: assume fewer roles or give their ARNs as strings)`,
        );
    }
    throw argumentError(
        {
            component,
            argument: "statements",
            value: size,
            allowed: `a permissions boundary of at most ${MANAGED_POLICY_MAX_CHARS} characters`,
        },
        `${component}: the permissions boundary can reach ${size} characters, over IAM's ${MANAGED_POLICY_MAX_CHARS} ` +
            `(its fixed denies take ${fixed}); the rest is ${parts.join(" and ")}. ` +
            "Or pass permissionsBoundaryArn to use a boundary of your own.",
    );
}
