/**
 * @first-mate/core/testing — fakes, a seeded fake world and fast-check
 * arbitraries, for the core's own suites and for embedders' property tests.
 */
export * from "./applyWorldAction.js";
export * from "./arbitraries.js";
export * from "./fakeChannel.js";
export * from "./fakeClock.js";
export * from "./fakeStore.js";
export * from "./fakeTmux.js";
export * from "./fakeWorld.js";
export * from "./schemaArbitrary.js";
export * from "./stubLauncher.js";
