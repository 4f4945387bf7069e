export * from "./agent-role";
export * from "./agent-audit-trail";
export * from "./agent-containment";
export { AgentAwsArgumentError } from "../args";
export { MIN_RETENTION_DAYS, MAX_RETENTION_DAYS, LOG_RETENTION_DAYS } from "./audit-trail-args";
