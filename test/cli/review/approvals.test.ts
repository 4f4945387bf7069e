import { describe, expect, it } from "vitest";
import { judgeApprovals, readReviewRecord } from "../../../cli/review/approvals";
import { reviewResources } from "../../../cli/review/review";
import { DEFAULT_TIER_CONFIG } from "../../../cli/review/tier-config";
import { agentStack } from "../blast-radius/resources";

const HEAD = "c0ffee".repeat(6) + "c0ff";
const OLD = "0ld0".repeat(10);
const OTHER = "0123456789abcdef".repeat(2) + "01234567";
const policy = DEFAULT_TIER_CONFIG.approvals;

/** What `gh pr view --json author,reviews,commits` prints, trimmed to the fields read. */
function ghRecord(
    reviews: { login: string; state: string; at: string; commit?: string; bot?: boolean }[],
    author = "alice",
    head = HEAD,
) {
    return {
        author: { login: author },
        commits: [{ oid: OLD }, { oid: head }],
        reviews: reviews.map((r) => ({
            author: { login: r.login, ...(r.bot !== undefined && { is_bot: r.bot }) },
            state: r.state,
            submittedAt: r.at,
            commit: { oid: r.commit ?? HEAD },
        })),
    };
}

const judge = (
    reviews: Parameters<typeof ghRecord>[0],
    author?: string,
    underReview: string | undefined = HEAD,
) => judgeApprovals(readReviewRecord(ghRecord(reviews, author), "record"), policy, underReview);

const TWO = [
    { login: "bob", state: "APPROVED", at: "2026-11-30T10:00:00Z" },
    { login: "carol", state: "APPROVED", at: "2026-11-30T11:00:00Z" },
];

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
            { login: "bob", state: "APPROVED", at: "2026-11-30T10:00:00Z", commit: OLD },
            { login: "carol", state: "APPROVED", at: "2026-11-30T11:00:00Z" },
        ]);
        expect(v.satisfied).toBe(false);
        expect(v.rejected[0]).toContain(`bob: approved ${OLD}, not the commit under review ${HEAD} (stale)`);
    });

    it("forged record: a record whose head and approvals name another commit proves nothing", () => {
        const forged = readReviewRecord(
            ghRecord(
                TWO.map((r) => ({ ...r, commit: OTHER })),
                "alice",
                OTHER,
            ),
            "record",
        );
        const v = judgeApprovals(forged, policy, HEAD);
        expect(v.satisfied).toBe(false);
        expect(v.approvers).toEqual([]);
        expect(v.rejected[0]).toContain(
            `the review record is for commit ${OTHER}, not the commit under review ${HEAD}`,
        );
        // The same record judged against its own commit passes: the binding is what fails above.
        expect(judgeApprovals(forged, policy, OTHER).satisfied).toBe(true);
    });

    it("stale record: approvals on the record's head do not count when the commit under review moved on", () => {
        const v = judge(TWO, "alice", OTHER);
        expect(v.satisfied).toBe(false);
        expect(v.rejected.join("\n")).toContain("is for commit");
    });

    it("fails closed when the commit under review is unknown", () => {
        const v = judgeApprovals(readReviewRecord(ghRecord(TWO), "record"), policy, undefined);
        expect(v.satisfied).toBe(false);
        expect(v.rejected[0]).toContain("the commit under review is unknown");
    });

    it("compares commit ids case-insensitively", () => {
        expect(judge(TWO, "alice", HEAD.toUpperCase()).satisfied).toBe(true);
    });

    it("never counts a bot: is_bot, an app/ login, or a [bot] login, even on the right commit", () => {
        const v = judge([
            { login: "bob", state: "APPROVED", at: "2026-11-30T10:00:00Z" },
            { login: "helper", state: "APPROVED", at: "2026-11-30T11:00:00Z", bot: true },
            { login: "app/helper", state: "APPROVED", at: "2026-11-30T11:00:00Z" },
            { login: "helper[bot]", state: "APPROVED", at: "2026-11-30T11:00:00Z" },
        ]);
        expect(v.approvers).toEqual(["bob"]);
        expect(v.satisfied).toBe(false);
        expect(v.rejected.join("\n")).toContain("helper: is a bot (is_bot)");
        expect(v.rejected.join("\n")).toContain("app/helper: is an agent identity (app/*)");
        // A human whose record says is_bot: false still counts.
        expect(
            judge([
                { login: "bob", state: "APPROVED", at: "2026-11-30T10:00:00Z", bot: false },
                { login: "carol", state: "APPROVED", at: "2026-11-30T11:00:00Z" },
            ]).satisfied,
        ).toBe(true);
    });

    it("does not count the configured agent identities", () => {
        const custom = { ...policy, agentIdentities: [...policy.agentIdentities, "ci-runner"] };
        const v = judgeApprovals(
            readReviewRecord(
                ghRecord([...TWO, { login: "ci-runner", state: "APPROVED", at: "2026-11-30T12:00:00Z" }]),
                "r",
            ),
            custom,
            HEAD,
        );
        expect(v.approvers).toEqual(["bob", "carol"]);
        expect(v.rejected).toEqual(["ci-runner: is an agent identity (ci-runner)"]);
    });

    it("an APPROVED and a CHANGES_REQUESTED at the same instant resolve to not approved, in either order", () => {
        const at = "2026-11-30T12:00:00Z";
        for (const order of [
            ["APPROVED", "CHANGES_REQUESTED"],
            ["CHANGES_REQUESTED", "APPROVED"],
        ]) {
            const v = judge([
                { login: "bob", state: order[0], at },
                { login: "bob", state: order[1], at },
                { login: "carol", state: "APPROVED", at },
            ]);
            expect(v.approvers).toEqual(["carol"]);
            expect(v.rejected).toEqual(["bob: last review is CHANGES_REQUESTED"]);
        }
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
        const opts = { project: "p", stack: "s", headSha: HEAD };
        expect(reviewResources(agentStack(), head, { ...opts, record: good }).exitCode).toBe(0);
        expect(reviewResources(agentStack(), head, { ...opts, record: bad }).exitCode).toBe(1);
        // The good record, judged for another commit, no longer lifts the gate.
        expect(reviewResources(agentStack(), head, { ...opts, record: good, headSha: OTHER }).exitCode).toBe(
            1,
        );
    });
});
