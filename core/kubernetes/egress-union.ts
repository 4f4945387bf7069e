import { analyzeIpBlocks, parseableBlocks } from "../cidr";
import type { AgentguardConfig } from "../stack/config";
import type { IpBlock } from "./network-policies";

/**
 * What the union of a set of ipBlocks reaches that pods there must not: every IPv4 or IPv6 address, metadata
 * endpoints, link-local ranges, or more public addresses than the budget (approved `allowedEgressCidrs` do not
 * count against it). Each problem is said as "allow egress to ..." (or "list CIDR ..." for one that cannot
 * be parsed: the other blocks are still judged, so it hides nothing).
 */
export function unionProblems(
    given: readonly IpBlock[],
    config: Pick<AgentguardConfig, "allowedEgressCidrs" | "maxPublicEgressAddresses">,
): string[] {
    const { wide, metadata, budget } = unionProblemsByKind(given, config);
    return [...wide, ...metadata, ...budget];
}

/**
 * unionProblems split by kind: `wide` (unparseable CIDRs, every address), `metadata` (metadata endpoints,
 * link-local ranges) and `budget` (more public addresses than allowed), so that kinds can be reported and
 * exempted on their own.
 */
export function unionProblemsByKind(
    given: readonly IpBlock[],
    config: Pick<AgentguardConfig, "allowedEgressCidrs" | "maxPublicEgressAddresses">,
): { wide: string[]; metadata: string[]; budget: string[] } {
    const { blocks, problems: unparseable } = parseableBlocks(given);
    const problems = unparseable.map((p) => `list CIDR ${p}`);
    const metadata: string[] = [];
    const budget: string[] = [];
    const all = analyzeIpBlocks(blocks);
    if (all.coversAllIpv4) problems.push("allow egress to every IPv4 address (0.0.0.0/0)");
    if (all.coversAllIpv6) problems.push("allow egress to every IPv6 address (::/0)");
    if (all.metadataEndpoints.length > 0) {
        metadata.push(`allow egress to cloud metadata endpoints ${all.metadataEndpoints.join(", ")}`);
    }
    if (all.linkLocal.length > 0)
        metadata.push(`allow egress to link-local ranges ${all.linkLocal.join(", ")}`);
    if (!all.coversAllIpv4 && !all.coversAllIpv6) {
        // Approved destinations do not count against the budget (but never unlock metadata, judged above).
        const budgeted =
            config.allowedEgressCidrs.length === 0
                ? all
                : analyzeIpBlocks(
                      blocks.map((b) => ({
                          cidr: b.cidr,
                          except: [...(b.except ?? []), ...config.allowedEgressCidrs],
                      })),
                  );
        const reachable = budgeted.publicIpv4Addresses + budgeted.publicIpv6Addresses;
        if (reachable > BigInt(config.maxPublicEgressAddresses)) {
            budget.push(
                `allow egress to ${reachable} public addresses, more than the budget of ${config.maxPublicEgressAddresses} (maxPublicEgressAddresses)`,
            );
        }
    }
    return { wide: problems, metadata, budget };
}
