/**
 * Calico's own policy kinds (`projectcalico.org/v3`, and the same objects stored as `crd.projectcalico.org/v1`
 * CRDs). Calico runs them next to NetworkPolicies, and an Allow in any of them is final for the packet: a
 * Kubernetes default deny (also a Calico policy, order 1000 in the default tier) does not stop it, whatever
 * the orders. So every allowing rule that can apply to agent pods is judged; a Deny is never credited.
 */
import { rejectedShape } from "../shape";
import type { AgentNamespaces } from "../stack/agent-namespaces";
import type { ResourceNode, StackModel } from "../stack/stack-model";
import { containsUnknown, isUnknown } from "../unknowns";
import {
    calicoSelectsNearlyEverything,
    evaluateCalico,
    parseCalicoSelector,
    type CalicoSelector,
    type LabelValue,
} from "./calico-selectors";
import type { CustomEgress } from "./custom-network-policies";
import { cidrProblemOf, hostCidrOf } from "./network-policies";
import { metadataOf } from "./placement";
import { serviceBackendsProblem } from "./services";
import { publicResolverOfName } from "../dns-resolvers";
import { hostDestinationProblem, patternBreadthProblem } from "../fqdn";

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);

const CALICO = (kind: string) => new RegExp(`^kubernetes:(crd\\.)?projectcalico\\.org/[^:]+:${kind}$`);
const NAMESPACED_POLICY = CALICO("NetworkPolicy");
const GLOBAL_POLICY = CALICO("GlobalNetworkPolicy");
const NETWORK_SET = CALICO("NetworkSet");
const GLOBAL_NETWORK_SET = CALICO("GlobalNetworkSet");

export const isCalicoType = (type: string): boolean => /^kubernetes:(crd\.)?projectcalico\.org\//.test(type);

interface DeclaredSet {
    readonly node: ResourceNode;
    readonly namespace?: string;
}

/** The Calico policies and network sets this stack declares. */
export class CalicoIndex {
    readonly namespaced: ResourceNode[];
    readonly global: ResourceNode[];
    private readonly sets: DeclaredSet[];

    constructor(
        private readonly model: StackModel,
        private readonly agents: AgentNamespaces,
    ) {
        const pick = (re: RegExp) => model.resources.filter((r) => re.test(r.type));
        this.namespaced = pick(NAMESPACED_POLICY);
        this.global = pick(GLOBAL_POLICY);
        this.sets = [
            ...pick(GLOBAL_NETWORK_SET).map((node) => ({ node })),
            ...pick(NETWORK_SET).map((node) => {
                const ns = metadataOf(node)?.namespace;
                return { node, namespace: typeof ns === "string" ? ns : "default" };
            }),
        ];
    }

    /**
     * Whether a GlobalNetworkPolicy can apply to agent pods. Pod labels are the author's to choose, so only a
     * selector or namespaceSelector that pins the namespace to non-agent names excludes them. Policies applied
     * on forwarded or untracked host traffic (`applyOnForward`, `doNotTrack`) see pod traffic whatever they select.
     */
    globalSelectsAgents(policy: ResourceNode): true | false | string {
        const spec = policy.props.spec;
        if (containsUnknown(spec)) return "its spec is unknown during preview";
        if (!isObject(spec)) return false;
        if (spec.applyOnForward === true || spec.doNotTrack === true) return true;
        const parsed: CalicoSelector[] = [];
        for (const field of ["selector", "namespaceSelector", "serviceAccountSelector"]) {
            const text = spec[field];
            const selector = text === undefined || text === null ? "" : text;
            const result = parseField(selector, `spec.${field}`);
            if (typeof result === "string") return result;
            parsed.push(result);
        }
        const [selector, namespaceSelector, serviceAccount] = parsed;
        for (const probe of this.agentNamespaceProbes()) {
            const pod = (key: string): LabelValue => {
                if (key === "projectcalico.org/namespace") return probe.name;
                if (key === "projectcalico.org/orchestrator") return { kind: "value", value: "k8s" };
                if (key.startsWith("pcns.")) return probe.label(key.slice(5));
                return { kind: "free" };
            };
            const ns = (key: string): LabelValue =>
                key === "projectcalico.org/name" ? probe.name : probe.label(key);
            const truths = [
                evaluateCalico(selector, pod),
                evaluateCalico(namespaceSelector, ns),
                evaluateCalico(serviceAccount, () => ({ kind: "free" })),
            ];
            if (truths.every((t) => t !== false)) return true;
        }
        return false;
    }

    /** Each declared agent namespace with its labels, and one stand-in for agent namespaces declared elsewhere. */
    private agentNamespaceProbes(): { name: LabelValue; label: (key: string) => LabelValue }[] {
        const probes = this.agents.declaredAgentNamespaces().map(({ name, node }) => {
            const labels = metadataOf(node)?.labels;
            const unknown = isUnknown(node.props.metadata) || containsUnknown(labels);
            const all: Obj = { ...(isObject(labels) ? labels : {}), "kubernetes.io/metadata.name": name };
            return {
                name: { kind: "value", value: name } as LabelValue,
                label: (key: string): LabelValue =>
                    unknown && key !== "kubernetes.io/metadata.name"
                        ? { kind: "free" }
                        : { kind: "value", value: typeof all[key] === "string" ? all[key] : undefined },
            };
        });
        const elsewhere: LabelValue = { kind: "agentName", isAgent: (n) => this.agents.isAgent(n) };
        probes.push({
            name: elsewhere,
            label: (key) => (key === "kubernetes.io/metadata.name" ? elsewhere : { kind: "free" }),
        });
        return probes;
    }

    /**
     * What a Calico (Global)NetworkPolicy's allowing egress rules let its pods reach. `namespace` is the
     * namespaced policy's own namespace (undefined for a GlobalNetworkPolicy).
     */
    analyzeEgress(policy: ResourceNode, namespace: string | undefined, isGlobal: boolean): CustomEgress {
        const out: CustomEgress = { open: [], unknown: [], ipBlocks: [] };
        const spec = policy.props.spec;
        if (isUnknown(spec)) return { ...out, unknown: ["spec"] };
        if (!isObject(spec)) return out;
        if (containsUnknown(spec.types)) return { ...out, unknown: ["spec.types"] };
        // Wrong shapes are said, never skipped: a skipped field would read as allowing nothing.
        if (spec.types !== undefined && spec.types !== null && !Array.isArray(spec.types)) {
            out.unknown.push(rejectedShape("spec.types", spec.types, 'a list of "Ingress" and "Egress"'));
        }
        if (Array.isArray(spec.types) && !spec.types.some((t) => String(t).toLowerCase() === "egress"))
            return out;
        if (isUnknown(spec.egress)) return { ...out, unknown: ["spec.egress"] };
        if (spec.egress !== undefined && spec.egress !== null && !Array.isArray(spec.egress)) {
            out.unknown.push(rejectedShape("spec.egress", spec.egress, "a list of rules"));
        }
        if (!Array.isArray(spec.egress)) return out;
        const passAllows = passEndsInProfiles(spec.tier);
        if (typeof passAllows === "string") out.unknown.push(passAllows);
        spec.egress.forEach((rule, i) => {
            const at = `spec.egress[${i}]`;
            if (containsUnknown(rule)) return void out.unknown.push(at);
            if (!isObject(rule)) return void out.unknown.push(rejectedShape(at, rule, "a rule object"));
            const action = typeof rule.action === "string" ? rule.action.trim().toLowerCase() : undefined;
            if (action === "deny" || action === "log") return;
            if (action === "pass" && passAllows === false) return;
            if (action !== "allow" && action !== "pass") {
                return void out.unknown.push(
                    `${at}.action ${JSON.stringify(rule.action)} is not one of Allow, Deny, Log, Pass`,
                );
            }
            const how =
                action === "pass"
                    ? `${at} (Pass in the default tier skips the namespace's NetworkPolicies, and the end of the tiers allows)`
                    : at;
            this.destination(rule.destination, how, namespace, isGlobal, out);
        });
        return out;
    }

    private destination(
        destination: unknown,
        at: string,
        namespace: string | undefined,
        isGlobal: boolean,
        out: CustomEgress,
    ): void {
        if (destination !== undefined && destination !== null && !isObject(destination)) {
            return void out.unknown.push(
                rejectedShape(
                    `${at}.destination`,
                    destination,
                    "an entity rule object (nets, selector, ...)",
                ),
            );
        }
        const d = isObject(destination) ? destination : {};
        const present = (k: string) => d[k] !== undefined && d[k] !== null;
        const listed = stringList(d.nets);
        const notListed = stringList(d.notNets);
        if (listed === undefined || notListed === undefined)
            return void out.unknown.push(`${at}.destination nets or notNets are not lists of CIDR strings`);
        // An unparseable net is said and left out; an unparseable notNet is left out (the rule judged wider).
        const nets = parseable(listed, `${at}.destination.nets`, out.unknown);
        const notNets = parseable(notListed, `${at}.destination.notNets`, out.unknown);
        if (nets.length === 0 && listed.length > 0) return;
        const selects = [
            "selector",
            "notSelector",
            "namespaceSelector",
            "serviceAccounts",
            "services",
            "domains",
        ];
        if (nets.length === 0 && notNets.length === 0 && !selects.some(present)) {
            return void out.open.push(
                `${at} allows egress with no destination nets, selector or services (ports do not narrow it), so it allows every destination`,
            );
        }
        if (nets.length > 0) {
            // Selectors and services only narrow nets further (they are ANDed): the nets bound the rule.
            for (const cidr of nets) out.ipBlocks.push({ cidr, except: notNets });
            return;
        }
        if (present("services")) {
            const problem = this.servicesProblem(d.services, namespace);
            if (problem !== undefined) out.unknown.push(`${at}.destination.services ${problem}`);
            return;
        }
        if (present("domains")) {
            const domains = stringList(d.domains);
            if (domains === undefined)
                return void out.unknown.push(`${at}.destination.domains is not a list of domain names`);
            const all = domains.filter((x) => /^[*.]+$/.test(x.trim()));
            if (all.length > 0)
                out.open.push(`${at}.destination.domains ${JSON.stringify(all)} matches every domain name`);
            // Judged as Cilium's toFQDNs: whole public suffixes, address literals, metadata names, public resolvers.
            for (const domain of domains.filter((x) => !all.includes(x))) {
                const problem =
                    (domain.includes("*") ? patternBreadthProblem(domain) : undefined) ??
                    hostDestinationProblem(domain);
                const resolver = publicResolverOfName(domain);
                if (problem !== undefined) out.open.push(`${at}.destination.domains "${domain}": ${problem}`);
                else if (resolver !== undefined)
                    out.open.push(
                        `${at}.destination.domains "${domain}": it is the public DNS resolver ${resolver}, which answers over HTTPS or TLS where no DNS filter sees the lookups`,
                    );
            }
            return;
        }
        if (notNets.length > 0 && !present("selector") && !present("namespaceSelector")) {
            // Everything except a few nets.
            for (const cidr of ["0.0.0.0/0", "::/0"]) out.ipBlocks.push({ cidr, except: notNets });
            return;
        }
        this.endpoints(d, at, namespace, isGlobal, out);
    }

    /** A destination given by selectors: pods, and the network sets and host endpoints they match. */
    private endpoints(
        d: Obj,
        at: string,
        namespace: string | undefined,
        isGlobal: boolean,
        out: CustomEgress,
    ): void {
        const selector = d.selector === undefined || d.selector === null ? "" : d.selector;
        const parsedSelector = parseField(selector, `${at}.destination.selector`);
        const parsedNot =
            d.notSelector === undefined || d.notSelector === null
                ? undefined
                : parseField(d.notSelector, `${at}.destination.notSelector`);
        const parsedNs =
            d.namespaceSelector === undefined || d.namespaceSelector === null
                ? undefined
                : parseField(d.namespaceSelector, `${at}.destination.namespaceSelector`);
        for (const p of [parsedSelector, parsedNot, parsedNs])
            if (typeof p === "string") return void out.unknown.push(p);
        const sel = parsedSelector as CalicoSelector;
        const effective: CalicoSelector =
            parsedNot === undefined
                ? sel
                : { op: "and", left: sel, right: { op: "not", inner: parsedNot as CalicoSelector } };
        const nsSel = parsedNs as CalicoSelector | undefined;
        const global =
            nsSel !== undefined &&
            evaluateCalico(nsSel, () => ({ kind: "value", value: undefined }), true) === true &&
            evaluateCalico(nsSel, () => ({ kind: "value", value: undefined }), false) === false;
        const broad = calicoSelectsNearlyEverything(effective) && !serviceAccountsNarrow(d.serviceAccounts);
        const everyNamespace =
            nsSel === undefined ? isGlobal : !global && calicoSelectsNearlyEverything(nsSel);
        if (global && broad) {
            return void out.open.push(
                `${at}.destination selects every global network set and host endpoint (namespaceSelector global() with a selector that matches nearly everything), which reaches the nodes and any CIDR`,
            );
        }
        if (everyNamespace && broad) {
            return void out.open.push(
                `${at}.destination selects nearly every endpoint of every namespace (selector ${JSON.stringify(selector)}${nsSel === undefined ? "" : `, namespaceSelector ${JSON.stringify(d.namespaceSelector)}`}), which allows egress to other tenants' pods`,
            );
        }
        // Network sets the selector matches add their nets: declared ones are joined here.
        let matched = 0;
        for (const set of this.sets) {
            const inScope =
                set.namespace === undefined
                    ? global || (isGlobal && nsSel === undefined)
                    : this.namespaceInScope(set.namespace, namespace, nsSel, isGlobal);
            if (!inScope) continue;
            const labels = metadataOf(set.node)?.labels;
            const nets = isObject(set.node.props.spec) ? set.node.props.spec.nets : undefined;
            const label = (key: string): LabelValue =>
                containsUnknown(labels)
                    ? { kind: "free" }
                    : {
                          kind: "value",
                          value:
                              isObject(labels) && typeof labels[key] === "string" ? labels[key] : undefined,
                      };
            if (evaluateCalico(effective, label) === false) continue;
            matched++;
            const list = stringList(nets);
            if (isUnknown(set.node.props.spec) || list === undefined) {
                out.unknown.push(
                    `${at}.destination matches network set ${set.node.name}, whose nets are unknown`,
                );
                continue;
            }
            for (const cidr of parseable(
                list,
                `${at}.destination matches network set ${set.node.name}: spec.nets`,
                out.unknown,
            ))
                out.ipBlocks.push({ cidr });
        }
        if (global && matched === 0) {
            out.unknown.push(
                `${at}.destination selects global network sets or host endpoints (namespaceSelector global()) that this stack does not declare, so the addresses it allows cannot be checked`,
            );
        }
    }

    private namespaceInScope(
        setNamespace: string,
        policyNamespace: string | undefined,
        nsSel: CalicoSelector | undefined,
        isGlobal: boolean,
    ): boolean {
        if (nsSel === undefined) return isGlobal || setNamespace === policyNamespace;
        const node = this.agents.declared.get(setNamespace);
        const labels = node ? metadataOf(node)?.labels : undefined;
        const all: Obj = { ...(isObject(labels) ? labels : {}), "kubernetes.io/metadata.name": setNamespace };
        return (
            evaluateCalico(nsSel, (key) =>
                containsUnknown(labels)
                    ? { kind: "free" }
                    : {
                          kind: "value",
                          value:
                              key === "projectcalico.org/name"
                                  ? setNamespace
                                  : typeof all[key] === "string"
                                    ? all[key]
                                    : undefined,
                      },
            ) !== false
        );
    }

    private servicesProblem(services: unknown, namespace: string | undefined): string | undefined {
        if (!isObject(services) || typeof services.name !== "string") return "names no Service by name";
        const ns = typeof services.namespace === "string" ? services.namespace : namespace;
        return serviceBackendsProblem(this.model, services.name, ns);
    }
}

function parseField(text: unknown, at: string): CalicoSelector | string {
    if (typeof text !== "string") return `${at} is not a selector string (${JSON.stringify(text)})`;
    try {
        return parseCalicoSelector(text);
    } catch (e) {
        return `${at} "${text}" cannot be parsed (${(e as Error).message}), so what it selects is unknown`;
    }
}

/** `serviceAccounts` narrows a destination when it names accounts or selects them by a label they must carry. */
function serviceAccountsNarrow(value: unknown): boolean {
    if (!isObject(value)) return false;
    if (Array.isArray(value.names) && value.names.length > 0) return true;
    if (typeof value.selector !== "string") return false;
    try {
        return !calicoSelectsNearlyEverything(parseCalicoSelector(value.selector));
    } catch {
        return false;
    }
}

/** The CIDRs that parse; each one that does not is said (`<at>[i] is not a valid CIDR: ...`). */
function parseable(cidrs: readonly string[], at: string, unknown: string[]): string[] {
    const parsed: string[] = [];
    cidrs.forEach((cidr, i) => {
        const host = hostCidrOf(cidr);
        const problem = cidrProblemOf(host, `${at}[${i}]`);
        if (problem !== undefined) unknown.push(problem);
        else parsed.push(host);
    });
    return parsed;
}

function stringList(value: unknown): string[] | undefined {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) return undefined;
    return value as string[];
}

/**
 * Whether a Pass in this tier can end in an allow. Kubernetes NetworkPolicies (the default deny included) sit in
 * Calico's `default` tier: a Pass there skips them and reaches the end of the tiers, where the namespace
 * profile allows. A Pass in an earlier tier hands the packet to the later tiers, whose allows are judged here.
 */
function passEndsInProfiles(tier: unknown): boolean | string {
    if (isUnknown(tier))
        return "spec.tier is unknown during preview, so whether its Pass rules allow is unknown";
    return tier === undefined || tier === null || tier === "" || tier === "default";
}
