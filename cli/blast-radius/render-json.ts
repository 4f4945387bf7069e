import type { BlastRadiusReport } from "./model";

/** Bumped on any incompatible change of the JSON shape documented in docs/report.md. */
export const REPORT_SCHEMA_VERSION = 1;

export interface ReportDocument extends BlastRadiusReport {
    readonly version: typeof REPORT_SCHEMA_VERSION;
    readonly project: string;
    readonly stack: string;
}

export function reportDocument(
    report: BlastRadiusReport,
    project: { name: string; stack: string },
): ReportDocument {
    return { version: REPORT_SCHEMA_VERSION, project: project.name, stack: project.stack, ...report };
}

export function formatReportJson(doc: ReportDocument): string {
    return `${JSON.stringify(doc, null, 2)}\n`;
}
