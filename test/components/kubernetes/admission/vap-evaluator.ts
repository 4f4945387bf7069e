/**
 * Evaluates a ValidatingAdmissionPolicy spec against an admission request the way the API server does:
 * resource rules and the binding's namespaceSelector pick the request, matchConditions filter it (without
 * `namespaceObject`, which Kubernetes leaves null there; an error fails closed under failurePolicy Fail), variables are bound under `variables`, and each validation
 * that is false (or errors) denies, with messageExpression falling back to message.
 * CEL runs on @bufbuild/cel with the strings extension, which Kubernetes also enables.
 */
import { celEnv, isCelError, parse, plan, type CelInput, type CelResult } from "@bufbuild/cel";
import { strings } from "@bufbuild/cel/ext";
import type { PolicySpec } from "../../../../components/kubernetes/admission-policies";
import type { ResourceRule } from "../../../../components/kubernetes/admission-rules";
import type { AdmissionFixture } from "./fixtures";

const env = celEnv({ funcs: strings });
const plans = new Map<string, (bindings: Record<string, CelInput>) => CelResult>();

/** Parses and plans an expression; throws on syntax errors. */
export function compile(expression: string): (bindings: Record<string, CelInput>) => CelResult {
    let compiled = plans.get(expression);
    if (compiled === undefined) {
        compiled = plan(env, parse(expression)) as (bindings: Record<string, CelInput>) => CelResult;
        plans.set(expression, compiled);
    }
    return compiled;
}

export type EvalResult = { ok: true; value: unknown } | { ok: false; error: string };

/** Every evaluation, so tests can prove each expression was seen both passing and failing. */
export const evaluationLog: { expression: string; result: EvalResult }[] = [];

export function evaluate(expression: string, bindings: Record<string, CelInput>): EvalResult {
    let result: EvalResult;
    try {
        const value = compile(expression)(bindings);
        result = isCelError(value) ? { ok: false, error: value.message } : { ok: true, value };
    } catch (error) {
        result = { ok: false, error: error instanceof Error ? error.message : String(error) };
    }
    evaluationLog.push({ expression, result });
    return result;
}

/** JSON integers are int64 in Kubernetes CEL; JS numbers would be doubles. */
export function toCel(value: unknown): CelInput {
    if (typeof value === "number" && Number.isInteger(value)) return BigInt(value);
    if (Array.isArray(value)) return value.map(toCel);
    if (value !== null && typeof value === "object") {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toCel(v)])) as CelInput;
    }
    return value as CelInput;
}

function resourceMatches(pattern: string, resource: string, subResource: string): boolean {
    const [res, sub = ""] = pattern.split("/", 2);
    if (pattern === "*/*") return true;
    if (res !== "*" && res !== resource) return false;
    return sub === "*" ? true : sub === subResource;
}

export function ruleMatches(rule: ResourceRule, fixture: AdmissionFixture): boolean {
    const r = fixture.request;
    const namespaced = r.namespace !== undefined && r.resource.resource !== "namespaces";
    const scope = rule.scope ?? "*";
    return (
        (rule.operations as readonly string[]).some((op) => op === "*" || op === r.operation) &&
        rule.apiGroups.some((g) => g === "*" || g === r.resource.group) &&
        rule.apiVersions.some((v) => v === "*" || v === r.resource.version) &&
        rule.resources.some((p) => resourceMatches(p, r.resource.resource, r.subResource ?? "")) &&
        (scope === "*" || (scope === "Namespaced") === namespaced)
    );
}

export interface BindingScope {
    readonly namespaceSelector?: { readonly matchLabels: Readonly<Record<string, string>> };
}

type Labelled = { metadata?: { labels?: Record<string, string> } } | null | undefined;

function selectorMatches(binding: BindingScope | undefined, fixture: AdmissionFixture): boolean {
    const selector = binding?.namespaceSelector;
    if (selector === undefined) return true;
    const { request } = fixture;
    let labelled: Labelled;
    if (request.resource.group === "" && request.resource.resource === "namespaces") {
        labelled = (request.operation === "DELETE" ? fixture.oldObject : fixture.object) as Labelled;
    } else if (request.namespace !== undefined) {
        labelled = fixture.namespaceObject as Labelled;
    } else {
        return true; // a namespaceSelector never skips other cluster-scoped objects
    }
    const labels = labelled?.metadata?.labels ?? {};
    return Object.entries(selector.matchLabels).every(([k, v]) => labels[k] === v);
}

export interface Denial {
    readonly id: string;
    readonly message: string;
}

export interface AdmissionOutcome {
    /** The policy applied to the request (rules, binding and matchConditions selected it). */
    readonly evaluated: boolean;
    readonly allowed: boolean;
    readonly denials: readonly Denial[];
    /** Expression errors, which deny under failurePolicy Fail. */
    readonly errors: readonly string[];
    /** messageExpressions that failed and fell back to the static message. */
    readonly messageErrors: readonly string[];
}

const SKIPPED: AdmissionOutcome = {
    evaluated: false,
    allowed: true,
    denials: [],
    errors: [],
    messageErrors: [],
};

export function admit(spec: PolicySpec, fixture: AdmissionFixture, binding?: BindingScope): AdmissionOutcome {
    if (!spec.matchConstraints.resourceRules.some((rule) => ruleMatches(rule, fixture))) return SKIPPED;
    if (!selectorMatches(binding, fixture)) return SKIPPED;
    const base: Record<string, CelInput> = {
        request: toCel(fixture.request),
        object: toCel(fixture.object),
        oldObject: toCel(fixture.oldObject),
        namespaceObject: toCel(fixture.namespaceObject),
        params: null,
    };
    const errors: string[] = [];
    // Kubernetes passes no namespace when it evaluates matchConditions.
    const conditionBindings = { ...base, namespaceObject: null };
    for (const condition of spec.matchConditions ?? []) {
        const result = evaluate(condition.expression, conditionBindings);
        if (!result.ok) errors.push(`matchCondition ${condition.name}: ${result.error}`);
        else if (result.value === false) return SKIPPED;
        else if (result.value !== true) errors.push(`matchCondition ${condition.name} returned non-bool`);
    }
    if (errors.length > 0) return { evaluated: true, allowed: false, denials: [], errors, messageErrors: [] };

    const variables: Record<string, CelInput> = {};
    const bindings = { ...base, variables };
    for (const variable of spec.variables) {
        const result = evaluate(variable.expression, bindings);
        if (result.ok) variables[variable.name] = result.value as CelInput;
    }
    const denials: Denial[] = [];
    const messageErrors: string[] = [];
    for (const validation of spec.validations) {
        const result = evaluate(validation.expression, bindings);
        if (!result.ok || result.value !== true) {
            if (!result.ok) errors.push(`${validation.id}: ${result.error}`);
            else if (result.value !== false) errors.push(`${validation.id}: returned non-bool`);
            const message = evaluate(validation.messageExpression, bindings);
            const text = message.ok && typeof message.value === "string" ? message.value.trim() : "";
            if (text === "") messageErrors.push(`${validation.id}: ${message.ok ? "empty" : message.error}`);
            denials.push({ id: validation.id, message: text === "" ? validation.message : text });
        }
    }
    return { evaluated: true, allowed: denials.length === 0, denials, errors, messageErrors };
}
