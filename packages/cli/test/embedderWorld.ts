/**
 * A private world for the embedder tests: an isolated tmux server (`-L`,
 * `-f /dev/null`), a temp dir for the store, the channel socket and the
 * state dir, and hosts started through `startHost`.
 *
 * Guarantees: `dispose()` stops every host, kills the tmux server and waits
 * for it to exit, and removes the temp dir, also after a failure part-way.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { PaneId } from "@first-mate/core";
import { openSqliteStore } from "@first-mate/store-sqlite";
import * as E from "fp-ts/lib/Either.js";
import { type AgentChoice, parseHostConfig } from "../src/host/hostConfig.js";
import { type Host, startHost } from "../src/host/startHost.js";

const run = promisify(execFile);

/** A pane whose process calls itself `claude`: the digest treats it as an agent. */
export const LOOKS_LIKE_AN_AGENT = ["bash", "-c", "exec -a claude sleep 600"];

export interface EmbedderWorld {
  readonly dir: string;
  readonly socketName: string;
  readonly socketPath: string;
  readonly stateDir: string;
  readonly databasePath: string;
  tmux(args: readonly string[]): Promise<string>;
  /** A pane in session "fleet" running `argv`; its `%N` id. */
  addPane(window: string, argv?: readonly string[]): Promise<PaneId>;
  /** Set the kill switch in the store before a host starts. */
  presetKillSwitch(on: boolean): Promise<void>;
  startHost(agent: AgentChoice): Promise<Host>;
  dispose(): Promise<void>;
}

let worlds = 0;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

export const createEmbedderWorld = async (): Promise<EmbedderWorld> => {
  worlds += 1;
  const dir = mkdtempSync(join(tmpdir(), "fm-embed-host-"));
  const socketName = `fm-embed-${process.pid}-${worlds}-${Math.random().toString(36).slice(2, 8)}`;
  const socketPath = join(dir, "run", "channel.sock");
  const stateDir = join(dir, "state");
  const databasePath = join(dir, "first-mate.db");
  const hosts: Host[] = [];
  const env = { ...process.env };
  delete env.TMUX;
  const tmux = async (args: readonly string[]) =>
    (await run("tmux", ["-L", socketName, "-f", "/dev/null", ...args], { env })).stdout;

  await tmux(["new-session", "-d", "-s", "fleet", "-n", "shell"]);
  const [pid, tmuxSocket] = (await tmux(["display-message", "-p", "#{pid}\t#{socket_path}"])).trim().split("\t");
  const serverPid = Number(pid);

  return {
    dir,
    socketName,
    socketPath,
    stateDir,
    databasePath,
    tmux,
    async addPane(window, argv = LOOKS_LIKE_AN_AGENT) {
      const out = await tmux(["new-window", "-d", "-P", "-F", "#{pane_id}", "-t", "fleet:", "-n", window, ...argv]);
      return out.trim() as PaneId;
    },
    async presetKillSwitch(on) {
      const opened = openSqliteStore({ path: databasePath });
      if (E.isLeft(opened)) throw new Error("cannot open the store");
      await opened.right.setKillSwitch(on);
      await opened.right.close();
    },
    async startHost(agent) {
      const parsed = parseHostConfig({
        tmux: { socketName },
        databasePath,
        socketPath,
        stateDir,
        cwd: dir,
        agent,
        core: { tickMs: 300, pushIntervalMs: 1_000, minUptimeMs: 2_000, backoffBaseMs: 100, backoffMaxMs: 400 },
      });
      if (!parsed.ok) throw new Error(parsed.errors.join("; "));
      const started = await startHost({ config: parsed.config });
      if (E.isLeft(started)) throw new Error(started.left.message);
      hosts.push(started.right);
      return started.right;
    },
    async dispose() {
      for (const host of hosts.splice(0)) await host.stop().catch(() => undefined);
      await tmux(["kill-server"]).catch(() => undefined);
      for (let waited = 0; Number.isFinite(serverPid) && alive(serverPid) && waited < 5_000; waited += 50)
        await sleep(50);
      // A killed server may leave its socket file behind.
      if (tmuxSocket) rmSync(tmuxSocket, { force: true });
      rmSync(dir, { recursive: true, force: true });
    },
  };
};
