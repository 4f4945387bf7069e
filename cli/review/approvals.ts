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
        return {
            login: login(r.author, `reviews[${i}].author`, source),
            state: r.state,
            submittedAt: r.submittedAt,
            commitOid,
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

/**
 * Dual control: at least `required` distinct approvers, none the author, none an agent identity, each
 * approving the head commit with no later CHANGES_REQUESTED or dismissal of their own. Logins compare
 * case-insensitively (GitHub logins are).
 */
export function judgeApprovals(record: ReviewRecord, policy: ApprovalPolicy): ApprovalVerdict {
    const latest = new Map<string, ReviewRecord["reviews"][number]>();
    const ordered = [...record.reviews].sort((a, b) => Date.parse(a.submittedAt) - Date.parse(b.submittedAt));
    for (const r of ordered) if (DECISIVE.has(r.state.toUpperCase())) latest.set(r.login.toLowerCase(), r);
    const approvers: string[] = [];
    const rejected: string[] = [];
    const author = record.author.toLowerCase();
    for (const [key, r] of latest) {
        const state = r.state.toUpperCase();
        if (state !== "APPROVED") {
            rejected.push(`${r.login}: last review is ${state}`);
        } else if (key === author) {
            rejected.push(`${r.login}: is the author of the change (self-approval)`);
        } else if (policy.agentIdentities.some((g) => globMatches(g, r.login))) {
            rejected.push(
                `${r.login}: is an agent identity (${policy.agentIdentities.find((g) => globMatches(g, r.login))})`,
            );
        } else if (policy.approvers.length > 0 && !policy.approvers.some((g) => globMatches(g, r.login))) {
            rejected.push(`${r.login}: is not among the allowed approvers`);
        } else if (r.commitOid !== record.headOid) {
            rejected.push(
                `${r.login}: approved ${r.commitOid ?? "an unknown commit"}, not the head commit ${record.headOid} (stale)`,
            );
        } else approvers.push(r.login);
    }
    const satisfied = approvers.length >= policy.required;
    const summary = satisfied
        ? `dual control satisfied: ${approvers.join(", ")} approved ${record.headOid}`
        : `Tier 3 needs ${policy.required} distinct human approvers of ${record.headOid} other than the author ${record.author}; ` +
          `has ${approvers.length}${approvers.length > 0 ? ` (${approvers.join(", ")})` : ""}`;
    return { satisfied, approvers, rejected, summary };
}
