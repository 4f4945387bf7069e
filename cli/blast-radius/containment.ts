/**
 * Automated containment as `report` and `review` read it. What containment is (tripwires, containment
 * resources) lives in core/reach/containment.ts, shared with the reach graph; this file adapts it to the
 * recorded stack model and judges coverage per agent.
 */
import {
    containmentNamespaces as namespacesOf,
    containmentResources as resourcesOf,
    tripwiresByIdentity as tripwiresOf,
    type Tripwire,
} from "../../core/reach/containment";
import type { StackModel } from "../../core/stack/stack-model";

export {
    EVENT_RULE_TYPE,
    EVENT_TARGET_TYPE,
    patternIssuerArns,
    type Tripwire,
} from "../../core/reach/containment";

export type CoverageStatus = "covered" | "pending" | "partial" | "none";

export interface ContainmentCoverage {
    /**
     * `covered`: every AWS identity of the agent has an enabled tripwire whose pattern names it; `pending`:
     * each has one, but some pattern or state is unknown during preview; `partial`: some identity has none;
     * `none`: no tripwire watches the agent (or it has no AWS identity to watch).
     */
    readonly status: CoverageStatus;
    readonly tripwires: readonly Tripwire[];
    /** AWS identities of the agent no enabled tripwire watches. */
    readonly uncovered: readonly string[];
    /** Agent namespaces where the containment group may hold pods at zero (a RoleBinding to it). */
    readonly kubernetesNamespaces: readonly string[];
}

export function coverageOf(
    identities: readonly { urn: string; name: string }[],
    tripwires: ReadonlyMap<string, readonly Tripwire[]>,
    namespaces: readonly string[],
    heldNamespaces: ReadonlySet<string>,
): ContainmentCoverage {
    const all = identities.flatMap((i) => tripwires.get(i.urn) ?? []);
    const live = (t: Tripwire) => t.state !== "disabled";
    const uncovered = identities.filter((i) => !(tripwires.get(i.urn) ?? []).some(live)).map((i) => i.name);
    const certain = identities.every((i) =>
        (tripwires.get(i.urn) ?? []).some((t) => t.state === "enabled" && t.pattern === "names the role"),
    );
    const status: CoverageStatus =
        identities.length === 0 || uncovered.length === identities.length
            ? "none"
            : uncovered.length > 0
              ? "partial"
              : certain
                ? "covered"
                : "pending";
    return {
        status,
        tripwires: all,
        uncovered,
        kubernetesNamespaces: namespaces.filter((ns) => heldNamespaces.has(ns)),
    };
}

/**
 * Per AWS identity (by URN): the tripwires that watch it (core/reach/containment.ts).
 */
export function tripwiresByIdentity(
    model: StackModel,
    identities: readonly { urn: string; name: string }[],
): Map<string, Tripwire[]> {
    return tripwiresOf(model.resources, identities);
}

/** Namespaces in which a RoleBinding grants the containment group its role (pods held at zero there). */
export function containmentNamespaces(model: StackModel): Set<string> {
    return namespacesOf(model.resources);
}

/** Every resource of automated containment in the stack, with why (core/reach/containment.ts). */
export function containmentResources(
    model: StackModel,
    agentRoleUrns: ReadonlySet<string>,
): Map<string, string> {
    return resourcesOf(model.resources, agentRoleUrns);
}
