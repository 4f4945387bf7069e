import {
    checkAgentId,
    checkInteger,
    checkOwner,
    componentLabel,
    fail,
    isPlain,
    isPlainObject,
} from "../args";
import type { AgentAuditTrailArgs } from "./agent-audit-trail";
import { AGENT_ID_MAX_LENGTH } from "./agent-tags";

/**
 * Shortest object lock retention: 90 days, the window of CloudTrail's own event history, so an incident
 * noticed within a quarter can still be investigated from records nobody could alter.
 */
export const MIN_RETENTION_DAYS = 90;
/** Longest: COMPLIANCE retention can never be shortened, so a typo of extra digits would be permanent. */
export const MAX_RETENTION_DAYS = 3650;
/** The retention periods CloudWatch Logs accepts, from MIN_RETENTION_DAYS up. */
export const LOG_RETENTION_DAYS = [
    90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

const TRAIL_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9]|[._-](?![._-]))*[A-Za-z0-9]$/;
const S3_BUCKET_ARN = /^arn:aws(?:-[a-z]+)*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function checkRetentionDays(component: string, value: unknown): number {
    return checkInteger(component, "retentionDays", value ?? 365, MIN_RETENTION_DAYS, MAX_RETENTION_DAYS);
}

export function checkLogRetentionDays(component: string, value: unknown): number {
    const days = value ?? 365;
    if (typeof days !== "number" || !LOG_RETENTION_DAYS.includes(days)) {
        fail(component, "logRetentionDays", days, `expected one of ${LOG_RETENTION_DAYS.join(", ")}`);
    }
    return days;
}

export function checkTrailName(component: string, value: unknown): string {
    if (typeof value !== "string" || value.length < 3 || value.length > 128 || !TRAIL_NAME.test(value)) {
        fail(
            component,
            "trailName",
            value,
            "expected 3-128 letters, digits, '.', '_' or '-', starting and ending with a letter or digit, no adjacent '.', '_', '-'",
        );
    }
    return value;
}

export function checkDataEventBucketArn(component: string, index: number, value: unknown): string {
    if (typeof value !== "string" || !S3_BUCKET_ARN.test(value)) {
        fail(
            component,
            `dataEventBuckets[${index}]`,
            value,
            "expected an S3 bucket ARN (arn:aws:s3:::name), no wildcards or keys",
        );
    }
    return value;
}

export function checkDataEventBucketsNow(component: string, value: unknown): void {
    if (value === undefined || !isPlain(value)) return;
    if (!Array.isArray(value))
        fail(component, "dataEventBuckets", value, "expected an array of S3 bucket ARNs");
    value.forEach((arn, i) => {
        if (isPlain(arn)) checkDataEventBucketArn(component, i, arn);
    });
}

/** The audit trail's validated plain arguments. */
export interface AuditTrailPlan {
    /** How errors name the component: `AgentAuditTrail "<name>"`. */
    readonly component: string;
    readonly agentId: string;
    readonly owner: string;
    readonly retentionDays: number;
    readonly logRetentionDays: number;
    readonly trailName: string;
}

/** Checks every plain argument (bucket ARNs given as Outputs are checked when they resolve). */
export function planAuditTrail(name: string, args: AgentAuditTrailArgs): AuditTrailPlan {
    const component = componentLabel("AgentAuditTrail", name);
    if (!isPlainObject(args))
        fail(component, "args", args, "expected an object with at least agentId and owner");
    const plan = {
        component,
        agentId: checkAgentId(component, args.agentId, AGENT_ID_MAX_LENGTH),
        owner: checkOwner(component, args.owner),
        retentionDays: checkRetentionDays(component, args.retentionDays),
        logRetentionDays: checkLogRetentionDays(component, args.logRetentionDays),
        trailName: checkTrailName(component, args.trailName ?? name),
    };
    checkDataEventBucketsNow(component, args.dataEventBuckets);
    return plan;
}
