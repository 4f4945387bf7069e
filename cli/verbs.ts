import { agentConfigFrom } from "./blast-radius/agent-config";
import { buildStackModel, collectProgram } from "./blast-radius/collect";
import { computeBlastRadius } from "./blast-radius/model";
import { formatReportHtml } from "./blast-radius/render-html";
import { formatReportJson, reportDocument } from "./blast-radius/render-json";
import { formatReportMarkdown } from "./blast-radius/render-markdown";
import { readPolicyConfigFile } from "./pack/policy-config";
import { CheckError } from "./errors";
import { packageVersion } from "./package-root";
import { readReviewRecordFile } from "./review/approvals";
import { formatReviewJson, formatReviewMarkdown, formatReviewSarif } from "./review/render";
import { reviewPrograms } from "./review/review";
import type { ReportArgs, ReviewArgs } from "./verb-args";

/** What a verb produced: the caller writes it (stdout or --output) once every child has been stopped. */
export interface VerbOutput {
    readonly text: string;
    readonly exitCode: number;
}

/**
 * Runs `work` under the whole command's deadline (`--timeout`): at the deadline the work is stopped through
 * its signal, allowed to clean up (children killed, temporary trees removed), and the command fails naming
 * `what` did not finish.
 */
export async function withDeadline<T>(
    seconds: number,
    what: string,
    signal: AbortSignal | undefined,
    work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    if (signal?.aborted) controller.abort();
    signal?.addEventListener("abort", onAbort, { once: true });
    let timedOut = false;
    const timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
    }, seconds * 1000);
    try {
        return await work(controller.signal);
    } catch (err) {
        if (timedOut)
            throw new CheckError("timeout", `${what} did not finish within ${seconds} s (--timeout)`);
        throw err;
    } finally {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
    }
}

/** `agentguard report`: 0, or throws (exit 2). */
export async function runReport(args: ReportArgs, signal?: AbortSignal): Promise<VerbOutput> {
    const config = agentConfigFrom(args.configFile ? readPolicyConfigFile(args.configFile) : undefined);
    const stack = await withDeadline(
        args.timeoutSeconds,
        `the Pulumi program in ${args.programDir}`,
        signal,
        (stop) => collectProgram(args.programDir, { stack: args.stack, signal: stop }),
    );
    const report = computeBlastRadius(buildStackModel(stack.resources), config);
    const doc = reportDocument(report, stack.project);
    const text =
        args.format === "json"
            ? formatReportJson(doc)
            : args.format === "html"
              ? formatReportHtml(doc)
              : formatReportMarkdown(doc);
    return { text, exitCode: 0 };
}

/** `agentguard review`: 0 Tier 1/2 or Tier 3 with dual control, 1 Tier 3 without it; throws on error (2). */
export async function runReview(args: ReviewArgs, signal?: AbortSignal): Promise<VerbOutput> {
    // The review record is read first, so a bad file fails before the programs run; the policy config,
    // tier map and offline answers are read from the base inside reviewPrograms.
    const record = args.approvalsFile ? readReviewRecordFile(args.approvalsFile) : undefined;
    const result = await withDeadline(
        args.timeoutSeconds,
        `the review's Pulumi programs (base '${args.base}' and head ${args.programDir})`,
        signal,
        (stop) =>
            reviewPrograms(args.base, args.programDir, {
                stack: args.stack,
                inputs: {
                    config: args.configFile,
                    tiers: args.tiersFile,
                    offlineAnswers: args.offlineAnswersFile,
                    workflow: args.workflowFile,
                    packageJson: args.packageJsonFile,
                    lockfile: args.lockFile,
                },
                record,
                headSha: args.headSha,
                signal: stop,
            }),
    );
    const text =
        args.format === "json"
            ? formatReviewJson(result)
            : args.format === "sarif"
              ? formatReviewSarif(result, packageVersion())
              : formatReviewMarkdown(result);
    return { text, exitCode: result.exitCode };
}
