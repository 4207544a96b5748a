/**
 * Translate one command into a port call and its outcome into an event.
 *
 * Thin on purpose: no policy here. Every command that the core awaits an
 * answer for (observe, spawn, emit, lease) always yields exactly one event,
 * even when the port throws, so the core never waits forever.
 */
import * as E from "fp-ts/lib/Either.js";
import type { Command, CommandOf } from "../commands.js";
import type { EndStep } from "../domain/paneProcess.js";
import type { Event } from "../events.js";
import type { AuthorityStorePort } from "../ports/authorityStore.js";
import type { ChannelPort } from "../ports/channelPort.js";
import type { Clock } from "../ports/clock.js";
import { describeError, type PortError } from "../ports/errors.js";
import type { ProcessPort } from "../ports/processPort.js";
import type { StorePort } from "../ports/storePort.js";
import type { TmuxPort } from "../ports/tmuxPort.js";
import { endPane } from "./endPane.js";
import type { FirstMateLauncher } from "./launcher.js";
import { authorityStoreFor } from "./memoryAuthorityStore.js";
import { launchWorker } from "./workerLauncher.js";

/** The ports a command is executed against. */
export interface ExecutionPorts {
  readonly tmux: TmuxPort;
  readonly channel: ChannelPort;
  readonly store: StorePort;
  readonly clock: Clock;
  readonly launcher: FirstMateLauncher;
  /** Reads and signals pane process trees; without it a pane is only closed, as tmux alone would. */
  readonly processes?: ProcessPort;
  /** How a pane's remaining processes are ended (default DEFAULT_END_LADDER). */
  readonly endLadder?: readonly EndStep[];
  /** Where `store.setConn` goes; default: `store` itself when it implements the port. */
  readonly authorityStore?: AuthorityStorePort;
}

/** What executing one command gave: an event to feed back, a failure, or nothing. */
export type ExecutionOutcome =
  | { readonly kind: "event"; readonly event: Event }
  /** `tag` is the port error's `_tag` when there was one (e.g. `StoreStaleEpoch`). */
  | { readonly kind: "failed"; readonly error: string; readonly tag?: string }
  | { readonly kind: "done" };

const DONE: ExecutionOutcome = { kind: "done" };
const event = (value: Event): ExecutionOutcome => ({ kind: "event", event: value });
const failed = (error: PortError): ExecutionOutcome => ({
  kind: "failed",
  error: describeError(error),
  tag: error._tag,
});

/**
 * The answer to an effect that was not run because a durable write of its
 * batch failed: every command the core awaits still gets its event.
 */
export const skippedEffectEvent = (command: Command, now: number, reason: string): Event | null => {
  switch (command.type) {
    case "fleet.observe":
      return { type: "ObserveFailed", now, observeId: command.observeId, reason };
    case "tmux.spawn":
      return { type: "SpawnFailed", now, requestId: command.requestId, reason };
    case "channel.emit":
      return { type: "EmitFailed", now, emitId: command.emitId, reason };
    case "tmux.sendText":
      return { type: "TextSendFailed", now, requestId: command.requestId, reason };
    case "tmux.spawnWorker":
      return { type: "DeferredSpawnSettled", now, spawnId: command.spawnId, paneId: null, reason };
    case "tmux.kill":
      return command.requestId === undefined
        ? null
        : {
            type: "PaneCloseSettled",
            now,
            requestId: command.requestId,
            paneId: command.paneId,
            error: reason,
            report: null,
          };
    case "tmux.capture":
      return command.requestId === undefined
        ? null
        : { type: "ScreenCaptureFailed", now, requestId: command.requestId, reason };
    default:
      return null;
  }
};
/** The answer to `store.addProposal`: the stored id, or why it was not stored. */
const proposedEvent = (command: CommandOf<"store.addProposal">, at: number, stored: number | string): Event => ({
  type: "ActionProposed",
  now: at,
  action: command.action,
  reason: command.reason,
  handBack: command.handBack,
  requestId: command.requestId,
  ...(typeof stored === "number" ? { proposalId: stored } : { proposalId: null, storeError: stored.slice(0, 2000) }),
});

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

const orFail = (result: E.Either<PortError, unknown>): ExecutionOutcome =>
  E.isLeft(result) ? failed(result.left) : DONE;

/** Run a store command (awaited before any effect of the same batch). */
const executeStore = async (command: Command, store: StorePort): Promise<ExecutionOutcome> => {
  switch (command.type) {
    case "store.setMarker":
      return orFail(await store.setMarker(command.marker, command.epoch));
    case "store.clearMarker":
      return orFail(await store.clearMarker(command.paneId, command.epoch));
    case "store.recordStart":
      return orFail(await store.recordStart(command.record, command.epoch));
    case "store.appendLog":
      return orFail(await store.appendLog(command.entry));
    case "store.setAlert":
      return orFail(await store.setAlert(command.alert, command.epoch));
    case "store.clearAlert":
      return orFail(await store.clearAlert(command.paneId, command.epoch));
    case "store.enqueueOutbox":
      return orFail(await store.enqueueOutbox(command.entry, command.epoch));
    case "store.markDelivered":
      return orFail(await store.markDelivered(command.seq, command.epoch));
    case "store.expireOutbox":
      return orFail(await store.expireOutbox(command.before, command.epoch));
    case "store.setSupervisorGaveUp":
      return orFail(await store.setSupervisorGaveUp(command.gaveUp, command.at, command.epoch));
    case "store.saveInterruptTables":
      return orFail(await store.saveInterruptTables(command.changes, command.epoch));
    case "store.saveDeferredSpawns":
      return orFail(await store.saveDeferredSpawns(command.changes, command.epoch));
    default:
      return DONE;
  }
};

/** Pure mapping of a command to the port that runs it; returns its outcome. */
export const executeCommand = async (command: Command, ports: ExecutionPorts): Promise<ExecutionOutcome> => {
  const now = () => ports.clock.now();
  try {
    switch (command.type) {
      case "fleet.observe": {
        const [result, stored, marker] = await Promise.all([
          ports.tmux.listPanes(),
          ports.store.readSupervisorFlags(),
          ports.store.readMarker(),
        ]);
        // Object.assign and two literals rather than spreads: Node 20 spreads an object several times slower,
        // and the fleet is observed at every tick.
        return E.isRight(result)
          ? event(
              E.isRight(stored) && E.isRight(marker)
                ? {
                    type: "FleetObserved",
                    now: now(),
                    observeId: command.observeId,
                    panes: [...result.right],
                    flags: Object.assign({}, stored.right, { marker: marker.right }),
                  }
                : { type: "FleetObserved", now: now(), observeId: command.observeId, panes: [...result.right] },
            )
          : event({
              type: "ObserveFailed",
              now: now(),
              observeId: command.observeId,
              reason: describeError(result.left),
            });
      }
      case "tmux.spawn": {
        let tokenHash: string;
        let result: Awaited<ReturnType<TmuxPort["spawn"]>>;
        let alerts: { alerts?: { code: string; message: string }[] } = {};
        try {
          const launch = await ports.launcher.prepare(command);
          tokenHash = launch.tokenHash;
          if (launch.alerts && launch.alerts.length > 0) alerts = { alerts: [...launch.alerts] };
          result = await ports.tmux.spawn(launch.request);
        } catch (error) {
          return event({ type: "SpawnFailed", now: now(), requestId: command.requestId, reason: messageOf(error) });
        }
        return E.isRight(result)
          ? event({
              type: "SpawnSucceeded",
              now: now(),
              requestId: command.requestId,
              paneId: result.right.paneId,
              windowId: result.right.windowId,
              tokenHash,
              ...(result.right.panePid != null ? { panePid: result.right.panePid } : {}),
              ...(result.right.tmuxServer != null ? { tmuxServer: result.right.tmuxServer } : {}),
              ...alerts,
            })
          : event({
              type: "SpawnFailed",
              now: now(),
              requestId: command.requestId,
              reason: describeError(result.left),
              ...alerts,
            });
      }
      case "tmux.kill": {
        if (command.requestId !== undefined) {
          // A tool's terminate is always answered: the close, and what became of the processes.
          const ended = await endPane(
            { tmux: ports.tmux, processes: ports.processes },
            { paneId: command.paneId, pid: command.pid ?? null },
            ports.endLadder,
          );
          return event({
            type: "PaneCloseSettled",
            now: now(),
            requestId: command.requestId,
            paneId: command.paneId,
            error: E.isLeft(ended.closed) ? describeError(ended.closed.left) : null,
            report: ports.processes === undefined ? null : ended.report,
          });
        }
        if (command.pid === undefined || ports.processes === undefined)
          return orFail(await ports.tmux.kill(command.paneId));
        const ended = await endPane(
          { tmux: ports.tmux, processes: ports.processes },
          { paneId: command.paneId, pid: command.pid },
          ports.endLadder,
        );
        return event({
          type: "PaneEnded",
          now: now(),
          paneId: command.paneId,
          reason: command.reason ?? "closed by first-mate",
          report: ended.report,
        });
      }
      case "tmux.killWindow":
        return orFail(await ports.tmux.killWindow(command.target));
      case "tmux.sendText": {
        const sent = await ports.tmux.sendText(command.paneId, command.text);
        return E.isRight(sent)
          ? event({ type: "TextSent", now: now(), requestId: command.requestId })
          : event({
              type: "TextSendFailed",
              now: now(),
              requestId: command.requestId,
              reason: describeError(sent.left),
            });
      }
      case "tmux.sendKeys":
        return orFail(await ports.tmux.sendKeys(command.paneId, command.keys));
      case "tmux.capture": {
        const screen = await ports.tmux.capture(command.paneId, command.lines);
        // Capped like the event schema: the classifiers read only the bottom lines anyway.
        if (E.isRight(screen)) {
          const text = screen.right.slice(-256 * 1024);
          return event(
            command.requestId === undefined
              ? { type: "ScreenCaptured", now: now(), paneId: command.paneId, text }
              : { type: "ScreenCaptured", now: now(), paneId: command.paneId, text, requestId: command.requestId },
          );
        }
        return command.requestId === undefined
          ? failed(screen.left)
          : event({
              type: "ScreenCaptureFailed",
              now: now(),
              requestId: command.requestId,
              reason: describeError(screen.left),
            });
      }
      case "channel.emit": {
        const delivered = await ports.channel.emit(command.paneId, command.content, command.meta).catch(() => false);
        return delivered
          ? event({ type: "EmitSucceeded", now: now(), emitId: command.emitId })
          : event({ type: "EmitFailed", now: now(), emitId: command.emitId, reason: "not delivered" });
      }
      case "store.renewLease": {
        const result = await ports.store.renewLease(command.owner, command.now, command.ttlMs);
        return E.isRight(result)
          ? event({
              type: "LeaseRenewed",
              now: now(),
              held: result.right.held,
              expiresAt: result.right.expiresAt,
              epoch: result.right.epoch,
            })
          : event({ type: "LeaseRenewed", now: now(), held: false, expiresAt: 0, epoch: 0 });
      }
      case "store.readSupervisor": {
        const read = await ports.store.hydrate();
        return E.isRight(read)
          ? event({
              type: "SupervisorStateRead",
              now: now(),
              readId: command.readId,
              marker: read.right.marker,
              ledger: [...read.right.ledger],
              gaveUp: read.right.gaveUp,
              resetAt: read.right.resetAt,
              killSwitch: read.right.killSwitch,
              ...(read.right.interruptTables ? { interruptTables: read.right.interruptTables } : {}),
              ...(read.right.deferred ? { deferred: [...read.right.deferred] } : {}),
              outbox: [...read.right.outbox],
              lastOutboxSeq: read.right.lastOutboxSeq,
              alerts: [...read.right.alerts],
            })
          : event({
              type: "SupervisorReadFailed",
              now: now(),
              readId: command.readId,
              reason: describeError(read.left),
            });
      }
      case "store.addProposal": {
        const stored = await (ports.authorityStore ?? authorityStoreFor(ports.store)).addProposal({
          action: command.action,
          reason: command.reason,
          at: command.at,
        });
        return event(proposedEvent(command, now(), E.isRight(stored) ? stored.right.id : describeError(stored.left)));
      }
      case "store.appendFirstMateLog": {
        const stored = await ports.store.appendLog(command.entry);
        return E.isRight(stored)
          ? event({ type: "LogEntryAppended", now: now(), requestId: command.requestId, entry: stored.right })
          : event({
              type: "ToolStoreWriteFailed",
              now: now(),
              requestId: command.requestId,
              reason: describeError(stored.left),
            });
      }
      case "store.proposeRoleExtension": {
        const stored = await (ports.authorityStore ?? authorityStoreFor(ports.store)).proposeRoleExtension({
          text: command.text,
          at: command.at,
        });
        return E.isRight(stored)
          ? event({
              type: "RoleChangeProposed",
              now: now(),
              extensionId: stored.right.id,
              text: command.text,
              requestId: command.requestId,
            })
          : event({
              type: "ToolStoreWriteFailed",
              now: now(),
              requestId: command.requestId,
              reason: describeError(stored.left),
            });
      }
      case "store.setConn":
        return orFail(await (ports.authorityStore ?? authorityStoreFor(ports.store)).saveConn(command.conn));
      case "tmux.spawnWorker": {
        const launched = await launchWorker(ports.tmux, command.launch);
        return event({
          type: "DeferredSpawnSettled",
          now: now(),
          spawnId: command.spawnId,
          paneId: E.isRight(launched) ? launched.right : null,
          reason: E.isLeft(launched) ? launched.left : null,
        });
      }
      case "alert.raise":
      case "timer.wakeAt":
      case "tool.reply":
        return DONE; // handled by the runtime itself
      default:
        return await executeStore(command, ports.store);
    }
  } catch (error) {
    if (command.type === "fleet.observe") {
      return event({ type: "ObserveFailed", now: now(), observeId: command.observeId, reason: messageOf(error) });
    }
    if (command.type === "channel.emit")
      return event({ type: "EmitFailed", now: now(), emitId: command.emitId, reason: messageOf(error) });
    if (command.type === "store.readSupervisor")
      return event({ type: "SupervisorReadFailed", now: now(), readId: command.readId, reason: messageOf(error) });
    if (command.type === "store.renewLease")
      return event({ type: "LeaseRenewed", now: now(), held: false, expiresAt: 0, epoch: 0 });
    if (command.type === "store.addProposal") return event(proposedEvent(command, now(), messageOf(error)));
    if (command.type === "store.appendFirstMateLog" || command.type === "store.proposeRoleExtension")
      return event({
        type: "ToolStoreWriteFailed",
        now: now(),
        requestId: command.requestId,
        reason: messageOf(error),
      });
    // Every command the core awaits is answered, even when its port throws.
    const answer = skippedEffectEvent(command, now(), messageOf(error));
    return answer === null ? { kind: "failed", error: messageOf(error) } : event(answer);
  }
};
