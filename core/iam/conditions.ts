/**
 * Evaluates an IAM statement's Condition against what the stack tells about the principal making the request.
 * The answer is `true` (it certainly holds), `false` (it certainly does not) or `unknown`. Only a `false`
 * answer may remove a grant: a key the requester controls (its source IP, the tags it sends, the time) or a
 * value the stack cannot know (the organization id) is `unknown`, never `false`.
 */
import { iamGlobMatches, iamGlobsIntersect, SEGMENT_WILDCARD as S } from "../glob";

export type ConditionAnswer = true | false | "unknown";

/** What is known of the requesting principal; a field left out is unknown. */
export interface RequestingPrincipal {
    /** `role` requests come from an assumed-role session, `user` from an IAM user. */
    readonly type: "role" | "user";
    /** The role's or user's name (unique in its account). */
    readonly name?: string;
    /** Its path (`/` by default), when known: without it the name may follow any path. */
    readonly path?: string;
    /** Its ARN (`arn:aws:iam::<account>:role/<path><name>`), when known. */
    readonly arn?: string;
    /** Its account id, when known. */
    readonly account?: string;
    /** Its tags; undefined when they are unknown (or a session may carry tags of its own choosing). */
    readonly tags?: Readonly<Record<string, string>>;
}

/** The value of a condition key in the request: present (one or more values), absent, or unknown. */
type KeyValue =
    | { readonly state: "present"; readonly values: readonly string[] }
    | { readonly state: "absent" }
    | { readonly state: "unknown" };

const ABSENT: KeyValue = { state: "absent" };
const UNKNOWN: KeyValue = { state: "unknown" };

/**
 * The request's value for a key that is about the principal; every other key (request- or service-specific,
 * or one this module does not model) is unknown.
 */
function keyValue(key: string, who: RequestingPrincipal): KeyValue | "arn" {
    const lower = key.toLowerCase();
    switch (lower) {
        case "aws:principalarn":
            return who.arn !== undefined ? present(who.arn) : "arn";
        case "aws:principalaccount":
            return who.account !== undefined ? present(who.account) : UNKNOWN;
        case "aws:principaltype":
            return present(who.type === "role" ? "AssumedRole" : "User");
        case "aws:principalisawsservice":
            return present("false");
        case "aws:principalservicename":
        case "aws:principalservicenameslist":
            return ABSENT;
        case "aws:username":
            if (who.type === "role") return ABSENT;
            return who.name !== undefined ? present(who.name) : UNKNOWN;
    }
    if (lower.startsWith("aws:principaltag/")) {
        if (who.tags === undefined) return UNKNOWN;
        const tag = key.slice("aws:principaltag/".length);
        if (Object.hasOwn(who.tags, tag)) return present(who.tags[tag]);
        // A key that differs only in case: whether IAM matches it cannot be shown here.
        if (Object.keys(who.tags).some((k) => k.toLowerCase() === tag.toLowerCase())) return UNKNOWN;
        return ABSENT;
    }
    return UNKNOWN;
}

function present(value: string): KeyValue {
    return { state: "present", values: [value] };
}

interface Operator {
    readonly set: "any" | "all" | undefined;
    readonly base: string;
    readonly negated: boolean;
    readonly ifExists: boolean;
}

/** Operators whose values are compared as strings or ARNs here; others answer unknown. */
const MATCHERS: Readonly<Record<string, (pattern: string, value: string) => boolean>> = {
    stringequals: (p, v) => p === v,
    stringequalsignorecase: (p, v) => p.toLowerCase() === v.toLowerCase(),
    stringlike: (p, v) => iamGlobMatches(p, v),
    arnequals: (p, v) => arnLike(p, v),
    arnlike: (p, v) => arnLike(p, v),
    bool: (p, v) => p.toLowerCase() === v.toLowerCase(),
};

const NEGATED: Readonly<Record<string, string>> = {
    stringnotequals: "stringequals",
    stringnotequalsignorecase: "stringequalsignorecase",
    stringnotlike: "stringlike",
    arnnotequals: "arnequals",
    arnnotlike: "arnlike",
};

function parseOperator(raw: string): Operator {
    let rest = raw;
    let set: Operator["set"];
    const prefix = /^(forAnyValue|forAllValues):/i.exec(rest);
    if (prefix) {
        set = prefix[1].toLowerCase() === "foranyvalue" ? "any" : "all";
        rest = rest.slice(prefix[0].length);
    }
    let ifExists = false;
    if (/IfExists$/i.test(rest) && !/^null$/i.test(rest)) {
        ifExists = true;
        rest = rest.slice(0, -"IfExists".length);
    }
    const lower = rest.toLowerCase();
    const positive = NEGATED[lower];
    return { set, base: positive ?? lower, negated: positive !== undefined, ifExists };
}

/** Condition values as strings; undefined when one of them cannot be read (or holds a policy variable). */
function conditionValues(raw: unknown): string[] | undefined {
    const list = Array.isArray(raw) ? raw : [raw];
    const out: string[] = [];
    for (const v of list) {
        if (typeof v === "string") {
            if (v.includes("${")) return undefined;
            out.push(v);
        } else if (typeof v === "boolean" || typeof v === "number") out.push(String(v));
        else return undefined;
    }
    return out;
}

/**
 * One condition key under one operator. `arn` stands for a principal whose ARN is unknown but whose name is
 * known: a value naming another role or user is a certain mismatch, one that may be its ARN is unknown.
 */
function evaluateKey(op: Operator, key: string, raw: unknown, who: RequestingPrincipal): ConditionAnswer {
    const patterns = conditionValues(raw);
    if (patterns === undefined) return "unknown";
    const value = keyValue(key, who);
    if (op.base === "null") {
        if (value === "arn") return patterns.every((p) => p.toLowerCase() === "false");
        if (value.state === "unknown") return "unknown";
        const isNull = value.state === "absent";
        return patterns.some((p) => (p.toLowerCase() === "true") === isNull);
    }
    const matcher = MATCHERS[op.base];
    if (matcher === undefined) return "unknown";
    if (value === "arn") return unknownArn(op, patterns, who);
    if (value.state === "unknown") return "unknown";
    if (value.state === "absent") {
        if (op.ifExists) return true;
        // ForAllValues holds on an empty set; a negated operator holds when the key is missing.
        if (op.set === "all") return true;
        if (op.set === "any") return false;
        return op.negated;
    }
    const matchesOne = (v: string) => patterns.some((p) => matcher(p, v)) !== op.negated;
    if (op.set === "all") return value.values.every(matchesOne);
    return value.values.some(matchesOne);
}

/** aws:PrincipalArn of a principal whose account (or path) is unknown, its name known. */
function unknownArn(op: Operator, patterns: readonly string[], who: RequestingPrincipal): ConditionAnswer {
    const name = who.name;
    if (name === undefined) return "unknown";
    const kind = who.type;
    const mayMatch = patterns.some((p) => {
        if (op.base === "stringequals") return namesPrincipal(p, kind, name, false);
        if (op.base === "stringequalsignorecase") return namesPrincipal(p, kind, name, true);
        if (op.base === "bool") return false;
        // Partition, account and an unknown path are runs that cannot cross the ARN's colons.
        const path = who.path === undefined ? `/${S}` : who.path.replace(/[*?]/g, "\u0000");
        return iamGlobsIntersect(p, `arn:${S}:iam::${S}:${kind}${path}${name}`);
    });
    // No value can be this principal's ARN: the positive operator fails, the negated one holds.
    return mayMatch ? "unknown" : op.negated;
}

/** Whether an exact ARN names the role or user (any account, any path). */
function namesPrincipal(arn: string, kind: string, name: string, ignoreCase: boolean): boolean {
    const match = /^arn:[^:]*:iam::[^:]*:(role|user)\/(?:.*\/)?([^/]+)$/i.exec(arn);
    if (match === null) return false;
    const same = (a: string, b: string) => (ignoreCase ? a.toLowerCase() === b.toLowerCase() : a === b);
    return match[1].toLowerCase() === kind && same(match[2], name);
}

/**
 * Whether a Condition holds for the principal. Operators are ANDed, keys under an operator are ANDed, the
 * values of one key are ORed (for a negated operator: none may match). An absent Condition holds.
 */
export function evaluateCondition(condition: unknown, who: RequestingPrincipal): ConditionAnswer {
    if (condition === undefined) return true;
    if (condition === null || typeof condition !== "object" || Array.isArray(condition)) return "unknown";
    let answer: ConditionAnswer = true;
    for (const [rawOperator, block] of Object.entries(condition as Record<string, unknown>)) {
        if (block === null || typeof block !== "object" || Array.isArray(block)) return "unknown";
        const op = parseOperator(rawOperator);
        for (const [key, raw] of Object.entries(block as Record<string, unknown>)) {
            const one = evaluateKey(op, key, raw, who);
            if (one === false) return false;
            if (one === "unknown") answer = "unknown";
        }
    }
    return answer;
}

/** ArnLike / ArnEquals: each of the six colon-separated parts is matched on its own. */
function arnLike(pattern: string, value: string): boolean {
    const p = splitArn(pattern);
    const v = splitArn(value);
    if (p === undefined || v === undefined) return false;
    return p.every((part, i) => iamGlobMatches(part, v[i]));
}

function splitArn(arn: string): string[] | undefined {
    const parts = arn.split(":");
    if (parts.length < 6) return undefined;
    return [...parts.slice(0, 5), parts.slice(5).join(":")];
}
