/**
 * Host names an agent's host allowlist must never hold, whatever their breadth: names that resolve to cloud
 * metadata endpoints or to the machine itself, cluster-internal names, and wildcard-DNS services whose names
 * spell the address they resolve to. Each entry says why and where the behaviour is documented. Addresses in
 * any spelling are core/host-literals.ts's concern; breadth (public suffixes) is core/fqdn.ts's.
 *
 * Not listed, because no documented name exists: Azure's IMDS and wireserver (169.254.169.254, 168.63.129.16),
 * Alibaba Cloud's 100.100.100.200, Oracle Cloud's and OpenStack's 169.254.169.254. They are reached by address
 * only, which the address checks refuse.
 */

export interface ReservedHost {
    /**
     * The name, lower case; a label `<any>` stands for every label there (a region, a Service's name).
     * `suffix`: the name and every name below it.
     */
    readonly name: string;
    readonly suffix: boolean;
    readonly reason: string;
}

export const RESERVED_HOSTS: readonly ReservedHost[] = [
    {
        // Google Compute Engine, "About VM metadata": the metadata server at 169.254.169.254 is also
        // metadata.google.internal; GKE nodes and Cloud Run use the same name.
        name: "metadata.google.internal",
        suffix: false,
        reason: "Google Cloud's metadata server (169.254.169.254), which hands out the node's credentials",
    },
    {
        // GCE's resolv.conf searches google.internal, so the bare label reaches the same server.
        name: "metadata",
        suffix: false,
        reason: "through the resolver's search domains it is metadata.google.internal on Google Cloud",
    },
    {
        // Amazon EC2 User Guide, "Instance metadata service": instance-data resolves to 169.254.169.254 in
        // the VPC's Amazon-provided DNS, as instance-data.ec2.internal (us-east-1) and
        // instance-data.<region>.compute.internal elsewhere.
        name: "instance-data",
        suffix: false,
        reason: "the EC2 instance metadata service (169.254.169.254) through the VPC resolver's search domains",
    },
    {
        name: "instance-data.ec2.internal",
        suffix: false,
        reason: "the EC2 instance metadata service (169.254.169.254), which hands out the node's role credentials",
    },
    {
        name: "instance-data.<any>.compute.internal",
        suffix: false,
        reason: "the EC2 instance metadata service (169.254.169.254), which hands out the node's role credentials",
    },
    {
        // RFC 6761 section 6.3: localhost and every name below it resolve to loopback.
        name: "localhost",
        suffix: true,
        reason: "it resolves to loopback (RFC 6761), the proxy's or node's own services",
    },
    {
        // Kubernetes DNS for Services and Pods: <service>.<namespace>.svc[.<cluster domain>].
        name: "<any>.<any>.svc",
        suffix: false,
        reason: "it is a cluster Service (kubernetes.default.svc is the API server); reach Services by NetworkPolicy, not by host name",
    },
    {
        name: "cluster.local",
        suffix: true,
        reason: "it is a cluster-internal name (kubernetes.default.svc.cluster.local is the API server); reach Services by NetworkPolicy, not by host name",
    },
    // Wildcard DNS services: <address>.nip.io resolves to <address> (169.254.169.254.nip.io, a9fea9fe.nip.io),
    // so even an exact name there is an address literal in disguise. None of these is in the Public Suffix List.
    ...["nip.io", "sslip.io", "xip.io", "traefik.me", "localtest.me", "lvh.me"].map((name) => ({
        name,
        suffix: true,
        reason: "it is a wildcard-DNS service whose names resolve to the address written in them (169.254.169.254.nip.io is the metadata endpoint)",
    })),
];

const ANY = "<any>";

/** The reserved entry `name` (lower case, no trailing dot) is, or lies under, if any. */
export function reservedHostOf(name: string): ReservedHost | undefined {
    const labels = name.toLowerCase().replace(/\.+$/, "").split(".");
    return RESERVED_HOSTS.find((entry) => {
        const fixed = entry.name.split(".");
        if (labels.length < fixed.length || (!entry.suffix && labels.length !== fixed.length)) return false;
        const tail = labels.slice(labels.length - fixed.length);
        return fixed.every((f, i) => f === ANY || f === tail[i]);
    });
}

/** Cilium's reading of one pattern label: `*` is any run of label characters. */
function labelGlob(label: string): RegExp {
    const escaped = label.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[-a-z0-9_]*");
    return new RegExp(`^${escaped}$`);
}

/**
 * The reserved entry a host pattern (Cilium syntax: `*` within a label, a leading `**.` for any depth) can
 * match, if any. Label by label: a reserved `<any>` label meets every pattern label, and a suffix entry meets a
 * pattern that ends in (or covers) it.
 */
export function reservedHostMatchedBy(rawPattern: string): ReservedHost | undefined {
    const pattern = rawPattern.toLowerCase().replace(/\.+$/, "");
    if (!pattern.includes("*")) return reservedHostOf(pattern);
    const deep = pattern.startsWith("**.");
    const labels = (deep ? pattern.slice(3) : pattern).split(".");
    const meets = (p: string, r: string) => r === ANY || labelGlob(p).test(r) || (p === "*" && r !== "");
    return RESERVED_HOSTS.find((entry) => {
        const fixed = entry.name.split(".");
        // Align the pattern's labels with the entry's right ends; extra pattern labels are names below it.
        const n = Math.min(labels.length, fixed.length);
        const tailOk = labels.slice(labels.length - n).every((p, i) => meets(p, fixed[fixed.length - n + i]));
        if (!tailOk) return false;
        if (labels.length === fixed.length) return true;
        if (labels.length > fixed.length) return entry.suffix;
        // Fewer pattern labels than the entry's: only `**.` reaches the entry's remaining labels.
        return deep;
    });
}
