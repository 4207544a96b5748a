export * from "./authorityStore.js";
export * from "./channelPort.js";
export * from "./clock.js";
export * from "./embedderHost.js";
export * from "./errors.js";
export * from "./storePort.js";
export * from "./tmuxPort.js";
export * from "./toolHost.js";
