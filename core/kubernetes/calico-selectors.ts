/**
 * Calico's label selector language (`all()`, `has(k)`, `k == 'v'`, `k in {...}`, `contains`, `starts with`,
 * `ends with`, `!`, `&&`, `||`, parentheses, `global()`), parsed so the pack can ask what a selector can match.
 * Anything this parser does not understand is an error, and callers fail closed on it.
 */

export type CalicoSelector =
    | { readonly op: "all" }
    | { readonly op: "global" }
    | { readonly op: "has"; readonly key: string }
    | { readonly op: "cmp"; readonly key: string; readonly cmp: Comparison; readonly values: string[] }
    | { readonly op: "not"; readonly inner: CalicoSelector }
    | { readonly op: "and" | "or"; readonly left: CalicoSelector; readonly right: CalicoSelector };

type Comparison = "==" | "!=" | "in" | "not in" | "contains" | "starts with" | "ends with";

const TOKEN =
    /\s*(?:(\(|\)|\{|\}|,|&&|\|\||==|!=|!)|'([^']*)'|"([^"]*)"|(not\s+in|starts\s+with|ends\s+with)(?![\w./-])|([A-Za-z0-9_./:-]+))/y;

interface Token {
    readonly kind: "punct" | "string" | "word";
    readonly text: string;
}

function tokenize(text: string): Token[] {
    const tokens: Token[] = [];
    TOKEN.lastIndex = 0;
    while (TOKEN.lastIndex < text.length) {
        if (/^\s*$/.test(text.slice(TOKEN.lastIndex))) break;
        const at = TOKEN.lastIndex;
        const m = TOKEN.exec(text);
        if (!m) throw new Error(`unexpected text at ${at}: "${text.slice(at, at + 20)}"`);
        if (m[1] !== undefined) tokens.push({ kind: "punct", text: m[1] });
        else if (m[2] !== undefined || m[3] !== undefined)
            tokens.push({ kind: "string", text: m[2] ?? m[3] });
        else if (m[4] !== undefined) tokens.push({ kind: "word", text: m[4].replace(/\s+/, " ") });
        else tokens.push({ kind: "word", text: m[5] });
    }
    return tokens;
}

/** Parses a Calico selector; an empty or blank selector is `all()`. Throws on anything else it cannot read. */
export function parseCalicoSelector(text: string): CalicoSelector {
    const tokens = tokenize(text);
    if (tokens.length === 0) return { op: "all" };
    let i = 0;
    const peek = (): Token | undefined => tokens[i];
    const take = (expected?: string): Token => {
        const t = tokens[i++];
        if (t === undefined) throw new Error("selector ends early");
        if (expected !== undefined && t.text !== expected)
            throw new Error(`expected "${expected}", found "${t.text}"`);
        return t;
    };
    const or = (): CalicoSelector => {
        let left = and();
        while (peek()?.text === "||") {
            take();
            left = { op: "or", left, right: and() };
        }
        return left;
    };
    const and = (): CalicoSelector => {
        let left = unary();
        while (peek()?.text === "&&") {
            take();
            left = { op: "and", left, right: unary() };
        }
        return left;
    };
    const unary = (): CalicoSelector => {
        const t = take();
        if (t.kind === "punct" && t.text === "!") return { op: "not", inner: unary() };
        if (t.kind === "punct" && t.text === "(") {
            const inner = or();
            take(")");
            return inner;
        }
        if (t.kind !== "word") throw new Error(`unexpected "${t.text}"`);
        if ((t.text === "all" || t.text === "global" || t.text === "has") && peek()?.text === "(") {
            take("(");
            if (t.text === "has") {
                const key = take();
                if (key.kind !== "word") throw new Error(`has() needs a label key, found "${key.text}"`);
                take(")");
                return { op: "has", key: key.text };
            }
            take(")");
            return { op: t.text };
        }
        const cmp = take().text;
        if (
            cmp === "==" ||
            cmp === "!=" ||
            cmp === "contains" ||
            cmp === "starts with" ||
            cmp === "ends with"
        ) {
            const value = take();
            if (value.kind !== "string") throw new Error(`expected a quoted value after ${cmp}`);
            return { op: "cmp", key: t.text, cmp, values: [value.text] };
        }
        if (cmp === "in" || cmp === "not in") {
            take("{");
            const values: string[] = [];
            while (peek()?.text !== "}") {
                const value = take();
                if (value.kind !== "string") throw new Error(`expected a quoted value in ${cmp} {...}`);
                values.push(value.text);
                if (peek()?.text === ",") take();
            }
            take("}");
            return { op: "cmp", key: t.text, cmp, values };
        }
        throw new Error(`unknown operator "${cmp}" after "${t.text}"`);
    };
    const result = or();
    if (i !== tokens.length) throw new Error(`unexpected "${tokens[i].text}"`);
    return result;
}

/** Three-valued truth: `maybe` when the answer depends on labels the stack author chooses freely. */
export type Truth = true | false | "maybe";

/**
 * What a selector sees of one label: a fixed value (or absence), a value the author may choose (`free`), or
 * the name of some agent namespace not declared in this stack (`agentName`: equal only to agent names).
 */
export type LabelValue =
    | { readonly kind: "value"; readonly value: string | undefined }
    | { readonly kind: "free" }
    | { readonly kind: "agentName"; readonly isAgent: (name: string) => boolean };

const not = (t: Truth): Truth => (t === "maybe" ? "maybe" : !t);
const and = (a: Truth, b: Truth): Truth =>
    a === false || b === false ? false : a === true && b === true ? true : "maybe";
const or = (a: Truth, b: Truth): Truth =>
    a === true || b === true ? true : a === false && b === false ? false : "maybe";

/** Evaluates a selector over labels given by `label`; `global()` is true only when `isGlobal`. */
export function evaluateCalico(
    selector: CalicoSelector,
    label: (key: string) => LabelValue,
    isGlobal = false,
): Truth {
    switch (selector.op) {
        case "all":
            return true;
        case "global":
            return isGlobal;
        case "not":
            return not(evaluateCalico(selector.inner, label, isGlobal));
        case "and":
            return and(
                evaluateCalico(selector.left, label, isGlobal),
                evaluateCalico(selector.right, label, isGlobal),
            );
        case "or":
            return or(
                evaluateCalico(selector.left, label, isGlobal),
                evaluateCalico(selector.right, label, isGlobal),
            );
        case "has": {
            const v = label(selector.key);
            return v.kind === "value" ? v.value !== undefined : v.kind === "agentName" ? true : "maybe";
        }
        case "cmp": {
            const v = label(selector.key);
            if (v.kind === "free") return "maybe";
            if (v.kind === "agentName") {
                if (selector.cmp === "==" || selector.cmp === "in")
                    return selector.values.some((x) => v.isAgent(x)) ? "maybe" : false;
                return "maybe";
            }
            return compare(v.value, selector.cmp, selector.values);
        }
    }
}

function compare(value: string | undefined, cmp: Comparison, values: string[]): boolean {
    // Calico: `!=` and `not in` also match when the label is absent; the others need it.
    if (cmp === "!=") return value !== values[0];
    if (cmp === "not in") return value === undefined || !values.includes(value);
    if (value === undefined) return false;
    if (cmp === "==") return value === values[0];
    if (cmp === "in") return values.includes(value);
    if (cmp === "contains") return value.includes(values[0]);
    if (cmp === "starts with") return value.startsWith(values[0]);
    return value.endsWith(values[0]);
}

/** Labels every Calico endpoint carries whatever its author chose: they never narrow a selector. */
const UNIVERSAL_ENDPOINT_LABELS = [
    "projectcalico.org/namespace",
    "projectcalico.org/orchestrator",
    "projectcalico.org/serviceaccount",
    "projectcalico.org/name",
    "kubernetes.io/metadata.name",
    "pcns.projectcalico.org/name",
    "pcns.kubernetes.io/metadata.name",
];

/**
 * Whether a selector matches an endpoint that carries no label of its author's choosing: `all()`, an empty
 * selector, `!has(x)`, `x != 'y'`, `x not in {...}`, or a test only on the labels every endpoint has. Such a
 * selector matches every (or all but a few) pods.
 */
export function calicoSelectsNearlyEverything(selector: CalicoSelector): boolean {
    // A value no real label has, so equality on a universal label fails and inequality holds.
    const label = (key: string): LabelValue => ({
        kind: "value",
        value: UNIVERSAL_ENDPOINT_LABELS.includes(key) ? "\u0000" : undefined,
    });
    return evaluateCalico(selector, label) === true;
}
