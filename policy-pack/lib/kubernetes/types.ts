// Moved to core/kubernetes/types.ts; kept for cli/blast-radius/containment.ts until its imports move too.
export * from "../../../core/kubernetes/types";
