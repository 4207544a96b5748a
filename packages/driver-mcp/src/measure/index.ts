/**
 * `@first-mate/driver-mcp/measure`: measuring functions for benchmarks, kept
 * out of the main entry point so embedders do not load them.
 */
export * from "./latencyStats.js";
export * from "./measureHook.js";
export * from "./measureInterrupt.js";
