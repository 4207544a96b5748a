/**
 * A seeded fake world around the pure core: fake tmux, channel, store and
 * clock, and a work queue that runs one thing at a time — an event through
 * `step` (with its batch's durable writes, as the runtime runs them before
 * the next event), or an effect against the fakes. Deterministic for a seed,
 * so a failing property run replays exactly.
 *
 * `step()` runs one item, `drive()` runs until quiescent, `driveBounded(n)`
 * at most n items; `advance(ms)` moves time and delivers due ticks.
 * A spawned first mate attaches to the channel by itself (like the real
 * agent through its shim) unless `autoAttach` is false.
 */

import * as E from "fp-ts/lib/Either.js";
import type { Command, CommandOf, CommandType } from "../commands.js";
import type { CoreConfig, CoreConfigInput } from "../config.js";
import type { FleetDigest } from "../domain/digest.js";
import type { PaneObservation } from "../domain/observation.js";
import { isPaneId, type PaneId } from "../domain/paneId.js";
import type { ToolReply, ToolRequest } from "../domain/toolCall.js";
import type { Event } from "../events.js";
import { describeError, type PortError } from "../ports/errors.js";
import { type BatchHooks, runBatchSync, settleStarted } from "../runtime/batchOrder.js";
import { heardFirst } from "../runtime/commandBatch.js";
import { parseCoreConfigOnce } from "../runtime/configOnce.js";
import type { ExecutionOutcome } from "../runtime/executeCommand.js";
import { type CoreState, initialState } from "../state.js";
import { step as coreStep, currentDigest } from "../step.js";
import { toolRequestEvent } from "../toolStep.js";
import { createFakeChannel, type FakeChannel } from "./fakeChannel.js";
import { createFakeClock, type FakeClock } from "./fakeClock.js";
import { createFakeStore, type FakeStore } from "./fakeStore.js";
import { createFakeTmux, type FakeTmux } from "./fakeTmux.js";
import { attemptTokenHash } from "./stubLauncher.js";

/**
 * One queued item of a fake world: an event to step, or an effect (or store
 * query) started by a step and waiting for its port. Durable writes are never
 * queued: like the runtime, the world runs them before the next event; an
 * effect a failed write held back is never started (batchOrder).
 */
export type WorkItem =
  | { readonly kind: "event"; readonly event: Event }
  | { readonly kind: "command"; readonly command: Command };

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
  /** The core's decision function (default: `step`), as the runtime's option of the same name. */
  readonly step?: typeof coreStep;
}

/** One step of a fake world's core: the state before, the event, the state after and the commands. */
export interface WorldTransition {
  readonly before: CoreState;
  readonly event: Event;
  readonly after: CoreState;
  readonly commands: readonly Command[];
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
   * Every step the core took, in order: the state before, the event, the
   * state after and the commands. Across host restarts, too (a restarted
   * host's first transition starts from a fresh state).
   */
  readonly transitions: WorldTransition[];
  /**
   * Commands the world ran but that had nothing to act on (a kill of a pane
   * already gone, a capture of a missing pane, a store write the fake store
   * refused), with why: nothing is dropped without a trace.
   */
  readonly unapplied: { readonly command: Command; readonly reason: string }[];
  /**
   * Commands the world ran and that did what they asked. With `unapplied`,
   * every command the core produced, once: applied, not applied (and why),
   * or still queued.
   */
  readonly applied: Command[];
  /** Every `tool.reply` the core issued, in order: the answers to injected ToolCalled events. */
  readonly toolReplies: { readonly requestId: string; readonly reply: ToolReply }[];
  state(): CoreState;
  now(): number;
  start(): void;
  /** Queue an event from outside (embedder input, tool call, tmux event). */
  inject(event: Event): void;
  /**
   * A tool call handed to the core (what the runtime's `callTool` does):
   * its event with a fresh request id, driven until quiet; resolves
   * with the core's reply for it. The ToolHost's `callTool` over this world.
   */
  callTool(from: PaneId, call: ToolRequest): Promise<ToolReply>;
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
  /**
   * Restart the host: a fresh core hydrated from the same store, same tmux;
   * work queued for the old core is lost. With `hydrateFails`, the start's
   * read of the store fails (the core starts knowing it knows nothing).
   * With `reconnect`, every attached channel session reconnects to it, as
   * the shims do (otherwise the test attaches them when it wants).
   */
  restartHost(owner?: string, options?: { readonly hydrateFails?: boolean; readonly reconnect?: boolean }): void;
  /** Whether the fake first mate hears (and acknowledges) channel pushes; may change mid-run. */
  firstMateHearsChannel: boolean;
  firstMateAcknowledges: boolean;
  /** How a first mate's pane treats its channel: latched from the two flags above when it was spawned. */
  firstMateChannelOf(paneId: string): { readonly hears: boolean; readonly acknowledges: boolean };
  /**
   * A world in this one's state that goes on apart: its own copies of the
   * fakes, the queue, the wake-ups and every record (the core's state is
   * immutable and shared). Driven alike, it does what this world would do,
   * so a started world can stand in for starting another one the same way.
   * Only a world whose clock has no pending timer forks.
   */
  fork(): FakeWorld;
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

/** The fakes a world runs against. */
interface WorldPorts {
  readonly clock: FakeClock;
  readonly tmux: FakeTmux;
  readonly channel: FakeChannel;
  readonly store: FakeStore;
}

/** What a world remembers beside its fakes; a fork starts from a copy. */
interface WorldMemory {
  readonly owner: string;
  readonly state: CoreState;
  readonly queue: WorkItem[];
  readonly wakes: Set<number>;
  readonly alerts: WorldAlert[];
  readonly commands: Command[];
  readonly events: Event[];
  readonly unapplied: { command: Command; reason: string }[];
  readonly applied: Command[];
  readonly later: Event[];
  readonly transitions: WorldTransition[];
  readonly pushes: { paneId: string; content: string; meta: Record<string, string> }[];
  readonly toolReplies: { requestId: string; reply: ToolReply }[];
  readonly toolCalls: number;
  readonly tokens: number;
  readonly channelBehaviour: Map<string, { hears: boolean; acknowledges: boolean }>;
  readonly firstMateHearsChannel: boolean;
  readonly firstMateAcknowledges: boolean;
}

/** Build a fake world from options; nothing happens until it is driven. */
export const createFakeWorld = (options: FakeWorldOptions = {}): FakeWorld => {
  const config = parseCoreConfigOnce(options.config ?? {});
  const clock = createFakeClock(options.start);
  const ports = {
    clock,
    tmux: createFakeTmux(() => clock.now()),
    channel: createFakeChannel(),
    store: createFakeStore(),
  };
  return worldWith(options, config, ports, {
    owner: options.owner ?? "world-host",
    state: initialState(config),
    queue: [],
    wakes: new Set(),
    alerts: [],
    commands: [],
    events: [],
    unapplied: [],
    applied: [],
    later: [],
    transitions: [],
    pushes: [],
    toolReplies: [],
    toolCalls: 0,
    tokens: 0,
    channelBehaviour: new Map(),
    firstMateHearsChannel: options.firstMateHearsChannel ?? true,
    firstMateAcknowledges: options.firstMateAcknowledges ?? true,
  });
};

const worldWith = (
  options: FakeWorldOptions,
  config: CoreConfig,
  { clock, tmux, channel, store }: WorldPorts,
  memory: WorldMemory,
): FakeWorld => {
  const autoAttach = options.autoAttach ?? true;
  let owner = memory.owner;
  let state = memory.state;
  const decide = options.step ?? coreStep;
  const { queue, wakes, alerts, commands, events, unapplied, applied, transitions, pushes, toolReplies } = memory;
  /** Events a command's effect causes after its own answer (a first mate acting on a push it heard). */
  const later = memory.later;
  let toolCalls = memory.toolCalls;
  let tokens = memory.tokens;
  const channelBehaviour = memory.channelBehaviour;

  /**
   * A pane that is gone takes its shim with it: the shim's session ends, as
   * a real one's connection closes when its process dies. Otherwise a new
   * pane given a dead pane's id (a tmux server restart numbers from %1
   * again) would be taken as already attached.
   */
  const endSessionsOfGonePanes = () => {
    for (const paneId of channel.attachedPanes()) if (!tmux.panes.has(paneId)) channel.detach(paneId);
  };

  tmux.subscribe((event) => {
    // Like the runtime: a closed window, or a reconnect after the server restarted, is observed at once.
    if (event.type === "window-closed" || event.type === "connected") {
      queue.push({ kind: "event", event: { type: "PaneExited", now: clock.now(), paneId: null } });
      endSessionsOfGonePanes();
    }
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

  const spawnFirstMate = (command: CommandOf<"tmux.spawn">, now: number): Event => {
    tokens++;
    const tokenHash = attemptTokenHash(tokens);
    const result = tmux.spawnSync({ session: command.session, window: command.window, argv: ["claude"], env: {} });
    if (E.isLeft(result))
      return { type: "SpawnFailed", now, requestId: command.requestId, reason: describeError(result.left) };
    const spawned = tmux.spawned[tmux.spawned.length - 1];
    channelBehaviour.set(result.right.paneId, {
      hears: world.firstMateHearsChannel,
      acknowledges: world.firstMateAcknowledges,
    });
    if (spawned?.behaviour === "exit_at_launch")
      queue.push({ kind: "event", event: { type: "PaneExited", now, paneId: null } });
    return {
      type: "SpawnSucceeded",
      now,
      requestId: command.requestId,
      paneId: result.right.paneId,
      windowId: result.right.windowId,
      tokenHash,
      ...(result.right.panePid != null ? { panePid: result.right.panePid } : {}),
      ...(result.right.tmuxServer != null ? { tmuxServer: result.right.tmuxServer } : {}),
    };
  };

  const emit = (command: CommandOf<"channel.emit">, now: number): ExecutionOutcome => {
    const delivered = channel.emitSync(command.paneId, command.content, command.meta);
    if (!delivered) return answer({ type: "EmitFailed", now, emitId: command.emitId, reason: "not delivered" });
    // Object.assign and two literals rather than spreads, which Node 20 runs several times slower: at every push.
    pushes.push({ paneId: command.paneId, content: command.content, meta: Object.assign({}, command.meta) });
    // A first mate that hears its channel acts on the push, naming it (after the emit is answered).
    const behaviour = world.firstMateChannelOf(command.paneId);
    if (behaviour.hears && behaviour.acknowledges && command.paneId === state.supervisor.marker?.paneId) {
      const ack = command.meta.push;
      later.push(
        ack
          ? { type: "FirstMateToolCalled", now, paneId: command.paneId, tool: "inbox", ack }
          : { type: "FirstMateToolCalled", now, paneId: command.paneId, tool: "inbox" },
      );
    }
    return answer({ type: "EmitSucceeded", now, emitId: command.emitId });
  };

  /** Why tmux could not act: its server is gone, or the pane is. */
  const noSuchPane = (): ExecutionOutcome => ({
    kind: "failed",
    error: tmux.isUnavailable() ? "no server running" : "no such pane",
  });
  /** Whether tmux can act on the pane now (its server is reachable and the pane exists). */
  const reachable = (paneId: string): boolean => !tmux.isUnavailable() && tmux.panes.has(paneId);
  /** A command answered by an event although what it asked for was not done (e.g. a refused store write). */
  const answeredUnapplied = (_command: Command, reason: string): void => {
    notDone = reason;
  };

  // What each command does against the fake ports, keyed by kind: a new
  // command kind does not compile until the world says what it does with it.
  // Each answers as `executeCommand` does over real ports; what the answer
  // means for its batch is the runtime's own rule (commandBatch).
  const handlers: PortHandlers = {
    "fleet.observe": (command, now) => {
      // Like the runtime: the store's supervisor flags and marker ride along (when the store answers).
      if (tmux.isUnavailable())
        return answer({ type: "ObserveFailed", now, observeId: command.observeId, reason: "no server running" });
      const flags = store.sync.readSupervisorFlags();
      const marker = store.sync.readMarker();
      const { observeId } = command;
      // The same array while no pane changed: the core then finds its last listing by identity. Nothing writes to a listing.
      const panes = tmux.listing() as PaneObservation[];
      if (E.isLeft(flags) || E.isLeft(marker)) return answer({ type: "FleetObserved", now, observeId, panes });
      const { killSwitch, gaveUp, resetAt } = flags.right;
      return answer({
        type: "FleetObserved",
        now,
        observeId,
        panes,
        flags: { killSwitch, gaveUp, resetAt, marker: marker.right },
      });
    },
    "tmux.spawn": (command, now) => answer(spawnFirstMate(command, now)),
    "tmux.kill": (command, now) => {
      const closed = reachable(command.paneId);
      if (closed) {
        tmux.panes.delete(command.paneId);
        endSessionsOfGonePanes();
      }
      // A tool's terminate is always answered.
      if (command.requestId !== undefined) {
        if (!closed) answeredUnapplied(command, "no such pane");
        return answer({
          type: "PaneCloseSettled",
          now,
          requestId: command.requestId,
          paneId: command.paneId,
          error: closed ? null : "TmuxCommandFailed: no such pane",
          report: null,
        });
      }
      if (!closed) return noSuchPane();
      if (command.pid === undefined) return DONE;
      // As with a process port: the pane's recorded tree is ended after the close.
      return answer({
        type: "PaneEnded",
        now,
        paneId: command.paneId,
        reason: command.reason ?? "closed by first-mate",
        report: {
          recorded: 1,
          spared: 0,
          steps: [{ signal: "SIGHUP", signalled: 1, remaining: 0 }],
          survivors: [],
          unrecorded: null,
        },
      });
    },
    "tmux.killWindow": (command) => {
      const before = tmux.panes.size;
      if (!tmux.isUnavailable()) void tmux.killWindow(command.target);
      endSessionsOfGonePanes();
      return tmux.panes.size === before ? { kind: "failed", error: "no such window" } : DONE;
    },
    "tmux.capture": (command, now) => {
      if (!reachable(command.paneId)) {
        // A tool's peek is always answered.
        if (command.requestId === undefined) return noSuchPane();
        answeredUnapplied(command, "no such pane");
        return answer({ type: "ScreenCaptureFailed", now, requestId: command.requestId, reason: "no such pane" });
      }
      const text = tmux.screenSync(command.paneId, command.lines);
      // Two literals rather than a spread of the request id: a screen is captured at most ticks of most worlds.
      return answer(
        command.requestId === undefined
          ? { type: "ScreenCaptured", now, paneId: command.paneId, text }
          : { type: "ScreenCaptured", now, paneId: command.paneId, text, requestId: command.requestId },
      );
    },
    "tmux.sendText": (command, now) => {
      if (!reachable(command.paneId)) {
        answeredUnapplied(command, "no such pane");
        return answer({ type: "TextSendFailed", now, requestId: command.requestId, reason: "no such pane" });
      }
      tmux.sent.push({ paneId: command.paneId, text: command.text });
      return answer({ type: "TextSent", now, requestId: command.requestId });
    },
    "tmux.sendKeys": (command) => {
      if (!reachable(command.paneId)) return noSuchPane();
      tmux.keysSent.push({ paneId: command.paneId, keys: [...command.keys] });
      return DONE;
    },
    "tmux.spawnWorker": (command, now) => {
      if (tmux.isUnavailable()) {
        answeredUnapplied(command, "no server running");
        return answer({
          type: "DeferredSpawnSettled",
          now,
          spawnId: command.spawnId,
          paneId: null,
          reason: "no server running",
        });
      }
      const paneId = tmux.addPane({
        command: command.launch.argv[0]!,
        session: command.launch.session,
        windowName: command.launch.name,
      });
      return answer({ type: "DeferredSpawnSettled", now, spawnId: command.spawnId, paneId, reason: null });
    },
    "channel.emit": emit,
    "store.renewLease": (command, now) => {
      const lease = store.sync.renewLease(command.owner, command.now, command.ttlMs);
      if (E.isLeft(lease)) answeredUnapplied(command, describeError(lease.left));
      return answer(
        E.isRight(lease)
          ? {
              type: "LeaseRenewed",
              now,
              held: lease.right.held,
              expiresAt: lease.right.expiresAt,
              epoch: lease.right.epoch,
            }
          : { type: "LeaseRenewed", now, held: false, expiresAt: 0, epoch: 0 },
      );
    },
    "store.readSupervisor": (command, now) => {
      const read = store.sync.hydrate();
      if (E.isLeft(read)) {
        answeredUnapplied(command, describeError(read.left));
        return answer({ type: "SupervisorReadFailed", now, readId: command.readId, reason: describeError(read.left) });
      }
      const { marker, ledger, gaveUp, resetAt, killSwitch, interruptTables, deferred, outbox, lastOutboxSeq, alerts } =
        read.right;
      return answer({
        type: "SupervisorStateRead",
        now,
        readId: command.readId,
        marker,
        ledger: [...ledger],
        gaveUp,
        resetAt,
        killSwitch,
        ...(interruptTables ? { interruptTables } : {}),
        ...(deferred ? { deferred: [...deferred] } : {}),
        outbox: [...outbox],
        lastOutboxSeq,
        alerts: [...alerts],
      });
    },
    "store.addProposal": (command, now) => {
      // Answered by ActionProposed with the stored id, or none and why.
      const stored = store.sync.addProposal({ action: command.action, reason: command.reason, at: command.at });
      if (E.isLeft(stored)) answeredUnapplied(command, describeError(stored.left));
      return answer({
        type: "ActionProposed",
        now,
        action: command.action,
        reason: command.reason,
        handBack: command.handBack,
        requestId: command.requestId,
        ...(E.isRight(stored)
          ? { proposalId: stored.right.id }
          : { proposalId: null, storeError: describeError(stored.left) }),
      });
    },
    "store.appendFirstMateLog": (command, now) => {
      // Answered by the stored entry, or why it was not stored.
      const stored = store.sync.appendLog(command.entry);
      if (E.isLeft(stored)) answeredUnapplied(command, describeError(stored.left));
      return answer(
        E.isRight(stored)
          ? { type: "LogEntryAppended", now, requestId: command.requestId, entry: stored.right }
          : { type: "ToolStoreWriteFailed", now, requestId: command.requestId, reason: describeError(stored.left) },
      );
    },
    "store.proposeRoleExtension": (command, now) => {
      const stored = store.sync.proposeRoleExtension({ text: command.text, at: command.at });
      if (E.isLeft(stored)) answeredUnapplied(command, describeError(stored.left));
      return answer(
        E.isRight(stored)
          ? {
              type: "RoleChangeProposed",
              now,
              extensionId: stored.right.id,
              text: command.text,
              requestId: command.requestId,
            }
          : { type: "ToolStoreWriteFailed", now, requestId: command.requestId, reason: describeError(stored.left) },
      );
    },
    // Every durable write, through the fake store's synchronous face: its answer
    // (a refusal for a stale epoch, an outage, an injected failure) is known at once.
    "store.setMarker": (command) => orFail(store.sync.setMarker(command.marker, command.epoch)),
    "store.clearMarker": (command) => orFail(store.sync.clearMarker(command.paneId, command.epoch)),
    "store.recordStart": (command) => orFail(store.sync.recordStart(command.record, command.epoch)),
    "store.appendLog": (command) => orFail(store.sync.appendLog(command.entry)),
    "store.setAlert": (command) => orFail(store.sync.setAlert(command.alert, command.epoch)),
    "store.clearAlert": (command) => orFail(store.sync.clearAlert(command.paneId, command.epoch)),
    "store.enqueueOutbox": (command) => orFail(store.sync.enqueueOutbox(command.entry, command.epoch)),
    "store.markDelivered": (command) => orFail(store.sync.markDelivered(command.seq, command.epoch)),
    "store.expireOutbox": (command) => orFail(store.sync.expireOutbox(command.before, command.epoch)),
    "store.setSupervisorGaveUp": (command) =>
      orFail(store.sync.setSupervisorGaveUp(command.gaveUp, command.at, command.epoch)),
    "store.setConn": (command) => orFail(store.sync.saveConn(command.conn)),
    "store.saveInterruptTables": (command) => orFail(store.sync.saveInterruptTables(command.changes, command.epoch)),
    "store.saveDeferredSpawns": (command) => orFail(store.sync.saveDeferredSpawns(command.changes, command.epoch)),
  };

  /** The commands an interpreter keeps itself (timers, tool replies, alerts), as the runtime does. */
  const runLocal = (command: CommandOf<LocalType>, now: number) => {
    if (command.type === "tool.reply") {
      // Recorded in `commands` and `toolReplies`: `callTool` reads the answer from there.
      toolReplies.push({ requestId: command.requestId, reply: command.reply });
    } else if (command.type === "timer.wakeAt") wakes.add(command.at);
    else alerts.push({ at: now, code: command.code, message: command.message });
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

  // The runtime's own batch order and rule (batchOrder, commandBatch): a
  // durable write that fails stops the later effects of its batch, each
  // answered with its own failure, and the core hears StoreWriteFailed first.
  // Every command ends in `applied` or `unapplied`: none is dropped without a trace.
  let notDone: string | null = null;
  /** Run one command against the fake ports: what it did, and why not if it did not. */
  const runOnPort = (command: Command, now: number): ExecutionOutcome => {
    const handler = handlers[command.type as PortType] as
      | ((command: Command, now: number) => ExecutionOutcome)
      | undefined;
    notDone = handler === undefined ? `the fake world has no handler for ${command.type}` : null;
    return handler === undefined ? { kind: "failed", error: notDone! } : handler(command, now);
  };
  const record = (command: Command, failure: string | null) => {
    const reason = failure ?? notDone;
    if (reason === null) applied.push(command);
    else unapplied.push({ command, reason });
  };
  const hear = (event: Event) => queue.push({ kind: "event", event });
  const hearFirst = (heard: readonly Event[]) => {
    if (heard.length > 0) queue.unshift(...heard.map((event): WorkItem => ({ kind: "event", event })));
  };

  /** A started effect or query, answered by its fake port when the queue reaches it (a port may answer late). */
  const runStarted = (command: Command) => {
    const now = clock.now();
    const settled = settleStarted(command, runOnPort(command, now), now);
    record(command, settled.failure);
    // A failed write's event is heard before the rest (none of a started command's is, today): a list only then.
    let heard: Event[] | null = null;
    const answers = settled.events;
    for (let index = 0; index < answers.length; index++) {
      const event = answers[index]!;
      if (!heardFirst(event)) hear(event);
      else if (heard === null) heard = [event];
      else heard.push(event);
    }
    if (later.length > 0) for (const event of later.splice(0)) hear(event);
    if (heard !== null) hearFirst(heard);
  };

  /** What the world does at each point of a batch's order (one set for every batch of the world). */
  const batchHooks: BatchHooks = {
    now: () => clock.now(),
    reached: () => {},
    keep: (command) => {
      runLocal(command as CommandOf<LocalType>, clock.now());
      applied.push(command);
    },
    start: (command) => queue.push({ kind: "command", command }),
    skipped: (command, reason) => unapplied.push({ command, reason }),
    written: (command, settled) => record(command, settled.failure),
    hear,
    hearFirst,
  };
  const writeOnPort = (command: Command) => runOnPort(command, clock.now());
  /**
   * Run a batch in the runtime's order (batchOrder, the same code): its local
   * commands and durable writes now, before any waiting event is decided; its
   * effects and queries started in order — here queued, answered when reached.
   */
  const runProduced = (produced: readonly Command[]) => runBatchSync(produced, batchHooks, writeOnPort);

  const runItem = (item: WorkItem) => {
    if (item.kind === "command") {
      runStarted(item.command);
      return;
    }
    const event = item.event;
    events.push(event);
    const before = state;
    const [next, produced] = decide(state, event);
    state = next;
    transitions.push({ before, event, after: next, commands: produced });
    for (let index = 0; index < produced.length; index++) commands.push(produced[index]!);
    runProduced(produced);
    maybeAutoAttach(event, before);
  };

  const world: FakeWorld = {
    clock,
    tmux,
    channel,
    store,
    alerts,
    commands,
    events,
    transitions,
    unapplied,
    applied,
    toolReplies,
    state: () => state,
    now: () => clock.now(),
    start() {
      // Like the runtime: a failed read is said as such (null), never taken for an empty store.
      const hydrated = store.sync.hydrate();
      queue.push({
        kind: "event",
        event: { type: "Started", now: clock.now(), owner, hydration: E.isRight(hydrated) ? hydrated.right : null },
      });
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
      queue.push({ kind: "event", event: toolRequestEvent(requestId, clock.now(), from, call) });
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
        // The earliest wake-up due by the target (one pass: this runs at every tick of every world).
        let due = Number.POSITIVE_INFINITY;
        for (const at of wakes) if (at <= target && at < due) due = at;
        if (due === Number.POSITIVE_INFINITY) break;
        wakes.delete(due); // the earliest due: no wake-up is earlier
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
    firstMateHearsChannel: memory.firstMateHearsChannel,
    firstMateAcknowledges: memory.firstMateAcknowledges,
    firstMateChannelOf: (paneId) =>
      channelBehaviour.get(paneId) ?? { hears: world.firstMateHearsChannel, acknowledges: world.firstMateAcknowledges },
    restartHost(nextOwner, restart = {}) {
      if (restart.hydrateFails) store.failHydrates(1);
      // Work queued for the old core dies with it; its commands are recorded as never run.
      for (const item of queue.splice(0))
        if (item.kind === "command")
          unapplied.push({ command: item.command, reason: "lost: the host restarted first" });
      wakes.clear();
      owner = nextOwner ?? owner;
      state = initialState(config);
      world.start();
      // The shims reconnect to the new host's channel server.
      if (restart.reconnect) {
        channel.reconnectAll();
        world.drive();
      }
    },
    fork() {
      const forkedClock = clock.fork();
      const ports = {
        clock: forkedClock,
        tmux: tmux.fork(() => forkedClock.now()),
        channel: channel.fork(),
        store: store.fork(),
      };
      return worldWith(options, config, ports, {
        owner,
        state,
        queue: [...queue],
        wakes: new Set(wakes),
        alerts: [...alerts],
        commands: [...commands],
        events: [...events],
        unapplied: [...unapplied],
        applied: [...applied],
        later: [...later],
        transitions: [...transitions],
        pushes: [...pushes],
        toolReplies: [...toolReplies],
        toolCalls,
        tokens,
        channelBehaviour: new Map(channelBehaviour),
        firstMateHearsChannel: world.firstMateHearsChannel,
        firstMateAcknowledges: world.firstMateAcknowledges,
      });
    },
  };
  return world;
};

/** The commands an interpreter keeps itself rather than sending to a port. */
type LocalType = "timer.wakeAt" | "tool.reply" | "alert.raise";
/** Every command that acts on a port (tmux, channel, store): what the fake ports do with each. */
type PortType = Exclude<CommandType, LocalType>;
type PortHandlers = { readonly [K in PortType]: (command: CommandOf<K>, now: number) => ExecutionOutcome };

const DONE: ExecutionOutcome = { kind: "done" };
const answer = (event: Event): ExecutionOutcome => ({ kind: "event", event });
/** A durable write's outcome, as `executeCommand` gives it. */
const orFail = (result: E.Either<PortError, unknown>): ExecutionOutcome =>
  E.isLeft(result) ? { kind: "failed", error: describeError(result.left), tag: result.left._tag } : DONE;
