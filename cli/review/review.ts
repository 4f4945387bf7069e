import { agentConfigFrom } from "../blast-radius/agent-config";
import { buildStackModel, collectProgram, type CollectedResource } from "../blast-radius/collect";
import { containmentResources } from "../blast-radius/containment";
import { computeBlastRadius, type BlastRadiusReport } from "../blast-radius/model";
import { proxyAllowlists } from "../blast-radius/reach-extras";
import { AgentNamespaces } from "../../core/stack/agent-namespaces";
import type { StackModel } from "../../core/stack/stack-model";
import { reservedLookups } from "../check";
import { CheckError } from "../errors";
import { readPolicyConfigFile } from "../pack/policy-config";
import { readOfflineAnswers } from "../program/offline-answers";
import { readAgentguardConfig, type AgentguardConfig } from "../../core/stack/config";
import { judgeApprovals, type ApprovalVerdict, type ReviewRecord } from "./approvals";
import { headCommit, resolveBase } from "./base-checkout";
import { diffReach } from "./blast-diff";
import { diffResources, possibleChanges } from "./diff";
import {
    diffGateInputs,
    locateGateInput,
    readGateInput,
    ruleSource,
    type GateInputChange,
    type GateInputKind,
} from "./gate-inputs";
import { DEFAULT_TIER_CONFIG, readTierConfigFile, type TierConfig } from "./tier-config";
import { classify, type Classification } from "./tiers";

export const REVIEW_SCHEMA_VERSION = 1;

export interface ReviewResult extends Classification {
    readonly version: typeof REVIEW_SCHEMA_VERSION;
    readonly project: string;
    readonly stack: string;
    /** The commit under review (approvals must be on it); absent when unknown. */
    readonly headSha?: string;
    /** Changes to the gate's own inputs (policy config, tier map, answers, workflow, checker version). */
    readonly gateInputs: readonly GateInputChange[];
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

/**
 * An egress proxy's allowlist that no agent NetworkPolicy is seen to reach may still carry agent traffic
 * (by address, a Service IP, another CNI's policy): the reach diff cannot judge its change, so it is Tier 3.
 */
function unreachedAllowlists(
    classification: Classification,
    allowlists: readonly { urn: string; proxy: string; reached: boolean }[],
): Classification {
    const unreached = new Map(allowlists.filter((a) => !a.reached).map((a) => [a.urn, a.proxy]));
    const reached = new Set(allowlists.filter((a) => a.reached).map((a) => a.urn));
    let changed = false;
    const changes = classification.changes.map((c) => {
        const proxy = unreached.get(c.urn);
        if (proxy === undefined || reached.has(c.urn) || c.tier === 3) return c;
        changed = true;
        return {
            ...c,
            tier: 3 as const,
            reasons: [
                ...c.reasons,
                `the allowlist of egress proxy ${proxy}, which no agent NetworkPolicy of this stack is seen to reach: agents may reach it otherwise (by address, a Service IP, another CNI's policy), so what it forwards needs sign-off`,
            ],
        };
    });
    return changed ? { ...classification, changes, tier: 3 } : classification;
}

/**
 * Automated containment is a guardrail: a change to any of its resources (a rule disabled, a target removed,
 * a retention shortened, the function's role or policy, the cluster binding) is Tier 3 whatever the tier
 * map says, since a relaxed map would otherwise let it through as a pre-approved shape.
 */
function containmentChanges(
    classification: Classification,
    containment: ReadonlyMap<string, string>,
): Classification {
    let changed = false;
    const changes = classification.changes.map((c) => {
        const why = containment.get(c.urn);
        if (why === undefined) return c;
        changed = true;
        return {
            ...c,
            tier: 3 as const,
            reasons: [
                ...c.reasons,
                `a resource of automated containment (${why}): any change to it is Tier 3`,
            ],
        };
    });
    return changed ? { ...classification, changes, tier: 3 } : classification;
}

/** Containment resources of a run, with why (agent roles as the report finds them, for tripwires). */
function containmentOf(model: StackModel, report: BlastRadiusReport): Map<string, string> {
    return containmentResources(model, new Set(report.agents.flatMap((a) => a.aws.map((i) => i.urn))));
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
        /** The commit under review; approvals bind to it. */
        headSha?: string;
        gateInputs?: readonly GateInputChange[];
    },
): ReviewResult {
    const tiers = options.tiers ?? DEFAULT_TIER_CONFIG;
    const config = options.config ?? readAgentguardConfig({});
    const definite = diffResources(base, head);
    const changes = [...definite, ...possibleChanges(head, definite)];
    const baseModel = buildStackModel(base);
    const headModel = buildStackModel(head);
    const baseReport = computeBlastRadius(baseModel, config);
    const headReport = computeBlastRadius(headModel, config);
    const reach = diffReach(baseReport, headReport);
    const gateInputs = options.gateInputs ?? [];
    const resources = containmentChanges(
        unreachedAllowlists(
            classify(changes, reach, tiers),
            [baseModel, headModel].flatMap((m) =>
                proxyAllowlists(m, new AgentNamespaces(m, config.agentNamespacePatterns)),
            ),
        ),
        new Map([...containmentOf(baseModel, baseReport), ...containmentOf(headModel, headReport)]),
    );
    const classification = gateInputs.length > 0 ? { ...resources, tier: 3 as const } : resources;
    const approvals = options.record
        ? judgeApprovals(options.record, tiers.approvals, options.headSha)
        : undefined;
    const blocked = classification.tier === 3 && !(approvals?.satisfied ?? false);
    const count = (kind: string) => classification.changes.filter((c) => c.kind === kind).length;
    return {
        version: REVIEW_SCHEMA_VERSION,
        project: options.project,
        stack: options.stack,
        ...(options.headSha !== undefined && { headSha: options.headSha }),
        ...classification,
        gateInputs,
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

/** Paths of the gate's own inputs (flags); each defaults to where the documented workflow keeps it. */
export interface GateInputPaths {
    readonly config?: string;
    readonly tiers?: string;
    readonly offlineAnswers?: string;
    readonly workflow?: string;
    readonly packageJson?: string;
    readonly lockfile?: string;
}

/** Defaults, relative to the head's repository root (docs/review.md). */
export const GATE_INPUT_DEFAULTS: Readonly<Record<keyof GateInputPaths, string>> = {
    config: ".agentguard/policy-config.json",
    tiers: ".agentguard/tiers.json",
    offlineAnswers: ".agentguard/offline-answers.json",
    workflow: ".github/workflows/agentguard-review.yml",
    packageJson: "package.json",
    lockfile: "package-lock.json",
};

const GATE_INPUT_KINDS: Readonly<Record<keyof GateInputPaths, GateInputKind>> = {
    config: "policy config",
    tiers: "tier map",
    offlineAnswers: "offline answers",
    workflow: "workflow",
    packageJson: "package manifest",
    lockfile: "lockfile",
};

const FLAG: Readonly<Record<keyof GateInputPaths, string>> = {
    config: "--config",
    tiers: "--tiers",
    offlineAnswers: "--offline-answers",
    workflow: "--workflow",
    packageJson: "--package-json",
    lockfile: "--lockfile",
};

/**
 * The commit under review: `--head-sha`, which must be the checked-out commit when the program is in a
 * git repository (else the approvals would be for another program than the one judged).
 */
export function commitUnderReview(programDir: string, given: string | undefined): string | undefined {
    const checkedOut = headCommit(programDir);
    if (given !== undefined && checkedOut !== undefined && given.toLowerCase() !== checkedOut.toLowerCase()) {
        throw new CheckError(
            "usage",
            `--head-sha ${given} is not the checked-out commit ${checkedOut} of ${programDir}: check out the commit under review (the pull request's head) so that its approvals are for the program judged`,
        );
    }
    return given ?? checkedOut;
}

/**
 * Runs base and head offline at the same time and reviews the difference. The gate's own inputs are read
 * from the BASE (policy config, tier map, offline answers), so the head cannot relax the rules that judge
 * it; their changes, with the workflow's and the checker's version, are Tier 3.
 */
export async function reviewPrograms(
    baseRef: string,
    programDir: string,
    options: {
        stack?: string;
        inputs?: GateInputPaths;
        record?: ReviewRecord;
        headSha?: string;
        signal?: AbortSignal;
    },
): Promise<ReviewResult> {
    const headSha = commitUnderReview(programDir, options.headSha);
    const base = resolveBase(baseRef, programDir);
    try {
        const roots = { head: base.headRoot, base: base.root };
        const located = (Object.keys(GATE_INPUT_DEFAULTS) as (keyof GateInputPaths)[]).map((key) => ({
            key,
            location: locateGateInput(
                GATE_INPUT_KINDS[key],
                options.inputs?.[key],
                GATE_INPUT_DEFAULTS[key],
                roots,
            ),
        }));
        const files = located.map(({ key, location }) => {
            const file = readGateInput(location);
            if (location.explicit && file.before === undefined && file.after === undefined)
                throw new CheckError(
                    "usage",
                    `${FLAG[key]} ${options.inputs?.[key]}: no such file in the head (${location.head})${location.base ? ` nor in the base (${location.base})` : ""}`,
                );
            return file;
        });
        const rules = (key: keyof GateInputPaths) => ruleSource(located.find((l) => l.key === key)!.location);
        const configFile = rules("config");
        const tiersFile = rules("tiers");
        const answersFile = rules("offlineAnswers");
        const config = agentConfigFrom(configFile ? readPolicyConfigFile(configFile) : undefined);
        const tiers = tiersFile ? readTierConfigFile(tiersFile) : undefined;
        const offlineAnswers = answersFile ? readOfflineAnswers(answersFile, reservedLookups()) : undefined;
        const [before, after] = await Promise.all([
            collectProgram(base.dir, { stack: options.stack, signal: options.signal, offlineAnswers }),
            collectProgram(programDir, { stack: options.stack, signal: options.signal, offlineAnswers }),
        ]);
        return reviewResources(before.resources, after.resources, {
            project: after.project.name,
            stack: after.project.stack,
            tiers,
            record: options.record,
            config,
            headSha,
            gateInputs: diffGateInputs(files),
        });
    } finally {
        base.cleanup();
    }
}
