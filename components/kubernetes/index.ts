export * from "./agent-guardrails-baseline";
export * from "./agent-runtime";
