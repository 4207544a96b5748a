// The host process measured by memoryBench: first-mate from its built
// JavaScript (as deployed), on an existing tmux server, reporting its own
// RSS, fleet size and attached sessions as JSON lines.
// Arguments: <tmux socket name> <work dir>. Stops on any stdin input.
import { join } from "node:path";
import { parseHostConfig, startHost } from "@first-mate/cli";

const [socketName, dir] = process.argv.slice(2);
const parsed = parseHostConfig({
  tmux: { socketName },
  databasePath: join(dir, "db.sqlite"),
  socketPath: join(dir, "sock", "channel.sock"),
  stateDir: join(dir, "state"),
  cwd: dir,
  agent: { kind: "command", argv: ["sleep", "3600"] },
  core: { tickMs: 1_000 },
});
if (!parsed.ok) throw new Error(parsed.errors.join("; "));
const started = await startHost({ config: parsed.config });
if (started._tag === "Left") throw new Error(started.left.message);
const host = started.right;
const report = () =>
  process.stdout.write(
    `${JSON.stringify({
      socketPath: host.socketPath,
      rss: process.memoryUsage().rss,
      panes: host.runtime.status().panes,
      sessions: host.channelServer.sessions().filter((session) => session.attached).length,
    })}\n`,
  );
const timer = setInterval(report, 250);
report();
process.stdin.once("data", async () => {
  clearInterval(timer);
  await host.stop();
  process.exit(0);
});
