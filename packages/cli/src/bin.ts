#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-semi-space-size=1
/**
 * `first-mate`: the command line (commands/program.ts), with stdout and
 * stderr as its output.
 */
import { runCli } from "./commands/program.js";

process.exitCode = await runCli(process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
});
