/**
 * The first mate's identity, tried as a hostile neighbour would: a real host
 * (`startHost`), a real tmux server on an isolated socket, the real channel
 * socket and shim, the stand-in first mate. The neighbour is a same-user
 * process: it reads tmux's environment, and it holds a copy of the spawn
 * token taken from the token file before the shim consumed it (what a
 * process reading `/proc/<pid>/environ` or the file could get).
 */
import { existsSync, readFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { connectChannel } from "@first-mate/driver-mcp";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import * as E from "fp-ts/lib/Either.js";
import { afterEach, describe, expect, it } from "vitest";
import { nodeScriptArgv } from "../../src/host/nodeScript.js";
import { createE2eWorld, E2E_TIMEOUT_MS, type E2eWorld, type HostUnderTest, waitFor } from "./e2eWorld.js";

let world: E2eWorld | null = null;
afterEach(async () => {
  await world?.dispose();
  world = null;
});

/** Start a host whose first mate is the stand-in, with a copy of its spawn token left for the neighbour. */
const startWithStolenToken = async (w: E2eWorld) => {
  const stolen = join(w.dir, "stolen.token");
  const host = await w.startHost({
    agent: {
      kind: "command",
      argv: [
        "/bin/sh",
        "-c",
        `cp "$FIRST_MATE_TOKEN_FILE" '${stolen}'; FIRST_MATE_STAND_IN_LOG='${w.journalPath}' exec "$@"`,
        "first-mate",
        ...nodeScriptArgv("cli", "standIn/standInFirstMate"),
      ],
    },
  });
  // Attached, and its marker pinned to its pane's pid and tmux server.
  const marker = await waitFor("the first mate to attach", () => {
    const status = host.host.runtime.status();
    return status.firstMateAttached && status.firstMate?.panePid && status.firstMate.tmuxServer
      ? status.firstMate
      : undefined;
  });
  await waitFor("the stolen token", () => (existsSync(stolen) ? true : undefined));
  return { host, marker: marker!, token: readFileSync(stolen, "utf8") };
};

/**
 * Send one hello line and collect the server's first line (a refusal), or null when it serves the
 * session (a served session stays silent: null once the socket closes or, failing that, after a wait
 * far longer than any refusal takes on a loaded machine).
 */
const helloAnswer = (socketPath: string, hello: Record<string, unknown>): Promise<string | null> =>
  new Promise((resolve) => {
    const socket = connect(socketPath);
    let buffer = "";
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(null);
    }, 20_000);
    socket.once("close", () => {
      clearTimeout(timer);
      resolve(null);
    });
    socket.on("data", (chunk) => {
      buffer += chunk;
      if (buffer.includes("\n")) {
        clearTimeout(timer);
        socket.destroy();
        resolve(buffer.slice(0, buffer.indexOf("\n")));
      }
    });
    socket.on("error", () => undefined);
    socket.once("connect", () => socket.write(`${JSON.stringify(hello)}\n`));
  });

const alertsOf = (host: HostUnderTest, code: string) =>
  host.reports.filter(({ report }) => report.type === "alert" && report.code === code);

describe("a hostile neighbour (end to end)", () => {
  it(
    "the spawn token is in neither tmux's session nor its global environment, nor the first mate's process environment",
    async () => {
      world = await createE2eWorld();
      const w = world;
      const { marker, token } = await startWithStolenToken(w);
      expect(token.length).toBeGreaterThan(20);
      const session = await w.tmux(["show-environment", "-t", "=bridge"]);
      const global = await w.tmux(["show-environment", "-g"]);
      for (const shown of [session, global]) {
        expect(shown).not.toContain(token);
        expect(shown).not.toContain("FIRST_MATE_TOKEN");
      }
      const pid = (await w.tmux(["display-message", "-p", "-t", marker.paneId, "#{pane_pid}"])).trim();
      expect(readFileSync(`/proc/${pid}/environ`, "utf8")).not.toContain(token);
    },
    E2E_TIMEOUT_MS,
  );

  it(
    "after the first mate attached, a client holding the spawn token is refused, the first mate keeps its session, and one identity_conflict alert is raised",
    async () => {
      world = await createE2eWorld();
      const w = world;
      const { host, marker, token } = await startWithStolenToken(w);
      const tmuxServer = (await w.tmux(["display-message", "-p", "#{socket_path},#{pid}"])).trim();
      const hello = { pane: marker.paneId, token, tmux: `${tmuxServer},0` };
      for (let attempt = 0; attempt < 3; attempt += 1) {
        const answer = await helloAnswer(host.host.socketPath, hello);
        expect(answer && JSON.parse(answer).error.code).toBe("HelloIdentityConflict");
      }
      // Through the SDK too: its tools stay refused, since the hello never became a session.
      const transport = await connectChannel({ socketPath: host.host.socketPath, hello });
      expect(E.isRight(transport)).toBe(true);
      const client = new Client({ name: "neighbour", version: "0.0.0" });
      await expect(
        E.isRight(transport) ? client.connect(transport.right) : Promise.reject(new Error("no transport")),
      ).rejects.toThrow();
      await host.host.runtime.idle();
      await waitFor("the alert", () => (alertsOf(host, "identity_conflict").length > 0 ? true : undefined));
      expect(alertsOf(host, "identity_conflict")).toHaveLength(1);
      const sessions = host.host.channelServer.sessions().filter((session) => session.paneId === marker.paneId);
      expect(sessions).toEqual([expect.objectContaining({ attached: true, firstMate: true })]);
      expect(host.host.runtime.status().firstMateAttached).toBe(true);
      expect(host.host.runtime.status().firstMate).toEqual(marker);
    },
    E2E_TIMEOUT_MS,
  );

  it(
    "after kill-server and a new server, a pane with the marked pane's id is not taken for the first mate",
    async () => {
      world = await createE2eWorld();
      const w = world;
      const { host, marker } = await startWithStolenToken(w);
      const oldServer = marker.tmuxServer!;
      await host.host.stop();
      await w.killTmuxServer();

      // A new server on the same socket; its panes take ids from %0 again, up to the marked one.
      await w.tmux(["new-session", "-d", "-s", "fleet", "-n", "shell", "exec sleep 3600"]);
      let reused = "";
      while (reused !== marker.paneId) {
        reused = await w.tmux(["new-window", "-d", "-t", "=fleet:", "-P", "-F", "#{pane_id}", "exec sleep 3600"]);
        expect(Number(reused.slice(1))).toBeLessThanOrEqual(Number(marker.paneId.slice(1)));
      }
      const [reusedPid, serverPid] = (
        await w.tmux(["display-message", "-p", "-t", marker.paneId, "#{pane_pid} #{pid}"])
      ).split(" ");
      expect(Number(serverPid)).not.toBe(oldServer.pid);

      // The host starts again on the same store: its stored marker names the old pane's pid and server.
      const restarted = await w.startHost();
      const successor = await waitFor("a new first mate to attach", () => {
        const status = restarted.host.runtime.status();
        return status.firstMateAttached && status.firstMate?.panePid ? status.firstMate : undefined;
      });
      expect(successor.paneId).not.toBe(marker.paneId);
      expect(successor.attempt).toBeGreaterThan(marker.attempt);
      expect(successor.tmuxServer?.pid).toBe(Number(serverPid));
      // The pane that reused the id is someone else's: alive, untouched, not in the first mate's window.
      expect((await w.tmux(["display-message", "-p", "-t", marker.paneId, "#{pane_pid}"])).trim()).toBe(reusedPid);
      expect(restarted.commands("tmux.kill")).not.toContainEqual(expect.objectContaining({ paneId: marker.paneId }));
      expect(await w.firstMateWindowPanes()).toEqual([successor.paneId]);
      const log = await restarted.host.store.readLog({ limit: 50, kind: "narrative" });
      expect(E.isRight(log) && log.right.some((entry) => entry.text.includes("now names another pane"))).toBe(true);
      // The new first mate's session names the new server.
      const session = restarted.host.channelServer.sessions().find((entry) => entry.paneId === successor.paneId);
      expect(session?.tmuxServer?.pid).toBe(Number(serverPid));
      expect(session?.panePid).toBe(successor.panePid);
    },
    E2E_TIMEOUT_MS,
  );

  it(
    "a hello that names another tmux server is refused, with or without the token",
    async () => {
      world = await createE2eWorld();
      const w = world;
      const { host, marker } = await startWithStolenToken(w);
      for (const hello of [
        { pane: marker.paneId, tmux: "/tmp/tmux-0/another,1,0" },
        { pane: "%0" },
        { role: "hook", pane: marker.paneId, payload: { hook_event_name: "Stop" }, tmux: "/tmp/elsewhere,2,0" },
      ]) {
        const answer = await helloAnswer(host.host.socketPath, hello);
        expect(answer && JSON.parse(answer).error.code, JSON.stringify(hello)).toBe("HelloWrongTmuxServer");
      }
    },
    E2E_TIMEOUT_MS,
  );
});
