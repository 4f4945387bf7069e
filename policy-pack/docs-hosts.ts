import { PUBLIC_RESOLVERS } from "../core/dns-resolvers";
import { SHARED_DOMAINS } from "../core/fqdn";
import { RESERVED_HOSTS } from "../core/reserved-hosts";

/** The host-name lists core/ keeps, as the egress rules and AgentRuntime use them. */
export function renderHostNameLists(): string[] {
    const cell = (text: string) => text.replace(/\|/g, "\\|");
    return [
        "",
        "## Host names: what is refused, what is still accepted, how the lists are updated",
        "",
        "One set of checks, shared by `kubernetes-forbid-open-egress` (Cilium `toFQDNs`), `kubernetes-forbid-dns-tunnelling`",
        "(`rules.dns`, public resolvers in `toFQDNs`), `kubernetes-forbid-onward-egress-routes` (Squid allowlists) and",
        "`AgentRuntime` (`egressHosts`), so the component never emits what the rules reject.",
        "",
        "**Address literals.** A host that is an IP address in any spelling is refused: dotted decimal, one number",
        "(`2852039166`), octal (`0251.0376.0251.0376`), hexadecimal (`0xa9fea9fe`), short forms (`127.1`,",
        "`169.254.43518`), IPv6 bare or in brackets, IPv4-mapped (`::ffff:169.254.169.254`), with trailing dots, and",
        "any host whose last label is a number. Squid matches such a value as written and getaddrinfo reads every",
        "spelling as the same address, so it is an address allow in disguise; addresses belong in CIDR egress.",
        "",
        "**Public suffixes.** A wildcard must stay below a public suffix of the Public Suffix List, ICANN and private",
        "sections, as the `tldts` package ships it (pinned in `package.json` and `policy-pack/package.json`). Unknown",
        "top-level domains count as suffixes, and a wildcard whose children are suffixes (`*.compute.amazonaws.com`)",
        "is refused too. To update the list: raise the exact `tldts` version in both `package.json` files and the",
        "lockfile, run `npm run docs` and `npx vitest run test/core/host-names.test.ts`; that test fails when the list",
        "starts to cover a domain of the table below, which is then removed from `core/fqdn.ts`.",
        "",
        "Domains the Public Suffix List does not mark, where a one-label wildcard still reaches other parties:",
        "",
        "| Domain | Why |",
        "| --- | --- |",
        ...Object.entries(SHARED_DOMAINS).map(([domain, why]) => `| ${domain} | ${cell(why)} |`),
        "",
        "**Reserved names.** Never allowed, exactly or through a pattern that can match them (`<any>` is any label):",
        "",
        "| Name | Below it too | Why |",
        "| --- | --- | --- |",
        ...RESERVED_HOSTS.map((h) => `| \`${h.name}\` | ${h.suffix ? "yes" : "no"} | ${cell(h.reason)} |`),
        "",
        "**Public DNS resolvers.** DNS over HTTPS or TLS to a public resolver resolves any name where no DNS filter",
        "sees it. Their names are refused in `egressHosts`, `toFQDNs` and Squid allowlists; their addresses (IPv4-mapped",
        "and NAT64 forms included) in `AgentRuntime` CIDR egress in `cilium` and `proxy` modes, and in the ipBlocks of",
        "any policy applying to an agent namespace whose DNS Cilium filters:",
        "",
        "| Operator | Addresses | Names |",
        "| --- | --- | --- |",
        ...PUBLIC_RESOLVERS.map(
            (r) =>
                `| ${r.operator} | ${r.addresses.join(", ")} | ${[
                    ...r.names.filter((n) => !(r.suffixes ?? []).some((s) => n === s || n.endsWith(`.${s}`))),
                    ...(r.suffixes ?? []).map((s) => `${s} and below`),
                ].join(", ")} |`,
        ),
        "",
        "**Still accepted, and why.** An exact name under a shared or tunnel domain (`myapp.loca.lt`): it is one",
        "party's endpoint, as narrow as a name gets, and the author who chooses it could name a domain of their own",
        "just as well; reviewers read the `description`. A name whose DNS its owner points at an internal address:",
        "the pack cannot see DNS answers. `AgentRuntime` denies link-local and metadata ranges to names itself (a",
        "Cilium `egressDeny`, a Squid `dst` deny), but a hand-written policy or allowlist without those denies is not",
        "reported for it. Resolvers not in the table (private or small DoH services, DoH behind general-purpose",
        "hosts): a list cannot be complete; narrow `egressHosts` are the defence. In `networkPolicy` mode DNS to",
        "kube-dns reaches every name anyway, so resolvers and port 53 are not judged there.",
    ];
}
