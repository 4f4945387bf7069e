/**
 * AgentRuntime's egress allowlist, judged with the policy pack's own CIDR analysis so the component never
 * creates what the pack would reject.
 *
 * Metadata endpoints and link-local ranges: an entry overlapping 169.254.0.0/16 or fe80::/10 (in any
 * notation, IPv4-mapped and NAT64 included) is rejected, since no agent needs node-local services and an
 * except list there is easy to get wrong. Metadata endpoints outside link-local space (Alibaba's
 * 100.100.100.200, Azure's 168.63.129.16, AWS's fd00:ec2::254, ...) are carved out of wider entries with
 * `except` entries; an entry that is nothing but such an endpoint is rejected.
 */
import type * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import * as ipaddr from "ipaddr.js";
import { analyzeIpBlocks, parseCidr, type ParsedCidr } from "../../core/cidr";
import { publicResolversInRange } from "../../core/dns-resolvers";
import { IPV4_EMBEDDINGS, METADATA_ENDPOINTS } from "../../core/ip-ranges";
import { checkInteger, fail, isPlainObject } from "../args";

export type EgressProtocol = "TCP" | "UDP" | "SCTP";

export interface EgressPort {
    /** First (or only) destination port, 1-65535. */
    readonly port: number;
    /** Last port of a range, from `port` to 65535. @default only `port` */
    readonly endPort?: number;
    /** @default "TCP" */
    readonly protocol?: EgressProtocol;
}

export interface EgressRule {
    /** Destination, in CIDR notation (`203.0.113.10/32`, `2001:db8::/64`); validated when it resolves. */
    readonly cidr: pulumi.Input<string>;
    /** Sub-ranges of `cidr` to leave out, each strictly inside it. @default [] */
    readonly except?: readonly string[];
    /** Ports the agent may reach there: at least one. An entry without ports would open every port. */
    readonly ports: readonly EgressPort[];
    /** Why the agent needs this destination; recorded on the NetworkPolicy for reviewers. */
    readonly description: string;
}

/** One allowlist entry after validation, with the metadata carve-outs added. */
export interface PlannedEgressRule {
    readonly cidr: string;
    readonly except: readonly string[];
    readonly ports: readonly { protocol: EgressProtocol; port: number; endPort?: number }[];
    readonly description: string;
}

export const DEFAULT_MAX_PUBLIC_EGRESS_ADDRESSES = 65_536;
const PROTOCOLS: readonly string[] = ["TCP", "UDP", "SCTP"];
const MAX_DESCRIPTION_LENGTH = 200;

/**
 * How DNS leaves the namespace, by egressEnforcement: "open" (networkPolicy: kube-dns resolves every name),
 * "filtered" (cilium: kube-dns through Cilium's name filter), "none" (proxy: no DNS; the proxy resolves).
 */
export type DnsMode = "open" | "filtered" | "none";

/** Why an allow of port 53 beyond the namespace undoes the mode's DNS confinement. */
function port53Problem(dns: DnsMode): string {
    return dns === "filtered"
        ? 'with egressEnforcement "cilium" lookups go to kube-dns through Cilium\'s name filter, and an allow of port 53 beside it adds up with it, so every lookup passes unfiltered (DNS tunnelling); list the names in egressHosts instead'
        : 'with egressEnforcement "proxy" the agent has no DNS (the proxy resolves names), and port 53 to another server is an unfiltered resolver (DNS tunnelling); list the names in egressHosts instead';
}

/** Index of the first port entry covering 53 (any protocol: UDP, TCP, and DNS over SCTP is not excluded). */
export function portCovering53(ports: readonly { port: number; endPort?: number }[]): number {
    return ports.findIndex((p) => p.port <= 53 && 53 <= (p.endPort ?? p.port));
}

/** Checks everything about the egress list except the CIDRs, which may still be unresolved. */
export function checkEgressShape(
    component: string,
    egress: unknown,
    dns: DnsMode = "open",
): readonly EgressRule[] {
    if (egress === undefined) return [];
    if (!Array.isArray(egress))
        fail(component, "egress", egress, "expected an array of { cidr, ports, description }");
    egress.forEach((rule: unknown, i) => {
        const at = `egress[${i}]`;
        if (!isPlainObject(rule)) fail(component, at, rule, "expected { cidr, ports, description }");
        if (rule.cidr === undefined || rule.cidr === null)
            fail(component, `${at}.cidr`, rule.cidr, "expected a CIDR");
        checkDescription(component, `${at}.description`, rule.description);
        if (
            rule.except !== undefined &&
            (!Array.isArray(rule.except) || !rule.except.every((e) => typeof e === "string"))
        ) {
            fail(component, `${at}.except`, rule.except, "expected an array of CIDR strings");
        }
        checkPorts(component, `${at}.ports`, rule.ports);
        const ports = rule.ports as readonly EgressPort[];
        const dnsPort = portCovering53(ports);
        if (dns !== "open" && dnsPort !== -1)
            fail(component, `${at}.ports[${dnsPort}]`, ports[dnsPort], port53Problem(dns));
    });
    return egress as readonly EgressRule[];
}

/** An egress entry's description: the reason a reviewer reads, so never empty and never an essay. */
export function checkDescription(component: string, at: string, description: unknown): void {
    if (
        typeof description !== "string" ||
        description.trim() === "" ||
        description.length > MAX_DESCRIPTION_LENGTH
    ) {
        fail(
            component,
            at,
            description,
            `expected a non-empty reason of at most ${MAX_DESCRIPTION_LENGTH} characters`,
        );
    }
}

export function checkPorts(component: string, at: string, ports: unknown): void {
    if (!Array.isArray(ports) || ports.length === 0) {
        fail(
            component,
            at,
            ports,
            "expected at least one { port, endPort?, protocol? }; an entry without ports opens every port",
        );
    }
    ports.forEach((port: unknown, j) => {
        if (!isPlainObject(port))
            fail(component, `${at}[${j}]`, port, "expected { port, endPort?, protocol? }");
        const first = checkInteger(component, `${at}[${j}].port`, port.port, 1, 65535);
        if (port.endPort !== undefined)
            checkInteger(component, `${at}[${j}].endPort`, port.endPort, first, 65535);
        if (port.protocol !== undefined && !PROTOCOLS.includes(port.protocol as string)) {
            fail(
                component,
                `${at}[${j}].protocol`,
                port.protocol,
                "expected TCP, UDP or SCTP (upper case, as Kubernetes requires)",
            );
        }
    });
}

function parse(component: string, arg: string, cidr: string): ParsedCidr {
    try {
        return parseCidr(cidr);
    } catch (error) {
        return fail(component, arg, cidr, (error as Error).message.replace(/^Invalid CIDR "[^"]*": /, ""));
    }
}

/** Every address a block of `family` can name each metadata endpoint by (IPv4 ones also via embeddings). */
function metadataAddresses(family: 4 | 6): bigint[] {
    return METADATA_ENDPOINTS.flatMap(({ cidr }) => {
        const endpoint = parseCidr(cidr);
        if (endpoint.family === family) return [endpoint.first];
        if (family === 4) return [];
        return IPV4_EMBEDDINGS.map((embedding) => parseCidr(embedding.cidr).first + endpoint.first);
    });
}

function hostCidr(family: 4 | 6, address: bigint): string {
    if (family === 4) return `${[24n, 16n, 8n, 0n].map((shift) => (address >> shift) & 0xffn).join(".")}/32`;
    const parts = [112n, 96n, 80n, 64n, 48n, 32n, 16n, 0n].map((shift) =>
        Number((address >> shift) & 0xffffn),
    );
    return `${new ipaddr.IPv6(parts).toRFC5952String()}/128`;
}

const inside = (inner: ParsedCidr, outer: ParsedCidr) =>
    inner.family === outer.family && inner.first >= outer.first && inner.last <= outer.last;

interface RequestedRule {
    readonly rule: EgressRule;
    readonly cidr: string;
    readonly at: string;
    readonly block: ParsedCidr;
    readonly excepts: readonly ParsedCidr[];
}

function parseRule(component: string, rule: EgressRule, cidr: string, i: number): RequestedRule {
    const at = `egress[${i}]`;
    const block = parse(component, `${at}.cidr`, cidr);
    const excepts = (rule.except ?? []).map((e, j) => {
        const parsed = parse(component, `${at}.except[${j}]`, e);
        if (!inside(parsed, block) || (parsed.first === block.first && parsed.last === block.last)) {
            fail(
                component,
                `${at}.except[${j}]`,
                e,
                `an except must lie strictly inside its cidr ${cidr}, as Kubernetes requires`,
            );
        }
        return parsed;
    });
    const own = analyzeIpBlocks([{ cidr, except: rule.except }]);
    if (own.coversAllIpv4 || own.coversAllIpv6) {
        fail(component, `${at}.cidr`, cidr, `it opens egress to ${everyAddress(own)}; ${NARROW}`);
    }
    return { rule, cidr, at, block, excepts };
}

const NARROW = "list only the destinations the agent needs";
function everyAddress(analysis: { coversAllIpv4: boolean; coversAllIpv6: boolean }): string {
    if (analysis.coversAllIpv6) {
        return `every public IPv6 address${analysis.coversAllIpv4 ? " and, through IPv4-mapped addresses, every IPv4 one" : ""} (as ::/0 does)`;
    }
    return "every public IPv4 address (as 0.0.0.0/0 does)";
}

/** Rejects link-local overlaps and carves metadata endpoints out of the entry. */
function planRule(component: string, requested: RequestedRule): PlannedEgressRule {
    const { rule, cidr, at, block, excepts } = requested;
    const except = [...(rule.except ?? [])];
    if (analyzeIpBlocks([{ cidr, except }]).linkLocal.length > 0) {
        fail(
            component,
            `${at}.cidr`,
            cidr,
            "it overlaps link-local space (169.254.0.0/16, fe80::/10), home of cloud metadata and node-local services; list narrower destinations",
        );
    }
    for (const address of metadataAddresses(block.family)) {
        if (address < block.first || address > block.last) continue;
        if (excepts.some((e) => e.first <= address && address <= e.last)) continue;
        if (block.first === block.last) {
            fail(
                component,
                `${at}.cidr`,
                cidr,
                "it is a cloud metadata endpoint, which hands out node credentials",
            );
        }
        except.push(hostCidr(block.family, address));
    }
    const ports = rule.ports.map((p) => ({
        protocol: p.protocol ?? "TCP",
        port: p.port,
        ...(p.endPort === undefined ? {} : { endPort: p.endPort }),
    }));
    return { cidr, except, ports, description: rule.description };
}

/**
 * Validates resolved allowlist entries and adds metadata carve-outs. Rejects any set whose union reaches
 * every public IPv4 or IPv6 address (0.0.0.0/0, ::/0, or split halves) or more public addresses than the
 * budget, counted exactly as the policy pack counts them. An undefined CIDR is one not resolved yet: the
 * others are judged alone, which is sound because every check only gets stricter as entries are added.
 */
export function planEgress(
    component: string,
    rules: readonly EgressRule[],
    cidrs: readonly (string | undefined)[],
    budget: number,
    dns: DnsMode = "open",
): PlannedEgressRule[] {
    const requested = rules.flatMap((rule, i) => {
        const cidr = cidrs[i];
        return cidr === undefined ? [] : [parseRule(component, rule, cidr, i)];
    });
    if (dns !== "open") {
        for (const r of requested) {
            const resolvers = publicResolversInRange(r.cidr, r.rule.except ?? []);
            if (resolvers.length > 0)
                fail(
                    component,
                    `${r.at}.cidr`,
                    r.cidr,
                    `it reaches the public DNS resolvers ${resolvers.join(", ")}, which answer over HTTPS and TLS (DoH, DoT) where no DNS filter sees the lookups, so the agent could resolve any name and tunnel data out; leave them out with except entries or list narrower destinations`,
                );
        }
    }
    const listed = requested.map((r) => r.cidr);
    const together = analyzeIpBlocks(requested.map((r) => ({ cidr: r.cidr, except: r.rule.except })));
    if (together.coversAllIpv4 || together.coversAllIpv6) {
        fail(
            component,
            "egress[*].cidr",
            listed,
            `together they open egress to ${everyAddress(together)}; ${NARROW}`,
        );
    }
    const planned = requested.map((r) => planRule(component, r));
    const union = analyzeIpBlocks(planned.map((r) => ({ cidr: r.cidr, except: r.except })));
    if (union.metadataEndpoints.length > 0 || union.linkLocal.length > 0) {
        // Unreachable by construction; kept so a gap in the checks above fails closed.
        fail(
            component,
            "egress[*].cidr",
            listed,
            `they still reach ${[...union.metadataEndpoints, ...union.linkLocal].join(", ")}`,
        );
    }
    const reachable = union.publicIpv4Addresses + union.publicIpv6Addresses;
    if (reachable > BigInt(budget)) {
        fail(
            component,
            "egress[*].cidr",
            listed,
            `together they reach ${reachable} public addresses, more than maxPublicEgressAddresses (${budget}); narrow them or raise the budget`,
        );
    }
    return planned;
}

export function requireBudget(component: string, value: unknown): number {
    return checkInteger(
        component,
        "maxPublicEgressAddresses",
        value ?? DEFAULT_MAX_PUBLIC_EGRESS_ADDRESSES,
        0,
        Number.MAX_SAFE_INTEGER,
    );
}

/** The allowlist NetworkPolicy's spec; while suspended it allows nothing. */
export function egressAllowlistSpec(
    planned: readonly PlannedEgressRule[],
    suspended: boolean,
    proxy?: { namespace: string; podLabels: Readonly<Record<string, string>>; port: number },
): k8s.types.input.networking.v1.NetworkPolicySpec {
    // The forward proxy (egressEnforcement "proxy"): namespace and pods in one peer, so both must match.
    const toProxy =
        proxy === undefined
            ? []
            : [
                  {
                      to: [
                          {
                              namespaceSelector: {
                                  matchLabels: { "kubernetes.io/metadata.name": proxy.namespace },
                              },
                              podSelector: { matchLabels: { ...proxy.podLabels } },
                          },
                      ],
                      ports: [{ protocol: "TCP", port: proxy.port }],
                  },
              ];
    return {
        podSelector: {},
        policyTypes: ["Egress"],
        egress: suspended
            ? []
            : [
                  ...toProxy,
                  ...planned.map((r) => ({
                      to: [
                          {
                              ipBlock:
                                  r.except.length === 0
                                      ? { cidr: r.cidr }
                                      : { cidr: r.cidr, except: [...r.except] },
                          },
                      ],
                      ports: r.ports.map((p) => ({ ...p })),
                  })),
              ],
    };
}

/** A reviewer-readable record of why each destination is allowed, for an annotation. */
export function egressAllowlistAnnotation(planned: readonly PlannedEgressRule[]): string {
    return JSON.stringify(
        planned.map((r) => ({
            cidr: r.cidr,
            ports: r.ports.map(
                (p) => `${p.protocol}/${p.port}${p.endPort === undefined ? "" : `-${p.endPort}`}`,
            ),
            description: r.description,
        })),
    );
}
