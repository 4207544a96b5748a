// The host process measured by idleFleetBench: first-mate from its built
// JavaScript (as deployed) with its default timings, on an existing tmux
// server. Answers "report" on stdin with one JSON line (its own CPU time,
// the tmux transport's counters, the fleet size, the first mate's channel
// state); stops on "stop".
// Arguments: <tmux socket name> <work dir> <first mate argv as JSON>.
import { join } from "node:path";
import { createInterface } from "node:readline";
import { parseHostConfig, startHost } from "@first-mate/cli";

const [socketName, dir, firstMateArgv] = process.argv.slice(2);
const parsed = parseHostConfig({
  tmux: { socketName },
  databasePath: join(dir, "db.sqlite"),
  socketPath: join(dir, "sock", "channel.sock"),
  stateDir: join(dir, "state"),
  cwd: dir,
  agent: { kind: "command", argv: JSON.parse(firstMateArgv) },
});
if (!parsed.ok) throw new Error(parsed.errors.join("; "));
const started = await startHost({ config: parsed.config });
if (started._tag === "Left") throw new Error(started.left.message);
const host = started.right;
for await (const line of createInterface({ input: process.stdin })) {
  if (line === "report") {
    process.stdout.write(
      `${JSON.stringify({
        cpuUs: process.cpuUsage(),
        transport: host.tmux.transportStats(),
        panes: host.runtime.status().panes,
        attached: host.runtime.status().firstMateAttached,
        channel: host.runtime.status().channel,
      })}\n`,
    );
  } else if (line === "stop") break;
}
await host.stop();
process.exit(0);
