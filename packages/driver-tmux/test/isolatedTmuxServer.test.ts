import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import * as E from "fp-ts/lib/Either.js";
import { afterEach, describe, expect, it } from "vitest";
import { createTmuxDriver } from "../src/index.js";
import {
  createIsolatedTmuxServer,
  type IsolatedTmuxServer,
  processAlive,
  startIsolatedTmuxServer,
  waitForProcessExit,
} from "../src/testing/index.js";

const started: IsolatedTmuxServer[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((server) => server.stop()));
});
const track = (server: IsolatedTmuxServer) => {
  started.push(server);
  return server;
};

describe("the isolated tmux server (testing entry)", () => {
  it("starts with the keepalive session and the panes asked for, which a driver sees", async () => {
    const server = track(
      await startIsolatedTmuxServer({ label: "helper", panes: 3, keepalive: { session: "home", window: "idle" } }),
    );
    const driver = createTmuxDriver(server.driverOptions);
    try {
      const listed = await driver.listPanes();
      expect(E.isRight(listed) && listed.right.map((pane) => `${pane.session}:${pane.windowName}`).sort()).toEqual([
        "home:idle",
        "panes0:w0",
        "panes0:w1",
        "panes0:w2",
      ]);
    } finally {
      await driver.close();
    }
    expect(await server.tmux(["display-message", "-p", "-t", "=home:", "ends in;"])).toBe("ends in;");
  });

  it("stop waits for the server to exit, removes its socket, and may be called again", async () => {
    const server = track(await startIsolatedTmuxServer());
    const pid = await server.pid();
    const socketPath = await server.tmux(["display-message", "-p", "#{socket_path}"]);
    expect(pid !== null && processAlive(pid)).toBe(true);
    expect(existsSync(socketPath)).toBe(true);
    await Promise.all([server.stop(), server.stop()]);
    expect(processAlive(pid!)).toBe(false);
    expect(existsSync(socketPath)).toBe(false);
    expect(await server.pid()).toBeNull();
    await server.stop();
  });

  it.runIf(process.platform === "linux")(
    "a daemon that exited but is not reaped yet (a zombie, till init reaps it) was waited for as running: it counts as gone",
    async () => {
      // A parent that never reaps: its child exits at once and stays a zombie while the parent sleeps.
      const parent = spawn(
        "python3",
        ["-c", "import os, time\npid = os.fork()\nif pid == 0: os._exit(0)\nprint(pid, flush=True)\ntime.sleep(30)"],
        { stdio: ["ignore", "pipe", "ignore"] },
      );
      try {
        const zombie = await new Promise<number>((resolve) =>
          parent.stdout.once("data", (chunk) => resolve(Number(String(chunk).trim()))),
        );
        const state = () => {
          try {
            const stat = readFileSync(`/proc/${zombie}/stat`, "latin1");
            return stat.charAt(stat.lastIndexOf(")") + 2);
          } catch {
            return "gone";
          }
        };
        // Wait on the condition itself: the child has exited and stays a zombie while its parent sleeps.
        for (const deadline = Date.now() + 20_000; state() !== "Z" && Date.now() < deadline; )
          await new Promise((resolve) => setTimeout(resolve, 10));
        expect(state()).toBe("Z");
        expect(processAlive(zombie)).toBe(false);
        // Exited on its own: no SIGKILL, and no wait for the reaping.
        expect(await waitForProcessExit(zombie, 10_000)).toBe("exited");
        expect(state()).toBe("Z");
      } finally {
        parent.kill("SIGKILL");
      }
    },
  );

  it("a server not yet started has no pid; start brings it up and a later restart works", async () => {
    const server = track(createIsolatedTmuxServer({ label: "lazy" }));
    expect(await server.pid()).toBeNull();
    await server.start();
    expect(await server.pid()).not.toBeNull();
    await server.stop();
    await server.start();
    expect(await server.tmux(["list-sessions", "-F", "#{session_name}"])).toBe("keepalive");
  });

  it("refuses names it cannot put in a tmux script, and a server with nothing to keep it alive", () => {
    expect(() => createIsolatedTmuxServer({ label: "a b" })).toThrow(/label/);
    expect(() => createIsolatedTmuxServer({ keepalive: { session: "x;y" } })).toThrow(/keepalive session/);
    expect(() => createIsolatedTmuxServer({ keepalive: false })).toThrow(/keepalive session or panes/);
  });
});
