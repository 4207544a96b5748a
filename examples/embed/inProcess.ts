/**
 * The smallest in-process embedder: an orchestrator written in TypeScript
 * starts first-mate inside its own process with `startHost`, feeds it what
 * it knows (status lines, PR/CI state, a usage snapshot), listens to its
 * alerts, and reads the fleet digest back.
 *
 * Everything runs on a private tmux server (`tmux -L fm-embed-example-<pid>`)
 * and in a temp dir, both removed at the end: your own tmux and first-mate
 * state are never touched. With `--serve` it keeps running and prints how to
 * reach it from another process (see embed_client.py).
 *
 *   npm run embed -w examples            # feed, print, stop
 *   npm run embed:serve -w examples      # ... and keep serving until Ctrl-C
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseHostConfig, startHost } from "@first-mate/cli";
import type { PaneId } from "@first-mate/core";
import { createEmbedderHost } from "@first-mate/core/runtime";

const serve = process.argv.includes("--serve");
const dir = mkdtempSync(join(tmpdir(), "fm-embed-example-"));
const socketName = `fm-embed-example-${process.pid}`;
const tmux = (...args: string[]) => {
  const env = { ...process.env };
  delete env.TMUX;
  return execFileSync("tmux", ["-L", socketName, "-f", "/dev/null", ...args], { env, encoding: "utf8" }).trim();
};

/** Two panes that look like Claude Code to first-mate (their process is named `claude`). */
const startFleet = (): PaneId[] => {
  tmux("new-session", "-d", "-s", "fleet", "-n", "shell");
  return ["api", "web"].map(
    (window) =>
      tmux(
        "new-window",
        "-d",
        "-P",
        "-F",
        "#{pane_id}",
        "-t",
        "fleet:",
        "-n",
        window,
        "bash",
        "-c",
        "exec -a claude sleep 3600",
      ) as PaneId,
  );
};

const main = async (): Promise<number> => {
  const [api, web] = startFleet();
  const config = parseHostConfig({
    tmux: { socketName },
    databasePath: join(dir, "first-mate.db"),
    socketPath: join(dir, "run", "channel.sock"),
    stateDir: join(dir, "state"),
    cwd: dir,
    // The stand-in first mate shipped with first-mate; use { kind: "claude" } for the real one.
    agent: { kind: "stand-in" },
  });
  if (!config.ok) throw new Error(config.errors.join("; "));

  const started = await startHost({ config: config.config });
  if (started._tag === "Left") {
    console.error(`first-mate did not start: ${started.left.message}`);
    return 1;
  }
  const host = started.right;
  host.runtime.subscribe((report) => {
    if (report.type === "alert") console.log(`ALERT ${report.level} ${report.code}: ${report.message}`);
  });

  // Let the first observation of the fleet land (it follows the start at once).
  for (let waited = 0; host.runtime.digest().panes.length < 2 && waited < 5_000; waited += 50) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  // What the orchestrator knows and tmux does not: what each agent is doing, its PR and CI, the usage window.
  const fed = await host.runtime.updateInputs({
    panes: {
      [api!]: { statusLine: "refactoring the auth module", pr: 42, ci: "pending", watched: true },
      [web!]: { statusLine: "building the landing page" },
    },
    usage: { percent: 37, resetsAt: Date.now() + 3 * 3_600_000 },
  });
  if (fed._tag === "Left") console.error(`inputs rejected: ${fed.left.reason}`);

  // The same surface an out-of-process embedder reaches through the socket.
  const embedder = createEmbedderHost({ runtime: host.runtime, store: host.store });
  const digest = await embedder.fleetDigest();
  if (digest._tag === "Right") console.log(`fleet digest:\n${digest.right.text}`);
  console.log(`status: ${JSON.stringify(host.runtime.status())}`);

  if (serve) {
    console.log(`\nchannel socket: ${host.socketPath}`);
    console.log(`embedder token: ${host.embedderTokenPath}`);
    console.log(
      `try: python3 examples/embed/embed_client.py --socket ${host.socketPath} --token-file ${host.embedderTokenPath} --pane ${api} --usage 55`,
    );
    console.log("Ctrl-C to stop");
    await new Promise<void>((resolve) => {
      process.once("SIGINT", () => resolve());
      process.once("SIGTERM", () => resolve());
    });
  }
  await host.stop();
  return 0;
};

const cleanUp = () => {
  try {
    const socket = tmux("display-message", "-p", "#{socket_path}");
    tmux("kill-server");
    // A killed server may leave its socket file behind.
    rmSync(socket, { force: true });
  } catch {
    // no server left
  }
  rmSync(dir, { recursive: true, force: true });
};

main()
  .then((code) => {
    cleanUp();
    process.exit(code);
  })
  .catch((error: unknown) => {
    console.error(error);
    cleanUp();
    process.exit(1);
  });
