/**
 * The in-process embed example ends what it started and nothing else. It
 * used to end with `kill-server`, which takes every session of the server
 * with it (and leaves an agent that ignores SIGHUP running). Run as a user
 * runs it (`node --import tsx examples/embed/inProcess.ts`), on a real tmux
 * server, with a neighbour's session beside it.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { processAlive, startIsolatedTmuxServer } from "@first-mate/driver-tmux/testing";
import { afterEach, describe, expect, it } from "vitest";

const EXAMPLE = fileURLToPath(new URL("../inProcess.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("../../..", import.meta.url));

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

const until = async <T>(check: () => T | undefined | Promise<T | undefined>, timeoutMs: number): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

/** The example as a user starts it; its stdout collected, its exit awaited. */
const runExample = (args: readonly string[]) => {
  const env = { ...process.env };
  delete env.TMUX;
  const child: ChildProcess = spawn(
    process.execPath,
    ["--conditions=@first-mate/source", "--import", "tsx", EXAMPLE, ...args],
    { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] },
  );
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString("utf8");
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  cleanups.push(async () => {
    if (child.exitCode === null) child.kill("SIGKILL");
  });
  return { child, exited, stdout: () => stdout, stderr: () => stderr };
};

describe("the embed example ends only what it started", () => {
  it("embed example cleanup kills the tmux server: on a shared server it ends its own panes (one ignores SIGHUP) and sessions, and the server and a neighbour's session live on", async () => {
    const server = await startIsolatedTmuxServer({ label: "embed", keepalive: { session: "neighbour" } });
    cleanups.push(() => server.stop());
    const serverPid = await server.pid();
    const neighbourPid = Number(await server.tmux(["display-message", "-p", "-t", "=neighbour:", "#{pane_pid}"]));

    const example = runExample(["--serve", "--tmux", server.socketName]);
    await until(() => (example.stdout().includes("Ctrl-C to stop") ? true : undefined), 90_000);
    // Its fleet and its first mate are up: record every pane it made, with the pane's process. A pane
    // spawned with an environment starts as a placeholder that is respawned at once (a new pid), so a
    // listing is taken only once every pid it shows is alive.
    const ours = await until(async () => {
      const rows = (await server.tmux(["list-panes", "-a", "-F", "#{session_name} #{window_name} #{pane_pid}"]))
        .split("\n")
        .map((line) => line.split(" "))
        .filter(([session]) => session?.startsWith("fm-embed-"));
      const settled = rows.every(([, , pid]) => processAlive(Number(pid)));
      return rows.some(([session]) => session?.startsWith("fm-embed-bridge-")) && rows.length >= 4 && settled
        ? rows
        : undefined;
    }, 60_000);
    const pids = ours.map(([, , pid]) => Number(pid));
    expect(pids.every((pid) => processAlive(pid))).toBe(true);

    example.child.kill("SIGINT");
    expect(await example.exited).toBe(0);

    // The server and the neighbour's session and process are untouched.
    expect(await server.pid()).toBe(serverPid);
    const sessions = (await server.tmux(["list-sessions", "-F", "#{session_name}"])).split("\n");
    expect(sessions).toEqual(["neighbour"]);
    expect(Number(await server.tmux(["display-message", "-p", "-t", "=neighbour:", "#{pane_pid}"]))).toBe(neighbourPid);
    expect(processAlive(neighbourPid)).toBe(true);
    // Every process of its own panes is gone, the one that ignores SIGHUP too (once tmux has reaped them).
    await until(() => (pids.every((pid) => !processAlive(pid)) ? true : undefined), 20_000);
    expect(example.stderr()).not.toContain("still running after cleanup");
  }, 240_000);

  it("on its private server (the default) nothing is left: no server, no socket file", async () => {
    const example = runExample([]);
    const socketName = `fm-embed-example-${example.child.pid}`;
    expect(await example.exited).toBe(0);
    expect(example.stdout()).toContain("fleet digest:");
    const uid = process.getuid?.() ?? 0;
    const socketPath = `${process.env.TMUX_TMPDIR ?? "/tmp"}/tmux-${uid}/${socketName}`;
    expect(existsSync(socketPath)).toBe(false);
  }, 120_000);
});
