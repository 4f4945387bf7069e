import type { ResourceNode } from "../stack/stack-model";
import { isUnknown } from "../unknowns";
import { WORKLOAD_POD_SPEC_PATHS } from "./types";

/**
 * The pod spec a workload runs, and its path. The value is the unknown sentinel when any object on the path
 * is unknown during preview, and undefined when the workload declares no pod spec (e.g. a patch without one).
 */
export function podSpecOf(workload: ResourceNode): { path: string; spec: unknown } | undefined {
    const path = WORKLOAD_POD_SPEC_PATHS.get(workload.type);
    if (path === undefined) return undefined;
    let value: unknown = workload.props;
    let walked = "";
    for (const key of path.split(".")) {
        walked = walked ? `${walked}.${key}` : key;
        if (value === null || typeof value !== "object") return { path, spec: undefined };
        value = (value as Record<string, unknown>)[key];
        if (isUnknown(value)) return { path: walked, spec: value };
    }
    return { path, spec: value };
}

/** The kind of a type token: `kubernetes:apps/v1:Deployment` → `Deployment`. */
export function kindOf(type: string): string {
    return type.slice(type.lastIndexOf(":") + 1);
}
