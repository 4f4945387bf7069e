import type { CheckReport, Violation } from "./types";

/** The contract fields first, then the extras; undefined extras are left out. */
function violationJson(v: Violation): Record<string, unknown> {
    return {
        policy: v.policy,
        policyPack: v.policyPack,
        enforcementLevel: v.enforcementLevel,
        urn: v.urn,
        message: v.message,
        policyPackVersion: v.policyPackVersion,
        description: v.description,
        severity: v.severity,
        resourceType: v.resourceType,
        resourceName: v.resourceName,
        scope: v.scope,
        source: v.source,
    };
}

/** `--format json`: one object, `{"resources", "violations", "remediations", "warnings"}`. */
export function formatJson(report: CheckReport): string {
    return `${JSON.stringify(
        {
            resources: report.resources,
            violations: report.violations.map(violationJson),
            remediations: report.remediations,
            warnings: report.warnings,
        },
        null,
        2,
    )}\n`;
}
