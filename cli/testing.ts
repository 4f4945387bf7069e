/**
 * `agentguard/testing`: check a Pulumi program against a policy pack from your own tests, with the same
 * engine as `agentguard check` (real program run under mocks, real pack process, Pulumi's analyzer protocol).
 */
export { checkProgram, DEFAULT_CONCURRENCY, type CheckOptions } from "./check";
export { CheckError, isCheckError, type CheckErrorKind } from "./errors";
export type { PolicyPackConfigInput, EnforcementLevel } from "./pack/policy-config";
export type {
    CheckReport,
    CheckResult,
    PolicyDescriptor,
    RemediationRecord,
    Timings,
    Violation,
    ViolationLevel,
} from "./report/types";
export { formatJson } from "./report/json";
export { formatSarif, type SarifOptions } from "./report/sarif";
export { formatText, type TextOptions } from "./report/text";
