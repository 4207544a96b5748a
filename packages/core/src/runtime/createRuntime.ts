/**
 * The runtime: drives `step` through the ports.
 *
 * Guarantees: events are processed one at a time, in arrival order; within
 * a batch, store commands run (in order, awaited) before any effect, so what
 * the core decided is durable before it acts; every awaited command yields
 * an event; `stop()` leaves no timer, subscription or lease behind.
 * It holds no policy: every decision is the core's.
 */

import * as E from "fp-ts/lib/Either.js";
import type { Command } from "../commands.js";
import type { CoreConfigInput } from "../config.js";
import type { ChannelMode } from "../decisions/channelDelivery.js";
import type { FleetDigest } from "../domain/digest.js";
import type { PaneInput, UsageSnapshot } from "../domain/observation.js";
import type { PaneId } from "../domain/paneId.js";
import type { EndStep } from "../domain/paneProcess.js";
import type { ToolReply, ToolRequest } from "../domain/toolCall.js";
import { type Event, EventSchema } from "../events.js";
import type { AuthorityStorePort } from "../ports/authorityStore.js";
import type { ChannelPort } from "../ports/channelPort.js";
import type { Clock } from "../ports/clock.js";
import { describeError } from "../ports/errors.js";
import type { ProcessPort } from "../ports/processPort.js";
import type { StorePort } from "../ports/storePort.js";
import type { TmuxPort } from "../ports/tmuxPort.js";
import type { ToolHost } from "../ports/toolHost.js";
import { type CoreState, initialState } from "../state.js";
import { currentDigest, type EventRejected, step } from "../step.js";
import { toolRequestEvent, toolRequestIdOf } from "../toolStep.js";
import { type AuthorityControls, createAuthorityControls } from "./authorityControls.js";
import type { WorkerDefaults } from "./authorityTools.js";
import { type BatchHooks, runBatch, settleStarted } from "./batchOrder.js";
import { heardFirst, type Settled } from "./commandBatch.js";
import { parseCoreConfigOnce } from "./configOnce.js";
import { executeCommand } from "./executeCommand.js";
import type { FirstMateLauncher } from "./launcher.js";
import { authorityStoreFor } from "./memoryAuthorityStore.js";
import { createToolHost } from "./toolHost.js";

/**
 * What a runtime is built from: the ports (tmux, channel, store, clock), the core configuration, the first-mate
 * launcher, and optional authority parts.
 */
export interface RuntimeOptions {
  readonly tmux: TmuxPort;
  readonly channel: ChannelPort;
  readonly store: StorePort;
  readonly clock: Clock;
  readonly launcher: FirstMateLauncher;
  readonly config?: CoreConfigInput;
  /** Lease owner id; unique per process (e.g. host:pid:random). */
  readonly owner: string;
  /** Conn, proposals and role extensions; default: `store` itself when it implements the port, else memory. */
  readonly authorityStore?: AuthorityStorePort;
  /** How `spawn_worker` starts a worker when it names no command (sets the core's `workerDefaults`). */
  readonly workers?: WorkerDefaults;
  /**
   * Reads and signals pane process trees, so closing a pane (`terminate`, a
   * stray first mate) ends every process of its agent; without it a pane is
   * only closed, as tmux alone would.
   */
  readonly processes?: ProcessPort;
  /** How a closed pane's remaining processes are ended (default DEFAULT_END_LADDER). */
  readonly endLadder?: readonly EndStep[];
  /** The core's decision function (default: `step`); a test may put one that returns batches of its choosing. */
  readonly step?: typeof step;
}

/** What the runtime reports to its embedder, for a UI or a timeline. */
export type RuntimeReport =
  | { readonly type: "event"; readonly at: number; readonly event: Event }
  | { readonly type: "command"; readonly at: number; readonly command: Command }
  | {
      readonly type: "alert";
      readonly at: number;
      readonly level: "warning" | "critical";
      readonly code: string;
      readonly message: string;
    }
  | { readonly type: "error"; readonly at: number; readonly message: string };

/**
 * A running first-mate at a glance: the marker, lease, kill switch, give-up, attached sessions, outbox depth and
 * the conn.
 */
export interface RuntimeStatus {
  readonly running: boolean;
  readonly firstMate: CoreState["supervisor"]["marker"];
  readonly firstMateAttached: boolean;
  readonly spawnInFlight: boolean;
  readonly leaseHeld: boolean;
  readonly killSwitch: boolean;
  readonly gaveUp: boolean;
  readonly lastPushAt: number | null;
  readonly pushCount: number;
  /** Interrupts waiting: in the outbox, held for an unconfirmed channel, or not yet on file. */
  readonly outboxDepth: number;
  readonly panes: number;
  /**
   * Whether the first mate hears its channel: `unconfirmed` until it acts on
   * a push, `confirmed`, or `unavailable` (typed wake-ups and pulls instead);
   * null without a first mate.
   */
  readonly channel: ChannelMode | null;
  /** Wake-ups typed into the first mate's pane while its channel is unavailable. */
  readonly wakeUps: number;
  /** The start-up dialog the first mate is waiting at (its id), if any: it counts as neither attached nor failed. */
  readonly waitingAtDialog: string | null;
}

/**
 * A running core: start and stop it, read its status and digest, feed the embedder's inputs, flip the kill switch,
 * reset the supervisor, subscribe to reports, and use `authority`.
 */
export interface Runtime {
  start(): Promise<void>;
  stop(): Promise<void>;
  /**
   * Feed an event (e.g. an embedder input); resolves once it is processed.
   * Validated with zod like `updateInputs`: an invalid event is rejected
   * with a reason and changes nothing.
   */
  dispatch(event: Event): Promise<E.Either<EventRejected, void>>;
  status(): RuntimeStatus;
  digest(): FleetDigest;
  state(): CoreState;
  /** The embedder's knowledge of panes and usage. */
  /** Validated with zod; a bad input is rejected with a reason and changes nothing. */
  updateInputs(input: {
    panes?: Record<string, PaneInput>;
    usage?: UsageSnapshot;
  }): Promise<E.Either<EventRejected, void>>;
  setKillSwitch(on: boolean): Promise<void>;
  resetSupervisor(): Promise<void>;
  /** Resolves when every queued event and started command has settled. */
  idle(): Promise<void>;
  subscribe(listener: (report: RuntimeReport) => void): () => void;
  readonly toolHost: ToolHost;
  /** The embedder's authority surface: conn handoff and take-back, proposals, ROLE-EXT approval (docs/design.md, Authority). */
  readonly authority: AuthorityControls;
}

const refusedReply = (message: string): ToolReply => ({ ok: false, error: { _tag: "ToolRefused", message } });
const failedReply = (message: string): ToolReply => ({ ok: false, error: { _tag: "ToolFailed", message } });

/** The runtime's worker defaults as the core's configuration holds them. */
const workerDefaultsOf = (workers: WorkerDefaults) => ({
  ...(workers.argv && workers.argv.length > 0 ? { argv: [...workers.argv] } : {}),
  ...(workers.cwd ? { cwd: workers.cwd } : {}),
  ...(workers.env ? { env: { ...workers.env } } : {}),
});

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

const rejection = (issues: readonly { path: readonly PropertyKey[]; message: string }[]): EventRejected => ({
  _tag: "EventRejected",
  reason: issues.map((issue) => `${issue.path.map(String).join(".") || "event"}: ${issue.message}`).join("; "),
});

/**
 * Build a runtime that runs `step` against real ports: it executes each command, feeds each result back as an
 * event, and keeps the timers the core asks for. Nothing runs until `start()`.
 */
export const createRuntime = (options: RuntimeOptions): Runtime => {
  // The worker defaults are the core's to use: `spawn_worker` is decided in `step`.
  const config = parseCoreConfigOnce(
    options.workers ? { ...options.config, workerDefaults: workerDefaultsOf(options.workers) } : (options.config ?? {}),
  );
  const { clock } = options;
  const decide = options.step ?? step;
  let state: CoreState = initialState(config);
  let running = false;
  const listeners = new Set<(report: RuntimeReport) => void>();
  const queue: Event[] = [];
  let draining: Promise<void> | null = null;
  const inFlight = new Set<Promise<void>>();
  const wakeTimes = new Set<number>();
  let cancelTimer: (() => void) | null = null;
  let armedFor: number | null = null;
  const unsubscribes: (() => void)[] = [];
  /** Tool calls waiting for the core's `tool.reply`, by request id. */
  const toolReplies = new Map<string, (reply: ToolReply) => void>();
  let toolRequests = 0;

  const report = (value: RuntimeReport) => {
    if (listeners.size === 0) return;
    for (const listener of listeners) {
      try {
        listener(value);
      } catch {
        // A listener's failure must not stop supervision.
      }
    }
  };

  const armTimer = () => {
    if (!running) return;
    let next: number | null = null;
    for (const at of wakeTimes) if (next === null || at < next) next = at;
    if (next === armedFor) return;
    cancelTimer?.();
    cancelTimer = null;
    armedFor = next;
    if (next === null) return;
    cancelTimer = clock.setTimer(next, () => {
      armedFor = null;
      cancelTimer = null;
      const now = clock.now();
      for (const at of [...wakeTimes]) if (at <= now) wakeTimes.delete(at);
      armTimer();
      void enqueue({ type: "Ticked", now });
    });
  };

  /** Events of started effects to hear before any other waiting event (commandBatch, heardFirst): none today. */
  const failedWrites: Event[] = [];

  const settle = (settled: Settled, command: Command) => {
    if (settled.failure !== null)
      report({ type: "error", at: clock.now(), message: `${command.type}: ${settled.failure}` });
    for (const event of settled.events) {
      if (heardFirst(event)) failedWrites.push(event);
      else void enqueue(event);
    }
  };

  /** What commands run against: the options' ports, built once rather than per command. */
  const ports = { ...options, clock };
  const runEffect = (command: Command) => {
    const task = executeCommand(command, ports).then((outcome) =>
      settle(settleStarted(command, outcome, clock.now()), command),
    );
    inFlight.add(task);
    void task.finally(() => inFlight.delete(task));
  };

  /** The commands the runtime keeps itself: never held back by a failed write. */
  const runLocal = (command: Command) => {
    if (command.type === "timer.wakeAt") wakeTimes.add(command.at);
    else if (command.type === "tool.reply") {
      toolReplies.get(command.requestId)?.(command.reply);
      toolReplies.delete(command.requestId);
    } else if (command.type === "alert.raise")
      report({ type: "alert", at: clock.now(), level: command.level, code: command.code, message: command.message });
  };

  /** What the runtime does at each point of a batch's order (one set for every batch). */
  const batchHooks: BatchHooks = {
    now: () => clock.now(),
    reached: (command) => {
      if (listeners.size > 0) report({ type: "command", at: clock.now(), command });
    },
    keep: runLocal,
    start: runEffect,
    skipped: (command, reason) => report({ type: "error", at: clock.now(), message: `${command.type} ${reason}` }),
    written: (command, settled) => {
      if (settled.failure !== null)
        report({ type: "error", at: clock.now(), message: `${command.type}: ${settled.failure}` });
    },
    hear: (event) => void enqueue(event),
    hearFirst: (events) => {
      // Before anything that arrived meanwhile (drain picks the queue's head next).
      if (failedWrites.length > 0 || events.length > 0) queue.unshift(...failedWrites.splice(0), ...events);
      armTimer();
    },
  };
  const write = (command: Command) => executeCommand(command, ports);
  // The batch's order is shared with the fake world (batchOrder): durable
  // writes are awaited in order, and one that fails stops every later effect
  // of its batch; the core hears of the failure and of each skipped effect.
  const execute = (commands: readonly Command[]) => runBatch(commands, batchHooks, write);

  const drain = async () => {
    try {
      while (queue.length > 0) {
        const event = queue.shift()!;
        if (listeners.size > 0) report({ type: "event", at: clock.now(), event });
        let result: ReturnType<typeof step>;
        try {
          result = decide(state, event);
        } catch (error) {
          // step is total; should it ever throw, the event changes nothing and the queue goes on.
          report({ type: "error", at: clock.now(), message: `${event.type}: ${messageOf(error)}` });
          const requestId = toolRequestIdOf(event);
          if (requestId !== undefined) answerTool(requestId, failedReply(`not decided: ${messageOf(error)}`));
          continue;
        }
        state = result[0];
        await execute(result[1]);
      }
    } finally {
      // Cleared in the same turn the queue is found empty: an event queued
      // by a settling effect right after always starts a new drain.
      draining = null;
    }
  };

  const enqueue = (event: Event): Promise<void> => {
    if (!running && event.type !== "Started") return Promise.resolve();
    queue.push(event);
    if (draining === null) draining = drain();
    return draining;
  };

  const idle = async () => {
    for (let rounds = 0; rounds < 1000; rounds++) {
      if (draining) await draining;
      if (inFlight.size > 0) await Promise.allSettled([...inFlight]);
      if (!draining && inFlight.size === 0 && queue.length === 0) return;
    }
  };

  /**
   * `idle()`, but no longer than `ms` on the clock: an effect that never
   * answers (a tmux command that hangs) must not keep `stop()` waiting
   * forever; its late answer finds the runtime stopped and is dropped.
   */
  const idleWithin = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const cancel = clock.setTimer(clock.now() + ms, resolve);
      void idle().then(() => {
        cancel();
        resolve();
      });
    });

  /**
   * A tool call that acts goes through `step` like every other event: queued
   * behind what is already waiting, decided there, answered by `tool.reply`.
   */
  const callTool = (from: PaneId, request: ToolRequest): Promise<ToolReply> => {
    if (!running) return Promise.resolve(refusedReply("first-mate is not running"));
    toolRequests += 1;
    const parsed = EventSchema.safeParse(toolRequestEvent(`tool-${toolRequests}`, clock.now(), from, request));
    const requestId = parsed.success ? toolRequestIdOf(parsed.data) : undefined;
    if (!parsed.success || requestId === undefined)
      return Promise.resolve({
        ok: false,
        error: {
          _tag: "ToolInvalidInput",
          message: parsed.success ? "not a tool call" : rejection(parsed.error.issues).reason,
        },
      });
    const replied = new Promise<ToolReply>((resolve) => toolReplies.set(requestId, resolve));
    void enqueue(parsed.data);
    return replied;
  };
  const answerTool = (requestId: string, reply: ToolReply) => {
    toolReplies.get(requestId)?.(reply);
    toolReplies.delete(requestId);
  };

  const authorityStore = options.authorityStore ?? authorityStoreFor(options.store);
  const toolHost = createToolHost({
    getState: () => state,
    store: options.store,
    now: () => clock.now(),
    dispatch: (event) => enqueue(event),
    callTool,
  });
  const authority = createAuthorityControls({
    getState: () => state,
    authorityStore,
    now: () => clock.now(),
    dispatch: (event) => enqueue(event),
  });

  return {
    toolHost,
    authority,
    async start() {
      if (running) return;
      const hydrated = await options.store.hydrate();
      if (E.isLeft(hydrated))
        report({ type: "error", at: clock.now(), message: `hydrate: ${describeError(hydrated.left)}` });
      running = true;
      unsubscribes.push(
        options.tmux.subscribe((tmuxEvent) => {
          if (
            tmuxEvent.type === "window-closed" ||
            tmuxEvent.type === "pane-exited" ||
            tmuxEvent.type === "connected"
          ) {
            void enqueue({
              type: "PaneExited",
              now: clock.now(),
              paneId: tmuxEvent.type === "pane-exited" ? tmuxEvent.paneId : null,
            });
          }
        }),
        options.channel.subscribe((channelEvent) => {
          void enqueue(
            channelEvent.type === "attached"
              ? {
                  type: "ChannelAttached",
                  now: clock.now(),
                  paneId: channelEvent.paneId,
                  firstMate: channelEvent.firstMate,
                }
              : { type: "ChannelDetached", now: clock.now(), paneId: channelEvent.paneId },
          );
        }),
      );
      await enqueue({
        type: "Started",
        now: clock.now(),
        owner: options.owner,
        // A failed read is said as such: starting from an empty store would forget a give-up and reuse outbox numbers.
        hydration: E.isRight(hydrated) ? hydrated.right : null,
      });
    },
    async stop() {
      if (!running) return;
      await idleWithin(config.toolCallTimeoutMs);
      running = false;
      for (const unsubscribe of unsubscribes.splice(0)) unsubscribe();
      cancelTimer?.();
      cancelTimer = null;
      armedFor = null;
      wakeTimes.clear();
      await idleWithin(config.toolCallTimeoutMs);
      for (const requestId of [...toolReplies.keys()])
        answerTool(requestId, failedReply("first-mate stopped before the call was answered"));
      await options.store.releaseLease(options.owner);
    },
    async dispatch(event) {
      const parsed = EventSchema.safeParse(event);
      if (!parsed.success) return E.left(rejection(parsed.error.issues));
      await enqueue(parsed.data);
      return E.right(undefined);
    },
    status: () => ({
      running,
      firstMate: state.supervisor.marker,
      firstMateAttached: state.firstMateAttached,
      spawnInFlight: state.supervisor.spawnInFlight !== null,
      leaseHeld: state.supervisor.leaseHeld,
      killSwitch: state.supervisor.killSwitch,
      gaveUp: state.supervisor.gaveUp,
      lastPushAt: state.heartbeat.lastPushAt,
      pushCount: state.heartbeat.pushCount,
      outboxDepth: state.interrupts.outbox.length + state.channel.held.length + state.interrupts.unfiled.length,
      panes: state.fleet.length,
      channel: state.supervisor.marker === null ? null : state.channel.mode,
      wakeUps: state.channel.wake.count,
      waitingAtDialog: state.supervisor.marker === null ? null : (state.startupDialog.waiting?.id ?? null),
    }),
    digest: () => currentDigest({ ...state, now: Math.max(state.now, clock.now()) }),
    state: () => state,
    async updateInputs(input) {
      const parsed = EventSchema.safeParse({ type: "InputsUpdated", now: clock.now(), ...input });
      if (!parsed.success) return E.left(rejection(parsed.error.issues));
      await enqueue(parsed.data);
      return E.right(undefined);
    },
    async setKillSwitch(on) {
      await options.store.setKillSwitch(on);
      await enqueue({ type: "KillSwitchSet", now: clock.now(), on });
    },
    resetSupervisor: () => enqueue({ type: "SupervisorReset", now: clock.now() }),
    idle,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
};
