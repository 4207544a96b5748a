/**
 * End to end, the host closes a channel session whose pane id now names
 * another process: a client that said hello for a pane keeps no session
 * once that pane's process ended and another took its id. Real host
 * (`startHost`), real tmux, the real channel socket; see e2eWorld.ts.
 */
import type { PaneId } from "@first-mate/core";
import { afterEach, describe, expect, it } from "vitest";
import { sayHello } from "../helloClient.js";
import { createE2eWorld, E2E_TIMEOUT_MS, type E2eWorld, waitFor } from "./e2eWorld.js";

let world: E2eWorld | null = null;
afterEach(async () => {
  await world?.dispose();
  world = null;
});

describe("a session is its pane's only while the pane is the same process (end to end)", () => {
  it(
    "session kept after its pane changes pid: the host closes it at the next listing and says so in the log",
    async () => {
      world = await createE2eWorld();
      const w = world;
      const { host } = await w.startHost();
      const pane = (
        await w.tmux(["new-window", "-d", "-P", "-F", "#{pane_id}", "-t", "fleet:", "-n", "plain", "exec sleep 3600"])
      ).trim() as PaneId;
      const listedPid = (): number | null =>
        host.runtime.state().fleet.find((candidate) => candidate.paneId === pane)?.pid ?? null;
      const before = await waitFor("the host to list the pane", () => listedPid() ?? undefined);

      // A client that says hello for that pane, from this tmux server, and keeps its connection open.
      const tmuxEnvironment = await w.tmux(["display-message", "-p", "#{socket_path},#{pid},0"]);
      const client = await sayHello(w.socketPath, { role: "agent", pane, tmux: tmuxEnvironment.trim() });
      await waitFor("the session", () => host.channelServer.sessions().find((session) => session.paneId === pane));
      expect(host.channelServer.sessions().find((session) => session.paneId === pane)?.panePid).toBe(before);

      // The pane's process ends and another takes the pane id.
      await w.tmux(["respawn-pane", "-k", "-t", pane, "exec sleep 3601"]);
      await waitFor("the host to list the new process", () => {
        const pid = listedPid();
        return pid !== null && pid !== before;
      });
      await waitFor("the session to be closed", () => client.isClosed());
      expect(host.channelServer.sessions().some((session) => session.paneId === pane)).toBe(false);
      const log = await waitFor("the log line", async () => {
        const entries = await host.store.readLog({ limit: 200 });
        return entries._tag === "Right"
          ? entries.right.find((entry) => entry.text.startsWith(`closed the channel session of ${pane}`))
          : undefined;
      });
      expect(log.author).toBe("kit");
    },
    E2E_TIMEOUT_MS,
  );
});
