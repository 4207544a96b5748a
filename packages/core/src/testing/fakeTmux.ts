/**
 * An in-memory TmuxPort: panes you add, spawns that can be told to fail,
 * exit at launch or return a malformed pane id, deaths you trigger, screens
 * you set, and server restarts after which pane ids start over (so an old id
 * names another process on another server, as with real tmux).
 */
import * as E from "fp-ts/lib/Either.js";
import type { PaneObservation } from "../domain/observation.js";
import type { PaneId } from "../domain/paneId.js";
import type { TmuxServerIdentity } from "../domain/paneIdentity.js";
import type { TmuxError } from "../ports/errors.js";
import type { SpawnedWindow, SpawnRequest, TmuxEvent, TmuxPort } from "../ports/tmuxPort.js";

/** How the next spawn behaves. */
export type SpawnBehaviour = "ok" | "exit_at_launch" | "malformed_id" | "fail";

/** A tmux port in memory: add, change and kill panes, and record what was spawned, killed and typed. */
export interface FakeTmux extends TmuxPort {
  /**
   * The panes by id. To change one, set a new row (as the fake does): a row
   * changed in place is not seen by an observation, which compares rows by
   * identity with those it listed last.
   */
  readonly panes: Map<string, PaneObservation>;
  addPane(pane: Partial<PaneObservation> & { command: string }): PaneId;
  /** The pane's process exits and its window closes; subscribers hear it. */
  killPaneExternally(paneId: string): void;
  setTitle(paneId: string, title: string): void;
  /** What `capture` shows for a pane (default: a plain prompt line naming it). */
  setScreen(paneId: string, text: string): void;
  /**
   * The tmux server restarts: every pane is gone, pane ids start over from
   * the first one and pids are new, under a new server identity. Subscribers
   * hear `connected`, as from a control-mode client that reconnected.
   */
  restartServer(): void;
  /** The server the panes run on now. */
  server(): TmuxServerIdentity;
  /** While unavailable, listing and spawning fail (no server, a broken socket); the panes live on. */
  setUnavailable(unavailable: boolean): void;
  isUnavailable(): boolean;
  touch(paneId: string): void;
  /** Spawn behaviours consumed in order; "ok" once the queue is empty. */
  queueSpawns(...behaviours: SpawnBehaviour[]): void;
  listSync(): PaneObservation[];
  /**
   * The panes as `listSync` lists them, as the same array for as long as
   * the table holds the same rows in the same order (a quiet fleet is
   * observed at every tick). Never write to it.
   */
  listing(): readonly PaneObservation[];
  /** What `capture` answers, synchronously. */
  screenSync(paneId: string, lines: number): string;
  spawnSync(request: SpawnRequest): E.Either<TmuxError, SpawnedWindow>;
  readonly sent: { paneId: string; text: string }[];
  /** Keys pressed with `sendKeys`, in order. */
  readonly keysSent: { paneId: string; keys: string[] }[];
  readonly spawned: { request: SpawnRequest; behaviour: SpawnBehaviour; paneId: string }[];
  /**
   * A tmux with the same panes, screens, records, spawn behaviours to come
   * and server, that goes on apart with `now` as its clock. Its subscribers
   * are not carried over.
   */
  fork(now: () => number): FakeTmux;
}

/** What a fake tmux holds (see `FakeTmux`); a fork starts from a copy. */
interface TmuxContents {
  readonly panes: Map<string, PaneObservation>;
  readonly behaviours: SpawnBehaviour[];
  readonly sent: { paneId: string; text: string }[];
  readonly keysSent: { paneId: string; keys: string[] }[];
  readonly spawned: { request: SpawnRequest; behaviour: SpawnBehaviour; paneId: string }[];
  readonly screens: Map<string, string>;
  readonly nextPane: number;
  readonly nextWindow: number;
  readonly nextPid: number;
  readonly server: TmuxServerIdentity;
  readonly unavailable: boolean;
}

/** A fresh fake tmux with no panes; `now` stamps their activity. */
export const createFakeTmux = (now: () => number): FakeTmux =>
  tmuxWith(now, {
    panes: new Map(),
    behaviours: [],
    sent: [],
    keysSent: [],
    spawned: [],
    screens: new Map(),
    nextPane: 1,
    nextWindow: 1,
    // Pids never repeat across server restarts: a reused pane id is another process.
    nextPid: 1000,
    server: { pid: 500, startedAt: now() },
    unavailable: false,
  });

const tmuxWith = (now: () => number, contents: TmuxContents): FakeTmux => {
  const { panes, behaviours, sent, keysSent, spawned, screens } = contents;
  const listeners = new Set<(event: TmuxEvent) => void>();
  let { nextPane, nextWindow, nextPid, server, unavailable } = contents;
  const noServer: TmuxError = {
    _tag: "TmuxCommandFailed",
    message: "no server running",
    exitCode: 1,
    stderr: "no server running on /tmp/tmux-0/default",
  };
  const emit = (event: TmuxEvent) => {
    for (const listener of listeners) listener(event);
  };

  const addPane: FakeTmux["addPane"] = (pane) => {
    const paneId = `%${nextPane++}` as PaneId;
    panes.set(paneId, {
      paneId,
      session: pane.session ?? "work",
      windowIndex: pane.windowIndex ?? nextWindow++,
      windowName: pane.windowName ?? `w${paneId.slice(1)}`,
      title: pane.title ?? "",
      command: pane.command,
      pid: pane.pid ?? ++nextPid,
      dead: pane.dead ?? false,
      lastActivityAt: pane.lastActivityAt ?? now(),
      tmuxServer: server,
    });
    screens.delete(paneId);
    return paneId;
  };

  const spawnSync: FakeTmux["spawnSync"] = (request) => {
    if (unavailable) return E.left(noServer);
    const behaviour = behaviours.shift() ?? "ok";
    if (behaviour === "fail") {
      spawned.push({ request, behaviour, paneId: "" });
      return E.left({
        _tag: "TmuxCommandFailed",
        message: "create window failed",
        exitCode: 1,
        stderr: "no space for new window",
      });
    }
    const paneId = addPane({
      session: request.session,
      windowName: request.window,
      command: request.argv[0] ?? "agent",
    });
    spawned.push({ request, behaviour, paneId });
    if (behaviour === "exit_at_launch") panes.delete(paneId);
    // Like the real driver, the create call prints the new pane's pid and its server.
    const created = panes.get(paneId);
    return E.right({
      paneId: behaviour === "malformed_id" ? "" : paneId,
      windowId: `@${paneId.slice(1)}`,
      panePid: created?.pid ?? null,
      tmuxServer: server,
    });
  };

  /** The last listing handed out by `listing` (the table's rows, in order, when it was made). */
  let listed: PaneObservation[] = [];
  const listing = (): readonly PaneObservation[] => {
    // The table is written from outside too (`panes` is public): its rows are compared with the listing's, by identity.
    if (listed.length === panes.size) {
      let index = 0;
      let same = true;
      for (const pane of panes.values()) {
        if (pane !== listed[index++]) {
          same = false;
          break;
        }
      }
      if (same) return listed;
    }
    listed = [...panes.values()];
    return listed;
  };

  return {
    panes,
    sent,
    keysSent,
    spawned,
    addPane,
    spawnSync,
    listSync: () => [...panes.values()],
    listing,
    screenSync: (paneId, lines) => screens.get(paneId) ?? `screen of ${paneId} (${lines} lines)`,
    killPaneExternally(paneId) {
      if (panes.delete(paneId)) emit({ type: "window-closed", windowId: `@${paneId.slice(1)}` });
    },
    setScreen(paneId, text) {
      if (panes.has(paneId)) screens.set(paneId, text);
    },
    restartServer() {
      panes.clear();
      screens.clear();
      nextPane = 1;
      server = { pid: server.pid + 1, startedAt: Math.max(now(), server.startedAt + 1) };
      emit({ type: "connected" });
    },
    server: () => server,
    setUnavailable(value) {
      unavailable = value;
    },
    isUnavailable: () => unavailable,
    setTitle(paneId, title) {
      const pane = panes.get(paneId);
      if (pane) panes.set(paneId, { ...pane, title, lastActivityAt: now() });
    },
    touch(paneId) {
      const pane = panes.get(paneId);
      if (pane) panes.set(paneId, { ...pane, lastActivityAt: now() });
    },
    queueSpawns: (...more) => {
      behaviours.push(...more);
    },
    fork: (forkNow) =>
      tmuxWith(forkNow, {
        panes: new Map(panes),
        behaviours: [...behaviours],
        sent: [...sent],
        keysSent: [...keysSent],
        spawned: [...spawned],
        screens: new Map(screens),
        nextPane,
        nextWindow,
        nextPid,
        server,
        unavailable,
      }),
    listPanes: async () => (unavailable ? E.left(noServer) : E.right([...panes.values()])),
    spawn: async (request) => spawnSync(request),
    kill: async (paneId) => {
      panes.delete(paneId);
      return E.right(undefined);
    },
    killWindow: async (target) => {
      for (const [id, pane] of panes) {
        if (target === `@${id.slice(1)}` || target === `${pane.session}:${pane.windowName}`) panes.delete(id);
      }
      return E.right(undefined);
    },
    capture: async (paneId, lines) =>
      panes.has(paneId)
        ? E.right(screens.get(paneId) ?? `screen of ${paneId} (${lines} lines)`)
        : E.left({ _tag: "TmuxCommandFailed", message: `can't find pane ${paneId}`, exitCode: 1, stderr: "" }),
    sendText: async (paneId, text) => {
      if (!panes.has(paneId))
        return E.left({ _tag: "TmuxCommandFailed", message: `can't find pane ${paneId}`, exitCode: 1, stderr: "" });
      sent.push({ paneId, text });
      return E.right(undefined);
    },
    sendKeys: async (paneId, keys) => {
      if (!panes.has(paneId))
        return E.left({ _tag: "TmuxCommandFailed", message: `can't find pane ${paneId}`, exitCode: 1, stderr: "" });
      keysSent.push({ paneId, keys: [...keys] });
      return E.right(undefined);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
};
