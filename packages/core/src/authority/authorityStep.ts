/**
 * The authority part of `step`: how conn, deferred spawns and identity
 * facts change the core's state, and what that asks of the drivers.
 *
 * Pure: executes nothing. Rules:
 * - every change of conn holder is stored (`store.setConn`), logged in the
 *   captain's log, and told to an attached first mate; an automatic hand-back
 *   (expiry, out of scope, restart) is also raised to the human;
 * - a restored conn that belongs to another first-mate attempt, or that has
 *   expired, goes back to the human at `Started` (fail safe);
 * - a new marker (or none) drops the conn (invariant 10);
 * - every tick expires the conn and releases due deferred spawns; a
 *   released spawn whose conn is gone is not run: the human is asked;
 * - every conn-gated action the tool host ran, denied, deferred or proposed
 *   is logged.
 */

import type { Command } from "../commands.js";
import { formatInstant } from "../domain/instant.js";
import type { Marker } from "../domain/marker.js";
import type { Hydration } from "../events.js";
import { type CoreState, updateState } from "../state.js";
import { type AuthorityAction, describeAction } from "./authorityAction.js";
import type { AuthorityEvent } from "./authorityEvents.js";
import { budgetPolicyOf } from "./authorityState.js";
import { heartbeatIntervalFor, postureLine } from "./budgetStewardship.js";
import {
  type Conn,
  type ConnTransition,
  describeScope,
  dropConnOnRestart,
  expireConn,
  HUMAN_CONN,
  handBackConn,
  handOffConn,
  scopeCovers,
} from "./conn.js";
import { DEFERRED_SPAWN_CAP, releaseDueSpawns } from "./deferredSpawns.js";
import { consolidationNudge, identitySizeWarning } from "./layeredPrompt.js";

type StepResult = readonly [CoreState, readonly Command[]];

const log = (state: CoreState, text: string): Command => ({
  type: "store.appendLog",
  entry: { kind: "narrative", text: text.slice(0, 2000), at: state.now, author: "kit" },
});

const iso = formatInstant;

const connNotice = (conn: Conn, reasonText: string | null): { content: string; meta: Record<string, string> } =>
  conn.holder === "first_mate"
    ? {
        content: [
          `You hold the conn until ${iso(conn.expiresAt)}.`,
          `Scope: ${describeScope(conn.scope)}.`,
          `Escalation: ${conn.escalation}.`,
          "Within the scope, the conn-gated tools (spawn_worker, assign_task, terminate) act; anything else becomes a proposal and hands the conn back.",
        ].join("\n"),
        meta: {
          kind: "conn",
          holder: "first_mate",
          expires_at: String(conn.expiresAt),
          actions: conn.scope.actions.join(","),
        },
      }
    : {
        content: `The conn is back with the human${reasonText ? `: ${reasonText}` : ""}. Conn-gated tools now only make proposals.`,
        meta: { kind: "conn", holder: "human" },
      };

/** Apply a conn transition: state, storage, log, notice, and an alert when `alert` is set. */
const applyTransition = (state: CoreState, transition: ConnTransition, alert: boolean): StepResult => {
  if (transition.logText === null) return [state, []];
  const notices = state.authority.notices + 1;
  const next: CoreState = updateState(state, {
    authority: { ...state.authority, conn: transition.conn, notices, connVersion: state.authority.connVersion + 1 },
  });
  const commands: Command[] = [{ type: "store.setConn", conn: transition.conn }, log(state, transition.logText)];
  const marker = state.supervisor.marker;
  if (marker !== null && state.firstMateAttached) {
    const notice = connNotice(transition.conn, transition.logText.replace(/^conn returned to the human: /, ""));
    commands.push({
      type: "channel.emit",
      emitId: `conn-${notices}`,
      purpose: "interrupt",
      paneId: marker.paneId,
      content: notice.content,
      meta: notice.meta,
    });
  }
  if (transition.conn.holder === "first_mate") {
    commands.push({ type: "timer.wakeAt", at: transition.conn.expiresAt });
  } else if (alert) {
    commands.push({ type: "alert.raise", level: "warning", code: "conn.returned", message: transition.logText });
  }
  return [next, commands];
};

/** At `Started`: restore the stored conn, unless it belongs to another first mate or has expired. */
export const restoreAuthority = (state: CoreState, hydration: Hydration): StepResult => {
  const stored = hydration.conn ?? HUMAN_CONN;
  const restored: CoreState = updateState(state, {
    authority: { ...state.authority, conn: stored, connVersion: state.authority.connVersion + 1 },
  });
  const dropped = dropConnOnRestart(stored, state.now, hydration.marker?.attempt ?? null);
  if (dropped.logText !== null) return applyTransition(restored, dropped, true);
  const [expired, commands] = applyTransition(restored, expireConn(stored, state.now), true);
  if (commands.length > 0 || stored.holder !== "first_mate") return [expired, commands];
  return [expired, [{ type: "timer.wakeAt", at: stored.expiresAt }]];
};

/** After the supervisor moved the marker: a new first mate (or none) never keeps the conn. */
export const dropConnIfMarkerChanged = (state: CoreState, before: Marker | null): StepResult => {
  const after = state.supervisor.marker;
  if (before?.paneId === after?.paneId && before?.attempt === after?.attempt) return [state, []];
  return applyTransition(state, dropConnOnRestart(state.authority.conn, state.now, after?.attempt ?? null), true);
};

const coveredByConn = (conn: Conn, action: AuthorityAction, now: number): boolean =>
  conn.holder === "first_mate" && now < conn.expiresAt && scopeCovers(conn.scope, action);

/** Every tick: expire the conn, release due deferred spawns. */
export const authorityTick = (state: CoreState): StepResult => {
  const { conn, deferred } = state.authority;
  // The usual tick: the human holds the conn (or it has not expired) and no spawn waits.
  if (deferred.length === 0 && (conn.holder !== "first_mate" || state.now < conn.expiresAt)) return [state, []];
  const [expired, commands] = applyTransition(state, expireConn(state.authority.conn, state.now), true);
  const policy = budgetPolicyOf(state.config);
  const { due, waiting } = releaseDueSpawns(expired.authority.deferred, state.now, state.inputs.usage, policy);
  if (due.length === 0) return [expired, commands];
  const released: Command[] = [];
  for (const spawn of due) {
    const action: AuthorityAction = {
      kind: "spawn_worker",
      target: { name: spawn.launch.name },
      args: spawn.launch.task ? { task: spawn.launch.task } : {},
    };
    if (coveredByConn(expired.authority.conn, action, state.now)) {
      released.push(log(state, `deferred spawn released at the budget reset: ${describeAction(action)}`), {
        type: "tmux.spawnWorker",
        spawnId: spawn.id,
        launch: spawn.launch,
      });
    } else {
      const text = `deferred spawn not run: the conn no longer covers it — ${describeAction(action)}`;
      released.push(log(state, text), {
        type: "alert.raise",
        level: "warning",
        code: "authority.proposal",
        message: text,
      });
    }
  }
  return [updateState(expired, { authority: { ...expired.authority, deferred: waiting } }), [...commands, ...released]];
};

/** The heartbeat's interval and the notes that ride along with a push. */
export interface HeartbeatInputs {
  readonly intervalMs: number;
  readonly notes: readonly string[];
}

/** Everything `heartbeatInputsOf` reads of a state: equal sources give equal inputs. */
interface HeartbeatInputSources {
  readonly config: CoreState["config"];
  readonly usage: CoreState["inputs"]["usage"];
  readonly deferredCount: number;
  readonly conn: CoreState["authority"]["conn"];
  readonly pushCount: number;
  readonly identityEditedAtPush: number;
  readonly identityChars: CoreState["authority"]["identityChars"];
}

/**
 * The last inputs computed, with what they were computed from. The heartbeat
 * asks at every observation, and between two pushes nothing they depend on
 * changes, so the notes (dates and sentences) need not be written again.
 */
let lastHeartbeatInputs: { readonly sources: HeartbeatInputSources; readonly inputs: HeartbeatInputs } | null = null;

const sameSources = (sources: HeartbeatInputSources, state: CoreState): boolean =>
  sources.config === state.config &&
  sources.usage === state.inputs.usage &&
  sources.deferredCount === state.authority.deferred.length &&
  sources.conn === state.authority.conn &&
  sources.pushCount === state.heartbeat.pushCount &&
  sources.identityEditedAtPush === state.authority.identityEditedAtPush &&
  sources.identityChars === state.authority.identityChars;

/**
 * Pure: the heartbeat's interval and notes under the current budget and
 * identity (the same object as last time when they were computed from the
 * same sources: the result is never written to).
 */
export const authorityHeartbeatInputs = (state: CoreState): HeartbeatInputs => {
  if (lastHeartbeatInputs !== null && sameSources(lastHeartbeatInputs.sources, state))
    return lastHeartbeatInputs.inputs;
  const inputs = heartbeatInputsOf(state);
  lastHeartbeatInputs = {
    sources: {
      config: state.config,
      usage: state.inputs.usage,
      deferredCount: state.authority.deferred.length,
      conn: state.authority.conn,
      pushCount: state.heartbeat.pushCount,
      identityEditedAtPush: state.authority.identityEditedAtPush,
      identityChars: state.authority.identityChars,
    },
    inputs,
  };
  return inputs;
};

/** Pure: the heartbeat's interval and notes, computed afresh from the state's budget, conn and identity facts. */
export const heartbeatInputsOf = (state: CoreState): HeartbeatInputs => {
  const policy = budgetPolicyOf(state.config);
  const notes: string[] = [];
  const posture = postureLine(state.inputs.usage, policy, state.config.pushIntervalMs, state.authority.deferred.length);
  if (posture !== null) notes.push(posture);
  const conn = state.authority.conn;
  if (conn.holder === "first_mate")
    notes.push(`CONN held by you until ${iso(conn.expiresAt)}: ${describeScope(conn.scope)}`);
  const wakes = state.heartbeat.pushCount + 1 - state.authority.identityEditedAtPush;
  const nudge = consolidationNudge(wakes, state.config.identityNudgeAfterWakes);
  if (nudge !== null) {
    notes.push(nudge);
    const size = identitySizeWarning(state.authority.identityChars ?? 0, state.config.identityCapChars);
    if (size !== null) notes.push(size);
  }
  return { intervalMs: heartbeatIntervalFor(state.config.pushIntervalMs, state.inputs.usage, policy), notes };
};

/** Pure: the next state and commands for one authority event. */
export const stepAuthority = (state: CoreState, event: AuthorityEvent): StepResult => {
  switch (event.type) {
    case "ConnHandedOff": {
      const handed = handOffConn(state.supervisor.marker?.attempt ?? null, {
        now: state.now,
        scope: event.scope,
        expiresAt: event.expiresAt,
        ...(event.escalation ? { escalation: event.escalation } : {}),
      });
      if (!handed.ok) return [state, [log(state, `conn handoff refused: ${handed.error.reason}`)]];
      return applyTransition(state, handed.transition, false);
    }
    case "ConnTakenBack":
      return applyTransition(state, handBackConn(state.authority.conn, state.now, "taken_back"), false);
    case "ActionExecuted":
      return [
        state,
        [
          log(
            state,
            `${event.ok ? "conn action" : "conn action FAILED"}: ${describeAction(event.action)} — ${event.detail}`,
          ),
        ],
      ];
    case "ActionDenied":
      return [
        state,
        [
          log(state, `DENIED ${describeAction(event.action)}: ${event.reason}`),
          {
            type: "alert.raise",
            level: "warning",
            code: "authority.denied",
            message: `the first mate asked for a prohibited action (${event.reason}): ${describeAction(event.action)}`,
          },
        ],
      ];
    case "ActionProposed": {
      const id = event.proposalId === null ? "" : ` #${event.proposalId}`;
      const text = `proposal${id} for the human (${event.reason}): ${describeAction(event.action)}`;
      const [next, commands] =
        event.handBack === null
          ? ([state, []] as StepResult)
          : applyTransition(
              state,
              handBackConn(state.authority.conn, state.now, event.handBack, describeAction(event.action)),
              true,
            );
      return [
        next,
        [
          log(state, text),
          { type: "alert.raise", level: "warning", code: "authority.proposal", message: text },
          ...commands,
        ],
      ];
    }
    case "SpawnDeferred":
      if (state.authority.deferred.length >= DEFERRED_SPAWN_CAP) {
        const text = `spawn of ${event.spawn.launch.name} not deferred: ${DEFERRED_SPAWN_CAP} spawns already wait for the budget`;
        return [
          state,
          [log(state, text), { type: "alert.raise", level: "warning", code: "authority.proposal", message: text }],
        ];
      }
      return [
        updateState(state, { authority: { ...state.authority, deferred: [...state.authority.deferred, event.spawn] } }),
        [
          log(
            state,
            `spawn of ${event.spawn.launch.name} deferred to the budget reset at ${iso(event.spawn.releaseAt)}`,
          ),
          { type: "timer.wakeAt", at: event.spawn.releaseAt },
        ],
      ];
    case "DeferredSpawnSettled":
      return [
        state,
        [
          log(
            state,
            event.paneId !== null
              ? `deferred spawn ${event.spawnId} started in ${event.paneId}`
              : `deferred spawn ${event.spawnId} FAILED: ${event.reason ?? "unknown reason"}`,
          ),
        ],
      ];
    case "IdentityEdited":
      return [
        updateState(state, {
          authority: {
            ...state.authority,
            identityEditedAtPush: state.heartbeat.pushCount,
            identityChars: event.chars,
          },
        }),
        [],
      ];
    case "IdentityConflictDetected": {
      const text = `identity conflict: ${event.paneId} presented the first mate's spent spawn token and was refused (${event.detail})`;
      return [
        state,
        [log(state, text), { type: "alert.raise", level: "critical", code: "identity_conflict", message: text }],
      ];
    }
    case "RoleChangeProposed": {
      const text = `role extension #${event.extensionId} proposed by the first mate, waiting for the human: ${event.text}`;
      return [
        state,
        [log(state, text), { type: "alert.raise", level: "warning", code: "authority.role_proposal", message: text }],
      ];
    }
  }
};
