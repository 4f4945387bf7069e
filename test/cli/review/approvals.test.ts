import { describe, expect, it } from "vitest";
import { judgeApprovals, readReviewRecord } from "../../../cli/review/approvals";
import { reviewResources } from "../../../cli/review/review";
import { DEFAULT_TIER_CONFIG } from "../../../cli/review/tier-config";
import { agentStack } from "../blast-radius/resources";

const HEAD = "c0ffee";
const policy = DEFAULT_TIER_CONFIG.approvals;

/** What `gh pr view --json author,reviews,commits` prints, trimmed to the fields read. */
function ghRecord(
    reviews: { login: string; state: string; at: string; commit?: string }[],
    author = "alice",
) {
    return {
        author: { login: author },
        commits: [{ oid: "0ld" }, { oid: HEAD }],
        reviews: reviews.map((r) => ({
            author: { login: r.login },
            state: r.state,
            submittedAt: r.at,
            commit: { oid: r.commit ?? HEAD },
        })),
    };
}

const judge = (reviews: Parameters<typeof ghRecord>[0], author?: string) =>
    judgeApprovals(readReviewRecord(ghRecord(reviews, author), "record"), policy);

describe("dual control", () => {
    it("is satisfied by two distinct humans approving the head commit", () => {
        const v = judge([
            { login: "bob", state: "APPROVED", at: "2026-11-30T10:00:00Z" },
            { login: "carol", state: "APPROVED", at: "2026-11-30T11:00:00Z" },
        ]);
        expect(v.satisfied).toBe(true);
        expect(v.approvers).toEqual(["bob", "carol"]);
    });

    it("rejects self-approval (case-insensitive login)", () => {
        const v = judge([
            { login: "Alice", state: "APPROVED", at: "2026-11-30T10:00:00Z" },
            { login: "bob", state: "APPROVED", at: "2026-11-30T11:00:00Z" },
        ]);
        expect(v.satisfied).toBe(false);
        expect(v.rejected).toEqual(["Alice: is the author of the change (self-approval)"]);
    });

    it("counts a duplicate approver once", () => {
        const v = judge([
            { login: "bob", state: "APPROVED", at: "2026-11-30T10:00:00Z" },
            { login: "BOB", state: "APPROVED", at: "2026-11-30T11:00:00Z" },
        ]);
        expect(v.satisfied).toBe(false);
        expect(v.approvers).toHaveLength(1);
    });

    it("does not count agent identities", () => {
        const v = judge([
            { login: "bob", state: "APPROVED", at: "2026-11-30T10:00:00Z" },
            { login: "copilot-agent", state: "APPROVED", at: "2026-11-30T11:00:00Z" },
            { login: "renovate[bot]", state: "APPROVED", at: "2026-11-30T11:00:00Z" },
        ]);
        expect(v.satisfied).toBe(false);
        expect(v.rejected.join("\n")).toMatch(
            /copilot-agent: is an agent identity[\s\S]*renovate\[bot\]: is an agent identity/,
        );
    });

    it("does not count a stale approval of an earlier commit", () => {
        const v = judge([
            { login: "bob", state: "APPROVED", at: "2026-11-30T10:00:00Z", commit: "0ld" },
            { login: "carol", state: "APPROVED", at: "2026-11-30T11:00:00Z" },
        ]);
        expect(v.satisfied).toBe(false);
        expect(v.rejected[0]).toContain("bob: approved 0ld, not the head commit c0ffee (stale)");
    });

    it("a later CHANGES_REQUESTED or a dismissal by the same reviewer cancels the approval; a comment does not", () => {
        const v = judge([
            { login: "bob", state: "APPROVED", at: "2026-11-30T10:00:00Z" },
            { login: "bob", state: "CHANGES_REQUESTED", at: "2026-11-30T12:00:00Z" },
            { login: "carol", state: "DISMISSED", at: "2026-11-30T11:00:00Z" },
            { login: "dave", state: "APPROVED", at: "2026-11-30T10:00:00Z" },
            { login: "dave", state: "COMMENTED", at: "2026-11-30T13:00:00Z" },
        ]);
        expect(v.approvers).toEqual(["dave"]);
        expect(v.satisfied).toBe(false);
    });

    it("rejects a malformed record, naming the field", () => {
        expect(() => readReviewRecord({ author: {}, reviews: [] }, "r.json")).toThrow(
            /r.json: author.login must be a non-empty string/,
        );
        expect(() => readReviewRecord({ author: { login: "a" }, reviews: [] }, "r.json")).toThrow(
            /headRefOid or a non-empty commits array/,
        );
    });

    it("gates the review: a Tier 3 change exits 0 with dual control and 1 without", () => {
        const head = agentStack({ egressCidr: "203.0.113.0/28", port: 443 });
        const good = readReviewRecord(
            ghRecord([
                { login: "bob", state: "APPROVED", at: "2026-11-30T10:00:00Z" },
                { login: "carol", state: "APPROVED", at: "2026-11-30T11:00:00Z" },
            ]),
            "r",
        );
        const bad = readReviewRecord(
            ghRecord([{ login: "bob", state: "APPROVED", at: "2026-11-30T10:00:00Z" }]),
            "r",
        );
        expect(reviewResources(agentStack(), head, { project: "p", stack: "s", record: good }).exitCode).toBe(
            0,
        );
        expect(reviewResources(agentStack(), head, { project: "p", stack: "s", record: bad }).exitCode).toBe(
            1,
        );
    });
});
