import { isUnknown } from "../unknowns";
import { asList, field } from "./json-document";

/** One principal a trust statement names, e.g. `{ kind: "Service", value: "ec2.amazonaws.com" }`. */
export interface TrustPrincipal {
    /** `*` for `"Principal": "*"`; otherwise the principal element key (AWS, Service, Federated, ...). */
    readonly kind: string;
    /** The principal string, or undefined when it is unknown during preview. */
    readonly value: string | undefined;
}

export interface TrustCondition {
    /** As written, e.g. `ForAnyValue:StringLike`. */
    readonly operator: string;
    /** Lower case, without set prefix or `IfExists`: `stringlike`, `stringequalsignorecase`, ... */
    readonly test: string;
    readonly key: string;
    readonly values: readonly unknown[];
}

export interface TrustStatement {
    readonly index: number;
    readonly sid?: string;
    /** `NotPrincipal` on an Allow admits everyone not listed. */
    readonly notPrincipal: boolean;
    readonly principals: readonly TrustPrincipal[];
    readonly conditions: readonly TrustCondition[];
}

/** The Allow statements of a trust policy; Deny statements only narrow it and are left out. */
export function allowStatements(document: Record<string, unknown>): TrustStatement[] {
    return asList(field(document, "Statement")).flatMap((raw, index) => {
        if (raw === null || typeof raw !== "object") return [];
        const statement = raw as Record<string, unknown>;
        const effect = field(statement, "Effect");
        if (typeof effect === "string" && effect.toLowerCase() === "deny") return [];
        const notPrincipal = field(statement, "NotPrincipal");
        const sid = field(statement, "Sid");
        return [
            {
                index,
                sid: typeof sid === "string" ? sid : undefined,
                notPrincipal: notPrincipal !== undefined,
                principals: readPrincipals(notPrincipal ?? field(statement, "Principal")),
                conditions: readConditions(field(statement, "Condition")),
            },
        ];
    });
}

function readPrincipals(value: unknown): TrustPrincipal[] {
    if (value === "*") return [{ kind: "*", value: "*" }];
    if (isUnknown(value)) return [{ kind: "unknown", value: undefined }];
    if (value === null || typeof value !== "object" || Array.isArray(value)) return [];
    return Object.entries(value).flatMap(([kind, values]) =>
        asList(values).map((v) => ({
            kind: canonicalKind(kind),
            value: typeof v === "string" && !isUnknown(v) ? v : undefined,
        })),
    );
}

function canonicalKind(kind: string): string {
    const known = ["AWS", "Service", "Federated", "CanonicalUser"];
    return known.find((k) => k.toLowerCase() === kind.toLowerCase()) ?? kind;
}

function readConditions(value: unknown): TrustCondition[] {
    if (value === null || typeof value !== "object") return [];
    return Object.entries(value).flatMap(([operator, block]) => {
        if (block === null || typeof block !== "object") return [];
        const test = operator
            .replace(/^for(any|all)values:/i, "")
            .replace(/ifexists$/i, "")
            .toLowerCase();
        return Object.entries(block).map(([key, values]) => ({
            operator,
            test,
            key,
            values: asList(values),
        }));
    });
}

/**
 * True for a principal that could present an EKS service-account token (IRSA): web identities come in
 * through a Federated (or the all-principals `*`) principal, never through an AWS principal.
 */
export function isOidcCapable(principal: TrustPrincipal): boolean {
    if (principal.kind === "*" || principal.kind === "unknown") return true;
    if (principal.kind !== "Federated") return false;
    const value = principal.value;
    return value === undefined || value.includes("*") || /oidc-provider\//i.test(value);
}

/** Which service-account subjects a statement admits through its `:sub` conditions. */
export type SubjectAdmission =
    | { readonly kind: "any"; readonly why: string }
    | { readonly kind: "patterns"; readonly patterns: readonly SubjectPattern[] }
    | { readonly kind: "unknown"; readonly why: string };

export interface SubjectPattern {
    readonly text: string;
    /** True under StringLike when the text carries `*` or `?`. */
    readonly wildcard: boolean;
    readonly operator: string;
}

const POSITIVE_STRING_TESTS = new Set(["stringequals", "stringequalsignorecase", "stringlike"]);

export function admittedSubjects(statement: TrustStatement): SubjectAdmission {
    const onSub = statement.conditions.filter((c) => /:sub$/i.test(c.key));
    const negated = onSub.find((c) => /not/.test(c.test));
    if (negated) {
        return { kind: "any", why: `${negated.operator} on "${negated.key}" admits every other subject` };
    }
    const positive = onSub.filter((c) => POSITIVE_STRING_TESTS.has(c.test));
    if (positive.length === 0) {
        return { kind: "any", why: "no StringEquals/StringLike condition on the OIDC `:sub` key" };
    }
    const patterns: SubjectPattern[] = [];
    for (const condition of positive) {
        for (const value of condition.values) {
            if (typeof value !== "string" || isUnknown(value)) {
                return {
                    kind: "unknown",
                    why: `the value of ${condition.operator} "${condition.key}" is unknown`,
                };
            }
            const text = condition.test === "stringequalsignorecase" ? value.toLowerCase() : value;
            const wildcard = condition.test === "stringlike" && /[*?]/.test(text);
            patterns.push({ text, wildcard, operator: condition.operator });
        }
    }
    return { kind: "patterns", patterns };
}
