import { fail } from "../args";

/** The kill switch: an explicit Deny wins over every Allow, also for sessions already issued. */
export function denyAllPolicy(): object {
    return {
        Version: "2012-10-17",
        Statement: [{ Sid: "AgentSuspended", Effect: "Deny", Action: "*", Resource: "*" }],
    };
}

/** AWS's documented pattern for revoking a role's active sessions: deny tokens issued before a time. */
export function revokeSessionsPolicy(issuedBefore: string): object {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "RevokeOlderSessions",
                Effect: "Deny",
                Action: "*",
                Resource: "*",
                Condition: { DateLessThan: { "aws:TokenIssueTime": issuedBefore } },
            },
        ],
    };
}

const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
/** Clock skew tolerated between the deploying machine and AWS. */
export const MAX_REVOCATION_LEAD_MS = 5 * 60 * 1000;

/**
 * Validates a revocation time and returns it in UTC. A time more than a few minutes ahead is rejected: it
 * would deny new sessions too until then, a suspension in disguise (use `suspended` for that).
 */
export function checkRevocationTime(component: string, value: unknown, now: Date = new Date()): string {
    const arg = "revokeSessionsIssuedBefore";
    const allowed =
        "expected an ISO 8601 time with a time zone (e.g. 2025-01-31T12:00:00Z), not in the future";
    if (typeof value !== "string" || !ISO_8601.test(value)) fail(component, arg, value, allowed);
    const time = new Date(value);
    if (Number.isNaN(time.getTime()) || !isCalendarDate(value.slice(0, 10)))
        fail(component, arg, value, allowed);
    if (time.getTime() > now.getTime() + MAX_REVOCATION_LEAD_MS) {
        fail(
            component,
            arg,
            value,
            `${allowed}; it is after ${now.toISOString()} (use suspended: true to deny new sessions)`,
        );
    }
    return time.toISOString();
}

// Date parsing rolls 2025-02-30 over to March; a typo must not silently move the revocation time.
function isCalendarDate(ymd: string): boolean {
    const [y, m, d] = ymd.split("-").map(Number);
    const date = new Date(Date.UTC(y, m - 1, d));
    return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}
