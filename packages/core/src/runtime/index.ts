/**
 * @first-mate/core/runtime — the effectful side: runs the commands `step`
 * returns against real ports, with a clock. Kept out of the main entry so
 * that `@first-mate/core` itself imports no IO and reads no clock.
 */
export * from "./authorityControls.js";
export * from "./authorityTools.js";
export * from "./createRuntime.js";
export * from "./embedderHost.js";
export * from "./endPane.js";
export * from "./executeCommand.js";
export * from "./launcher.js";
export * from "./memoryAuthorityStore.js";
export * from "./systemClock.js";
export * from "./toolHost.js";
export * from "./workerLauncher.js";
