/**
 * A private world for the embedder tests: an isolated tmux server (`-L`,
 * `-f /dev/null`), a temp dir for the store, the channel socket and the
 * state dir, and hosts started through `startHost`.
 *
 * Guarantees: `dispose()` stops every host, kills the tmux server and waits
 * for it to exit, and removes the temp dir, also after a failure part-way.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PaneId } from "@first-mate/core";
import { startIsolatedTmuxServer } from "@first-mate/driver-tmux/testing";
import { openSqliteStore } from "@first-mate/store-sqlite";
import * as E from "fp-ts/lib/Either.js";
import { type AgentChoice, parseHostConfig } from "../src/host/hostConfig.js";
import { type Host, startHost } from "../src/host/startHost.js";

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

export const createEmbedderWorld = async (): Promise<EmbedderWorld> => {
  const server = await startIsolatedTmuxServer({ label: "embed", keepalive: { session: "fleet", window: "shell" } });
  const { socketName, tmux } = server;
  const dir = mkdtempSync(join(tmpdir(), "fm-embed-host-"));
  const socketPath = join(dir, "run", "channel.sock");
  const stateDir = join(dir, "state");
  const databasePath = join(dir, "first-mate.db");
  const hosts: Host[] = [];
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
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
};
