/**
 * Hook command wall time (target p99 < 100 ms): spawn → exit of the built
 * `first-mate-hook` with a recorded PreToolUse payload, against a running
 * channel server; beside the same command with no server, and a bare
 * `node -e ""` start-up, interleaved in the same run; then the same for the
 * Python 3 hook (hook/first_mate_hook.py) that the installer prefers.
 * Run: npm run bench:hook -w packages/driver-mcp [-- runs]
 * Uses dist/hook/bin.js when built (`npm run build`), else compiles the
 * hook's three files to a temp directory first.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type LatencyStats, measureHookCommand } from "../src/measure/index.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const runs = Number(process.argv[2] ?? 200);

const builtBin = join(root, "dist", "hook", "bin.js");
let scratch: string | null = null;
let bin = builtBin;
if (!existsSync(builtBin)) {
  scratch = mkdtempSync(join(tmpdir(), "fm-hook-build-"));
  const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");
  execFileSync(process.execPath, [
    tsc,
    "--outDir",
    scratch,
    "--module",
    "nodenext",
    "--moduleResolution",
    "nodenext",
    "--target",
    "es2022",
    "--skipLibCheck",
    "--types",
    "node",
    join(root, "src", "hook", "bin.ts"),
  ]);
  writeFileSync(join(scratch, "package.json"), '{"type":"module"}\n');
  bin = join(scratch, "hook", "bin.js");
}

try {
  const payload = readFileSync(join(root, "test", "fixtures", "claudeHooks", "03-PreToolUse.json"), "utf8");
  const result = await measureHookCommand({ hookArgv: [process.execPath, bin], runs, payload });
  // The fast hook the installer prefers when the machine has Python 3.
  const python = existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
  const fast = await measureHookCommand({
    hookArgv: [python, "-I", "-S", join(root, "hook", "first_mate_hook.py")],
    runs,
    payload,
  });
  const ms = (value: number) => `${value.toFixed(1)} ms`;
  const row = (name: string, stats: LatencyStats) => ({
    run: name,
    samples: stats.samples,
    p50: ms(stats.p50),
    p99: ms(stats.p99),
    mean: ms(stats.mean),
    max: ms(stats.max),
  });
  console.log(`first-mate-hook wall time, spawn → exit (${bin === builtBin ? "dist" : "compiled to a temp dir"})`);
  console.table([
    row("hook → running server (ack awaited)", result.againstServer),
    row("hook, server down", result.serverDown),
    row('bare node -e ""', result.bareNode),
    row("python hook → running server (ack awaited)", fast.againstServer),
    row("python hook, server down", fast.serverDown),
  ]);
  console.log(`node: delivered ${result.delivered}/${runs}; non-zero exits: ${result.nonZeroExits}`);
  console.log(`python: delivered ${fast.delivered}/${runs}; non-zero exits: ${fast.nonZeroExits}`);
  console.log(
    `node hook − bare node start-up (p50): ${ms(result.againstServer.p50 - result.bareNode.p50)}; ` +
      `target p99 < 100 ms: node ${result.againstServer.p99 < 100 ? "met" : "MISSED"} (${ms(result.againstServer.p99)}), ` +
      `python ${fast.againstServer.p99 < 100 ? "met" : "MISSED"} (${ms(fast.againstServer.p99)})`,
  );
} finally {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
}
