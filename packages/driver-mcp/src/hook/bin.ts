#!/usr/bin/env node
/**
 * `first-mate-hook`: the command an agent runs for its lifecycle hooks
 * (see runHook). Always exits 0, quietly, so a missing first-mate never
 * slows or breaks the agent.
 */
import { runHook } from "./runHook.js";

try {
  await runHook({ stdin: process.stdin, env: process.env, stderr: process.stderr });
} catch {
  // runHook does not throw; this is the last line of defence for the exit code
}
process.exit(0);
