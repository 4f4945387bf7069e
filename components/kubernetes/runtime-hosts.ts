/**
 * AgentRuntime's egress by host name, and how it is enforced. NetworkPolicy cannot name hosts, so host
 * entries need either Cilium (`toFQDNs` plus a DNS rule that lets the agent resolve only those names, which
 * also closes DNS tunnelling) or an allowlisting forward proxy that the agent namespace alone may reach.
 */
import { publicResolverOfName } from "../../core/dns-resolvers";
import { hostDestinationProblem, hostSyntaxProblem, patternBreadthProblem } from "../../core/fqdn";
import { addressLiteralProblem } from "../../core/host-literals";
import { LINK_LOCAL, METADATA_ENDPOINTS } from "../../core/ip-ranges";
import {
    checkDescription,
    checkPorts,
    portCovering53,
    type DnsMode,
    type EgressPort,
} from "./runtime-egress";
import { checkInteger, fail, isDnsLabel, isLabelValue, isPlainObject } from "../args";
import { isQualifiedKey } from "./runtime-checks";

export type EgressEnforcement = "networkPolicy" | "cilium" | "proxy";

export interface EgressHostRule {
    /**
     * An exact host name (`api.github.com`) or a single-level pattern (`*.example.com`): lowercase ASCII,
     * IDNs in punycode (`xn--...`), no trailing dot. Patterns under a public suffix (`*.com`, `*.co.uk`) or a
     * shared cloud domain (`*.amazonaws.com`, `*.githubusercontent.com`, ...) and `**.` are rejected.
     */
    readonly host: string;
    /** Ports the agent may reach there: at least one. */
    readonly ports: readonly EgressPort[];
    /** Why the agent needs this host; recorded for reviewers. */
    readonly description: string;
}

/** An allowlisting forward proxy the platform runs (e.g. Squid) that agent pods reach through HTTPS_PROXY. */
export interface EgressProxy {
    /** Namespace of the proxy pods (not an agent namespace). */
    readonly namespace: string;
    /** Labels selecting the proxy pods. */
    readonly podLabels: Readonly<Record<string, string>>;
    /** The proxy's TCP port. */
    readonly port: number;
}

const MODES: readonly string[] = ["networkPolicy", "cilium", "proxy"];

/** How the agent's DNS leaves the namespace in each egress mode (see runtime-egress.ts). */
export function dnsModeOf(mode: EgressEnforcement): DnsMode {
    return mode === "cilium" ? "filtered" : mode === "proxy" ? "none" : "open";
}

export function checkEnforcement(component: string, value: unknown): EgressEnforcement {
    const mode = value ?? "networkPolicy";
    if (typeof mode !== "string" || !MODES.includes(mode))
        fail(
            component,
            "egressEnforcement",
            mode,
            `expected one of ${MODES.map((m) => `"${m}"`).join(", ")}`,
        );
    return mode as EgressEnforcement;
}

export function checkHosts(
    component: string,
    value: unknown,
    mode: EgressEnforcement,
): readonly EgressHostRule[] {
    if (value === undefined) return [];
    if (!Array.isArray(value))
        fail(component, "egressHosts", value, "expected an array of { host, ports, description }");
    if (value.length > 0 && mode === "networkPolicy") {
        fail(
            component,
            "egressHosts",
            value.map((r: unknown) => (isPlainObject(r) ? r.host : r)),
            'a NetworkPolicy cannot name hosts, so nothing would enforce them; set egressEnforcement to "cilium" (Cilium CNI) or "proxy" (an allowlisting forward proxy)',
        );
    }
    const seen = new Set<string>();
    value.forEach((rule: unknown, i) => {
        const at = `egressHosts[${i}]`;
        if (!isPlainObject(rule)) fail(component, at, rule, "expected { host, ports, description }");
        const host = rule.host;
        if (typeof host !== "string") fail(component, `${at}.host`, host, "expected a host name string");
        // Address literals first: "169.254.169.254" is valid name syntax, but no name.
        const problem =
            addressLiteralProblem(host) ??
            hostSyntaxProblem(host) ??
            patternBreadthProblem(host) ??
            hostDestinationProblem(host);
        if (problem !== undefined)
            fail(
                component,
                `${at}.host`,
                host,
                `${problem}. Allowed: an exact name such as "api.github.com", or "*.<domain you trust>" one label deep`,
            );
        const resolver = publicResolverOfName(host);
        if (resolver !== undefined)
            fail(
                component,
                `${at}.host`,
                host,
                `it ${host.includes("*") ? "can match" : "is"} the public DNS resolver ${resolver}, which answers over HTTPS and TLS (DoH, DoT) where no DNS filter sees the lookups, so the agent could resolve any name and tunnel data out. Allowed: the names of the services the agent needs`,
            );
        if (seen.has(host))
            fail(component, `${at}.host`, host, "it is listed twice; merge the ports into one entry");
        seen.add(host);
        checkDescription(component, `${at}.description`, rule.description);
        checkPorts(component, `${at}.ports`, rule.ports);
        const ports = rule.ports as readonly EgressPort[];
        const dnsPort = portCovering53(ports);
        if (dnsPort !== -1)
            fail(
                component,
                `${at}.ports[${dnsPort}]`,
                ports[dnsPort],
                mode === "cilium"
                    ? "port 53 to a named host is DNS that bypasses Cilium's name filter (the allow adds up with the filtered one), so the agent could resolve any name and tunnel data out; the runtime already allows DNS for the listed names"
                    : "port 53 through the proxy reaches a DNS server, which resolves any name for the agent (DNS tunnelling); the proxy resolves the listed names itself",
            );
        // The published CiliumNetworkPolicy CRD's port entries have no endPort: the API server would reject
        // the policy or prune the range to its first port, so a range is refused rather than changed.
        const ranged = (rule.ports as readonly Record<string, unknown>[]).findIndex(
            (p) => p.endPort !== undefined,
        );
        if (mode === "cilium" && ranged !== -1)
            fail(
                component,
                `${at}.ports[${ranged}].endPort`,
                (rule.ports as readonly Record<string, unknown>[])[ranged].endPort,
                "Cilium host rules take single ports; list each port the agent needs",
            );
    });
    return value as readonly EgressHostRule[];
}

export function checkProxy(
    component: string,
    value: unknown,
    mode: EgressEnforcement,
): EgressProxy | undefined {
    if (mode !== "proxy") {
        if (value !== undefined)
            fail(
                component,
                "egressProxy",
                value,
                'it is only used with egressEnforcement "proxy"; remove it',
            );
        return undefined;
    }
    if (!isPlainObject(value))
        fail(
            component,
            "egressProxy",
            value,
            'egressEnforcement "proxy" needs { namespace, podLabels, port } of the forward proxy',
        );
    const ns = value.namespace;
    if (!isDnsLabel(ns) || ns.startsWith("agent-"))
        fail(
            component,
            "egressProxy.namespace",
            ns,
            "expected the proxy's own namespace (a DNS label, not an agent- namespace)",
        );
    const labels = value.podLabels;
    if (
        !isPlainObject(labels) ||
        Object.keys(labels).length === 0 ||
        !Object.entries(labels).every(([k, v]) => isQualifiedKey(k) && isLabelValue(v))
    )
        fail(
            component,
            "egressProxy.podLabels",
            labels,
            "expected at least one label key/value selecting only the proxy pods",
        );
    const port = checkInteger(component, "egressProxy.port", value.port, 1, 65535);
    return { namespace: ns, podLabels: { ...(labels as Record<string, string>) }, port };
}

type Selector = { matchName: string } | { matchPattern: string };
const selectorOf = (host: string): Selector =>
    host.startsWith("*.") ? { matchPattern: host } : { matchName: host };

/** Cilium's port form: a string port, optional endPort, protocol. */
const ciliumPorts = (ports: readonly EgressPort[]) =>
    ports.map((p) => ({
        port: String(p.port),
        ...(p.endPort === undefined ? {} : { endPort: p.endPort }),
        protocol: p.protocol ?? "TCP",
    }));

/**
 * The CiliumNetworkPolicy spec for host entries. DNS to kube-dns is allowed only for the listed names (an empty
 * list: no DNS at all), so the agent can neither reach other hosts by name nor tunnel data through lookups.
 * While suspended it allows nothing.
 */
export function ciliumHostsSpec(
    hosts: readonly EgressHostRule[],
    suspended: boolean,
): Record<string, unknown> {
    if (suspended || hosts.length === 0) return { endpointSelector: {}, egress: [] };
    const dns = {
        toEndpoints: [
            { matchLabels: { "k8s:io.kubernetes.pod.namespace": "kube-system", "k8s:k8s-app": "kube-dns" } },
        ],
        toPorts: [
            {
                ports: [
                    { port: "53", protocol: "UDP" },
                    { port: "53", protocol: "TCP" },
                ],
                rules: { dns: hosts.map((h) => selectorOf(h.host)) },
            },
        ],
    };
    return {
        endpointSelector: {},
        egress: [
            dns,
            ...hosts.map((h) => ({
                toFQDNs: [selectorOf(h.host)],
                toPorts: [{ ports: ciliumPorts(h.ports) }],
            })),
        ],
        // toFQDNs allows whatever address a name resolves to, and whoever runs a name's DNS chooses it: a deny
        // (which wins over every allow in Cilium) keeps names pointed at metadata or link-local addresses out.
        egressDeny: [{ toCIDRSet: NEVER_BY_NAME.map((cidr) => ({ cidr })) }],
    };
}

/** Addresses no host name may lead to: link-local space and every metadata endpoint (core/ip-ranges.ts). */
export const NEVER_BY_NAME: readonly string[] = [
    ...new Set([...LINK_LOCAL, ...METADATA_ENDPOINTS.map((m) => m.cidr)]),
];

/**
 * Squid configuration lines for the proxy's allowlist: exact names as `dstdomain`, `*.x` patterns as an
 * anchored one-label `dstdom_regex`, each with its ports. `-n` stops Squid from matching a request to a bare IP
 * address by its reverse-DNS name, which the address's owner chooses. Every allow line also requires a
 * `localport` acl for `listenPort`, the agent's own listening port on the proxy (the NetworkPolicy lets the
 * agent reach only that port): on a proxy several agents share, each agent then gets its own names, not the
 * union. The platform adds `http_port <listenPort>` and puts these lines in its proxy's ConfigMap.
 */
export function squidAllowlist(
    agentId: string,
    hosts: readonly EgressHostRule[],
    listenPort: number,
): string {
    const agent = `agent_${agentId.replace(/-/g, "_")}`;
    const lines = hosts.flatMap((h, i) => {
        const acl = `${agent}_${i}`;
        const dst = h.host.startsWith("*.")
            ? `dstdom_regex -n ^[^.]+\\.${h.host.slice(2).replace(/\./g, "\\.")}$`
            : `dstdomain -n ${h.host}`;
        const ports = h.ports.map((p) => (p.endPort === undefined ? `${p.port}` : `${p.port}-${p.endPort}`));
        return [
            `# ${h.description.replace(/[\r\n]+/g, " ")}`,
            `acl ${acl}_dst ${dst}`,
            `acl ${acl}_port port ${ports.join(" ")}`,
            `http_access allow ${agent}_in ${acl}_dst ${acl}_port`,
        ];
    });
    // Squid resolves the name and checks the address (a dst acl): names pointed at metadata or link-local
    // addresses are denied before any allow line.
    const listen =
        hosts.length === 0
            ? []
            : [
                  `# agent ${agentId}: its own listening port on the proxy`,
                  `acl ${agent}_in localport ${listenPort}`,
                  `acl ${agent}_never dst ${NEVER_BY_NAME.join(" ")}`,
                  `http_access deny ${agent}_in ${agent}_never`,
              ];
    return [...listen, ...lines, "http_access deny all", ""].join("\n");
}

/** A reviewer-readable record of the host entries, for an annotation. */
export function hostsAnnotation(hosts: readonly EgressHostRule[]): string {
    return JSON.stringify(
        hosts.map((h) => ({
            host: h.host,
            ports: h.ports.map(
                (p) => `${p.protocol ?? "TCP"}/${p.port}${p.endPort === undefined ? "" : `-${p.endPort}`}`,
            ),
            description: h.description,
        })),
    );
}
