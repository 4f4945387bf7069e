/**
 * The address ranges the egress analysis treats specially, each with why. "Public" means any address not
 * listed here: unlisted or future-reserved space counts as public, so an unusual range can only make the
 * analysis stricter, never looser.
 */
export interface NamedRange {
    readonly cidr: string;
    readonly why: string;
}

/** IPv4 ranges that are not reachable on the public internet (IANA special-purpose registry). */
export const NON_PUBLIC_IPV4: readonly NamedRange[] = [
    { cidr: "0.0.0.0/8", why: "this network (RFC 791), never a destination" },
    { cidr: "10.0.0.0/8", why: "private (RFC 1918)" },
    { cidr: "100.64.0.0/10", why: "carrier-grade NAT shared space (RFC 6598)" },
    { cidr: "127.0.0.0/8", why: "loopback (RFC 1122)" },
    { cidr: "169.254.0.0/16", why: "link-local (RFC 3927); reported separately as linkLocal" },
    { cidr: "172.16.0.0/12", why: "private (RFC 1918)" },
    { cidr: "192.0.0.0/24", why: "IETF protocol assignments (RFC 6890)" },
    { cidr: "192.0.2.0/24", why: "documentation TEST-NET-1 (RFC 5737)" },
    { cidr: "192.168.0.0/16", why: "private (RFC 1918)" },
    { cidr: "198.18.0.0/15", why: "benchmarking (RFC 2544)" },
    { cidr: "198.51.100.0/24", why: "documentation TEST-NET-2 (RFC 5737)" },
    { cidr: "203.0.113.0/24", why: "documentation TEST-NET-3 (RFC 5737)" },
    { cidr: "224.0.0.0/4", why: "multicast (RFC 5771)" },
    { cidr: "240.0.0.0/4", why: "reserved, including broadcast 255.255.255.255 (RFC 1112, RFC 919)" },
];

/**
 * IPv6 ranges that are not reachable on the public internet. Deliberately short: Teredo, 6to4 and the
 * local-use NAT64 prefix 64:ff9b:1::/48 reach real hosts, so they stay public.
 */
export const NON_PUBLIC_IPV6: readonly NamedRange[] = [
    { cidr: "::/128", why: "unspecified (RFC 4291)" },
    { cidr: "::1/128", why: "loopback (RFC 4291)" },
    { cidr: "100::/64", why: "discard-only (RFC 6666)" },
    { cidr: "2001:db8::/32", why: "documentation (RFC 3849)" },
    { cidr: "3fff::/20", why: "documentation (RFC 9637)" },
    { cidr: "fc00::/7", why: "unique local (RFC 4193)" },
    { cidr: "fe80::/10", why: "link-local (RFC 4291); reported separately as linkLocal" },
    { cidr: "fec0::/10", why: "deprecated site-local (RFC 3879)" },
    { cidr: "ff00::/8", why: "multicast (RFC 4291)" },
];

/**
 * IPv6 prefixes whose low 32 bits are an IPv4 address that the packet actually reaches (an IPv4-mapped
 * socket address, or a NAT64 gateway translating the well-known prefix). Egress to them is egress to
 * IPv4, so they are counted, budgeted and checked for metadata endpoints as IPv4.
 */
export const IPV4_EMBEDDINGS: readonly NamedRange[] = [
    { cidr: "::ffff:0:0/96", why: "IPv4-mapped IPv6 (RFC 4291)" },
    { cidr: "64:ff9b::/96", why: "NAT64 well-known prefix (RFC 6052)" },
];

export const LINK_LOCAL: readonly string[] = ["169.254.0.0/16", "fe80::/10"];

/**
 * Endpoints that hand out cloud credentials or instance identity. Reaching one from an agent pod turns
 * the node's (or task's) identity into the agent's. 169.254.169.253 (the AWS VPC DNS resolver) is not
 * listed: it hands out no credentials, and it is link-local, so `linkLocal` reports it anyway.
 */
export const METADATA_ENDPOINTS: readonly NamedRange[] = [
    { cidr: "169.254.169.254/32", why: "instance metadata on AWS, GCP, Azure, OCI and OpenStack" },
    { cidr: "fd00:ec2::254/128", why: "AWS instance metadata over IPv6" },
    { cidr: "169.254.170.2/32", why: "AWS ECS task metadata and credentials" },
    { cidr: "169.254.170.23/32", why: "AWS EKS Pod Identity agent credentials" },
    { cidr: "fd00:ec2::23/128", why: "AWS EKS Pod Identity agent credentials over IPv6" },
    { cidr: "fd20:ce::254/128", why: "GCP instance metadata over IPv6" },
    { cidr: "100.100.100.200/32", why: "Alibaba Cloud instance metadata" },
    { cidr: "168.63.129.16/32", why: "Azure WireServer (a public address serving host configuration)" },
];
