/** Kubernetes label selectors (matchLabels and matchExpressions) as plain requirements. */

type Obj = Record<string, unknown>;

function isObject(value: unknown): value is Obj {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

export interface Requirement {
    readonly key: string;
    readonly operator: string;
    readonly values: string[];
}

/** Every requirement of a selector: `matchLabels` entries as `In`, then `matchExpressions`. */
export function requirementsOf(selector: Obj): Requirement[] {
    const out: Requirement[] = [];
    if (isObject(selector.matchLabels)) {
        for (const [key, value] of Object.entries(selector.matchLabels)) {
            out.push({ key, operator: "In", values: [String(value)] });
        }
    }
    if (Array.isArray(selector.matchExpressions)) {
        for (const e of selector.matchExpressions) {
            if (!isObject(e)) continue;
            const values = Array.isArray(e.values) ? e.values.map(String) : [];
            out.push({ key: String(e.key), operator: String(e.operator), values });
        }
    }
    return out;
}

/** Whether the selector matches the labels; an operator Kubernetes does not define is taken to match. */
export function selectorMatches(selector: Obj, labels: Obj): boolean {
    return requirementsOf(selector).every(({ key, operator, values }) => {
        const has = key in labels;
        const value = String(labels[key]);
        if (operator === "In") return has && values.includes(value);
        if (operator === "NotIn") return !has || !values.includes(value);
        if (operator === "Exists") return has;
        if (operator === "DoesNotExist") return !has;
        return true;
    });
}
