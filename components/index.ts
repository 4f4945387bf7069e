export * from "./kubernetes";
