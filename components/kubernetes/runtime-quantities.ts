import { fail } from "../args";

/** Kubernetes resource quantities in the plain forms people write (`500m`, `2`, `1.5`, `512Mi`, `10G`). */
const QUANTITY = /^(\d+(?:\.\d+)?|\.\d+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/;
const SUFFIX_FACTORS: Readonly<Record<string, number>> = {
    "": 1,
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    P: 1e15,
    E: 1e18,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
    Pi: 2 ** 50,
    Ei: 2 ** 60,
};

/**
 * A quantity as Kubernetes accepts it, as a string. Exponent forms (`1e3`) and signs are rejected: legal,
 * but never what someone sizing an agent meant.
 */
export function requireQuantity(component: string, arg: string, value: unknown): string {
    const text = typeof value === "number" && Number.isFinite(value) && value >= 0 ? String(value) : value;
    if (typeof text !== "string" || !QUANTITY.test(text)) {
        fail(
            component,
            arg,
            value,
            "expected a non-negative Kubernetes quantity such as 500m, 2, 512Mi or 10Gi",
        );
    }
    return text;
}

/** The numeric value of a quantity accepted by `requireQuantity`, for comparisons. */
export function quantityValue(quantity: string): number {
    const match = QUANTITY.exec(quantity);
    if (match === null) throw new Error(`Not a quantity: ${JSON.stringify(quantity)}`);
    return Number(match[1]) * SUFFIX_FACTORS[match[2] ?? ""];
}
