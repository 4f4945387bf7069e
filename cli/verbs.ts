import * as fs from "fs";
import { agentConfigFrom } from "./blast-radius/agent-config";
import { buildStackModel, collectProgram } from "./blast-radius/collect";
import { computeBlastRadius } from "./blast-radius/model";
import { formatReportHtml } from "./blast-radius/render-html";
import { formatReportJson, reportDocument } from "./blast-radius/render-json";
import { formatReportMarkdown } from "./blast-radius/render-markdown";
import { readPolicyConfigFile } from "./pack/policy-config";
import { packageVersion } from "./package-root";
import { readReviewRecordFile } from "./review/approvals";
import { formatReviewJson, formatReviewMarkdown, formatReviewSarif } from "./review/render";
import { reviewPrograms } from "./review/review";
import type { ReportArgs, ReviewArgs } from "./verb-args";

function write(text: string, outputFile: string | undefined): void {
    if (outputFile) fs.writeFileSync(outputFile, text);
    else process.stdout.write(text);
}

/** `agentguard report`: 0, or throws (exit 2). */
export async function runReport(args: ReportArgs): Promise<number> {
    const config = agentConfigFrom(args.configFile ? readPolicyConfigFile(args.configFile) : undefined);
    const stack = await collectProgram(args.programDir, { stack: args.stack });
    const report = computeBlastRadius(buildStackModel(stack.resources), config);
    const doc = reportDocument(report, stack.project);
    const text =
        args.format === "json"
            ? formatReportJson(doc)
            : args.format === "html"
              ? formatReportHtml(doc)
              : formatReportMarkdown(doc);
    write(text, args.outputFile);
    return 0;
}

/** `agentguard review`: 0 Tier 1/2 or Tier 3 with dual control, 1 Tier 3 without it; throws on error (2). */
export async function runReview(args: ReviewArgs): Promise<number> {
    // The review record is read first, so a bad file fails before the programs run; the policy config,
    // tier map and offline answers are read from the base inside reviewPrograms.
    const record = args.approvalsFile ? readReviewRecordFile(args.approvalsFile) : undefined;
    const result = await reviewPrograms(args.base, args.programDir, {
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
    });
    const text =
        args.format === "json"
            ? formatReviewJson(result)
            : args.format === "sarif"
              ? formatReviewSarif(result, packageVersion())
              : formatReviewMarkdown(result);
    write(text, args.outputFile);
    return result.exitCode;
}
