/** The report `agentguard check` produces; `--format json` prints `resources`, `violations` and the rest. */

export type ViolationLevel = "advisory" | "mandatory";

export interface Violation {
    readonly policy: string;
    readonly policyPack: string;
    readonly enforcementLevel: ViolationLevel;
    /** The resource's URN; stack-level findings without a resource name the root stack. */
    readonly urn: string;
    readonly message: string;
    readonly policyPackVersion: string;
    readonly description: string;
    readonly severity?: string;
    readonly resourceType?: string;
    readonly resourceName?: string;
    /** "stack" for findings of a stack policy that named no resource. */
    readonly scope: "resource" | "stack";
    /** Where the program registered the resource, when the SDK reported it. */
    readonly source?: { readonly file: string; readonly line: number; readonly column?: number };
}

export interface RemediationRecord {
    readonly policy: string;
    readonly policyPack: string;
    readonly urn: string;
    readonly description: string;
    /** Top-level properties the remediation added, changed or removed. */
    readonly changedProperties: readonly string[];
}

export interface CheckReport {
    readonly resources: number;
    readonly violations: readonly Violation[];
    readonly remediations: readonly RemediationRecord[];
    /** What could not be reproduced offline, so the result may miss something. */
    readonly warnings: readonly string[];
}

export interface PolicyDescriptor {
    readonly name: string;
    readonly description: string;
    readonly type: "resource" | "stack" | "unknown";
    /** The level after config reconciliation. */
    readonly enforcementLevel: string;
    readonly severity?: string;
    readonly remediationSteps?: string;
    readonly url?: string;
}

export interface Timings {
    readonly programMs: number;
    readonly packStartMs: number;
    readonly analyzeMs: number;
    readonly analyzeStackMs: number;
    readonly totalMs: number;
}

export interface CheckResult extends CheckReport {
    readonly exitCode: 0 | 1;
    readonly project: {
        readonly name: string;
        readonly stack: string;
        readonly dir: string;
        readonly mainFile: string;
    };
    readonly policyPack: { readonly name: string; readonly version: string; readonly dir: string };
    readonly policies: readonly PolicyDescriptor[];
    readonly timings: Timings;
    /** What the program printed (empty when it was passed through). */
    readonly programOutput: string;
}
