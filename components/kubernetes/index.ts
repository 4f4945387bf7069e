export * from "./agent-guardrails-baseline";
