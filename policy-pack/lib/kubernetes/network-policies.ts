import type { ResourceNode } from "../stack-model";
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

/** Whether the policy governs egress: policyTypes lists Egress, or (omitted) an egress section exists. */
function governsEgress(spec: Obj): boolean | "unknown" {
    const types = spec.policyTypes;
    if (isUnknown(types)) return "unknown";
    if (Array.isArray(types)) {
        if (types.some(isUnknown)) return "unknown";
        return types.includes("Egress");
    }
    if (isUnknown(spec.egress)) return "unknown";
    // Kubernetes infers Egress only when the policy has an egress section.
    return spec.egress !== undefined && spec.egress !== null;
}

/**
 * A default-deny egress policy: selects every pod, governs egress and allows nothing. Unknown values never
 * count as a default deny.
 */
export function isDefaultDenyEgress(policy: ResourceNode): boolean {
    const spec = specOf(policy);
    if (!isObject(spec)) return false;
    if (selectsEverything(spec.podSelector) !== true) return false;
    const types = spec.policyTypes;
    if (!Array.isArray(types) || !types.includes("Egress")) return false;
    return (
        spec.egress === undefined ||
        spec.egress === null ||
        (Array.isArray(spec.egress) && spec.egress.length === 0)
    );
}

export function analyzeEgress(policy: ResourceNode): EgressAnalysis {
    const result = {
        governsEgress: true,
        open: [] as string[],
        unknown: [] as string[],
        ipBlocks: [] as IpBlock[],
    };
    const spec = specOf(policy);
    if (isUnknown(spec)) return { ...result, unknown: ["spec"] };
    if (!isObject(spec)) return { ...result, governsEgress: false };
    const governs = governsEgress(spec);
    if (governs === "unknown") return { ...result, unknown: ["spec.policyTypes"] };
    if (!governs) return { ...result, governsEgress: false };
    const egress = spec.egress;
    if (isUnknown(egress)) return { ...result, unknown: ["spec.egress"] };
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
    if (!isObject(rule)) return;
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
            const { cidr } = ipBlock;
            const except: unknown = ipBlock.except ?? [];
            if (typeof cidr !== "string" || isUnknown(cidr)) {
                return void result.unknown.push(`${peerAt}.ipBlock.cidr`);
            }
            if (!Array.isArray(except) || except.some((e) => typeof e !== "string" || isUnknown(e))) {
                return void result.unknown.push(`${peerAt}.ipBlock.except`);
            }
            result.ipBlocks.push({ cidr, except: except as string[] });
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
