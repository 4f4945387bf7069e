import * as fs from "fs";
import { CheckError } from "../errors";
import { globMatches, type ApprovalPolicy } from "./tier-config";

/** The fields of `gh pr view --json author,reviews,commits[,headRefOid]` that the gate reads. */
export interface ReviewRecord {
    readonly author: string;
    /** The commit under review: `headRefOid`, else the last of `commits`. */
    readonly headOid: string;
    readonly reviews: readonly {
        readonly login: string;
        readonly state: string;
        readonly submittedAt: string;
        readonly commitOid: string | undefined;
        /** GitHub's `is_bot` on the review's author: an app's review never counts. */
        readonly isBot: boolean;
    }[];
}

export interface ApprovalVerdict {
    readonly satisfied: boolean;
    readonly approvers: readonly string[];
    /** Why each review that was not counted was rejected. */
    readonly rejected: readonly string[];
    readonly summary: string;
}

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

function login(value: unknown, at: string, source: string): string {
    const l = isObject(value) ? value.login : undefined;
    if (typeof l !== "string" || l === "") {
        throw new CheckError(
            "usage",
            `${source}: ${at}.login must be a non-empty string, got ${JSON.stringify(l)}`,
        );
    }
    return l;
}

/** Validates the gh JSON; every error names the field, the bad value and what is expected. */
export function readReviewRecord(raw: unknown, source: string): ReviewRecord {
    if (!isObject(raw))
        throw new CheckError(
            "usage",
            `${source}: expected the JSON object of 'gh pr view --json author,reviews,commits'`,
        );
    const author = login(raw.author, "author", source);
    if (!Array.isArray(raw.reviews))
        throw new CheckError(
            "usage",
            `${source}: reviews must be an array, got ${JSON.stringify(raw.reviews)}`,
        );
    let headOid = typeof raw.headRefOid === "string" ? raw.headRefOid : undefined;
    if (headOid === undefined) {
        const commits = raw.commits;
        const last = Array.isArray(commits) ? commits[commits.length - 1] : undefined;
        if (!isObject(last) || typeof last.oid !== "string") {
            throw new CheckError(
                "usage",
                `${source}: needs headRefOid or a non-empty commits array with oid, to tell current approvals from stale ones`,
            );
        }
        headOid = last.oid;
    }
    const reviews = raw.reviews.map((r, i) => {
        if (!isObject(r)) throw new CheckError("usage", `${source}: reviews[${i}] must be an object`);
        if (typeof r.state !== "string")
            throw new CheckError(
                "usage",
                `${source}: reviews[${i}].state must be a string, got ${JSON.stringify(r.state)}`,
            );
        if (typeof r.submittedAt !== "string" || Number.isNaN(Date.parse(r.submittedAt))) {
            throw new CheckError(
                "usage",
                `${source}: reviews[${i}].submittedAt must be an ISO date, got ${JSON.stringify(r.submittedAt)}`,
            );
        }
        const commitOid = isObject(r.commit) && typeof r.commit.oid === "string" ? r.commit.oid : undefined;
        const isBot = isObject(r.author) && r.author.is_bot !== undefined && r.author.is_bot !== false;
        return {
            login: login(r.author, `reviews[${i}].author`, source),
            state: r.state,
            submittedAt: r.submittedAt,
            commitOid,
            isBot,
        };
    });
    return { author, headOid, reviews };
}

export function readReviewRecordFile(file: string): ReviewRecord {
    let raw: unknown;
    try {
        raw = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (err) {
        throw new CheckError("usage", `can't read the review record '${file}': ${(err as Error).message}`);
    }
    return readReviewRecord(raw, `review record '${file}'`);
}

const DECISIVE = new Set(["APPROVED", "CHANGES_REQUESTED", "DISMISSED"]);

/** Full commit ids only (SHA-1 or SHA-256): a prefix could name another commit. */
export const COMMIT_SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/i;

/**
 * Each reviewer's last decisive review. Reviews with the same timestamp cannot be ordered, so a
 * CHANGES_REQUESTED or a dismissal at that instant wins over an approval (fail closed).
 */
function lastDecisive(record: ReviewRecord): Map<string, ReviewRecord["reviews"][number]> {
    const latest = new Map<string, ReviewRecord["reviews"][number]>();
    for (const r of record.reviews) {
        if (!DECISIVE.has(r.state.toUpperCase())) continue;
        const key = r.login.toLowerCase();
        const seen = latest.get(key);
        const at = Date.parse(r.submittedAt);
        const seenAt = seen === undefined ? -Infinity : Date.parse(seen.submittedAt);
        if (at > seenAt || (at === seenAt && r.state.toUpperCase() !== "APPROVED")) latest.set(key, r);
    }
    return latest;
}

/**
 * Dual control: at least `required` distinct approvers, none the author, none a bot or an agent identity,
 * each approving the commit under review with no later (or simultaneous) CHANGES_REQUESTED or dismissal of
 * their own. The record itself must be for the commit under review (`headSha`: the program's `git rev-parse
 * HEAD`, or `--head-sha`): a record of another pull request or of an earlier push proves nothing. Logins
 * compare case-insensitively (GitHub logins are).
 */
export function judgeApprovals(
    record: ReviewRecord,
    policy: ApprovalPolicy,
    headSha: string | undefined,
): ApprovalVerdict {
    const approvers: string[] = [];
    const rejected: string[] = [];
    const author = record.author.toLowerCase();
    const head = headSha?.toLowerCase();
    const recordHead = record.headOid.toLowerCase();
    if (head === undefined)
        rejected.push(
            "the commit under review is unknown (the program is not in a git repository and no --head-sha was given), so no approval can be bound to it",
        );
    else if (recordHead !== head)
        rejected.push(
            `the review record is for commit ${record.headOid}, not the commit under review ${headSha}: every approval in it is for another commit`,
        );
    for (const [key, r] of lastDecisive(record)) {
        const state = r.state.toUpperCase();
        const agentGlob = policy.agentIdentities.find((g) => globMatches(g, r.login));
        if (state !== "APPROVED") {
            rejected.push(`${r.login}: last review is ${state}`);
        } else if (key === author) {
            rejected.push(`${r.login}: is the author of the change (self-approval)`);
        } else if (r.isBot) {
            rejected.push(`${r.login}: is a bot (is_bot), whose approval never counts`);
        } else if (agentGlob !== undefined) {
            rejected.push(`${r.login}: is an agent identity (${agentGlob})`);
        } else if (policy.approvers.length > 0 && !policy.approvers.some((g) => globMatches(g, r.login))) {
            rejected.push(`${r.login}: is not among the allowed approvers`);
        } else if (head === undefined || r.commitOid?.toLowerCase() !== head || recordHead !== head) {
            rejected.push(
                `${r.login}: approved ${r.commitOid ?? "an unknown commit"}, not the commit under review ${headSha ?? "(unknown)"} (stale)`,
            );
        } else approvers.push(r.login);
    }
    const satisfied = approvers.length >= policy.required;
    const target = headSha ?? "the commit under review (unknown)";
    const summary = satisfied
        ? `dual control satisfied: ${approvers.join(", ")} approved ${target}`
        : `Tier 3 needs ${policy.required} distinct human approvers of ${target} other than the author ${record.author}; ` +
          `has ${approvers.length}${approvers.length > 0 ? ` (${approvers.join(", ")})` : ""}`;
    return { satisfied, approvers, rejected, summary };
}
