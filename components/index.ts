export * from "./kubernetes";
export * from "./aws";
