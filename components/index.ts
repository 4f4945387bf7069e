export * from "./kubernetes";
export * from "./aws";
export { AgentguardArgumentError, type ArgumentProblem } from "./args";
