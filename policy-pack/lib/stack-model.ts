// Moved to core/stack/stack-model.ts; kept for cli/blast-radius/containment.ts until its imports move too.
export * from "../../core/stack/stack-model";
