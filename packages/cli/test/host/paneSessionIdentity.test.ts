/**
 * The host's channel server judges a hello's tmux server, and keeps a
 * session only while its pane is the pane it was admitted for. Real tmux on
 * an isolated socket, the real channel server on a private socket, and the
 * host's own `createObservedTmux` over the real tmux driver. Each test is
 * named after the defect it pins.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AgentHookPayload, CoreState, PaneId, ToolHost } from "@first-mate/core";
import { type ChannelServer, createChannelServer } from "@first-mate/driver-mcp";
import { createTmuxDriver } from "@first-mate/driver-tmux";
import { createIsolatedTmuxServer } from "@first-mate/driver-tmux/testing";
import * as E from "fp-ts/lib/Either.js";
import { afterEach, describe, expect, it } from "vitest";
import { createObservedTmux } from "../../src/host/observedTmux.js";
import { sayHello } from "../helloClient.js";

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

const until = async <T>(check: () => T | undefined | Promise<T | undefined>, timeoutMs = 20_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
};

/** A raw connection that has sent `hello`, closed after the test. */
const hello = async (socketPath: string, line: Record<string, unknown>) => {
  const client = await sayHello(socketPath, line);
  cleanups.push(async () => client.destroy());
  return client;
};

const codeOf = (line: string): string | null => (JSON.parse(line) as { error?: { code?: string } }).error?.code ?? null;

/** A tool host that records the lifecycle hooks that reached it; nothing else is called here. */
const recordingHost = () => {
  const hooks: { from: PaneId; payload: AgentHookPayload }[] = [];
  const refused = () => Promise.resolve(E.left({ _tag: "ToolRefused" as const, message: "not here" }));
  const host: ToolHost = {
    firstMateMarker: async () => null,
    notify: refused,
    report: refused,
    fleetDigest: refused,
    readLog: refused,
    appendLog: refused,
    peek: refused,
    nudge: refused,
    agentHook: async (from: PaneId, payload: AgentHookPayload) => {
      hooks.push({ from, payload });
      return E.right("ok");
    },
  } as unknown as ToolHost;
  return { host, hooks };
};

/** A tmux server and the host's channel server watching it, before the runtime has listed anything. */
const setUp = async () => {
  const tmux = createIsolatedTmuxServer({ label: "sessions", keepalive: { session: "work" } });
  cleanups.push(() => tmux.stop());
  await tmux.start();
  const driver = createTmuxDriver(tmux.driverOptions);
  cleanups.push(() => driver.close());
  const dir = await mkdtemp(join(tmpdir(), "fm-pane-session-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const socketPath = join(dir, "run", "channel.sock");
  const tmuxSocketPath = await tmux.tmux(["display-message", "-p", "#{socket_path}"]);
  const { host, hooks } = recordingHost();
  // Never bound to a runtime: nothing was listed yet, as at a host's start.
  const observedTmux = createObservedTmux(driver);
  const server: ChannelServer = createChannelServer({ socketPath, host, tmuxSocketPath, observedTmux });
  const listening = await server.listen();
  if (E.isLeft(listening)) throw new Error(listening.left.message);
  cleanups.push(() => server.close());
  /** `$TMUX` as a client on the current server carries it. */
  const tmuxEnvironment = async () => `${tmuxSocketPath},${await tmux.pid()},0`;
  /** The fleet as the driver lists it now. */
  const list = async () => {
    const listed = await driver.listPanes();
    if (E.isLeft(listed)) throw new Error(listed.left.message);
    return listed.right;
  };
  return { tmux, driver, socketPath, hooks, server, tmuxEnvironment, observedTmux, list };
};

describe("the host's channel server and pane identity", () => {
  it("hello before any listing checked by socket path only: before the host lists a pane, a hello from the old server on the same socket path is refused, one from the current server served", async () => {
    const { tmux, socketPath, hooks, server, tmuxEnvironment } = await setUp();
    const before = await tmuxEnvironment();
    // kill-server and a new server on the same path; the host has listed neither.
    await tmux.stop();
    await tmux.start();
    const after = await tmuxEnvironment();
    expect(after).not.toBe(before);

    const stale = await hello(socketPath, { role: "agent", pane: "%0", tmux: before });
    await until(() => stale.lines[0]);
    expect(codeOf(stale.lines[0]!)).toBe("HelloWrongTmuxServer");
    const staleHook = await hello(socketPath, {
      role: "hook",
      pane: "%0",
      tmux: before,
      payload: { hook_event_name: "Stop", session_id: "s-1" },
    });
    await until(() => staleHook.lines[0]);
    expect(codeOf(staleHook.lines[0]!)).toBe("HelloWrongTmuxServer");
    expect(hooks).toEqual([]);

    const current = await hello(socketPath, { role: "agent", pane: "%0", tmux: after });
    await until(() => (server.sessions().some((session) => session.paneId === "%0") ? true : undefined));
    expect(current.lines).toEqual([]);
    const currentHook = await hello(socketPath, {
      role: "hook",
      pane: "%0",
      tmux: after,
      payload: { hook_event_name: "Stop", session_id: "s-1" },
    });
    await until(() => currentHook.lines[0]);
    expect(codeOf(currentHook.lines[0]!)).toBeNull();
    expect(hooks.map((hook) => hook.from)).toEqual(["%0"]);
  });

  it("session kept after its pane changes pid: a listing that shows the pane id with another process closes its session", async () => {
    const { tmux, socketPath, server, tmuxEnvironment, list } = await setUp();
    const pane = (
      await tmux.tmux(["new-window", "-d", "-P", "-F", "#{pane_id}", "-t", "work:", "exec sleep 3600"])
    ).trim() as PaneId;
    const first = (await list()).find((candidate) => candidate.paneId === pane)!;
    const session = await hello(socketPath, { role: "agent", pane, tmux: await tmuxEnvironment() });
    await until(() => server.sessions().find((candidate) => candidate.paneId === pane));
    // Admitted before any listing: the pane's pid was read from tmux at the hello.
    expect(server.sessions().find((candidate) => candidate.paneId === pane)?.panePid).toBe(first.pid);
    // The same process listed again: nothing to close.
    expect(await server.closeReplacedSessions(await list())).toEqual([]);

    // The pane's process ends and another takes the pane id.
    await tmux.tmux(["respawn-pane", "-k", "-t", pane, "exec sleep 3601"]);
    const after = await until(async () => {
      const panes = await list();
      const listed = panes.find((candidate) => candidate.paneId === pane);
      return listed !== undefined && listed.pid !== first.pid ? panes : undefined;
    });
    expect(await server.closeReplacedSessions(after)).toEqual([pane]);
    expect(server.sessions().some((candidate) => candidate.paneId === pane)).toBe(false);
    await until(() => (session.isClosed() ? true : undefined));
  });

  it("session closed by a listing older than its hello: a pane respawned after the host's last listing keeps the session its new process opens, and the older listing, heard late, closes nothing", async () => {
    const { tmux, socketPath, server, tmuxEnvironment, observedTmux, list } = await setUp();
    const pane = (
      await tmux.tmux(["new-window", "-d", "-P", "-F", "#{pane_id}", "-t", "work:", "exec sleep 3600"])
    ).trim() as PaneId;
    const before = await list();
    const earlier = before.find((candidate) => candidate.paneId === pane)!;
    // The host's last listing shows the pane's first process (a spawn with an environment starts its pane bare)…
    observedTmux.bind(() => ({ fleet: before }) as unknown as CoreState);
    // …then the pane is respawned with the agent, which says hello before the next listing.
    await tmux.tmux(["respawn-pane", "-k", "-t", pane, "exec sleep 3601"]);
    const now = Number((await tmux.tmux(["display-message", "-p", "-t", pane, "#{pane_pid}"])).trim());
    expect(now).not.toBe(earlier.pid);
    const session = await hello(socketPath, { role: "agent", pane, tmux: await tmuxEnvironment() });
    const admitted = await until(() => server.sessions().find((candidate) => candidate.paneId === pane));
    // The session's pane pid is the pane's process now, not the listing's.
    expect(admitted.panePid).toBe(now);
    // The listing from before the respawn, heard after the hello, closes nothing: tmux still runs that process.
    expect(await server.closeReplacedSessions(before)).toEqual([]);
    expect(await server.closeReplacedSessions(await list())).toEqual([]);
    expect(server.sessions().some((candidate) => candidate.paneId === pane)).toBe(true);
    expect(session.isClosed()).toBe(false);
  });

  it("a session whose hello named a tmux server that is gone is closed by the first listing of the new server", async () => {
    const { tmux, driver, socketPath, server, tmuxEnvironment } = await setUp();
    const session = await hello(socketPath, { role: "agent", pane: "%0", tmux: await tmuxEnvironment() });
    await until(() => server.sessions().find((candidate) => candidate.paneId === "%0"));
    await tmux.stop();
    await tmux.start();
    const listed = await until(async () => {
      const panes = await driver.listPanes();
      return E.isRight(panes) && panes.right.length > 0 ? panes.right : undefined;
    });
    expect(await server.closeReplacedSessions(listed)).toEqual(["%0"]);
    await until(() => (session.isClosed() ? true : undefined));
  });
});
