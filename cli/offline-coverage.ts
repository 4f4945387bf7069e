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
