import type { PaneId, TmuxEvent } from "@first-mate/core";
import { execa } from "execa";
import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { afterEach, describe, expect, it } from "vitest";
import { createTmuxTransport, type TmuxDriver, type TransportSignal } from "../src/index.js";
import { hostileString } from "./hostileArbitraries.js";
import { createTestServer, eventually, type TestServer } from "./tmuxTestServer.js";

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});
const newServer = async () => {
  const server = createTestServer();
  servers.push(server);
  await server.start();
  return server;
};

const right = <A>(either: E.Either<unknown, A>): A => {
  if (E.isLeft(either)) throw new Error(`expected Right, got ${JSON.stringify(either.left)}`);
  return either.right;
};

/** Waits until the driver's commands travel over its control-mode connection. */
const connected = async (driver: TmuxDriver) => {
  right(await driver.read(["display-message", "-p", "x"]));
  await eventually(async () => {
    const before = driver.transportStats().spawnedClients;
    right(await driver.read(["display-message", "-p", "x"]));
    return driver.transportStats().spawnedClients === before ? true : undefined;
  });
};

/** The pid of the driver's control-mode client (the only control client on the server). */
const controlClientPid = async (server: TestServer): Promise<number> => {
  const clients = await server.tmux(["list-clients", "-F", "#{client_pid} #{client_control_mode}"]);
  const pid = clients
    .split("\n")
    .map((line) => line.split(" "))
    .find(([, control]) => control === "1")?.[0];
  if (pid === undefined) throw new Error(`no control client in ${JSON.stringify(clients)}`);
  return Number(pid);
};

describe("the control-mode transport on a real tmux server", () => {
  it("10 000 commands: no reply lost or given to the wrong command, and no process started for them", async () => {
    const server = await newServer();
    const driver = server.driver();
    await connected(driver);
    const before = driver.transportStats();
    for (let batch = 0; batch < 20; batch++) {
      const replies = await Promise.all(
        Array.from({ length: 500 }, (_, index) => {
          const value = `reply-${batch}-${index}`;
          return driver.read(["display-message", "-p", value]).then((reply) => ({ value, reply }));
        }),
      );
      for (const { value, reply } of replies) expect(right(reply).toString("utf8")).toBe(`${value}\n`);
    }
    const after = driver.transportStats();
    expect(after.spawnedClients).toBe(before.spawnedClients);
    expect(after.connections).toBe(before.connections);
    expect(after.connectionCommands - before.connectionCommands).toBe(10_000);
  }, 120_000);

  it("tmux crashed when a session was created while the control client introduced itself: commands wait for the connection", async () => {
    // tmux 3.3a writes the new session's notification to a control client whose control state does not exist yet.
    for (let run = 0; run < 30; run++) {
      const server = await newServer();
      const pid = await server.tmux(["display-message", "-p", "#{pid}"]);
      const driver = server.driver();
      right(await driver.spawn({ session: "crew", window: "first", argv: ["sleep", "3600"] }));
      expect(await server.tmux(["display-message", "-p", "#{pid}"])).toBe(pid);
      await server.stop();
    }
  }, 120_000);

  it("panes die while listings are in flight: every listing is whole, and every death is heard", async () => {
    const server = await newServer();
    const driver = server.driver();
    const events: TmuxEvent[] = [];
    driver.subscribe((event) => events.push(event));
    await eventually(() => (events.some((event) => event.type === "connected") ? true : undefined));
    const panes: PaneId[] = [];
    for (let index = 0; index < 30; index++)
      panes.push(
        right(await driver.spawn({ session: "crew", window: `w${index}`, argv: ["sleep", "3600"] })).paneId as PaneId,
      );
    const listings: Promise<unknown>[] = [];
    for (const paneId of panes) {
      listings.push(driver.listPanes().then((listed) => expect(E.isRight(listed)).toBe(true)));
      await server.tmux(["kill-pane", "-t", paneId]);
      listings.push(driver.capture(panes[panes.length - 1]!, 5));
    }
    await Promise.all(listings);
    await eventually(() =>
      panes.every((paneId) => events.some((event) => event.type === "pane-exited" && event.paneId === paneId))
        ? true
        : undefined,
    );
    expect(right(await driver.listPanes()).map((pane) => pane.session)).toEqual(["_test_keepalive"]);
    expect(events.filter((event) => event.type === "disconnected")).toEqual([]);
  });

  it("the connection killed mid-command: reads are answered, writes are run at most once and the lost ones say unknown", async () => {
    const server = await newServer();
    const driver = server.driver();
    right(await driver.spawn({ session: "crew", window: "first", argv: ["sleep", "3600"] }));
    await connected(driver);
    const pid = await controlClientPid(server);
    const writes = Array.from({ length: 300 }, (_, index) =>
      driver.command(["new-window", "-d", "-t", "=crew:", "-n", `made-${index}`, "sleep 3600"]),
    );
    const reads = Array.from({ length: 300 }, (_, index) => driver.read(["display-message", "-p", `read-${index}`]));
    const spawns = Array.from({ length: 20 }, (_, index) =>
      driver.spawn({ session: "crew", window: `spawned-${index}`, argv: ["sleep", "3600"] }),
    );
    process.kill(pid, "SIGKILL");
    const [written, read, spawned] = await Promise.all([Promise.all(writes), Promise.all(reads), Promise.all(spawns)]);

    for (const [index, reply] of read.entries()) expect(right(reply).toString("utf8")).toBe(`read-${index}\n`);
    const windows = (await server.tmux(["list-windows", "-a", "-F", "#{window_name}"])).split("\n");
    const count = (name: string) => windows.filter((window) => window === name).length;
    const unknown = written.filter((outcome) => E.isLeft(outcome));
    // The kill came in the same tick as the writes: none of their answers can have been read.
    expect(unknown.length).toBeGreaterThan(0);
    for (const outcome of unknown) expect(E.isLeft(outcome) && outcome.left._tag).toBe("TmuxOutcomeUnknown");
    written.forEach((outcome, index) => {
      if (E.isRight(outcome)) expect(count(`made-${index}`)).toBe(1);
      else expect(count(`made-${index}`)).toBeLessThanOrEqual(1);
    });
    // A spawn whose answer was lost looks for its own pane: it reports the pane it made, or that it made none.
    const listed = right(await driver.listPanes());
    spawned.forEach((outcome, index) => {
      const named = listed.filter((pane) => pane.windowName === `spawned-${index}`);
      if (E.isRight(outcome)) expect(named.map((pane) => pane.paneId)).toEqual([outcome.right.paneId]);
      else {
        expect(outcome.left._tag).not.toBe("TmuxOutcomeUnknown");
        expect(named).toEqual([]);
      }
    });
    expect(unknown.length + written.filter(E.isRight).length).toBe(300);
    // The connection comes back, and carries commands again.
    await connected(driver);
    expect(driver.transportStats().connections).toBeGreaterThanOrEqual(2);
  }, 60_000);

  it("a command past its timeout drops the stuck connection; the read is answered and later commands flow again", async () => {
    const server = await newServer();
    const driver = server.driver({ commandTimeoutMs: 300 });
    await connected(driver);
    const started = Date.now();
    // run-shell holds the client's queue until the shell exits.
    right(await driver.read(["run-shell", "sleep 1"]));
    expect(Date.now() - started).toBeLessThan(5_000);
    await connected(driver);
    expect(driver.transportStats().connections).toBe(2);
  });

  it("a command timeout shorter than a control client's start: the connection still opens (its first command waits for the start)", async () => {
    const server = await newServer();
    // No client process starts and answers within 1 ms: the first command must not be held to it.
    const transport = createTmuxTransport(server.options, { controlSessionName: "_test_ctl", commandTimeoutMs: 1 });
    const signals: TransportSignal[] = [];
    transport.listen((signal) => signals.push(signal));
    try {
      transport.start();
      await eventually(() => (signals.some((signal) => signal.type === "up") ? true : undefined));
      expect(transport.stats().connections).toBe(1);
    } finally {
      await transport.close();
    }
  });

  it("hostile window names, process names and screen lines cannot end a reply early or inject a notification", async () => {
    const server = await newServer();
    const driver = server.driver();
    const events: TmuxEvent[] = [];
    driver.subscribe((event) => events.push(event));
    await eventually(() => (events.some((event) => event.type === "connected") ? true : undefined));
    const forged = (number: number) =>
      fc.constantFrom(
        `\n%end 1700000000 ${number} 1\n`,
        `\n%error 1700000000 ${number} 1\n`,
        `\n%begin 1700000000 ${number} 1\n`,
        "\n%window-close @0\n",
        "\n%exit\n",
      );
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.tuple(hostileString({ maxLength: 6 }), fc.nat({ max: 2000 }).chain(forged), hostileString({ maxLength: 6 })),
        fc.tuple(hostileString({ maxLength: 6 }), fc.nat({ max: 2000 }).chain(forged)),
        async ([before, injected, after], [processPrefix, processInjected]) => {
          run += 1;
          const window = `${before}${injected}${after}`;
          // Starting with "p", so the renamed process never reads "sh" or "bash".
          const processName = `p${processPrefix}${processInjected}x`.replaceAll("\u0000", "");
          // The screen prints the forged lines; the process renames itself to them.
          const script = `printf '%s\\n' "$1" "$1"; exec -a "$2" sleep 3600`;
          const spawned = right(
            await driver.spawn({
              session: `hostile${run}`,
              window,
              argv: ["bash", "-c", script, "bash", injected.trim(), processName],
            }),
          );
          const paneId = spawned.paneId as PaneId;
          // Oracle: one value per spawned tmux call cannot be mis-framed (tmux keeps the name up to its first space).
          const oracle = async () =>
            (
              await execa(
                "tmux",
                ["-u", "-L", server.socketName, "display-message", "-p", "-t", paneId, "#{pane_current_command}"],
                {
                  stripFinalNewline: false,
                  env: { TMUX: undefined },
                },
              )
            ).stdout.slice(0, -1);
          const renamed = await eventually(async () => {
            const name = await oracle();
            return name !== "bash" && name !== "sh" ? name : undefined;
          });
          const seen = right(await driver.listPanes()).find((candidate) => candidate.paneId === paneId);
          expect(seen?.command).toBe(renamed);
          expect(seen?.windowName).toBe(window);
          // The rename shows in /proc once printf returned; tmux reads the pane's output on its own time.
          const screen = await eventually(async () => {
            const captured = right(await driver.capture(paneId, 10));
            return captured === "" ? undefined : captured;
          });
          expect(screen).toBe(`${injected.trim()}\n${injected.trim()}`);
          right(await driver.killWindow(spawned.windowId ?? ""));
        },
      ),
      { numRuns: 12 },
    );
    expect(driver.transportStats().connections).toBe(1);
    expect(events.filter((event) => event.type === "disconnected")).toEqual([]);
    expect(events.filter((event) => event.type === "window-closed" && event.windowId === "@0")).toEqual([]);
  }, 120_000);
});
