/**
 * Setup of the core's test project: V8's optimising compiler inlines less
 * and optimises later while the core's suites run.
 *
 * The suites drive the core's `step` through millions of events whose
 * states and commands come in many shapes; with the default budgets `step`
 * and the decisions it calls are compiled into very large functions (920
 * bytes of bytecode inlined per function), thrown away when an object of a
 * shape they had not seen comes along, and compiled again, and functions
 * are optimised after little use — that compiling was a large part of the
 * suite's CPU (about 6 s for one world file). Inlining at most 300 bytes,
 * and optimising after about twice as much use as by default:
 * `npx vitest run packages/core` took 27.6–27.8 s of CPU against 28.8–29.1
 * s with the smaller inlining alone, and 32.0–35.3 s with V8's defaults.
 *
 * Only speed changes: what runs, and what every test checks, is the same.
 * The flags are the process's (both workers'), set before the suites' code
 * is first optimised; setting them again for each file changes nothing.
 */
import { setFlagsFromString } from "node:v8";

setFlagsFromString("--max-inlined-bytecode-size-cumulative=300");
setFlagsFromString("--interrupt-budget=300000");
