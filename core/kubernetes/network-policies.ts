import * as ipaddr from "ipaddr.js";
import { parseCidr } from "../cidr";
import { rejectedShape } from "../shape";
import type { ResourceNode } from "../stack/stack-model";
import { isUnknown } from "../unknowns";

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

export interface IpBlock {
    readonly cidr: string;
    readonly except?: readonly string[];
}

/** What one NetworkPolicy lets its pods reach. */
export interface EgressAnalysis {
    /** False when the policy does not govern egress (policyTypes without Egress, or no egress section). */
    readonly governsEgress: boolean;
    /** Rules that open egress to every destination, each said in words. */
    readonly open: string[];
    /** Fields whose unknown value hides what the policy allows. */
    readonly unknown: string[];
    /** Every ipBlock peer, to be judged as a union with the namespace's other policies. */
    readonly ipBlocks: IpBlock[];
}

/**
 * A selector that selects everything: `{}`, or empty matchLabels and matchExpressions. Unknown parts make the
 * answer "unknown".
 */
export function selectsEverything(selector: unknown): boolean | "unknown" {
    if (isUnknown(selector)) return "unknown";
    if (!isObject(selector)) return selector === undefined || selector === null;
    const { matchLabels, matchExpressions } = selector;
    if (isUnknown(matchLabels) || isUnknown(matchExpressions)) return "unknown";
    const noLabels =
        matchLabels === undefined ||
        matchLabels === null ||
        (isObject(matchLabels) && Object.keys(matchLabels).length === 0);
    const noExpressions =
        matchExpressions === undefined ||
        matchExpressions === null ||
        (Array.isArray(matchExpressions) && matchExpressions.length === 0);
    return noLabels && noExpressions;
}

// Every namespace carries this label, so `Exists` on it is no restriction.
const UNIVERSAL_NAMESPACE_LABEL = "kubernetes.io/metadata.name";

/**
 * A peer selector that selects everything or all but a few: `selectsEverything`, or only expressions that
 * exclude (`NotIn`, `DoesNotExist`) or ask for the label every namespace has. Never use it for a default deny.
 */
export function selectsNearlyEverything(selector: unknown): boolean | "unknown" {
    const everything = selectsEverything(selector);
    if (everything !== false || !isObject(selector)) return everything;
    const { matchLabels, matchExpressions } = selector;
    if (isObject(matchLabels) && Object.keys(matchLabels).length > 0) return false;
    if (!Array.isArray(matchExpressions)) return false;
    if (matchExpressions.some(containsUnknownValue)) return "unknown";
    return matchExpressions.every((e) => {
        if (!isObject(e)) return false;
        if (e.operator === "NotIn" || e.operator === "DoesNotExist") return true;
        return e.operator === "Exists" && e.key === UNIVERSAL_NAMESPACE_LABEL;
    });
}

function containsUnknownValue(value: unknown): boolean {
    if (isUnknown(value)) return true;
    if (Array.isArray(value)) return value.some(containsUnknownValue);
    return isObject(value) && Object.values(value).some(containsUnknownValue);
}

function specOf(policy: ResourceNode): unknown {
    return policy.props.spec;
}

/** Why a label selector is not `{matchLabels: {string: string}, matchExpressions: [{key, operator, values}]}`. */
export function labelSelectorShapeProblems(selector: unknown, at: string): string[] {
    if (selector === undefined || selector === null || isUnknown(selector)) return [];
    if (!isObject(selector))
        return [rejectedShape(at, selector, "a label selector object (matchLabels, matchExpressions)")];
    const problems: string[] = [];
    const { matchLabels, matchExpressions } = selector;
    if (isObject(matchLabels)) {
        for (const [key, value] of Object.entries(matchLabels)) {
            if (typeof value !== "string")
                problems.push(
                    rejectedShape(`${at}.matchLabels[${JSON.stringify(key)}]`, value, "a label value string"),
                );
        }
    } else if (matchLabels !== undefined && matchLabels !== null && !isUnknown(matchLabels)) {
        problems.push(rejectedShape(`${at}.matchLabels`, matchLabels, "an object of label values"));
    }
    if (matchExpressions === undefined || matchExpressions === null || isUnknown(matchExpressions))
        return problems;
    if (!Array.isArray(matchExpressions)) {
        return [
            ...problems,
            rejectedShape(`${at}.matchExpressions`, matchExpressions, "a list of requirements"),
        ];
    }
    matchExpressions.forEach((e, i) => {
        const eAt = `${at}.matchExpressions[${i}]`;
        if (isUnknown(e)) return;
        if (!isObject(e))
            return void problems.push(rejectedShape(eAt, e, "a requirement object (key, operator, values)"));
        if (typeof e.key !== "string")
            problems.push(rejectedShape(`${eAt}.key`, e.key, "a label key string"));
        if (!isUnknown(e.operator) && !SELECTOR_OPERATORS.includes(e.operator as string)) {
            problems.push(
                rejectedShape(`${eAt}.operator`, e.operator, `one of ${SELECTOR_OPERATORS.join(", ")}`),
            );
        }
        problems.push(...stringListProblems(e.values, `${eAt}.values`, "a list of label value strings"));
    });
    return problems;
}

const SELECTOR_OPERATORS = ["In", "NotIn", "Exists", "DoesNotExist"];
const POLICY_TYPES = ["Ingress", "Egress"];
const PROTOCOLS = ["TCP", "UDP", "SCTP"];

/** Absent, null or unknown is fine; otherwise a list whose known items are strings. */
function stringListProblems(value: unknown, at: string, allowed: string): string[] {
    if (value === undefined || value === null || isUnknown(value)) return [];
    if (!Array.isArray(value)) return [rejectedShape(at, value, allowed)];
    return value.flatMap((item, i) =>
        typeof item === "string" ? [] : [rejectedShape(`${at}[${i}]`, item, "a string")],
    );
}

/**
 * Every field of the spec that decides what the policy selects and lets out, with a type Kubernetes would
 * reject: `spec`, `podSelector`, `policyTypes`, `egress` and, in each egress rule, `to` (peers, `ipBlock`,
 * selectors) and `ports`. Readers skip such values, so each one is said here instead of passing as absent.
 * `null` reads as absent (as the API server decodes it); an unknown value is not a shape problem.
 */
export function egressShapeProblems(policy: ResourceNode): string[] {
    const spec = specOf(policy);
    if (spec === undefined || spec === null || isUnknown(spec)) return [];
    if (!isObject(spec)) return [rejectedShape("spec", spec, "a NetworkPolicy spec object")];
    const problems = labelSelectorShapeProblems(spec.podSelector, "spec.podSelector");
    const types = spec.policyTypes;
    if (types !== undefined && types !== null && !isUnknown(types)) {
        if (!Array.isArray(types)) {
            problems.push(rejectedShape("spec.policyTypes", types, 'a list of "Ingress" and "Egress"'));
        } else {
            types.forEach((t, i) => {
                if (!isUnknown(t) && !POLICY_TYPES.includes(t as string))
                    problems.push(rejectedShape(`spec.policyTypes[${i}]`, t, '"Ingress" or "Egress"'));
            });
        }
    }
    const egress = spec.egress;
    if (egress === undefined || egress === null || isUnknown(egress)) return problems;
    if (!Array.isArray(egress))
        return [...problems, rejectedShape("spec.egress", egress, "a list of egress rules")];
    egress.forEach((rule, i) => problems.push(...ruleShapeProblems(rule, `spec.egress[${i}]`)));
    return problems;
}

function ruleShapeProblems(rule: unknown, at: string): string[] {
    // null decodes to an empty rule (allow everything): analyzeRule reports it as open.
    if (rule === null || isUnknown(rule)) return [];
    if (!isObject(rule)) return [rejectedShape(at, rule, "an egress rule object (to, ports)")];
    const problems: string[] = [];
    const { to, ports } = rule;
    if (to !== undefined && to !== null && !isUnknown(to)) {
        if (!Array.isArray(to)) problems.push(rejectedShape(`${at}.to`, to, "a list of peers"));
        else to.forEach((peer, j) => problems.push(...peerShapeProblems(peer, `${at}.to[${j}]`)));
    }
    if (ports !== undefined && ports !== null && !isUnknown(ports)) {
        if (!Array.isArray(ports)) problems.push(rejectedShape(`${at}.ports`, ports, "a list of ports"));
        else ports.forEach((port, j) => problems.push(...portShapeProblems(port, `${at}.ports[${j}]`)));
    }
    return problems;
}

function peerShapeProblems(peer: unknown, at: string): string[] {
    if (isUnknown(peer)) return [];
    if (!isObject(peer)) {
        return [rejectedShape(at, peer, "a peer object (ipBlock, or namespaceSelector and/or podSelector)")];
    }
    const problems = [
        ...labelSelectorShapeProblems(peer.namespaceSelector, `${at}.namespaceSelector`),
        ...labelSelectorShapeProblems(peer.podSelector, `${at}.podSelector`),
    ];
    const { ipBlock } = peer;
    if (ipBlock === undefined || ipBlock === null || isUnknown(ipBlock)) return problems;
    if (!isObject(ipBlock))
        return [...problems, rejectedShape(`${at}.ipBlock`, ipBlock, "an object (cidr, except)")];
    if (typeof ipBlock.cidr !== "string") {
        problems.push(rejectedShape(`${at}.ipBlock.cidr`, ipBlock.cidr, "a CIDR string"));
    }
    problems.push(...stringListProblems(ipBlock.except, `${at}.ipBlock.except`, "a list of CIDR strings"));
    return problems;
}

function portShapeProblems(port: unknown, at: string): string[] {
    if (isUnknown(port)) return [];
    if (!isObject(port)) return [rejectedShape(at, port, "a port object (protocol, port, endPort)")];
    const problems: string[] = [];
    const { protocol, port: number, endPort } = port;
    if (
        protocol !== undefined &&
        protocol !== null &&
        !isUnknown(protocol) &&
        !PROTOCOLS.includes(protocol as string)
    ) {
        problems.push(rejectedShape(`${at}.protocol`, protocol, `one of ${PROTOCOLS.join(", ")}`));
    }
    if (number !== undefined && number !== null && !isUnknown(number)) {
        const named = typeof number === "string" && number !== "";
        const numbered =
            typeof number === "number" && Number.isInteger(number) && number >= 1 && number <= 65535;
        if (!named && !numbered)
            problems.push(rejectedShape(`${at}.port`, number, "a port number 1-65535 or a port name"));
    }
    if (endPort !== undefined && endPort !== null && !isUnknown(endPort)) {
        if (typeof endPort !== "number" || !Number.isInteger(endPort) || endPort < 1 || endPort > 65535)
            problems.push(rejectedShape(`${at}.endPort`, endPort, "a port number 1-65535"));
    }
    return problems;
}

/** Whether the policy governs egress: policyTypes lists Egress, or (omitted) an egress section exists. */
function governsEgress(spec: Obj): boolean | "unknown" {
    const types = spec.policyTypes;
    if (isUnknown(types)) return "unknown";
    if (Array.isArray(types)) {
        if (types.some(isUnknown)) return "unknown";
        // A list with anything but Ingress/Egress is a shape problem: judged as governing egress (fail closed).
        return types.includes("Egress") || types.some((t) => !POLICY_TYPES.includes(t as string));
    }
    // policyTypes of the wrong type (a shape problem) is judged as governing egress too.
    if (types !== undefined && types !== null) return true;
    if (isUnknown(spec.egress)) return "unknown";
    // Kubernetes infers Egress only when the policy has an egress section.
    return spec.egress !== undefined && spec.egress !== null;
}

/**
 * A default-deny egress policy: selects every pod, governs egress and allows nothing. Unknown values never
 * count as a default deny, nor does a policy with a shape problem (the API server rejects it).
 */
export function isDefaultDenyEgress(policy: ResourceNode): boolean {
    const spec = specOf(policy);
    if (!isObject(spec)) return false;
    if (selectsEverything(spec.podSelector) !== true) return false;
    const types = spec.policyTypes;
    if (!Array.isArray(types) || !types.includes("Egress")) return false;
    if (egressShapeProblems(policy).length > 0) return false;
    return (
        spec.egress === undefined ||
        spec.egress === null ||
        (Array.isArray(spec.egress) && spec.egress.length === 0)
    );
}

/**
 * What the policy lets its pods reach. Shape problems (`egressShapeProblems`) and unparseable CIDRs are in
 * `unknown` as whole sentences, and never stop the reading of the rest: every other finding of the policy
 * is still made.
 */
export function analyzeEgress(policy: ResourceNode): EgressAnalysis {
    const result = {
        governsEgress: true,
        open: [] as string[],
        unknown: [] as string[],
        ipBlocks: [] as IpBlock[],
    };
    const spec = specOf(policy);
    if (isUnknown(spec)) return { ...result, unknown: ["spec"] };
    if (spec === undefined || spec === null) return { ...result, governsEgress: false };
    result.unknown.push(...egressShapeProblems(policy));
    if (!isObject(spec)) return result;
    const governs = governsEgress(spec);
    if (governs === "unknown") return { ...result, unknown: [...result.unknown, "spec.policyTypes"] };
    if (!governs) return { ...result, governsEgress: false };
    const egress = spec.egress;
    if (isUnknown(egress)) return { ...result, unknown: [...result.unknown, "spec.egress"] };
    if (!Array.isArray(egress)) return result;
    egress.forEach((rule, i) => analyzeRule(rule, `spec.egress[${i}]`, result));
    return result;
}

function analyzeRule(
    rule: unknown,
    at: string,
    result: { open: string[]; unknown: string[]; ipBlocks: IpBlock[] },
): void {
    if (isUnknown(rule)) return void result.unknown.push(at);
    if (rule === null) {
        return void result.open.push(
            `${at} is null, which Kubernetes reads as an empty rule, so it allows egress to every destination`,
        );
    }
    if (!isObject(rule)) return; // a shape problem, reported by egressShapeProblems
    const to = rule.to;
    if (isUnknown(to)) return void result.unknown.push(`${at}.to`);
    if (to === undefined || to === null || (Array.isArray(to) && to.length === 0)) {
        // Ports do not narrow destinations: TCP 22 to everywhere is a reverse tunnel.
        return void result.open.push(`${at} has no \`to\`, so it allows egress to every destination`);
    }
    if (!Array.isArray(to)) return;
    to.forEach((peer, j) => {
        const peerAt = `${at}.to[${j}]`;
        if (isUnknown(peer)) return void result.unknown.push(peerAt);
        if (!isObject(peer)) return;
        const { ipBlock, namespaceSelector, podSelector } = peer;
        if (ipBlock !== undefined && ipBlock !== null) {
            if (isUnknown(ipBlock)) return void result.unknown.push(`${peerAt}.ipBlock`);
            if (!isObject(ipBlock)) return;
            const block = readIpBlock(ipBlock.cidr, ipBlock.except, `${peerAt}.ipBlock`, result.unknown);
            if (block !== undefined) result.ipBlocks.push(block);
            return;
        }
        if (namespaceSelector === undefined || namespaceSelector === null) {
            if (podSelector === undefined || podSelector === null) {
                result.open.push(`${peerAt} is an empty peer, which selects every destination`);
            } else if (isUnknown(podSelector)) result.unknown.push(`${peerAt}.podSelector`);
            return;
        }
        const everyNamespace = selectsNearlyEverything(namespaceSelector);
        if (everyNamespace === "unknown") return void result.unknown.push(`${peerAt}.namespaceSelector`);
        if (!everyNamespace) return;
        // `namespaceSelector: {}` with a podSelector (e.g. kube-dns in any namespace) is narrow; with none it is
        // every pod of every tenant, kube-system included: lateral movement.
        const everyPod = selectsNearlyEverything(podSelector);
        if (everyPod === "unknown") return void result.unknown.push(`${peerAt}.podSelector`);
        if (everyPod) {
            result.open.push(
                `${peerAt} has a namespaceSelector and podSelector that select every (or all but a few) namespaces and pods (${JSON.stringify({ namespaceSelector, podSelector })}), which allows egress to nearly every pod in every namespace`,
            );
        }
    });
}

/**
 * One ipBlock, checked: an unknown or unparseable `cidr` drops the block (the reason goes to `unknown`); an
 * unparseable `except` entry is dropped from the carve-outs, so the block is judged wider, never narrower.
 * Values of the wrong type are shape problems said by the shape readers; they only drop what they hide.
 */
export function readIpBlock(
    cidr: unknown,
    except: unknown,
    at: string,
    unknown: string[],
): IpBlock | undefined {
    if (isUnknown(cidr)) return void unknown.push(`${at}.cidr`);
    if (typeof cidr !== "string") return undefined;
    const cidrProblem = cidrProblemOf(cidr, `${at}.cidr`);
    if (cidrProblem !== undefined) return void unknown.push(cidrProblem);
    if (except === undefined || except === null) return { cidr, except: [] };
    if (isUnknown(except) || (Array.isArray(except) && except.some(isUnknown))) {
        return void unknown.push(`${at}.except`);
    }
    const kept: string[] = [];
    (Array.isArray(except) ? except : []).forEach((e, k) => {
        if (typeof e !== "string") return;
        const problem = cidrProblemOf(e, `${at}.except[${k}]`);
        if (problem !== undefined) unknown.push(`${problem} (judged without this carve-out)`);
        else kept.push(e);
    });
    return { cidr, except: kept };
}

/** Why `cidr` cannot be read as a CIDR, as a sentence naming where it is; undefined when it parses. */
/**
 * Calico `nets` and Cilium `toCIDR` take a bare address for a single host: read it as that host's prefix.
 * Were the CNI to refuse it, the policy would allow nothing, so the host reading is never the narrower one.
 */
export function hostCidrOf(value: string): string {
    if (value.includes("/")) return value;
    if (ipaddr.IPv4.isValidFourPartDecimal(value)) return `${value}/32`;
    if (ipaddr.IPv6.isValid(value)) return `${value}/128`;
    return value;
}

export function cidrProblemOf(cidr: string, at: string): string | undefined {
    try {
        parseCidr(cidr);
        return undefined;
    } catch (err) {
        return `${at} is not a valid CIDR: ${err instanceof Error ? err.message : String(err)}`;
    }
}

/**
 * `readIpBlock` for the CNI-specific kinds (Cilium `toCIDRSet`, Calico `nets`, AdminNetworkPolicy `networks`):
 * a `cidr` or `except` of the wrong type is said here too, since those kinds have no separate shape reader.
 */
export function readIpBlockChecked(
    cidr: unknown,
    except: unknown,
    at: string,
    unknown: string[],
): IpBlock | undefined {
    if (!isUnknown(cidr) && typeof cidr !== "string") {
        return void unknown.push(rejectedShape(`${at}.cidr`, cidr, "a CIDR string"));
    }
    unknown.push(...stringListProblems(except, `${at}.except`, "a list of CIDR strings"));
    return readIpBlock(cidr, except, at, unknown);
}

/** A list of CIDR strings (Cilium `toCIDR`, Calico `nets`, ANP `networks`), each checked, the good ones kept. */
export function readCidrList(
    value: unknown,
    at: string,
    unknown: string[],
    options: { readonly bareAddressIsHost?: boolean } = {},
): IpBlock[] {
    if (value === undefined || value === null) return [];
    if (isUnknown(value)) {
        unknown.push(at);
        return [];
    }
    if (!Array.isArray(value)) {
        unknown.push(rejectedShape(at, value, "a list of CIDR strings"));
        return [];
    }
    const blocks: IpBlock[] = [];
    value.forEach((cidr, i) => {
        if (isUnknown(cidr)) return void unknown.push(`${at}[${i}]`);
        if (typeof cidr !== "string")
            return void unknown.push(rejectedShape(`${at}[${i}]`, cidr, "a CIDR string"));
        const host = options.bareAddressIsHost ? hostCidrOf(cidr) : cidr;
        const problem = cidrProblemOf(host, `${at}[${i}]`);
        if (problem !== undefined) unknown.push(problem);
        else blocks.push({ cidr: host });
    });
    return blocks;
}
