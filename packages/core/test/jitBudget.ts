/**
 * Setup of the core's test project: a smaller inlining budget for V8's
 * optimising compiler while the core's suites run.
 *
 * The suites drive the core's `step` through millions of events whose
 * states and commands come in many shapes; with the default budget (920
 * bytes of bytecode inlined per function) `step` and the decisions it calls
 * are compiled into very large functions, thrown away when an object of a
 * shape they had not seen comes along, and compiled again — that compiling
 * was a large part of the suite's CPU (about 6 s for one world file). At
 * 300 bytes each compilation is smaller: `npx vitest run packages/core`
 * took 27.5–28.8 s of CPU against 32.0–33.2 s with the default.
 *
 * Only speed changes: what runs, and what every test checks, is the same.
 * The flag is the process's (both workers'), set before the suites' code is
 * first optimised; setting it again for each file changes nothing.
 */
import { setFlagsFromString } from "node:v8";

setFlagsFromString("--max-inlined-bytecode-size-cumulative=300");
