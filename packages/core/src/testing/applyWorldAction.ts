/**
 * Apply a generated WorldAction to a fake world, then let it settle.
 * Indexes pick among current workers modulo their count, so every action is
 * meaningful whatever the fleet looks like. What comes from outside the
 * world's drivers (the embedder, the tool host, the human) is injected as the
 * event the runtime would dispatch; what a driver answers, the world answers.
 */
import { CONN_GATED_ACTIONS } from "../authority/authorityAction.js";
import { pendingInterrupts } from "../channelStep.js";
import type { PaneId } from "../domain/paneId.js";
import type { ToolCall } from "../domain/toolCall.js";
import { currentDigest } from "../step.js";
import { FIRST_MATE_SCREENS, WORKER_SCREENS, type WorldAction } from "./arbitraries.js";
import type { FakeWorld } from "./fakeWorld.js";

/** The owner a second host takes the lease under. */
export const SECOND_HOST = "second-host";

/**
 * A second host takes the lease for `ms` and does what a holder does: it
 * adopts the store's first mate when that pane lives, else (kill switch and
 * give-up permitting) starts its own and records it under its epoch.
 */
const secondHostTakesOver = (world: FakeWorld, ms: number): void => {
  if (world.store.isUnavailable()) return; // it cannot reach the store either
  const now = world.now();
  const contents = world.store.snapshot();
  if (contents.lease.owner !== SECOND_HOST) contents.leaseEpoch++;
  contents.lease = { owner: SECOND_HOST, expiresAt: now + ms };
  const { session, window } = world.state().config;
  const live = world.tmux
    .listSync()
    .filter((pane) => !pane.dead && pane.session === session && pane.windowName === window);
  if (live.length > 0 || contents.killSwitch || contents.gaveUp || world.tmux.isUnavailable()) return;
  const attempt = Math.max(0, contents.marker?.attempt ?? 0, ...contents.ledger.keys()) + 1;
  const paneId = world.tmux.addPane({ command: "claude", session, windowName: window });
  world.store.sync.recordStart(
    { attempt, startedAt: now, endedAt: null, paneId, outcome: "running" },
    contents.leaseEpoch,
  );
  // Like any host, it records the new pane's pid and tmux server at the spawn.
  const pane = world.tmux.panes.get(paneId);
  world.store.sync.setMarker(
    {
      paneId,
      tokenHash: "e".repeat(64),
      spawnedAt: now,
      attempt,
      panePid: pane?.pid ?? null,
      tmuxServer: world.tmux.server(),
    },
    contents.leaseEpoch,
  );
};

const workers = (world: FakeWorld): PaneId[] => {
  const firstMate = world.firstMatePaneId();
  return world.tmux
    .listSync()
    .filter((pane) => pane.paneId !== firstMate && pane.windowName !== world.state().config.window)
    .map((pane) => pane.paneId);
};

const pick = (world: FakeWorld, index: number): PaneId | undefined => {
  const list = workers(world);
  return list.length === 0 ? undefined : list[index % list.length];
};

/**
 * Apply one generated {@link WorldAction} to a fake world (add or kill a pane, attach, notify, fail the store,
 * advance time, …).
 */
export const applyWorldAction = (world: FakeWorld, action: WorldAction): void => {
  const now = world.now();
  switch (action.type) {
    case "evidence": {
      const pane = pick(world, action.index);
      if (pane)
        world.inject({
          type: "AgentEvidenceReceived",
          now,
          paneId: pane,
          evidence: { source: action.source, state: action.state, at: Math.max(0, now - action.ageMs) },
        });
      break;
    }
    case "inputs": {
      const pane = pick(world, action.index);
      world.inject({
        type: "InputsUpdated",
        now,
        ...(pane ? { panes: { [pane]: { watched: true, ci: action.ci } } } : {}),
        usage: { percent: action.percent, resetsAt: action.resetsAt },
      });
      break;
    }
    case "storeOutage":
      world.store.setUnavailable(action.on);
      break;
    case "leaseTakenOver": {
      // This host's lease ran out and another host took it: a new epoch, another owner.
      const contents = world.store.snapshot();
      contents.lease = { owner: "other-host", expiresAt: now + action.ms };
      contents.leaseEpoch++;
      break;
    }
    case "secondHostTakesOver":
      secondHostTakesOver(world, action.ms);
      break;
    case "restartHost":
      world.restartHost(undefined, { hydrateFails: action.hydrateFails ?? false, reconnect: true });
      break;
    case "storeWriteFails":
      world.store.failWrites(action.count, action.write ?? undefined);
      break;
    case "storeReadFails":
      world.store.failHydrates(action.count);
      break;
    case "firstMateChannel":
      world.firstMateHearsChannel = action.hears;
      world.firstMateAcknowledges = action.acknowledges;
      break;
    case "tmuxServerRestart":
      world.tmux.restartServer();
      for (let i = 0; i < action.workers; i++) world.addWorker({ windowName: `after-restart-${i}` });
      break;
    case "orphanInFirstMateWindow": {
      const { session, window } = world.state().config;
      world.tmux.addPane({ command: "claude", session, windowName: window });
      break;
    }
    case "tmuxOutage":
      world.tmux.setUnavailable(action.on);
      break;
    case "screen": {
      const pane = pick(world, action.index);
      if (pane) world.tmux.setScreen(pane, WORKER_SCREENS[action.screen]);
      break;
    }
    case "firstMateScreen": {
      const pane = world.firstMatePaneId();
      if (pane) world.tmux.setScreen(pane, FIRST_MATE_SCREENS[action.screen]);
      break;
    }
    case "killSwitch":
      world.inject({ type: "KillSwitchSet", now, on: action.on });
      break;
    case "supervisorReset":
      world.inject({ type: "SupervisorReset", now });
      break;
    case "firstMatePulls": {
      // As the tool host answers `fleet_digest` and `inbox` for the verified first mate.
      const pane = world.firstMatePaneId();
      if (!pane || !world.tmux.panes.has(pane) || !world.channel.isAttached(pane)) break;
      const state = world.state();
      const pullDelivers = state.channel.mode === "unavailable";
      world.inject({
        type: "DigestPulled",
        now,
        paneId: pane,
        digest: currentDigest({ ...state, now: Math.max(state.now, now) }),
        repeatKeys: pullDelivers ? Object.keys(state.interrupts.repeats).sort() : [],
        expiredReported: pullDelivers ? state.interrupts.expiredUnreported : 0,
      });
      if (action.inbox)
        world.inject({
          type: "InboxPulled",
          now,
          paneId: pane,
          seqs: pendingInterrupts(state).map((entry) => entry.seq),
        });
      break;
    }
    case "workerAttaches": {
      const pane = pick(world, action.index);
      if (pane && !world.channel.isAttached(pane)) world.channel.attach(pane, false);
      break;
    }
    case "handConn":
      world.inject({
        type: "ConnHandedOff",
        now,
        scope: { actions: [...CONN_GATED_ACTIONS], targets: ["*"] },
        expiresAt: now + 3_600_000,
      });
      break;
    case "toolCall": {
      const from = world.firstMatePaneId();
      const pane = pick(world, action.index);
      if (!from || (!pane && action.tool !== "spawn_worker")) break;
      const target = pane ?? from;
      const call: ToolCall =
        action.tool === "spawn_worker"
          ? { tool: "spawn_worker", name: "helper", command: "cat" }
          : action.tool === "assign_task"
            ? { tool: "assign_task", pane: target, task: "run the tests" }
            : action.tool === "nudge"
              ? { tool: "nudge", pane: target, message: "status?" }
              : action.tool === "peek"
                ? { tool: "peek", pane: target, lines: 10 }
                : action.tool === "captains_log_append"
                  ? { tool: "captains_log_append", kind: "watch", text: `watching ${target}` }
                  : action.tool === "propose_role_change"
                    ? { tool: "propose_role_change", text: "keep the release notes current" }
                    : { tool: "terminate", pane: target };
      if (action.targetGone && pane) world.tmux.panes.delete(pane);
      void world.callTool(from, call);
      if (action.targetGone && pane) world.inject({ type: "PaneExited", now, paneId: null });
      break;
    }
    case "authority": {
      const event = { ...action.event, now };
      // An identity conflict names a pane of this fleet.
      if (event.type === "IdentityConflictDetected") event.paneId = pick(world, 0) ?? event.paneId;
      world.inject(event);
      break;
    }
    case "advance":
      world.advance(action.ms);
      return;
    case "addWorker":
      world.addWorker();
      break;
    case "retitle": {
      const pane = pick(world, action.index);
      if (pane) world.tmux.setTitle(pane, action.title);
      break;
    }
    case "killWorker": {
      const pane = pick(world, action.index);
      if (pane) world.tmux.killPaneExternally(pane);
      break;
    }
    case "killFirstMate": {
      const pane = world.firstMatePaneId();
      if (pane) world.tmux.killPaneExternally(pane);
      break;
    }
    case "notify": {
      const pane = pick(world, action.index);
      if (pane) world.inject({ type: "NotifyReceived", now, paneId: pane, kind: action.kind, message: action.message });
      break;
    }
    case "report": {
      const pane = pick(world, action.index);
      if (pane) world.inject({ type: "ReportReceived", now, paneId: pane, message: action.message });
      break;
    }
    case "failEmits":
      world.channel.failNext(action.count);
      break;
    case "detachFirstMate": {
      const pane = world.firstMatePaneId();
      if (pane && world.channel.isAttached(pane)) world.channel.detach(pane);
      break;
    }
    case "attachFirstMate": {
      const pane = world.firstMatePaneId();
      if (pane && !world.channel.isAttached(pane) && world.tmux.panes.has(pane)) world.channel.attach(pane, true);
      break;
    }
    case "queueSpawn":
      world.tmux.queueSpawns(action.behaviour);
      break;
  }
  world.drive();
};
