import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PaneId, TmuxEvent } from "@first-mate/core";
import * as E from "fp-ts/lib/Either.js";
import { afterEach, describe, expect, it } from "vitest";
import { createTmuxDriver, DEFAULT_CONTROL_SESSION, type TmuxDriver } from "../src/index.js";
import { createTestServer, eventually, type TestServer } from "./tmuxTestServer.js";

const servers: TestServer[] = [];
const newServer = () => {
  const server = createTestServer();
  servers.push(server);
  return server;
};
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});

const right = <A>(either: E.Either<unknown, A>): A => {
  if (E.isLeft(either)) throw new Error(`expected Right, got ${JSON.stringify(either.left)}`);
  return either.right;
};

/**
 * The listing once each of `paneIds` runs its program: a spawn returns when tmux made the pane,
 * whose `/bin/sh -c 'exec …'` replaces itself a moment later (on a loaded machine, after the
 * first listing), and until then tmux names the pane's command `sh`.
 */
const listedAfterExec = (driver: TmuxDriver, paneIds: readonly string[]) =>
  eventually(async () => {
    const panes = right(await driver.listPanes());
    const execed = paneIds.every((paneId) => {
      const pane = panes.find((candidate) => candidate.paneId === paneId);
      return pane !== undefined && pane.command !== "sh";
    });
    return execed ? panes : undefined;
  });

describe("createTmuxDriver against a real tmux", () => {
  it("spawn returns a pane id that listPanes shows with its session, window and command", async () => {
    const server = newServer();
    const driver = server.driver();
    const spawned = right(await driver.spawn({ session: "crew", window: "worker-1", argv: ["cat"] }));
    expect(spawned.paneId).toMatch(/^%\d+$/);
    expect(spawned.windowId).toMatch(/^@\d+$/);
    const panes = await listedAfterExec(driver, [spawned.paneId]);
    const pane = panes.find((candidate) => candidate.paneId === spawned.paneId);
    expect(pane).toMatchObject({ session: "crew", windowName: "worker-1", command: "cat", dead: false });
    expect(pane?.pid).toBeGreaterThan(0);
    expect(pane?.lastActivityAt).toBeGreaterThan(Date.now() - 60_000);
    // The pane names the server it runs on: its pid and start time, as tmux prints them.
    const [serverPid, startTime] = (await server.tmux(["display-message", "-p", "#{pid} #{start_time}"])).split(" ");
    expect(pane?.tmuxServer).toEqual({ pid: Number(serverPid), startedAt: Number(startTime) * 1000 });
    // The session was created for the agent's window: no extra shell window beside it.
    expect(panes.filter((candidate) => candidate.session === "crew")).toHaveLength(1);
  });

  it("spawn result lacks the pane pid: spawn returns the new pane's pid and its server, in a new session with an environment and in a new window", async () => {
    const server = newServer();
    const driver = server.driver();
    // No server yet: a bare session whose pane is respawned with the environment (a new process, a new pid).
    const first = right(
      await driver.spawn({ session: "bridge", window: "first-mate", argv: ["cat"], env: { FM_ANY: "1" } }),
    );
    const second = right(await driver.spawn({ session: "bridge", window: "worker", argv: ["cat"] }));
    const [serverPid, startTime] = (await server.tmux(["display-message", "-p", "#{pid} #{start_time}"])).split(" ");
    const tmuxServer = { pid: Number(serverPid), startedAt: Number(startTime) * 1000 };
    const panes = await listedAfterExec(driver, [first.paneId, second.paneId]);
    for (const spawned of [first, second]) {
      const listed = panes.find((pane) => pane.paneId === spawned.paneId);
      expect(listed?.command).toBe("cat");
      expect(spawned.panePid).toBeGreaterThan(0);
      expect(spawned.panePid).toBe(listed?.pid);
      expect(spawned.tmuxServer).toEqual(tmuxServer);
    }
  });

  it("a second spawn with the same window name creates another window (names are not identities)", async () => {
    const server = newServer();
    const driver = server.driver();
    const first = right(await driver.spawn({ session: "crew", window: "twin", argv: ["cat"] }));
    const second = right(await driver.spawn({ session: "crew", window: "twin", argv: ["cat"] }));
    expect(second.paneId).not.toBe(first.paneId);
    expect(second.windowId).not.toBe(first.windowId);
    const twins = right(await driver.listPanes()).filter((pane) => pane.windowName === "twin");
    expect(twins.map((pane) => pane.paneId).sort()).toEqual([first.paneId, second.paneId].sort());
  });

  it("concurrent kills end the tmux server: kills that each end a session, asked for at once, leave the server and the other sessions running", async () => {
    const server = newServer();
    await server.start();
    const driver = server.driver();
    const sleeper = (session: string, window: string, create: "new-session" | "new-window") =>
      server.tmux([
        create,
        "-d",
        "-P",
        "-F",
        "#{pane_id}",
        ...(create === "new-session" ? ["-s", session] : ["-t", `=${session}:`]),
        "-n",
        window,
        "exec sleep 3600",
      ]);
    const fleet = [await sleeper("fleet", "a", "new-session")];
    for (const window of ["b", "c"]) fleet.push(await sleeper("fleet", window, "new-window"));
    const bridge = await sleeper("bridge", "fm", "new-session");
    const serverPid = await server.tmux(["display-message", "-p", "#{pid}"]);
    // The order that made tmux 3.3a exit: the kill ending one session first, then all of another's.
    const killed = await Promise.all([bridge, ...fleet].map((paneId) => driver.kill(paneId as PaneId)));
    expect(killed.every(E.isRight)).toBe(true);
    expect(await server.tmux(["display-message", "-p", "#{pid}"])).toBe(serverPid);
    const sessions = (await server.tmux(["list-sessions", "-F", "#{session_name}"])).split("\n");
    expect(sessions).not.toContain("fleet");
    expect(sessions).not.toContain("bridge");
    expect(sessions).toContain("_test_keepalive");
  });

  it("kill removes the pane and the event stream reports its window closing", async () => {
    const server = newServer();
    const driver = server.driver();
    right(await driver.spawn({ session: "crew", window: "survivor", argv: ["cat"] }));
    const events: TmuxEvent[] = [];
    const unsubscribe = driver.subscribe((event) => events.push(event));
    await eventually(() => (events.some((event) => event.type === "connected") ? true : undefined));
    const spawned = right(await driver.spawn({ session: "crew", window: "doomed", argv: ["cat"] }));
    right(await driver.kill(spawned.paneId as PaneId));
    expect(right(await driver.listPanes()).some((pane) => pane.paneId === spawned.paneId)).toBe(false);
    await eventually(() =>
      events.some((event) => event.type === "window-closed" && event.windowId === spawned.windowId) ? true : undefined,
    );
    expect(events).toContainEqual({ type: "pane-exited", paneId: spawned.paneId });
    expect(events).toContainEqual({ type: "window-added", windowId: spawned.windowId });
    unsubscribe();
  });

  it("a stand-in agent that exits at once leaves no pane and is reported", async () => {
    const server = newServer();
    await server.start();
    const driver = server.driver();
    const events: TmuxEvent[] = [];
    driver.subscribe((event) => events.push(event));
    await eventually(() => (events.some((event) => event.type === "connected") ? true : undefined));
    const spawned = right(await driver.spawn({ session: "crew", window: "brief", argv: ["sh", "-c", "sleep 0.2"] }));
    await eventually(() =>
      events.some((event) => event.type === "window-closed" && event.windowId === spawned.windowId) ? true : undefined,
    );
    expect(right(await driver.listPanes()).some((pane) => pane.paneId === spawned.paneId)).toBe(false);
  });

  it("killWindow removes every pane of the window", async () => {
    const server = newServer();
    const driver = server.driver();
    const spawned = right(await driver.spawn({ session: "crew", window: "w", argv: ["cat"] }));
    right(await driver.killWindow(spawned.windowId ?? ""));
    expect(right(await driver.listPanes()).some((pane) => pane.paneId === spawned.paneId)).toBe(false);
    expect(E.isLeft(await driver.killWindow(""))).toBe(true);
  });

  it("spawn passes cwd and env to the agent and keeps # literal in names", async () => {
    const server = newServer();
    await server.start();
    const driver = server.driver();
    const directory = await mkdtemp(join(tmpdir(), "fm-tmux-cwd-#{pane_id}-"));
    try {
      const script =
        "require('fs').writeFileSync('out.json', JSON.stringify({cwd: process.cwd(), v: process.env.FM_V})); setInterval(() => {}, 1e6)";
      const spawned = right(
        await driver.spawn({
          session: "s#(touch /nonexistent)",
          window: "w#{pane_id};",
          argv: ["node", "-e", script],
          cwd: directory,
          env: { FM_V: "x y;#{pane_id}'\"" },
        }),
      );
      const written = await eventually(async () => {
        try {
          return JSON.parse(await readFile(join(directory, "out.json"), "utf8")) as { cwd: string; v: string };
        } catch {
          return undefined;
        }
      });
      expect(written).toEqual({ cwd: directory, v: "x y;#{pane_id}'\"" });
      expect(spawned.paneId).toMatch(/^%\d+$/);
      const windows = await server.tmux(["list-windows", "-a", "-F", "#{session_name}|#{window_name}"]);
      expect(windows.split("\n")).toContain("s#(touch /nonexistent)|w#{pane_id};");
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it("a spawn's environment never lands in tmux's session or global environment (new session or new window)", async () => {
    const server = newServer();
    const driver = server.driver();
    const directory = await mkdtemp(join(tmpdir(), "fm-tmux-env-"));
    try {
      const script =
        "require('fs').writeFileSync(process.env.FM_OUT, process.env.FM_SECRET || 'none'); setInterval(() => {}, 1e6)";
      // No server and no session yet: this spawn creates both.
      const first = right(
        await driver.spawn({
          session: "bridge",
          window: "first-mate",
          argv: ["node", "-e", script],
          cwd: directory,
          env: { FM_SECRET: "first-secret", FM_OUT: join(directory, "first.txt") },
        }),
      );
      const second = right(
        await driver.spawn({
          session: "bridge",
          window: "worker",
          argv: ["node", "-e", script],
          env: { FM_SECRET: "second-secret", FM_OUT: join(directory, "second.txt") },
        }),
      );
      const readBack = (name: string) =>
        eventually(async () => {
          try {
            return await readFile(join(directory, name), "utf8");
          } catch {
            return undefined;
          }
        });
      expect(await readBack("first.txt")).toBe("first-secret");
      expect(await readBack("second.txt")).toBe("second-secret");
      const sessionEnvironment = await server.tmux(["show-environment", "-t", "=bridge"]);
      const globalEnvironment = await server.tmux(["show-environment", "-g"]);
      for (const shown of [sessionEnvironment, globalEnvironment]) {
        expect(shown).not.toContain("secret");
        expect(shown).not.toContain("FM_SECRET");
      }
      // A later window in that session inherits nothing of it.
      const third = right(
        await driver.spawn({
          session: "bridge",
          window: "neighbour",
          argv: ["node", "-e", script],
          env: { FM_OUT: join(directory, "third.txt") },
        }),
      );
      expect(await readBack("third.txt")).toBe("none");
      // The bare session holds the agent's window only, as the pane spawn returned.
      const panes = right(await driver.listPanes()).filter((pane) => pane.session === "bridge");
      expect(panes.map((pane) => pane.paneId).sort()).toEqual([first.paneId, second.paneId, third.paneId].sort());
      expect(panes.find((pane) => pane.paneId === first.paneId)).toMatchObject({
        windowName: "first-mate",
        command: "node",
      });
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });

  it("spawn refuses what tmux would not keep verbatim, and leaves no window behind", async () => {
    const server = newServer();
    await server.start();
    const driver = server.driver();
    for (const request of [
      { session: "a.b", window: "w", argv: ["cat"] },
      { session: "a:b", window: "w", argv: ["cat"] },
      { session: "tab\there", window: "w", argv: ["cat"] },
      { session: "", window: "w", argv: ["cat"] },
      { session: "ok", window: "w", argv: [] },
      { session: "ok", window: "w", argv: ["cat"], env: { "BAD NAME": "x" } },
    ]) {
      const outcome = await driver.spawn(request);
      expect(E.isLeft(outcome) && outcome.left._tag).toBe("TmuxInvalidArgument");
    }
    // tmux refuses a command line this long; neither the new session nor a window may linger.
    const tooLong = ["echo", "a".repeat(100_000)];
    for (const session of ["_test_keepalive", "fresh"]) {
      const failed = await driver.spawn({ session, window: "w", argv: tooLong });
      expect(E.isLeft(failed) && failed.left._tag).toBe("TmuxCommandFailed");
    }
    // The driver's own hidden session (its control-mode connection) is the only other window. Its window's
    // name is not compared: tmux names it after its pane's program, which reads "tmux" until the child execs
    // sleep, and a pane that prints nothing after that exec may keep the first name.
    const windows = await server.tmux(["list-windows", "-a", "-F", "#{session_name}"]);
    expect(windows).toBe(`${DEFAULT_CONTROL_SESSION}\n_test_keepalive`);
  });

  it("capture and sendText work against a pane running cat", async () => {
    const server = newServer();
    const driver = server.driver();
    const { paneId } = right(await driver.spawn({ session: "crew", window: "echo", argv: ["cat"] }));
    const id = paneId as PaneId;
    right(await driver.sendText(id, "hello ünïcode; 'quoted' \"double\" #{pane_id} $HOME;"));
    const screen = await eventually(async () => {
      const captured = right(await driver.capture(id, 10));
      return captured.split("\n").length >= 2 ? captured : undefined;
    });
    // cat's terminal echoes the typed line, then cat prints it back.
    expect(screen.split("\n")).toEqual([
      "hello ünïcode; 'quoted' \"double\" #{pane_id} $HOME;",
      "hello ünïcode; 'quoted' \"double\" #{pane_id} $HOME;",
    ]);
    expect(right(await driver.capture(id, 1))).toBe("hello ünïcode; 'quoted' \"double\" #{pane_id} $HOME;");
    const refused = await driver.sendText(id, "line\nbreak");
    expect(E.isLeft(refused) && refused.left._tag).toBe("TmuxInvalidArgument");
    const badPane = await driver.capture("%x" as PaneId, 5);
    expect(E.isLeft(badPane) && badPane.left._tag).toBe("TmuxInvalidArgument");
  });

  it("lists a 200-pane fleet in one call", async () => {
    const server = newServer();
    const driver = server.driver();
    const first = right(await driver.spawn({ session: "big", window: "w0", argv: ["sleep", "3600"] }));
    const script = Array.from({ length: 199 }, (_, i) => `new-window -d -t =big: -n w${i + 1} "exec sleep 3600"`).join(
      "\n",
    );
    const file = join(tmpdir(), `${server.socketName}.conf`);
    await writeFile(file, script);
    try {
      await server.tmux(["source-file", file]);
    } finally {
      await rm(file, { force: true });
    }
    const panes = right(await driver.listPanes());
    expect(panes).toHaveLength(200);
    expect(new Set(panes.map((pane) => pane.paneId)).size).toBe(200);
    expect(panes.map((pane) => pane.windowName).sort()).toEqual(Array.from({ length: 200 }, (_, i) => `w${i}`).sort());
    expect(panes.every((pane) => pane.session === "big" && pane.command === "sleep")).toBe(true);
    expect(panes[0]?.paneId).toBe(first.paneId);
  });

  it("no server running is an empty fleet", async () => {
    const server = newServer();
    expect(right(await server.driver().listPanes())).toEqual([]);
  });

  it("a missing tmux binary is TmuxNotFound", async () => {
    const driver = createTmuxDriver({ tmuxBinary: "/nonexistent/tmux-binary", socketName: "fm-test-missing" });
    const listed = await driver.listPanes();
    expect(E.isLeft(listed) && listed.left._tag).toBe("TmuxNotFound");
    const spawned = await driver.spawn({ session: "s", window: "w", argv: ["cat"] });
    expect(E.isLeft(spawned) && spawned.left._tag).toBe("TmuxNotFound");
    await driver.close();
  });

  it("the control session is not part of the fleet and close leaves no control client", async () => {
    const server = newServer();
    const driver = server.driver();
    right(await driver.spawn({ session: "crew", window: "w", argv: ["cat"] }));
    const events: TmuxEvent[] = [];
    driver.subscribe((event) => events.push(event));
    await eventually(() => (events.some((event) => event.type === "connected") ? true : undefined));
    expect(await server.tmux(["list-sessions", "-F", "#{session_name}"])).toContain("_first_mate_ctl");
    expect(right(await driver.listPanes()).map((pane) => pane.session)).toEqual(["crew"]);
    expect((await server.tmux(["list-clients", "-F", "#{client_pid}"])).trim()).not.toBe("");
    await driver.close();
    expect((await server.tmux(["list-clients", "-F", "#{client_pid}"])).trim()).toBe("");
  });

  it("the event stream waits for a server, connects, and reports the server going away", async () => {
    const server = newServer();
    const driver = server.driver();
    const events: TmuxEvent[] = [];
    driver.subscribe((event) => events.push(event));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(events).toEqual([]);
    await server.start();
    await eventually(() => (events.some((event) => event.type === "connected") ? true : undefined));
    await server.tmux(["kill-server"]);
    await eventually(() => (events.some((event) => event.type === "disconnected") ? true : undefined));
    await server.start();
    await eventually(
      () => (events.filter((event) => event.type === "connected").length === 2 ? true : undefined),
      10_000,
    );
  });
});
