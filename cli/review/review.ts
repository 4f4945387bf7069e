import { buildStackModel, collectProgram, type CollectedResource } from "../blast-radius/collect";
import { computeBlastRadius } from "../blast-radius/model";
import { readAgentguardConfig, type AgentguardConfig } from "../../policy-pack/lib/config";
import { judgeApprovals, type ApprovalVerdict, type ReviewRecord } from "./approvals";
import { resolveBase } from "./base-checkout";
import { diffReach } from "./blast-diff";
import { diffResources, possibleChanges } from "./diff";
import { DEFAULT_TIER_CONFIG, type TierConfig } from "./tier-config";
import { classify, type Classification } from "./tiers";

export const REVIEW_SCHEMA_VERSION = 1;

export interface ReviewResult extends Classification {
    readonly version: typeof REVIEW_SCHEMA_VERSION;
    readonly project: string;
    readonly stack: string;
    readonly counts: {
        readonly create: number;
        readonly delete: number;
        readonly replace: number;
        readonly update: number;
    };
    /** Undefined when no review record was given. */
    readonly approvals?: ApprovalVerdict;
    /** 0: Tier 1/2, or Tier 3 with dual control; 1: Tier 3 without it. */
    readonly exitCode: 0 | 1;
    readonly gate: string;
}

/** Pure: judges a base and a head resource list (what the CLI and tests share). */
export function reviewResources(
    base: readonly CollectedResource[],
    head: readonly CollectedResource[],
    options: {
        project: string;
        stack: string;
        tiers?: TierConfig;
        config?: AgentguardConfig;
        record?: ReviewRecord;
    },
): ReviewResult {
    const tiers = options.tiers ?? DEFAULT_TIER_CONFIG;
    const config = options.config ?? readAgentguardConfig({});
    const definite = diffResources(base, head);
    const changes = [...definite, ...possibleChanges(head, definite)];
    const reach = diffReach(
        computeBlastRadius(buildStackModel(base), config),
        computeBlastRadius(buildStackModel(head), config),
    );
    const classification = classify(changes, reach, tiers);
    const approvals = options.record ? judgeApprovals(options.record, tiers.approvals) : undefined;
    const blocked = classification.tier === 3 && !(approvals?.satisfied ?? false);
    const count = (kind: string) => classification.changes.filter((c) => c.kind === kind).length;
    return {
        version: REVIEW_SCHEMA_VERSION,
        project: options.project,
        stack: options.stack,
        ...classification,
        counts: {
            create: count("create"),
            delete: count("delete"),
            replace: count("replace"),
            update: count("update"),
        },
        ...(approvals && { approvals }),
        exitCode: blocked ? 1 : 0,
        gate:
            classification.tier < 3
                ? `Tier ${classification.tier}: no human sign-off required`
                : approvals
                  ? approvals.summary
                  : `Tier 3: needs dual control (pass the review record with --approvals)`,
    };
}

/** Runs base and head offline at the same time and reviews the difference. */
export async function reviewPrograms(
    baseRef: string,
    programDir: string,
    options: {
        stack?: string;
        tiers?: TierConfig;
        record?: ReviewRecord;
        config?: AgentguardConfig;
        signal?: AbortSignal;
    },
): Promise<ReviewResult> {
    const base = resolveBase(baseRef, programDir);
    try {
        const [before, after] = await Promise.all([
            collectProgram(base.dir, { stack: options.stack, signal: options.signal }),
            collectProgram(programDir, { stack: options.stack, signal: options.signal }),
        ]);
        return reviewResources(before.resources, after.resources, {
            project: after.project.name,
            stack: after.project.stack,
            tiers: options.tiers,
            record: options.record,
            config: options.config,
        });
    } finally {
        base.cleanup();
    }
}
