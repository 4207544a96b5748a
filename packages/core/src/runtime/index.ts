export * from "./createRuntime.js";
export * from "./embedderHost.js";
export * from "./executeCommand.js";
export * from "./launcher.js";
export * from "./systemClock.js";
export * from "./toolHost.js";
