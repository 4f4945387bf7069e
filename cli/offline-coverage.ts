import { exemptionFor, type Exemption } from "../core/stack/exemptions";
import { CheckError } from "./errors";
import type { PolicyConfig } from "./pack/policy-config";
import { packageVersion } from "./package-root";
import type { UncheckedComponent } from "./program/protocol";
import { urnName } from "./program/urn";
import type { Violation } from "./report/types";

/** The checker's own finding, reported like a policy's so every format and exit code carries it. */
export const OFFLINE_COVERAGE_POLICY = "offline-coverage";
export const CHECKER_NAME = "agentguard-check";

const DESCRIPTION =
    "Every resource of the stack must be built offline to be judged: a component whose resources only its " +
    "provider can build or render (multi-language components, Helm charts, kustomizations) is reported, " +
    "not passed over.";

function remedy(component: UncheckedComponent): string {
    if (component.type.startsWith("kubernetes:yaml/v2:")) {
        return "Give its manifests as local files, `yaml` or `objs` with values known at preview";
    }
    return (
        "Check this stack with `pulumi preview --policy-pack`, where the provider builds these resources, " +
        "or declare them in the program itself"
    );
}

/** A mandatory finding for a component whose children the check could not see: it fails closed. */
export function uncheckedComponentViolation(component: UncheckedComponent): Violation {
    return {
        policy: OFFLINE_COVERAGE_POLICY,
        policyPack: CHECKER_NAME,
        policyPackVersion: packageVersion(),
        enforcementLevel: "mandatory",
        severity: "high",
        description: DESCRIPTION,
        urn: component.urn,
        resourceType: component.type,
        resourceName: component.name ?? urnName(component.urn),
        scope: "resource",
        source: component.source,
        message:
            `${component.type} ${component.name ?? urnName(component.urn)} could not be checked offline: ` +
            `${component.reason}. ` +
            `Nothing it creates was judged, so the check cannot pass. ${remedy(component)}.`,
    };
}

/** A component the user declares covered elsewhere (`pulumi preview --policy-pack`), with a reason. */
/** No `code`: the offline-coverage finding has one kind only. */
export type CoverageExemption = Omit<Exemption, "code">;

export const MIN_COVERAGE_REASON_LENGTH = 10;

/**
 * Reads the `offline-coverage` entry of the policy config: exemptions only. The finding can't be disabled
 * or lowered as a whole; each exempted component is named, with a reason that a reviewer can read.
 */
export function readCoverageExemptions(entry: PolicyConfig, source: string): CoverageExemption[] {
    const where = `${source}: '${OFFLINE_COVERAGE_POLICY}'`;
    if (entry.enforcementLevel !== undefined && entry.enforcementLevel !== "mandatory") {
        throw new CheckError(
            "config",
            `${where} can't be set to '${entry.enforcementLevel}': it stays mandatory; exempt named components ` +
                "with { exemptions: [{ resource, reason }] } instead",
        );
    }
    const { exemptions, ...other } = entry.properties ?? {};
    const unknown = Object.keys(other);
    if (unknown.length > 0) {
        throw new CheckError(
            "config",
            `${where} has unknown propert${unknown.length === 1 ? "y" : "ies"} ${unknown.join(", ")}: only 'exemptions' is allowed`,
        );
    }
    if (exemptions === undefined) {
        return [];
    }
    if (!Array.isArray(exemptions)) {
        throw new CheckError(
            "config",
            `${where} exemptions must be an array of { resource, reason }, got ${JSON.stringify(exemptions)}`,
        );
    }
    return exemptions.map((value: unknown, index): CoverageExemption => {
        const item = (typeof value === "object" && value !== null ? value : {}) as Record<string, unknown>;
        const extra = Object.keys(item).filter((key) => key !== "resource" && key !== "reason");
        if (extra.length > 0) {
            throw new CheckError(
                "config",
                `${where} exemptions[${index}] has unknown key(s) ${extra.join(", ")}: allowed are resource, reason`,
            );
        }
        if (typeof item.resource !== "string" || item.resource.replace(/\*/g, "") === "") {
            throw new CheckError(
                "config",
                `${where} exemptions[${index}].resource must name a component (its name or URN, '*' as a ` +
                    `wildcard within it), got ${JSON.stringify(item.resource)}`,
            );
        }
        if (typeof item.reason !== "string" || item.reason.trim().length < MIN_COVERAGE_REASON_LENGTH) {
            throw new CheckError(
                "config",
                `${where} exemptions[${index}].reason must say in at least ${MIN_COVERAGE_REASON_LENGTH} ` +
                    `characters where the component is checked instead, got ${JSON.stringify(item.reason)}`,
            );
        }
        return { resource: item.resource, reason: item.reason };
    });
}

/** The exemption for a component, by its name, its URN or the URN's last part (core/stack/exemptions.ts). */
export function coverageExemptionFor(
    exemptions: readonly CoverageExemption[],
    component: UncheckedComponent,
): CoverageExemption | undefined {
    const name = component.name ?? urnName(component.urn);
    return exemptionFor(exemptions, { names: [name, component.urn, urnName(component.urn)] });
}

/**
 * The finding for an unchecked component: mandatory, or, when the user exempted it, an advisory note that
 * keeps saying nothing inside it was judged here and where it must be judged instead.
 */
export function coverageViolation(
    component: UncheckedComponent,
    exemptions: readonly CoverageExemption[],
): Violation {
    const violation = uncheckedComponentViolation(component);
    const exemption = coverageExemptionFor(exemptions, component);
    if (!exemption) {
        return violation;
    }
    return {
        ...violation,
        enforcementLevel: "advisory",
        message:
            `${component.type} ${violation.resourceName} was not checked offline (${component.reason}) and is ` +
            `exempted: "${exemption.reason}". Its children were not judged by this check; they must be covered ` +
            "by `pulumi preview --policy-pack` on this stack.",
    };
}

/** Exemptions that matched no unchecked component: stale config, said in the warnings. */
export function unusedCoverageExemptions(
    exemptions: readonly CoverageExemption[],
    components: readonly UncheckedComponent[],
): string[] {
    return exemptions
        .filter((e) => !components.some((c) => coverageExemptionFor([e], c) === e))
        .map(
            (e) =>
                `${OFFLINE_COVERAGE_POLICY} exemption '${e.resource}' matches no component that was not checked offline`,
        );
}
