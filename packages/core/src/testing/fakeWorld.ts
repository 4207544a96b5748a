/**
 * A seeded fake world around the pure core: fake tmux, channel, store and
 * clock, and a work queue that runs one thing at a time — an event through
 * `step`, or a command against the fakes. Deterministic for a seed, so a
 * failing property run replays exactly.
 *
 * `step()` runs one item, `drive()` runs until quiescent, `driveBounded(n)`
 * at most n items; `advance(ms)` moves time and delivers due ticks.
 * A spawned first mate attaches to the channel by itself (like the real
 * agent through its shim) unless `autoAttach` is false.
 */
import * as E from "fp-ts/lib/Either.js";
import { type Command, isStoreCommand, isStoreQuery } from "../commands.js";
import { type CoreConfigInput, parseCoreConfig } from "../config.js";
import type { FleetDigest } from "../domain/digest.js";
import type { PaneObservation } from "../domain/observation.js";
import { isPaneId, type PaneId } from "../domain/paneId.js";
import type { ToolCall, ToolReply } from "../domain/toolCall.js";
import type { Event } from "../events.js";
import { describeError } from "../ports/errors.js";
import { skippedEffectEvent } from "../runtime/executeCommand.js";
import { type CoreState, initialState } from "../state.js";
import { step as coreStep, currentDigest } from "../step.js";
import { createFakeChannel, type FakeChannel } from "./fakeChannel.js";
import { createFakeClock, type FakeClock } from "./fakeClock.js";
import { createFakeStore, type FakeStore } from "./fakeStore.js";
import { createFakeTmux, type FakeTmux } from "./fakeTmux.js";

/** One queued item of a fake world: an event to step, or a command to execute. */
export type WorkItem =
  | { readonly kind: "event"; readonly event: Event }
  /** `batch` numbers the step that produced it: a failed durable write stops the rest of its batch. */
  | { readonly kind: "command"; readonly command: Command; readonly batch?: number };

/** How to build a fake world: the core configuration, a seed, the owner, whether the first mate attaches by itself, and the start time. */
export interface FakeWorldOptions {
  readonly config?: CoreConfigInput;
  readonly seed?: number;
  readonly owner?: string;
  readonly autoAttach?: boolean;
  /**
   * The first mate hears its channel and acts on each push (a tool call
   * naming it), like a real first mate with channels on. Default true; false
   * models an agent whose channel is silently off (see `firstMateHearsChannel`).
   */
  readonly firstMateHearsChannel?: boolean;
  /** The first mate acknowledges what it hears (default true); false models one that hears but never says so. */
  readonly firstMateAcknowledges?: boolean;
  /** Start time, epoch ms. */
  readonly start?: number;
}

/** An alert raised in a fake world, with its time. */
export interface WorldAlert {
  readonly at: number;
  readonly code: string;
  readonly message: string;
}

/**
 * The core against fake tmux, channel, store and clock, driven step by step (`step`, `drive`, `driveBounded`) with
 * a deterministic order; for property tests of an integration.
 */
export interface FakeWorld {
  readonly clock: FakeClock;
  readonly tmux: FakeTmux;
  readonly channel: FakeChannel;
  readonly store: FakeStore;
  readonly alerts: WorldAlert[];
  /** Every command the core produced, in order. */
  readonly commands: Command[];
  /** Every event the core consumed, in order. */
  readonly events: Event[];
  /**
   * Commands the world ran but that had nothing to act on (a kill of a pane
   * already gone, a capture of a missing pane, a store write the fake store
   * refused), with why: nothing is dropped without a trace.
   */
  readonly unapplied: { readonly command: Command; readonly reason: string }[];
  /** Every `tool.reply` the core issued, in order: the answers to injected ToolCalled events. */
  readonly toolReplies: { readonly requestId: string; readonly reply: ToolReply }[];
  state(): CoreState;
  now(): number;
  start(): void;
  /** Queue an event from outside (embedder input, tool call, tmux event). */
  inject(event: Event): void;
  /**
   * A first mate's tool call that acts (what the runtime's `callTool` does):
   * a ToolCalled event with a fresh request id, driven until quiet; resolves
   * with the core's reply for it. The ToolHost's `callTool` over this world.
   */
  callTool(from: PaneId, call: ToolCall): Promise<ToolReply>;
  step(): boolean;
  drive(limit?: number): number;
  driveBounded(n: number): number;
  /** Move time forward, delivering a Ticked at every due wake-up, driving after each. */
  advance(ms: number): void;
  digest(): FleetDigest;
  firstMatePaneId(): PaneId | null;
  /** Live panes running in the first mate's window. */
  firstMatePanes(): PaneObservation[];
  /** Pushes the first mate has received (all first mates, in order). */
  pushesToFirstMate(): { paneId: string; content: string; meta: Record<string, string> }[];
  addWorker(options?: { command?: string; title?: string; session?: string; windowName?: string }): PaneId;
  /** Restart the host: a fresh core hydrated from the same store, same tmux. */
  restartHost(owner?: string): void;
  /** Whether the fake first mate hears (and acknowledges) channel pushes; may change mid-run. */
  firstMateHearsChannel: boolean;
  firstMateAcknowledges: boolean;
  /** How a first mate's pane treats its channel: latched from the two flags above when it was spawned. */
  firstMateChannelOf(paneId: string): { readonly hears: boolean; readonly acknowledges: boolean };
}

/** A small deterministic PRNG (mulberry32) for world choices. */
export const seededRandom = (seed: number): (() => number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

const fakeTokenHash = (n: number): string => n.toString(16).padStart(64, "0");

/** Build a fake world from options; nothing happens until it is driven. */
export const createFakeWorld = (options: FakeWorldOptions = {}): FakeWorld => {
  const config = parseCoreConfig(options.config ?? {});
  const clock = createFakeClock(options.start);
  const tmux = createFakeTmux(() => clock.now());
  const channel = createFakeChannel();
  const store = createFakeStore();
  const autoAttach = options.autoAttach ?? true;
  let owner = options.owner ?? "world-host";
  let state = initialState(config);
  const queue: WorkItem[] = [];
  const wakes = new Set<number>();
  const alerts: WorldAlert[] = [];
  const commands: Command[] = [];
  const events: Event[] = [];
  const unapplied: { command: Command; reason: string }[] = [];
  const pushes: { paneId: string; content: string; meta: Record<string, string> }[] = [];
  const toolReplies: { requestId: string; reply: ToolReply }[] = [];
  let toolCalls = 0;
  let tokens = 0;
  const staleWrite = (command: Command) => staleWriteIn(store, command);
  const channelBehaviour = new Map<string, { hears: boolean; acknowledges: boolean }>();

  tmux.subscribe((event) => {
    if (event.type === "window-closed")
      queue.push({ kind: "event", event: { type: "PaneExited", now: clock.now(), paneId: null } });
  });
  channel.subscribe((event) => {
    queue.push({
      kind: "event",
      event:
        event.type === "attached"
          ? { type: "ChannelAttached", now: clock.now(), paneId: event.paneId, firstMate: event.firstMate }
          : { type: "ChannelDetached", now: clock.now(), paneId: event.paneId },
    });
  });

  const execute = (command: Command): Event | null => {
    const now = clock.now();
    switch (command.type) {
      case "fleet.observe": {
        // Like the runtime: the store's supervisor flags and marker ride along (when the store answers).
        const stored = store.snapshot();
        if (store.isUnavailable())
          return { type: "FleetObserved", now, observeId: command.observeId, panes: tmux.listSync() };
        return {
          type: "FleetObserved",
          now,
          observeId: command.observeId,
          panes: tmux.listSync(),
          flags: {
            killSwitch: stored.killSwitch,
            gaveUp: stored.gaveUp,
            resetAt: stored.resetAt,
            marker: stored.marker,
          },
        };
      }
      case "tmux.spawn": {
        tokens++;
        const tokenHash = fakeTokenHash(tokens);
        const result = tmux.spawnSync({ session: command.session, window: command.window, argv: ["claude"], env: {} });
        if (E.isLeft(result))
          return { type: "SpawnFailed", now, requestId: command.requestId, reason: describeError(result.left) };
        const spawned = tmux.spawned[tmux.spawned.length - 1];
        channelBehaviour.set(result.right.paneId, {
          hears: world.firstMateHearsChannel,
          acknowledges: world.firstMateAcknowledges,
        });
        if (spawned?.behaviour === "exit_at_launch") {
          queue.push({ kind: "event", event: { type: "PaneExited", now, paneId: null } });
        }
        return {
          type: "SpawnSucceeded",
          now,
          requestId: command.requestId,
          paneId: result.right.paneId,
          windowId: result.right.windowId,
          tokenHash,
        };
      }
      case "tmux.kill": {
        const closed = tmux.panes.delete(command.paneId);
        if (!closed) unapplied.push({ command, reason: "no such pane" });
        // A tool's terminate is always answered (the fake world records no processes).
        if (command.requestId === undefined) return null;
        const error = closed ? null : "TmuxCommandFailed: no such pane";
        return {
          type: "PaneCloseSettled",
          now,
          requestId: command.requestId,
          paneId: command.paneId,
          error,
          report: null,
        };
      }
      case "tmux.capture":
        if (!tmux.panes.has(command.paneId)) {
          unapplied.push({ command, reason: "no such pane" });
          return command.requestId === undefined
            ? null
            : { type: "ScreenCaptureFailed", now, requestId: command.requestId, reason: "no such pane" };
        }
        return {
          type: "ScreenCaptured",
          now,
          paneId: command.paneId,
          text: `screen of ${command.paneId} (${command.lines} lines)`,
          ...(command.requestId === undefined ? {} : { requestId: command.requestId }),
        };
      case "store.addProposal": {
        // The fake store applies writes synchronously: the new proposal (or none) shows at once.
        const before = store.authoritySnapshot().proposals.length;
        void store.addProposal({ action: command.action, reason: command.reason, at: command.at });
        const added = store.authoritySnapshot().proposals.slice(before)[0];
        if (!added) unapplied.push({ command, reason: "store unavailable" });
        return {
          type: "ActionProposed",
          now,
          action: command.action,
          reason: command.reason,
          handBack: command.handBack,
          requestId: command.requestId,
          ...(added
            ? { proposalId: added.id }
            : { proposalId: null, storeError: "StoreUnavailable: database is locked" }),
        };
      }
      case "tool.reply":
        // Recorded in `commands` and `toolReplies`: the fake world has no caller waiting on it.
        toolReplies.push({ requestId: command.requestId, reply: command.reply });
        return null;
      case "tmux.spawnWorker": {
        const paneId = tmux.addPane({
          command: command.launch.argv[0]!,
          session: command.launch.session,
          windowName: command.launch.name,
        });
        return { type: "DeferredSpawnSettled", now, spawnId: command.spawnId, paneId, reason: null };
      }
      case "store.setConn":
        void store.saveConn(command.conn).then((result) => {
          if (E.isLeft(result)) unapplied.push({ command, reason: describeError(result.left) });
        });
        return null;
      case "tmux.killWindow":
        void tmux.killWindow(command.target);
        return null;
      case "channel.emit": {
        const delivered = channel.emitSync(command.paneId, command.content, command.meta);
        if (delivered) pushes.push({ paneId: command.paneId, content: command.content, meta: { ...command.meta } });
        if (!delivered) return { type: "EmitFailed", now, emitId: command.emitId, reason: "not attached" };
        queue.push({ kind: "event", event: { type: "EmitSucceeded", now, emitId: command.emitId } });
        // A first mate that hears its channel acts on the push, naming it.
        const behaviour = world.firstMateChannelOf(command.paneId);
        if (behaviour.hears && behaviour.acknowledges && command.paneId === state.supervisor.marker?.paneId) {
          const ack = command.meta.push;
          queue.push({
            kind: "event",
            event: { type: "FirstMateToolCalled", now, paneId: command.paneId, tool: "inbox", ...(ack ? { ack } : {}) },
          });
        }
        return null;
      }
      case "tmux.sendText": {
        if (!tmux.panes.has(command.paneId))
          return { type: "TextSendFailed", now, requestId: command.requestId, reason: "no such pane" };
        tmux.sent.push({ paneId: command.paneId, text: command.text });
        return { type: "TextSent", now, requestId: command.requestId };
      }
      case "tmux.sendKeys":
        if (tmux.panes.has(command.paneId)) tmux.keysSent.push({ paneId: command.paneId, keys: [...command.keys] });
        return null;
      case "store.renewLease": {
        if (store.isUnavailable()) return { type: "LeaseRenewed", now, held: false, expiresAt: 0, epoch: 0 };
        // The fake store applies writes synchronously (its methods never await).
        void store.renewLease(command.owner, command.now, command.ttlMs);
        const { lease, leaseEpoch } = store.snapshot();
        return {
          type: "LeaseRenewed",
          now,
          held: lease.owner === command.owner,
          expiresAt: lease.expiresAt,
          epoch: leaseEpoch,
        };
      }
      case "store.readSupervisor": {
        if (store.isUnavailable())
          return { type: "SupervisorReadFailed", now, readId: command.readId, reason: "database is locked" };
        const stored = store.snapshot();
        return {
          type: "SupervisorStateRead",
          now,
          readId: command.readId,
          marker: stored.marker,
          ledger: [...stored.ledger.values()].sort((a, b) => a.attempt - b.attempt),
          gaveUp: stored.gaveUp,
          resetAt: stored.resetAt,
          killSwitch: stored.killSwitch,
        };
      }
      case "timer.wakeAt":
        wakes.add(command.at);
        return null;
      case "alert.raise":
        alerts.push({ at: now, code: command.code, message: command.message });
        return null;
      default:
        // The fake store applies writes synchronously (its methods never await).
        void applyStore(store, command).then((result) => {
          if (E.isLeft(result))
            unapplied.push({ command, reason: String((result.left as { message?: string }).message) });
        });
        return null;
    }
  };

  const maybeAutoAttach = (event: Event, before: CoreState) => {
    if (!autoAttach || event.type !== "SpawnSucceeded") return;
    const marker = state.supervisor.marker;
    if (
      marker &&
      marker.paneId !== before.supervisor.marker?.paneId &&
      isPaneId(event.paneId) &&
      tmux.panes.has(marker.paneId)
    ) {
      channel.attach(marker.paneId, true);
    }
  };

  // Like the runtime: a durable write that fails stops the effects of its batch,
  // each answered with its own failure, and the core hears StoreWriteFailed.
  const failedBatches = new Map<number, string>();
  let batches = 0;
  const runItem = (item: WorkItem) => {
    if (item.kind === "command") {
      const { command } = item;
      const failed = item.batch === undefined ? undefined : failedBatches.get(item.batch);
      if (
        failed !== undefined &&
        !isStoreCommand(command) &&
        command.type !== "timer.wakeAt" &&
        command.type !== "tool.reply"
      ) {
        unapplied.push({ command, reason: `not run: ${failed}` });
        const answer = skippedEffectEvent(command, clock.now(), `not run: ${failed}`);
        if (answer) queue.push({ kind: "event", event: answer });
        return;
      }
      if (isStoreCommand(command) && !isStoreQuery(command) && command.type !== "store.setConn") {
        if (store.isUnavailable() || staleWrite(command)) {
          const reason = store.isUnavailable() ? "StoreUnavailable: database is locked" : "StoreStaleEpoch";
          unapplied.push({ command, reason });
          if (item.batch !== undefined && !failedBatches.has(item.batch))
            failedBatches.set(item.batch, `${command.type} failed: ${reason}`);
          queue.push({
            kind: "event",
            event: {
              type: "StoreWriteFailed",
              now: clock.now(),
              command: command.type,
              reason,
              staleEpoch: reason === "StoreStaleEpoch",
            },
          });
          return;
        }
      }
      const result = execute(command);
      if (result) queue.push({ kind: "event", event: result });
      return;
    }
    events.push(item.event);
    const before = state;
    const [next, produced] = coreStep(state, item.event);
    state = next;
    commands.push(...produced);
    const batch = ++batches;
    for (const command of produced) queue.push({ kind: "command", command, batch });
    maybeAutoAttach(item.event, before);
  };

  const world: FakeWorld = {
    clock,
    tmux,
    channel,
    store,
    alerts,
    commands,
    events,
    unapplied,
    toolReplies,
    state: () => state,
    now: () => clock.now(),
    start() {
      // The fake store's hydrate resolves synchronously in content.
      queue.push({ kind: "event", event: { type: "Started", now: clock.now(), owner, hydration: store.hydration() } });
      world.drive();
    },
    inject(event) {
      // Like the runtime's setKillSwitch: the flag is stored before the core hears of it,
      // so the store's flags read with each observation agree.
      if (event.type === "KillSwitchSet") void store.setKillSwitch(event.on);
      queue.push({ kind: "event", event });
    },
    callTool(from, call) {
      toolCalls += 1;
      const requestId = `tool-${toolCalls}`;
      queue.push({ kind: "event", event: { type: "ToolCalled", now: clock.now(), requestId, paneId: from, call } });
      world.drive();
      const answered = toolReplies.find((entry) => entry.requestId === requestId);
      return Promise.resolve(
        answered?.reply ?? { ok: false, error: { _tag: "ToolFailed", message: "the call is still waiting" } },
      );
    },
    step() {
      const item = queue.shift();
      if (!item) return false;
      runItem(item);
      return true;
    },
    drive(limit = 100_000) {
      let count = 0;
      while (world.step()) {
        if (++count >= limit) throw new Error(`fake world did not settle within ${limit} steps`);
      }
      return count;
    },
    driveBounded(n) {
      let count = 0;
      while (count < n && world.step()) count++;
      return count;
    },
    advance(ms) {
      const target = clock.now() + ms;
      for (;;) {
        const due = [...wakes].filter((at) => at <= target).sort((a, b) => a - b)[0];
        if (due === undefined) break;
        for (const at of [...wakes]) if (at <= due) wakes.delete(at);
        clock.advanceTo(due);
        queue.push({ kind: "event", event: { type: "Ticked", now: clock.now() } });
        world.drive();
      }
      clock.advanceTo(target);
      world.drive();
    },
    digest: () => currentDigest(state),
    firstMatePaneId: () => state.supervisor.marker?.paneId ?? null,
    firstMatePanes: () =>
      tmux
        .listSync()
        .filter((pane) => !pane.dead && pane.session === config.session && pane.windowName === config.window),
    pushesToFirstMate: () => pushes,
    addWorker(worker = {}) {
      return tmux.addPane({
        command: worker.command ?? "claude",
        title: worker.title ?? "working",
        ...(worker.session ? { session: worker.session } : {}),
        ...(worker.windowName ? { windowName: worker.windowName } : {}),
      });
    },
    firstMateHearsChannel: options.firstMateHearsChannel ?? true,
    firstMateAcknowledges: options.firstMateAcknowledges ?? true,
    firstMateChannelOf: (paneId) =>
      channelBehaviour.get(paneId) ?? { hears: world.firstMateHearsChannel, acknowledges: world.firstMateAcknowledges },
    restartHost(nextOwner) {
      queue.length = 0;
      wakes.clear();
      owner = nextOwner ?? owner;
      state = initialState(config);
      world.start();
    },
  };
  return world;
};

/** Whether a holder-only write carries an epoch the store no longer has. */
const staleWriteIn = (store: FakeStore, command: Command): boolean => {
  const epoch =
    command.type === "store.setMarker" || command.type === "store.clearMarker" || command.type === "store.recordStart"
      ? command.epoch
      : command.type === "store.setSupervisorGaveUp" ||
          command.type === "store.saveInterruptTables" ||
          command.type === "store.saveDeferredSpawns"
        ? command.epoch
        : null;
  return epoch !== null && epoch !== store.snapshot().leaseEpoch;
};

/** Apply a store command to a store port (the fake resolves synchronously). */
export const applyStore = (store: FakeStore, command: Command): Promise<E.Either<unknown, unknown>> => {
  switch (command.type) {
    case "store.setMarker":
      return store.setMarker(command.marker, command.epoch);
    case "store.clearMarker":
      return store.clearMarker(command.paneId, command.epoch);
    case "store.recordStart":
      return store.recordStart(command.record, command.epoch);
    case "store.appendLog":
      return store.appendLog(command.entry);
    case "store.setAlert":
      return store.setAlert(command.alert);
    case "store.clearAlert":
      return store.clearAlert(command.paneId);
    case "store.enqueueOutbox":
      return store.enqueueOutbox(command.entry);
    case "store.markDelivered":
      return store.markDelivered(command.seq);
    case "store.expireOutbox":
      return store.expireOutbox(command.before);
    case "store.setSupervisorGaveUp":
      return store.setSupervisorGaveUp(command.gaveUp, command.at, command.epoch);
    case "store.saveInterruptTables":
      return store.saveInterruptTables(command.changes, command.epoch);
    case "store.saveDeferredSpawns":
      return store.saveDeferredSpawns(command.changes, command.epoch);
    default:
      return Promise.resolve(E.right(undefined));
  }
};
