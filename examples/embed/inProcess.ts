/**
 * The smallest in-process embedder: an orchestrator written in TypeScript
 * starts first-mate inside its own process with `startHost`, feeds it what
 * it knows (status lines, PR/CI state, a usage snapshot), listens to its
 * alerts, and reads the fleet digest back.
 *
 * By default everything runs on a private tmux server (`tmux -L
 * fm-embed-example-<pid>`) and in a temp dir; `--tmux <socket name>` runs
 * it on a tmux server you already have. Either way its panes live in two
 * sessions of its own, and at the end it ends what it started and nothing
 * else: each of its panes through the kit's `endPane` (the pane's process
 * tree recorded, the pane closed, what remains ended SIGHUP → SIGTERM →
 * SIGKILL), and the host's control session if its host created it. It never
 * kills the tmux server: a private one exits by itself once empty. With
 * `--serve` it keeps running and prints how to reach it from another
 * process (see embed_client.py).
 *
 *   npm run embed -w examples            # feed, print, stop
 *   npm run embed:serve -w examples      # ... and keep serving until Ctrl-C
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Host, parseHostConfig, startHost } from "@first-mate/cli";
import type { PaneId } from "@first-mate/core";
import { createEmbedderHost, endPane } from "@first-mate/core/runtime";
import { createProcessDriver, createTmuxDriver, DEFAULT_CONTROL_SESSION } from "@first-mate/driver-tmux";

const argv = process.argv.slice(2);
const serve = argv.includes("--serve");
const given = argv.indexOf("--tmux") === -1 ? undefined : argv[argv.indexOf("--tmux") + 1];
const dir = mkdtempSync(join(tmpdir(), "fm-embed-example-"));
const socketName = given ?? `fm-embed-example-${process.pid}`;
/** The two sessions this example makes: its fleet, and its first mate's. */
const fleetSession = `fm-embed-fleet-${process.pid}`;
const bridgeSession = `fm-embed-bridge-${process.pid}`;
const tmux = (...args: string[]) => {
  const env = { ...process.env };
  delete env.TMUX;
  return execFileSync("tmux", ["-L", socketName, "-f", "/dev/null", ...args], {
    env,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  }).trim();
};
const hasSession = (name: string): boolean => {
  try {
    tmux("has-session", "-t", `=${name}`);
    return true;
  } catch {
    return false;
  }
};
const serverRuns = (): boolean => {
  try {
    tmux("list-sessions");
    return true;
  } catch {
    return false;
  }
};
/** Whether the host's control session was there before this example: if so, it is someone else's. */
const controlSessionWasThere = hasSession(DEFAULT_CONTROL_SESSION);

/**
 * Two panes that look like Claude Code to first-mate (their process is named `claude`). The second ignores
 * SIGHUP, like Gemini CLI: closing its window alone would leave it running.
 */
const startFleet = (): PaneId[] => {
  tmux("new-session", "-d", "-s", fleetSession, "-n", "shell");
  return [
    ["api", "exec -a claude sleep 3600"],
    ["web", "trap '' HUP; exec -a claude sleep 3600"],
  ].map(
    ([window, script]) =>
      tmux(
        "new-window",
        "-d",
        "-P",
        "-F",
        "#{pane_id}",
        "-t",
        `=${fleetSession}:`,
        "-n",
        window!,
        "bash",
        "-c",
        script!,
      ) as PaneId,
  );
};

/** The private server's socket file, once the server runs. */
let socketPath: string | null = null;

const main = async (): Promise<number> => {
  const [api, web] = startFleet();
  socketPath = tmux("display-message", "-p", "#{socket_path}");
  const config = parseHostConfig({
    tmux: { socketName },
    databasePath: join(dir, "first-mate.db"),
    socketPath: join(dir, "run", "channel.sock"),
    stateDir: join(dir, "state"),
    cwd: dir,
    // The stand-in first mate shipped with first-mate; use { kind: "claude" } for the real one.
    agent: { kind: "stand-in" },
    core: { session: bridgeSession },
  });
  if (!config.ok) throw new Error(config.errors.join("; "));

  const started = await startHost({ config: config.config });
  if (started._tag === "Left") {
    console.error(`first-mate did not start: ${started.left.message}`);
    return 1;
  }
  const host = started.right;
  try {
    return await useHost(host, api!, web!);
  } finally {
    // Stopped before the cleanup: a running host would start the first mate again.
    await host.stop();
  }
};

/** What an orchestrator does with a running host: listen, feed, read. */
const useHost = async (host: Host, api: PaneId, web: PaneId): Promise<number> => {
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
      [api]: { statusLine: "refactoring the auth module", pr: 42, ci: "pending", watched: true },
      [web]: { statusLine: "building the landing page" },
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
  return 0;
};

/**
 * Ends what this example started and nothing else: every pane of its two
 * sessions through `endPane` (process tree recorded, pane closed, the rest
 * ended by the ladder), then the control session if its host created it.
 * The host is stopped first, so it does not start the first mate again.
 */
const cleanUp = async (): Promise<void> => {
  const ours = new Set([fleetSession, bridgeSession]);
  const driver = createTmuxDriver({ socketName });
  const processes = createProcessDriver();
  try {
    const listed = await driver.listPanes();
    const panes = listed._tag === "Right" ? listed.right.filter((pane) => ours.has(pane.session)) : [];
    // One pane at a time: tmux 3.3a was seen to exit when several kills that each end a session were
    // sent over one control-mode connection at once.
    const survivors = [];
    for (const pane of panes) {
      const ended = await endPane({ tmux: driver, processes }, { paneId: pane.paneId, pid: pane.pid });
      survivors.push(...ended.report.survivors);
    }
    if (survivors.length > 0) console.error(`still running after cleanup: ${JSON.stringify(survivors)}`);
  } finally {
    await driver.close();
  }
  // After the driver's own control client is gone, or it would attach again.
  if (!controlSessionWasThere && hasSession(DEFAULT_CONTROL_SESSION)) {
    try {
      tmux("kill-session", "-t", `=${DEFAULT_CONTROL_SESSION}`);
    } catch {
      // gone meanwhile
    }
  }
  // A private server exits once its last session is gone, but leaves its socket file: that is ours to remove.
  if (given === undefined && socketPath !== null) {
    for (let waited = 0; serverRuns() && waited < 10_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    if (!serverRuns()) rmSync(socketPath, { force: true });
  }
  rmSync(dir, { recursive: true, force: true });
};

main()
  .catch((error: unknown) => {
    console.error(error);
    return 1;
  })
  .then(async (code) => {
    await cleanUp().catch((error: unknown) => console.error(`cleanup: ${String(error)}`));
    process.exit(code);
  });
