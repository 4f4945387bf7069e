/** Policy specs built from validated settings, as the component builds them. */
import {
    resolveBaselineSettings,
    type BaselineSettingsInput,
} from "../../../../components/kubernetes/admission-args";
import { buildPolicySpecs } from "../../../../components/kubernetes/admission-policies";
import { evaluationLog } from "./vap-evaluator";

export function specsFor(input: Partial<BaselineSettingsInput> = {}) {
    return buildPolicySpecs(resolveBaselineSettings("baseline", { owner: "platform", ...input }));
}

/** Validation expressions that never evaluated to `value` in this test file. */
export function expressionsNeverSeen(expressions: readonly string[], value: boolean): string[] {
    return expressions.filter(
        (expression) =>
            !evaluationLog.some(
                (e) => e.expression === expression && e.result.ok && e.result.value === value,
            ),
    );
}
