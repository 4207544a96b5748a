/**
 * Hellos name their tmux server by `$TMUX` (`socket_path,server_pid,
 * session_index`). A tmux server killed and started again on the same
 * socket path is another server — its pane ids start again at %0 — so the
 * server pid must match too, for the shim, the Node hook and the Python
 * hook. Real tmux on an isolated socket, the real channel socket.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import type { AgentHookPayload, PaneId, TmuxServerIdentity, ToolResult } from "@first-mate/core";
import { createTmuxDriver } from "@first-mate/driver-tmux";
import { createIsolatedTmuxServer } from "@first-mate/driver-tmux/testing";
import * as E from "fp-ts/lib/Either.js";
import { afterEach, describe, expect, it } from "vitest";
import { type ChannelServer, createChannelServer, parseTmuxEnvironment } from "../src/channelServer.js";
import { runHook } from "../src/hook/runHook.js";
import { FakeToolHost } from "./support/fakeToolHost.js";
import { openRaw } from "./support/rawConnection.js";

const PYTHON_HOOK = fileURLToPath(new URL("../hook/first_mate_hook.py", import.meta.url));

/** A tool host that records the lifecycle hooks that reached it. */
class HookRecordingHost extends FakeToolHost {
  readonly hooks: { from: PaneId; payload: AgentHookPayload }[] = [];
  agentHook(from: PaneId, payload: AgentHookPayload): ToolResult<string> {
    this.hooks.push({ from, payload });
    return Promise.resolve(E.right("ok"));
  }
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A tmux server, a channel server watching it, and what the host observed of it (from a real listing). */
const setUp = async () => {
  const tmux = createIsolatedTmuxServer({ label: "identity" });
  cleanups.push(() => tmux.stop());
  await tmux.start();
  const driver = createTmuxDriver(tmux.driverOptions);
  cleanups.push(() => driver.close());
  const dir = await mkdtemp(join(tmpdir(), "fm-identity-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const socketPath = join(dir, "run", "channel.sock");
  const tmuxSocketPath = await tmux.tmux(["display-message", "-p", "#{socket_path}"]);
  let observed: TmuxServerIdentity | null = null;
  /** The host's observation: one real `list-panes` through the driver. */
  const observe = async () => {
    const panes = await driver.listPanes();
    if (E.isLeft(panes)) throw new Error(panes.left.message);
    observed = panes.right.find((pane) => pane.tmuxServer !== undefined)?.tmuxServer ?? null;
    return panes.right;
  };
  const host = new HookRecordingHost();
  const server: ChannelServer = createChannelServer({
    socketPath,
    host,
    tmuxSocketPath,
    observedTmux: { server: () => observed, panePid: () => null },
  });
  const listening = await server.listen();
  if (E.isLeft(listening)) throw new Error(listening.left.message);
  cleanups.push(() => server.close());
  /** `$TMUX` as a client on the current server would carry it. */
  const tmuxEnvironment = async () => `${tmuxSocketPath},${await tmux.pid()},0`;
  return { tmux, socketPath, host, server, observe, tmuxEnvironment };
};

const INITIALIZE = {
  jsonrpc: "2.0",
  id: 1,
  method: "initialize",
  params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "identity-test", version: "0.0.0" } },
};

/**
 * The first line the server answers a hello with, or null when it serves the session. A served
 * session says nothing until asked, so the hello is followed by an MCP initialize: the first line
 * is then either the refusal or the initialize result, whatever the machine's load.
 */
const answerTo = async (socketPath: string, hello: Record<string, unknown>): Promise<string | null> => {
  const raw = await openRaw(socketPath);
  raw.write(`${JSON.stringify(hello)}\n${JSON.stringify(INITIALIZE)}\n`);
  await raw.waitForLines(1);
  raw.destroy();
  const first = raw.lines[0];
  if (first === undefined)
    throw new Error(`the server closed the connection without answering ${JSON.stringify(hello)}`);
  return "result" in (JSON.parse(first) as object) ? null : first;
};

const codeOf = (line: string | null): string | null =>
  line === null ? null : ((JSON.parse(line) as { error?: { code?: string } }).error?.code ?? null);

const runPythonHook = (socketPath: string, tmuxEnvironment: string): Promise<number | null> =>
  new Promise((resolve, reject) => {
    const child = spawn("python3", ["-I", "-S", PYTHON_HOOK], {
      env: { ...process.env, TMUX_PANE: "%0", TMUX: tmuxEnvironment, FIRST_MATE_SOCKET: socketPath },
      stdio: ["pipe", "ignore", "ignore"],
    });
    child.once("error", reject);
    child.once("exit", (code) => resolve(code));
    child.stdin.end(JSON.stringify({ hook_event_name: "Stop", session_id: "s-1" }));
  });

const runNodeHook = async (socketPath: string, tmuxEnvironment: string) => {
  const stdin = new PassThrough();
  stdin.end(JSON.stringify({ hook_event_name: "Stop", session_id: "s-1" }));
  return runHook({
    stdin,
    env: { TMUX_PANE: "%0", TMUX: tmuxEnvironment, FIRST_MATE_SOCKET: socketPath },
    deadlineMs: 2_000,
  });
};

describe("hellos carry their tmux server: socket path and server pid", () => {
  it("hello from another tmux server with same socket path accepted: after kill-server and a new server, the old server's $TMUX is refused for the shim, the Node hook and the Python hook", async () => {
    const { tmux, socketPath, host, observe, tmuxEnvironment } = await setUp();
    await observe();
    const before = await tmuxEnvironment();
    // The same path, a new server: pane ids start again at %0.
    await tmux.stop();
    await tmux.start();
    await observe();
    const after = await tmuxEnvironment();
    expect(parseTmuxEnvironment(after).socketPath).toBe(parseTmuxEnvironment(before).socketPath);
    expect(parseTmuxEnvironment(after).pid).not.toBe(parseTmuxEnvironment(before).pid);

    expect(codeOf(await answerTo(socketPath, { pane: "%0", tmux: before }))).toBe("HelloWrongTmuxServer");
    const nodeHook = await runNodeHook(socketPath, before);
    expect(nodeHook.kind === "replied" && codeOf(nodeHook.reply)).toBe("HelloWrongTmuxServer");
    expect(await runPythonHook(socketPath, before)).toBe(0);
    expect(host.hooks).toEqual([]);

    // The current server's clients are served.
    expect(await answerTo(socketPath, { pane: "%0", tmux: after })).toBeNull();
    const current = await runNodeHook(socketPath, after);
    expect(current.kind === "replied" && codeOf(current.reply)).toBeNull();
    expect(await runPythonHook(socketPath, after)).toBe(0);
    expect(host.hooks.map((hook) => hook.from)).toEqual(["%0", "%0"]);
  });

  it("a $TMUX without a server pid is refused once the server is known; before any observation the socket path decides", async () => {
    const { socketPath, observe, tmuxEnvironment } = await setUp();
    const current = await tmuxEnvironment();
    const { socketPath: tmuxSocket } = parseTmuxEnvironment(current);
    expect(await answerTo(socketPath, { pane: "%0", tmux: `${tmuxSocket},x,0` })).toBeNull();
    await observe();
    expect(codeOf(await answerTo(socketPath, { pane: "%0", tmux: `${tmuxSocket},x,0` }))).toBe("HelloWrongTmuxServer");
    expect(codeOf(await answerTo(socketPath, { pane: "%0", tmux: tmuxSocket }))).toBe("HelloWrongTmuxServer");
    expect(await answerTo(socketPath, { pane: "%0", tmux: current })).toBeNull();
  });

  it("parseTmuxEnvironment keeps a socket path with commas and reads the pid before the session index", () => {
    expect(parseTmuxEnvironment("/tmp/a,b/default,123,4")).toEqual({ socketPath: "/tmp/a,b/default", pid: 123 });
    expect(parseTmuxEnvironment("/tmp/x/default")).toEqual({ socketPath: "/tmp/x/default", pid: null });
  });
});
