#!/usr/bin/env node
/**
 * `first-mate-channel`: the stdio MCP server an agent launches. See runShim.
 * Always exits 0 so a missing first-mate never breaks the agent.
 */
import { runShim } from "./runShim.js";

const code = await runShim({ stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env });
process.exit(code);
